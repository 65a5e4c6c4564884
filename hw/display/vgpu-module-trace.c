/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-gpu-gl as an out-of-tree module: honour -trace for our events.
 *
 * QEMU applies -trace patterns while it parses its command line, before
 * any device module is loaded, and then forgets them.  Inside QEMU's tree
 * our events live in the binary and are enabled then; in a module loaded
 * later they would stay off.  So, once our events are registered, apply
 * the command line's -trace options again: each enables the events it
 * names, ours included, and leaves the others as they were.
 */

#include "qemu/osdep.h"
#include "qemu/option.h"
#include "trace/control.h"
#include "hw/display/vgpu.h"

/* An events=FILE list: one pattern per line, '#' starts a comment. */
static void vgpu_trace_apply_file(const char *fname)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    size_t i;

    if (!g_file_get_contents(fname, &text, NULL, NULL)) {
        return;     /* QEMU reported it at startup already */
    }
    lines = g_strsplit(text, "\n", -1);
    for (i = 0; lines[i]; i++) {
        char *line = g_strstrip(lines[i]);

        if (*line && *line != '#') {
            trace_enable_events(line);
        }
    }
}

static void vgpu_trace_apply_option(const char *optstr)
{
    QemuOpts *opts = qemu_opts_parse(&qemu_trace_opts, optstr, true, NULL);

    if (!opts) {
        return;     /* QEMU rejected it at startup already */
    }
    if (qemu_opt_get(opts, "enable")) {
        trace_enable_events(qemu_opt_get(opts, "enable"));
    }
    if (qemu_opt_get(opts, "events")) {
        vgpu_trace_apply_file(qemu_opt_get(opts, "events"));
    }
    qemu_opts_del(opts);
}

void vgpu_trace_apply_cmdline(void)
{
    static bool done;
    g_autofree char *cmdline = NULL;
    size_t len, pos;
    const char *prev = NULL;

    if (done) {
        return;
    }
    done = true;
    if (!g_file_get_contents("/proc/self/cmdline", &cmdline, &len, NULL)) {
        return;
    }
    /* NUL-separated arguments: act on the one after each -trace. */
    for (pos = 0; pos < len; pos += strlen(cmdline + pos) + 1) {
        const char *arg = cmdline + pos;

        if (prev && (!strcmp(prev, "-trace") || !strcmp(prev, "--trace"))) {
            vgpu_trace_apply_option(arg);
        }
        prev = arg;
    }
}
