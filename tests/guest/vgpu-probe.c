/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpu-probe: report what the guest's virtio-gpu DRM driver says about the
 * device, one fact per line, so that runs against different device setups
 * (virgl only, blob + hostmem, venus) can be compared by the host harness.
 *
 * Output lines:
 *   PROBE driver name=NAME version=X.Y.Z
 *   PROBE param NAME=VALUE | PROBE param NAME=unsupported errno=N
 *   PROBE capset NAME id=N max_version=V size=S
 *   PROBE capset_data NAME first_dwords=0x........,...
 *   PROBE capset NAME id=N error errno=N | PROBE capset none
 *   PROBE done
 * or "PROBE error ..." and exit status 1 when the device cannot be opened.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "virtgpu.h"

/* Large enough for every capset known today (virgl's is about 1 KiB). */
#define CAPS_BUF_SIZE   65536
/* Stop the version walk somewhere even if the kernel never refuses. */
#define MAX_CAPS_VERSION 32
#define FIRST_DWORDS    4

struct param_desc {
    const char *name;
    uint64_t id;
    bool hex;                   /* a bitmask reads better in hex */
};

static const struct param_desc params[] = {
    { "3D_FEATURES", VIRTGPU_PARAM_3D_FEATURES, false },
    { "CAPSET_QUERY_FIX", VIRTGPU_PARAM_CAPSET_QUERY_FIX, false },
    { "RESOURCE_BLOB", VIRTGPU_PARAM_RESOURCE_BLOB, false },
    { "HOST_VISIBLE", VIRTGPU_PARAM_HOST_VISIBLE, false },
    { "CROSS_DEVICE", VIRTGPU_PARAM_CROSS_DEVICE, false },
    { "CONTEXT_INIT", VIRTGPU_PARAM_CONTEXT_INIT, false },
    { "SUPPORTED_CAPSET_IDs", VIRTGPU_PARAM_SUPPORTED_CAPSET_IDs, true },
    { "EXPLICIT_DEBUG_NAME", VIRTGPU_PARAM_EXPLICIT_DEBUG_NAME, false },
};

static uint8_t caps_lo[CAPS_BUF_SIZE];
static uint8_t caps_hi[CAPS_BUF_SIZE];

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s [-d DEVICE]\n"
            "  -d DEVICE  DRM device node (default %s)\n",
            prog, VGPU_DEFAULT_DEVICE);
}

static void print_driver(int fd)
{
    char name[64];
    int major, minor, patch;
    int ret = vgpu_driver_version(fd, name, sizeof(name),
                                  &major, &minor, &patch);

    if (ret) {
        vgpu_line("PROBE", "driver error errno=%d", -ret);
        return;
    }
    vgpu_line("PROBE", "driver name=%s version=%d.%d.%d",
              name, major, minor, patch);
}

/* Print every parameter; hand back the capset mask when the kernel has it */
static bool print_params(int fd, uint32_t *capset_mask)
{
    bool have_mask = false;
    size_t i;

    for (i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
        const struct param_desc *p = &params[i];
        int value = 0;
        int ret = vgpu_getparam(fd, p->id, &value);

        if (ret) {
            vgpu_line("PROBE", "param %s=unsupported errno=%d",
                      p->name, -ret);
            continue;
        }
        if (p->hex) {
            vgpu_line("PROBE", "param %s=0x%x", p->name, (unsigned)value);
        } else {
            vgpu_line("PROBE", "param %s=%d", p->name, value);
        }
        if (p->id == VIRTGPU_PARAM_SUPPORTED_CAPSET_IDs) {
            *capset_mask = (uint32_t)value;
            have_mask = true;
        }
    }
    return have_mask;
}

/* Highest version the kernel accepts for this capset; -errno if none. */
static int capset_max_version(int fd, uint32_t id)
{
    int ret = 0;
    int v;

    for (v = 0; v < MAX_CAPS_VERSION; v++) {
        ret = vgpu_get_caps(fd, id, v, caps_lo, sizeof(caps_lo));
        if (ret) {
            break;
        }
    }
    return v > 0 ? v - 1 : ret;
}

/*
 * The ioctl copies min(our size, host size) bytes and does not say how
 * many.  Fetch twice into buffers prefilled with different bytes: what
 * the kernel wrote is identical in both, the untouched tail differs, so
 * the capset size is where the two start to differ for good.
 */
static int capset_size(int fd, uint32_t id, uint32_t version, size_t *size)
{
    size_t n = CAPS_BUF_SIZE;
    int ret;

    memset(caps_lo, 0x00, sizeof(caps_lo));
    memset(caps_hi, 0xff, sizeof(caps_hi));
    ret = vgpu_get_caps(fd, id, version, caps_lo, sizeof(caps_lo));
    if (ret == 0) {
        ret = vgpu_get_caps(fd, id, version, caps_hi, sizeof(caps_hi));
    }
    if (ret) {
        return ret;
    }
    while (n > 0 && caps_lo[n - 1] != caps_hi[n - 1]) {
        n--;
    }
    *size = n;
    return 0;
}

static void print_first_dwords(const char *name, size_t size)
{
    char text[FIRST_DWORDS * 11 + 1] = "";
    size_t i;

    for (i = 0; i < FIRST_DWORDS && (i + 1) * 4 <= size; i++) {
        uint32_t dw;
        size_t len = strlen(text);

        memcpy(&dw, caps_lo + i * 4, sizeof(dw));
        snprintf(text + len, sizeof(text) - len, "%s0x%08x",
                 i ? "," : "", dw);
    }
    vgpu_line("PROBE", "capset_data %s first_dwords=%s", name,
              i ? text : "none");
}

/* Report one capset; returns true when the kernel knows it. */
static bool probe_capset(int fd, uint32_t id, bool listed)
{
    const char *name = vgpu_capset_name(id);
    int max_version = capset_max_version(fd, id);
    size_t size = 0;
    int ret;

    if (max_version < 0) {
        /* Only worth a line when the kernel claimed to have it. */
        if (listed) {
            vgpu_line("PROBE", "capset %s id=%u error errno=%d",
                      name, id, -max_version);
        }
        return false;
    }
    ret = capset_size(fd, id, max_version, &size);
    if (ret) {
        vgpu_line("PROBE", "capset %s id=%u error errno=%d", name, id, -ret);
        return true;
    }
    vgpu_line("PROBE", "capset %s id=%u max_version=%d size=%zu",
              name, id, max_version, size);
    print_first_dwords(name, size);
    return true;
}

static void print_capsets(int fd, bool have_mask, uint32_t mask)
{
    unsigned found = 0;
    uint32_t id;

    if (have_mask) {
        /* Bit N stands for capset id N; id 0 is not a capset. */
        for (id = 1; id < 32; id++) {
            if (mask & (1u << id)) {
                found += probe_capset(fd, id, true);
            }
        }
    } else {
        for (id = VGPU_CAPSET_VIRGL; id <= VGPU_CAPSET_DRM; id++) {
            found += probe_capset(fd, id, false);
        }
    }
    if (!found) {
        vgpu_line("PROBE", "capset none");
    }
}

int main(int argc, char **argv)
{
    const char *dev = VGPU_DEFAULT_DEVICE;
    uint32_t mask = 0;
    bool have_mask;
    int fd, opt;

    while ((opt = getopt(argc, argv, "d:h")) != -1) {
        switch (opt) {
        case 'd':
            dev = optarg;
            break;
        case 'h':
            usage(argv[0]);
            return 0;
        default:
            usage(argv[0]);
            return 2;
        }
    }

    fd = vgpu_open(dev);
    if (fd < 0) {
        vgpu_line("PROBE", "error open %s: %s", dev, strerror(-fd));
        return 1;
    }
    print_driver(fd);
    have_mask = print_params(fd, &mask);
    print_capsets(fd, have_mask, mask);
    close(fd);
    vgpu_line("PROBE", "done");
    return 0;
}
