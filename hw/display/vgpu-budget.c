/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-gpu-gl budgets: the host memory a guest can make us spend.
 *
 * Every allocation a guest asks for has a bound that a device property
 * sets: bytes of resource storage (max_resource_bytes), live contexts
 * (max_contexts, each a render-server process with Venus), scanout
 * frames (max_frame_bytes) and backing entries (max_backing_entries, in
 * vgpu-resource.c).  Past a bound the guest gets ERR_OUT_OF_MEMORY and
 * a guest-error line; the first time a bound is reached after a reset,
 * the user also gets a warning that names the property to raise.
 */

#include "qemu/osdep.h"
#include "qemu/bitmap.h"
#include "qemu/error-report.h"
#include "hw/display/vgpu.h"

/* Row pitches no renderer reports: a guess of 4 bytes per texel. */
#define VGPU_GUESS_TEXEL_BYTES  4

static const char *const vgpu_budget_props[VGPU_BUDGET_COUNT] = {
    [VGPU_BUDGET_RESOURCE_BYTES] = "max_resource_bytes",
    [VGPU_BUDGET_CONTEXTS] = "max_contexts",
    [VGPU_BUDGET_FRAME_BYTES] = "max_frame_bytes",
    [VGPU_BUDGET_BACKING_ENTRIES] = "max_backing_entries",
};

/* The guest's answer; the user hears of each budget once per reset. */
VGpuResult vgpu_budget_refuse(VGpuDevice *g, VGpuBudget which,
                              const char *cmd, uint64_t want,
                              uint64_t used, uint64_t limit)
{
    if (!(g->budgets_warned & (1u << which))) {
        g->budgets_warned |= 1u << which;
        warn_report("virtio-gpu-gl: the guest reached %s=%" PRIu64
                    " (%s asked for %" PRIu64 " more, %" PRIu64
                    " in use); raise the property if it needs more",
                    vgpu_budget_props[which], limit, cmd, want, used);
    }
    return vgpu_reject(VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY,
                       "%s: %" PRIu64 " more would pass %s=%" PRIu64
                       " (%" PRIu64 " in use)", cmd, want,
                       vgpu_budget_props[which], limit, used);
}

/*
 * An estimate of a texture's storage from its row pitch: every level
 * together takes at most twice level 0, whatever the target.
 */
uint64_t vgpu_budget_texture_bytes(uint32_t target, uint32_t width,
                                   uint32_t height, uint32_t layers,
                                   uint32_t last_level, uint32_t pitch)
{
    uint64_t bytes;

    if (target == VGPU_TARGET_BUFFER) {
        return width;
    }
    if (!pitch) {
        pitch = width * VGPU_GUESS_TEXEL_BYTES;
    }
    bytes = (uint64_t)pitch * height * layers;
    return last_level ? bytes * 2 : bytes;
}

/*
 * The least storage any format can need: half a byte per texel (the
 * smallest compressed blocks), so nothing past the budget even at that
 * rate reaches the renderer.
 */
uint64_t vgpu_budget_texture_floor(uint32_t target, uint32_t width,
                                   uint32_t height, uint32_t layers)
{
    if (target == VGPU_TARGET_BUFFER) {
        return width;
    }
    return (uint64_t)width * height * layers / 2;
}

VGpuResult vgpu_budget_check_bytes(VGpuDevice *g, const char *cmd,
                                   uint64_t bytes)
{
    uint64_t limit = g->conf.max_resource_bytes;

    if (bytes > limit - MIN(limit, g->resource_bytes)) {
        return vgpu_budget_refuse(g, VGPU_BUDGET_RESOURCE_BYTES, cmd, bytes,
                                  g->resource_bytes, limit);
    }
    return vgpu_ok();
}

void vgpu_budget_charge(VGpuDevice *g, VGpuResource *r, uint64_t bytes)
{
    r->host_bytes = bytes;
    g->resource_bytes += bytes;
}

void vgpu_budget_release(VGpuDevice *g, VGpuResource *r)
{
    g->resource_bytes -= r->host_bytes;
    r->host_bytes = 0;
}

VGpuResult vgpu_budget_check_context(VGpuDevice *g, const char *cmd)
{
    long live = bitmap_count_one(g->contexts, VGPU_MAX_CONTEXTS);

    if (live >= g->conf.max_contexts) {
        return vgpu_budget_refuse(g, VGPU_BUDGET_CONTEXTS, cmd, 1, live,
                                  g->conf.max_contexts);
    }
    return vgpu_ok();
}

/* Two frames (on screen, and the next) per scanout that shows a rect. */
static uint64_t vgpu_frames_bytes(const struct virtio_gpu_rect *r)
{
    return 2 * (uint64_t)r->width * r->height * 4;
}

/* Would scanout @s showing @rect keep every frame within the budget? */
VGpuResult vgpu_budget_check_frame(VGpuDevice *g, const VGpuScanout *s,
                                   const struct virtio_gpu_rect *rect,
                                   const char *cmd)
{
    uint64_t used = 0, want = vgpu_frames_bytes(rect);
    uint32_t i;

    for (i = 0; i < g->conf.max_outputs; i++) {
        const VGpuScanout *o = &g->scanout[i];

        if (o != s && o->resource_id) {
            used += vgpu_frames_bytes(&o->rect);
        }
    }
    if (want > g->conf.max_frame_bytes - MIN(used, g->conf.max_frame_bytes)) {
        return vgpu_budget_refuse(g, VGPU_BUDGET_FRAME_BYTES, cmd, want,
                                  used, g->conf.max_frame_bytes);
    }
    return vgpu_ok();
}
