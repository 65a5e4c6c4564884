/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-gpu-gl blob scanouts: SET_SCANOUT_BLOB and the copy of a blob
 * framebuffer into the console's frame on RESOURCE_FLUSH.
 *
 * A blob framebuffer is plain memory, described by the guest (format,
 * stride, offset): its guest pages for a guest blob, the renderer's
 * mapping for a host blob.  Every geometry is checked against the blob's
 * size before it is accepted, so a flush never reads outside the blob.
 */

#include "qemu/osdep.h"
#include "qemu/iov.h"
#include "qemu/log.h"
#include "hw/display/vgpu.h"
#include "trace.h"

static VGpuResult vgpu_scanout_blob_check(VGpuDevice *g, VGpuResource *r,
                const struct virtio_gpu_set_scanout_blob *c)
{
    uint64_t stride = c->strides[0], row = (uint64_t)c->width * 4;

    if (!r->blob) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "SET_SCANOUT_BLOB: resource %u is not a blob",
                           r->id);
    }
    if (!vgpu_pixman_format(c->format) || !c->width || !c->height ||
        c->width > VGPU_MAX_DIMENSION || c->height > VGPU_MAX_DIMENSION) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "SET_SCANOUT_BLOB: %ux%u in format %u",
                           c->width, c->height, c->format);
    }
    if (!c->r.width || !c->r.height ||
        c->r.x > c->width || c->r.width > c->width - c->r.x ||
        c->r.y > c->height || c->r.height > c->height - c->r.y) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "SET_SCANOUT_BLOB: rect %u,%u %ux%u outside the "
                           "%ux%u framebuffer", c->r.x, c->r.y, c->r.width,
                           c->r.height, c->width, c->height);
    }
    /* Both terms fit in 64 bits: 32-bit values times 16384 at most. */
    if (stride < row || c->offsets[0] > r->blob_size ||
        stride * (c->height - 1) + row > r->blob_size - c->offsets[0]) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "SET_SCANOUT_BLOB: stride %u offset %u for %ux%u"
                           " do not fit the %" PRIu64 "-byte blob %u",
                           c->strides[0], c->offsets[0], c->width,
                           c->height, r->blob_size, r->id);
    }
    if (!r->iov && !(r->blob_flags & VIRTIO_GPU_BLOB_FLAG_USE_MAPPABLE)) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "SET_SCANOUT_BLOB: host blob %u is not mappable,"
                           " so it cannot be shown", r->id);
    }
    return vgpu_ok();
}

VGpuResult vgpu_cmd_set_scanout_blob(VGpuDevice *g, const VGpuCmd *cmd)
{
    const struct virtio_gpu_set_scanout_blob *c = &cmd->u.scanout_blob;
    VGpuResource *r;
    VGpuScanout *s;
    VGpuResult res;

    if (!g->conf.blob) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_UNSPEC, "SET_SCANOUT_BLOB: "
                           "the device has blob=off");
    }
    if (c->scanout_id >= g->conf.max_outputs) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID,
                           "SET_SCANOUT_BLOB: scanout %u (the device has "
                           "%u)", c->scanout_id, g->conf.max_outputs);
    }
    s = &g->scanout[c->scanout_id];
    if (!c->resource_id) {
        vgpu_scanout_disable(g, s);
        return vgpu_ok();
    }
    r = vgpu_resource_lookup(g, c->resource_id, "SET_SCANOUT_BLOB", &res);
    if (!r) {
        return res;
    }
    res = vgpu_scanout_blob_check(g, r, c);
    if (res.type == VIRTIO_GPU_RESP_OK_NODATA) {
        res = vgpu_budget_check_frame(g, s, &c->r, "SET_SCANOUT_BLOB");
    }
    if (res.type != VIRTIO_GPU_RESP_OK_NODATA) {
        return res;
    }
    s->resource_id = r->id;
    s->rect = c->r;
    s->from_blob = true;
    s->fb_format = c->format;
    s->fb_stride = c->strides[0];
    s->fb_offset = c->offsets[0];
    if (c->scanout_id == 0) {
        g->display_taken = true;
    }
    trace_vgpu_scanout_set(c->scanout_id, r->id, c->r.width, c->r.height);
    /* A guest blob's pages become a dmabuf only through /dev/udmabuf. */
    vgpu_present_dmabuf(s, NULL);
    trace_vgpu_scanout_path(c->scanout_id, r->id, "blob copy",
                            "guest pages, no udmabuf export");
    return vgpu_ok();
}

/* Copy the scanout rectangle out of the blob's memory into dst. */
static bool vgpu_blob_copy(VGpuResource *r, VGpuScanout *s, uint8_t *dst,
                           const uint8_t *mapped)
{
    size_t row = (size_t)s->rect.width * 4;
    uint32_t y;

    for (y = 0; y < s->rect.height; y++) {
        uint64_t src = s->fb_offset + (uint64_t)(s->rect.y + y) * s->fb_stride
                       + (uint64_t)s->rect.x * 4;

        if (mapped) {
            memcpy(dst + y * row, mapped + src, row);
        } else if (iov_to_buf(r->iov, r->iov_cnt, src, dst + y * row, row)
                   != row) {
            return false;
        }
    }
    return true;
}

void vgpu_scanout_blob_readback(VGpuDevice *g, VGpuScanout *s,
                                VGpuResource *r)
{
    uint8_t *dst = vgpu_present_target(s, s->rect.width, s->rect.height,
                                       vgpu_pixman_format(s->fb_format));
    void *mapped = NULL;
    uint64_t size = 0;
    bool ok;

    if (r->iov) {
        ok = vgpu_blob_copy(r, s, dst, NULL);
    } else if (r->mapped) {
        ok = vgpu_blob_copy(r, s, dst, vgpu_blob_host_ptr(g, r));
    } else if (!vgpu_renderer_map(r->id, &mapped, &size)) {
        /* Unmapped whatever its size, or no later MAP_BLOB would work. */
        ok = mapped && size >= r->blob_size &&
             vgpu_blob_copy(r, s, dst, mapped);
        vgpu_renderer_unmap(r->id);
    } else {
        ok = false;
    }
    if (!ok) {
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-gpu-gl: cannot read blob %u "
                      "for the display\n", r->id);
        return;
    }
    s->dirty = true;
    vgpu_present_schedule(g);
}
