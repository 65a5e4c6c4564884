/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-gpu-gl consoles: the only code that calls QEMU's display API.
 *
 * Display backends expect their callbacks on the main loop thread (GTK
 * is not thread-safe, and a GL display makes its own context current in
 * them), but commands run on the render thread.  So the render thread
 * only leaves a frame, a blanking or a cursor in the scanout's hand-over
 * fields and schedules a bottom half; the bottom half puts them on the
 * console.  Both sides hold the BQL, so they never overlap.
 *
 * A frame's pixels belong to the render thread until the bottom half
 * puts them on the console; from then on to the console (`shown`), and
 * the render thread writes into them again only while the BQL keeps the
 * display from reading.
 */

#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "hw/display/vgpu.h"

static void vgpu_frame_free(VGpuFrame *f)
{
    g_free(f->pixels);
    memset(f, 0, sizeof(*f));
}

static void vgpu_dmabuf_free(QemuDmaBuf *dmabuf)
{
    if (dmabuf) {
        qemu_dmabuf_close(dmabuf);
        qemu_dmabuf_free(dmabuf);
    }
}

/*
 * Put the next dmabuf on the console, or go back to the surface.  The
 * console gets a surface of the dmabuf's size too: displays that read a
 * GL scanout back (egl-headless, for VNC and screendump) read into it.
 */
static void vgpu_present_switch_dmabuf(VGpuScanout *s)
{
    bool was_dmabuf = s->dmabuf_shown;

    if (s->dmabuf_shown) {
        dpy_gl_release_dmabuf(s->con, s->dmabuf_shown);
        vgpu_dmabuf_free(s->dmabuf_shown);
    }
    s->dmabuf_shown = s->dmabuf_next;
    s->dmabuf_next = NULL;
    s->dmabuf_switch = false;
    if (s->dmabuf_shown) {
        dpy_gfx_replace_surface(s->con, qemu_create_displaysurface(
            qemu_dmabuf_get_width(s->dmabuf_shown),
            qemu_dmabuf_get_height(s->dmabuf_shown)));
        vgpu_frame_free(&s->shown);
        dpy_gl_scanout_dmabuf(s->con, s->dmabuf_shown);
    } else if (was_dmabuf) {
        dpy_gl_scanout_disable(s->con);
    }
}

static void vgpu_present_scanout(VGpuDevice *g, VGpuScanout *s)
{
    if (s->blank) {
        dpy_gfx_replace_surface(s->con, NULL);
        vgpu_frame_free(&s->shown);
        s->blank = false;
        /* With virtio-vga-gl, VGA draws on scanout 0 when we do not. */
        g->vga_redraw = g->has_vga && s == &g->scanout[0];
    }
    if (s->next.pixels) {
        DisplaySurface *surface = qemu_create_displaysurface_from(
            s->next.width, s->next.height, s->next.format,
            s->next.width * 4, s->next.pixels);

        /* The console lets go of the old surface before we free it. */
        dpy_gfx_replace_surface(s->con, surface);
        vgpu_frame_free(&s->shown);
        s->shown = s->next;
        memset(&s->next, 0, sizeof(s->next));
    }
    if (s->dmabuf_switch) {
        vgpu_present_switch_dmabuf(s);
    }
    if (s->dirty && s->dmabuf_shown) {
        dpy_gl_update(s->con, 0, 0,
                      qemu_dmabuf_get_width(s->dmabuf_shown),
                      qemu_dmabuf_get_height(s->dmabuf_shown));
    } else if (s->dirty && s->shown.pixels) {
        dpy_gfx_update(s->con, 0, 0, s->shown.width, s->shown.height);
    }
    s->dirty = false;
    if (s->cursor) {
        dpy_cursor_define(s->con, s->cursor);
        cursor_unref(s->cursor);
        s->cursor = NULL;
    }
    if (s->mouse_moved) {
        dpy_mouse_set(s->con, s->mouse_x, s->mouse_y, s->mouse_visible);
        s->mouse_moved = false;
    }
}

static void vgpu_present_bh(void *opaque)
{
    VGpuDevice *g = opaque;
    uint32_t i;

    for (i = 0; i < g->conf.max_outputs; i++) {
        vgpu_present_scanout(g, &g->scanout[i]);
    }
}

void vgpu_present_init(VGpuDevice *g)
{
    g->present_bh = qemu_bh_new_guarded(vgpu_present_bh, g,
                                        &DEVICE(g)->mem_reentrancy_guard);
}

/* Render thread, BQL held: put the hand-over on the console soon. */
void vgpu_present_schedule(VGpuDevice *g)
{
    qemu_bh_schedule(g->present_bh);
}

/*
 * A buffer for a frame of the given geometry: the console's own when it
 * matches and stays on screen, else a new one that the bottom half will
 * put on the console.
 */
uint8_t *vgpu_present_target(VGpuScanout *s, uint32_t width, uint32_t height,
                             pixman_format_code_t format)
{
    VGpuFrame want = { .width = width, .height = height, .format = format };

    if (s->next.pixels && s->next.width == width &&
        s->next.height == height && s->next.format == format) {
        return s->next.pixels;
    }
    if (!s->next.pixels && !s->blank && s->shown.pixels &&
        s->shown.width == width && s->shown.height == height &&
        s->shown.format == format) {
        return s->shown.pixels;
    }
    vgpu_frame_free(&s->next);
    want.pixels = g_malloc0((size_t)width * height * 4);
    s->next = want;
    return want.pixels;
}

/*
 * Render thread: show this dmabuf (owned from now on), or go back to
 * surfaces with NULL.  One not yet shown is dropped.
 */
void vgpu_present_dmabuf(VGpuScanout *s, QemuDmaBuf *dmabuf)
{
    if (!dmabuf && !s->dmabuf_shown && !s->dmabuf_next) {
        return;     /* the readback path already */
    }
    vgpu_dmabuf_free(s->dmabuf_next);
    s->dmabuf_next = dmabuf;
    s->dmabuf_switch = true;
}

/* Render thread: the console goes blank; a frame not yet shown is dropped. */
void vgpu_present_blank(VGpuScanout *s)
{
    vgpu_frame_free(&s->next);
    s->blank = true;
    s->dirty = false;
}

void vgpu_present_fini(VGpuDevice *g)
{
    uint32_t i;

    qemu_bh_delete(g->present_bh);
    g->present_bh = NULL;
    for (i = 0; i < g->conf.max_outputs; i++) {
        VGpuScanout *s = &g->scanout[i];

        if (s->con) {
            /* The display lets go of a dmabuf it shows before it is freed. */
            if (s->dmabuf_shown) {
                dpy_gl_release_dmabuf(s->con, s->dmabuf_shown);
            }
            dpy_gfx_replace_surface(s->con, NULL);
            graphic_console_close(s->con);
            s->con = NULL;
        }
        vgpu_frame_free(&s->shown);
        vgpu_frame_free(&s->next);
        vgpu_dmabuf_free(s->dmabuf_next);
        vgpu_dmabuf_free(s->dmabuf_shown);
        s->dmabuf_next = s->dmabuf_shown = NULL;
        if (s->cursor) {
            cursor_unref(s->cursor);
            s->cursor = NULL;
        }
    }
}
