/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-gpu-gl scanouts and cursor: outputs, EDID, and the picture on
 * QEMU's consoles.
 *
 * The consoles get our own GraphicHwOps without GRAPHIC_FLAGS_GL, so any
 * display backend accepts them (none, VNC, SDL, GTK, ...).  On
 * RESOURCE_FLUSH the scanned-out rectangle is read back from the
 * renderer into a frame that vgpu-present.c puts on the console.
 * Everything here but the console set-up runs on the render thread.
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "hw/display/edid.h"
#include "hw/display/vgpu.h"
#include "qapi/qapi-commands-ui.h"
#include "trace.h"
#include "ui/pixel_ops.h"

pixman_format_code_t vgpu_pixman_format(uint32_t virtio_format)
{
    /* virtio formats name bytes in memory order; pixman names words. */
    switch (virtio_format) {
    case VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM:
        return PIXMAN_a8r8g8b8;
    case VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM:
        return PIXMAN_x8r8g8b8;
    case VIRTIO_GPU_FORMAT_A8R8G8B8_UNORM:
        return PIXMAN_b8g8r8a8;
    case VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM:
        return PIXMAN_b8g8r8x8;
    case VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM:
        return PIXMAN_a8b8g8r8;
    case VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM:
        return PIXMAN_r8g8b8x8;
    case VIRTIO_GPU_FORMAT_A8B8G8R8_UNORM:
        return PIXMAN_r8g8b8a8;
    case VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM:
        return PIXMAN_x8b8g8r8;
    default:
        return 0;
    }
}

static bool vgpu_ui_info_changes(const VGpuScanout *s,
                                 const QemuUIInfo *info)
{
    if (!info->width || !info->height) {
        return s->enabled;
    }
    return !s->enabled || s->width != info->width ||
           s->height != info->height || s->width_mm != info->width_mm ||
           s->height_mm != info->height_mm ||
           s->refresh_rate != info->refresh_rate;
}

/*
 * The display's window (or D-Bus client's monitor) for an output changed
 * size, or went away (0x0): plug, resize or unplug the guest's monitor.
 */
static void vgpu_ui_info(void *opaque, uint32_t head, QemuUIInfo *info)
{
    VGpuDevice *g = opaque;
    VGpuScanout *s;

    if (head >= g->conf.max_outputs) {
        return;
    }
    s = &g->scanout[head];
    if (!vgpu_ui_info_changes(s, info)) {
        return;     /* displays repeat themselves; the guest need not */
    }
    trace_vgpu_ui_info(head, info->width, info->height, info->width_mm,
                       info->height_mm);
    s->enabled = info->width && info->height;
    if (s->enabled) {
        s->width = info->width;
        s->height = info->height;
        s->width_mm = info->width_mm;
        s->height_mm = info->height_mm;
        s->refresh_rate = info->refresh_rate;
    }
    g->events_read |= VIRTIO_GPU_EVENT_DISPLAY;
    virtio_notify_config(VIRTIO_DEVICE(g));
}

static const GraphicHwOps vgpu_hw_ops = {
    .ui_info = vgpu_ui_info,
};

void vgpu_scanouts_init(VGpuDevice *g)
{
    uint32_t i;

    for (i = 0; i < g->conf.max_outputs; i++) {
        VGpuScanout *s = &g->scanout[i];

        s->width = g->conf.xres;
        s->height = g->conf.yres;
        s->enabled = i == 0;
        s->con = graphic_console_init(DEVICE(g), i, &vgpu_hw_ops, g);
        dpy_gfx_replace_surface(s->con, NULL);
    }
    g->console_ops = &vgpu_hw_ops;
    vgpu_present_init(g);
}

void vgpu_scanout_disable(VGpuDevice *g, VGpuScanout *s)
{
    s->resource_id = 0;
    s->from_blob = false;
    vgpu_present_dmabuf(s, NULL);
    vgpu_present_blank(s);
    vgpu_present_schedule(g);
}

void vgpu_scanouts_fini(VGpuDevice *g)
{
    vgpu_present_fini(g);
}

static void vgpu_mouse_set(VGpuDevice *g, VGpuScanout *s, uint32_t x,
                           uint32_t y, bool visible)
{
    s->mouse_x = x;
    s->mouse_y = y;
    s->mouse_visible = visible;
    s->mouse_moved = true;
    vgpu_present_schedule(g);
}

void vgpu_scanouts_reset(VGpuDevice *g)
{
    uint32_t i;

    for (i = 0; i < g->conf.max_outputs; i++) {
        vgpu_scanout_disable(g, &g->scanout[i]);
        vgpu_mouse_set(g, &g->scanout[i], 0, 0, false);
    }
    g->display_taken = false;
}

void vgpu_scanout_forget_resource(VGpuDevice *g, uint32_t resource_id)
{
    uint32_t i;

    for (i = 0; i < g->conf.max_outputs; i++) {
        if (g->scanout[i].resource_id == resource_id) {
            vgpu_scanout_disable(g, &g->scanout[i]);
        }
    }
}

VGpuResult vgpu_cmd_get_display_info(VGpuDevice *g, const VGpuCmd *cmd)
{
    struct virtio_gpu_display_one *modes =
        g_new0(struct virtio_gpu_display_one, VIRTIO_GPU_MAX_SCANOUTS);
    uint32_t i;

    for (i = 0; i < g->conf.max_outputs; i++) {
        if (g->scanout[i].enabled) {
            modes[i].enabled = cpu_to_le32(1);
            modes[i].r.width = cpu_to_le32(g->scanout[i].width);
            modes[i].r.height = cpu_to_le32(g->scanout[i].height);
        }
    }
    return (VGpuResult) {
        .type = VIRTIO_GPU_RESP_OK_DISPLAY_INFO,
        .data = modes,
        .data_len = sizeof(*modes) * VIRTIO_GPU_MAX_SCANOUTS,
    };
}

VGpuResult vgpu_cmd_get_edid(VGpuDevice *g, const VGpuCmd *cmd)
{
    uint32_t id = cmd->u.get_edid.scanout;
    /* The body of virtio_gpu_resp_edid, after its header. */
    struct {
        uint32_t size, padding;
        uint8_t edid[1024];
    } *body;
    qemu_edid_info info = { 0 };
    g_autofree char *serial = NULL;

    if (!g->conf.edid || id >= g->conf.max_outputs) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "GET_EDID: scanout %u (the device has %u%s)", id,
                           g->conf.max_outputs,
                           g->conf.edid ? "" : ", EDID off");
    }
    /*
     * A serial of its own (in EDID's number and text fields both), so
     * guests tell their monitors apart and remember each one's layout.
     */
    serial = g_strdup_printf("%u", id + 1);
    info.serial = serial;
    info.prefx = g->scanout[id].width;
    info.prefy = g->scanout[id].height;
    info.width_mm = g->scanout[id].width_mm;
    info.height_mm = g->scanout[id].height_mm;
    info.refresh_rate = g->scanout[id].refresh_rate;
    body = g_malloc0(sizeof(*body));
    qemu_edid_generate(body->edid, sizeof(body->edid), &info);
    body->size = cpu_to_le32(qemu_edid_size(body->edid));
    return (VGpuResult) {
        .type = VIRTIO_GPU_RESP_OK_EDID,
        .data = body,
        .data_len = sizeof(*body),
    };
}

/*
 * SDL's GL display draws textures it made itself but cannot import a
 * dmabuf (QEMU 10's sdl2 has no dpy_gl_scanout_dmabuf): a dmabuf
 * scanout would leave its window black.  Every other GL display (GTK,
 * egl-headless, D-Bus, SPICE) takes one.
 */
static bool vgpu_display_takes_dmabuf(void)
{
#ifdef CONFIG_SDL
    g_autoptr(DisplayOptions) opts = qmp_query_display_options(NULL);

    return opts->type != DISPLAY_TYPE_SDL;
#else
    return true;
#endif
}

/*
 * Zero copy where it exists: a display with a GL context of its own
 * imports the renderer's dmabuf of the resource and draws it with no CPU
 * copy.  Everything else (no GL display, SDL's, or a renderer that cannot
 * export, as on machines without a render node) gets a CPU readback into
 * the console's surface on each flush.  QEMU's console has no surface
 * for a dmabuf scanout, so QMP screendump cannot see it; dmabuf=off
 * keeps the readback for users who need screendump with a GL display.
 */
static void vgpu_scanout_choose_path(VGpuDevice *g, uint32_t id,
                                     VGpuResource *r)
{
    VGpuScanout *s = &g->scanout[id];
    const char *why;
    VGpuExport e;

    if (!g->conf.dmabuf) {
        why = "dmabuf=off";
    } else if (!console_has_gl(s->con)) {
        why = "display without a GL context";
    } else if (!vgpu_display_takes_dmabuf()) {
        why = "the display cannot import a dmabuf";
    } else if (vgpu_renderer_export_scanout(r->id, &e) < 0) {
        why = "renderer cannot export it";
    } else {
        vgpu_present_dmabuf(s, qemu_dmabuf_new(
            s->rect.width, s->rect.height, e.stride, s->rect.x, s->rect.y,
            r->width, r->height, e.fourcc, e.modifier, e.fd, false,
            e.y0_top));
        trace_vgpu_scanout_path(id, r->id, "dmabuf", "zero copy");
        return;
    }
    vgpu_present_dmabuf(s, NULL);
    trace_vgpu_scanout_path(id, r->id, "readback", why);
}

VGpuResult vgpu_cmd_set_scanout(VGpuDevice *g, const VGpuCmd *cmd)
{
    const struct virtio_gpu_set_scanout *c = &cmd->u.set_scanout;
    VGpuResult res;
    VGpuResource *r;
    VGpuScanout *s;

    if (c->scanout_id >= g->conf.max_outputs) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID,
                           "SET_SCANOUT: scanout %u (the device has %u)",
                           c->scanout_id, g->conf.max_outputs);
    }
    s = &g->scanout[c->scanout_id];
    if (c->resource_id == 0) {
        vgpu_scanout_disable(g, s);
        return vgpu_ok();
    }
    r = vgpu_resource_lookup(g, c->resource_id, "SET_SCANOUT", &res);
    if (!r) {
        return res;
    }
    /*
     * Only a picture can be shown: a buffer's "width" is its size in
     * bytes (up to 1 GiB), so as a scanout it would ask for frames of
     * many gigabytes and line sizes no display can take.
     */
    if (r->blob || (r->target != VGPU_TARGET_TEXTURE_2D &&
                    r->target != VGPU_TARGET_TEXTURE_RECT)) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "SET_SCANOUT: resource %u is %s, not a 2D "
                           "texture", r->id, r->blob ? "a blob (use "
                           "SET_SCANOUT_BLOB)" : "of another target");
    }
    if (!c->r.width || !c->r.height ||
        c->r.x > r->width || c->r.width > r->width - c->r.x ||
        c->r.y > r->height || c->r.height > r->height - c->r.y) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "SET_SCANOUT: rect %u,%u %ux%u outside resource "
                           "%u (%ux%u)", c->r.x, c->r.y, c->r.width,
                           c->r.height, r->id, r->width, r->height);
    }
    if (!vgpu_pixman_format(r->format)) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "SET_SCANOUT: resource %u has format %u, not a "
                           "scanout format", r->id, r->format);
    }
    res = vgpu_budget_check_frame(g, s, &c->r, "SET_SCANOUT");
    if (res.type != VIRTIO_GPU_RESP_OK_NODATA) {
        return res;
    }
    s->resource_id = r->id;
    s->rect = c->r;
    s->from_blob = false;
    if (c->scanout_id == 0) {
        g->display_taken = true;
    }
    trace_vgpu_scanout_set(c->scanout_id, r->id, c->r.width, c->r.height);
    vgpu_scanout_choose_path(g, c->scanout_id, r);
    return vgpu_ok();
}

static void vgpu_scanout_readback(VGpuDevice *g, VGpuScanout *s,
                                  VGpuResource *r)
{
    struct virtio_gpu_box box = {
        .x = s->rect.x, .y = s->rect.y,
        .w = s->rect.width, .h = s->rect.height, .d = 1,
    };
    struct iovec iov = {
        .iov_base = vgpu_present_target(s, s->rect.width, s->rect.height,
                                        vgpu_pixman_format(r->format)),
        .iov_len = (size_t)s->rect.width * s->rect.height * 4,
    };

    if (vgpu_renderer_transfer_read(r->id, 0, 0, s->rect.width * 4, 0, &box,
                                    0, &iov, 1)) {
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-gpu-gl: cannot read back "
                      "resource %u for the display\n", r->id);
        return;
    }
    s->dirty = true;
    vgpu_present_schedule(g);
}

VGpuResult vgpu_cmd_resource_flush(VGpuDevice *g, const VGpuCmd *cmd)
{
    uint32_t id = cmd->u.flush.resource_id;
    VGpuResult res;
    VGpuResource *r;
    uint32_t i;

    r = vgpu_resource_lookup(g, id, "RESOURCE_FLUSH", &res);
    if (!r) {
        return res;
    }
    for (i = 0; i < g->conf.max_outputs; i++) {
        if (g->scanout[i].resource_id == id) {
            VGpuScanout *s = &g->scanout[i];

            if (s->from_blob) {
                trace_vgpu_scanout_flush(i, id, "blob copy");
                vgpu_scanout_blob_readback(g, s, r);
            } else if (s->dmabuf_next || s->dmabuf_shown) {
                trace_vgpu_scanout_flush(i, id, "dmabuf");
                s->dirty = true;
                vgpu_present_schedule(g);
            } else {
                trace_vgpu_scanout_flush(i, id, "readback");
                vgpu_scanout_readback(g, s, r);
            }
        }
    }
    return vgpu_ok();
}

static void vgpu_cursor_define(VGpuDevice *g, VGpuScanout *s,
                               const struct virtio_gpu_update_cursor *c)
{
    uint32_t w = 0, h = 0;
    g_autofree uint32_t *data = NULL;
    QEMUCursor *cursor;

    if (!vgpu_resource_find(g, c->resource_id)) {
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-gpu-gl: UPDATE_CURSOR: no "
                      "resource %u\n", c->resource_id);
        return;
    }
    data = vgpu_renderer_cursor_data(c->resource_id, &w, &h);
    if (!data || w != VGPU_CURSOR_SIZE || h != VGPU_CURSOR_SIZE) {
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-gpu-gl: UPDATE_CURSOR: "
                      "resource %u is not a %dx%d cursor\n", c->resource_id,
                      VGPU_CURSOR_SIZE, VGPU_CURSOR_SIZE);
        return;
    }
    cursor = cursor_alloc(w, h);
    cursor->hot_x = c->hot_x;
    cursor->hot_y = c->hot_y;
    memcpy(cursor->data, data, (size_t)w * h * sizeof(uint32_t));
    if (s->cursor) {
        cursor_unref(s->cursor);    /* never shown: a newer one came */
    }
    s->cursor = cursor;
    vgpu_present_schedule(g);
}

void vgpu_cursor_update(VGpuDevice *g,
                        const struct virtio_gpu_update_cursor *c)
{
    VGpuScanout *s;

    if (c->pos.scanout_id >= g->conf.max_outputs) {
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-gpu-gl: cursor on scanout %u "
                      "(the device has %u)\n", c->pos.scanout_id,
                      g->conf.max_outputs);
        return;
    }
    s = &g->scanout[c->pos.scanout_id];
    trace_vgpu_cursor(c->pos.scanout_id, c->resource_id, c->pos.x, c->pos.y);
    if (c->hdr.type == VIRTIO_GPU_CMD_UPDATE_CURSOR) {
        if (c->resource_id == 0) {
            vgpu_mouse_set(g, s, c->pos.x, c->pos.y, false);
            return;
        }
        vgpu_cursor_define(g, s, c);
    } else if (c->hdr.type != VIRTIO_GPU_CMD_MOVE_CURSOR) {
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-gpu-gl: unknown cursor "
                      "command 0x%x\n", c->hdr.type);
        return;
    }
    vgpu_mouse_set(g, s, c->pos.x, c->pos.y, true);
}
