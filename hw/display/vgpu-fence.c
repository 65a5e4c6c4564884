/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-gpu-gl fences: a fenced command's response waits, in
 * submission order, until the renderer signals its fence.
 *
 * The renderer signals from its own sync thread
 * (VIRGL_RENDERER_ASYNC_FENCE_CB); the callback only records the newest
 * signalled sequence number and schedules a bottom half, which answers
 * the parked commands in the main loop.  No timer polls.
 *
 * Guest fence ids are 64-bit; virglrenderer's global fences take an int.
 * We therefore give each fenced command our own 32-bit sequence number
 * and compare them modulo 2^32, so no guest id can be truncated into a
 * fence that never completes.
 */

#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "qemu/main-loop.h"
#include "qemu/log.h"
#include "hw/display/vgpu.h"
#include "trace.h"

/* a <= b in sequence space. */
static bool vgpu_seq_reached(uint32_t seq, uint32_t signalled)
{
    return (int32_t)(signalled - seq) >= 0;
}

static void vgpu_fence_bh(void *opaque)
{
    VGpuDevice *g = opaque;
    uint32_t signalled = qatomic_load_acquire(&g->signalled_seq);
    VGpuPending *p, *tmp;

    QTAILQ_FOREACH_SAFE(p, &g->pending, next, tmp) {
        if (!vgpu_seq_reached(p->seq, signalled)) {
            break;
        }
        QTAILQ_REMOVE(&g->pending, p, next);
        trace_vgpu_fence_retire(p->hdr.fence_id, p->seq);
        vgpu_respond(g, p->elem, &p->hdr, &p->result);
        g_free(p);
    }
}

void vgpu_fence_init(VGpuDevice *g)
{
    QTAILQ_INIT(&g->pending);
    g->next_seq = 0;
    g->signalled_seq = 0;
    g->fence_bh = qemu_bh_new_guarded(vgpu_fence_bh, g,
                                      &DEVICE(g)->mem_reentrancy_guard);
}

void vgpu_fence_park(VGpuDevice *g, VirtQueueElement *elem,
                     const struct virtio_gpu_ctrl_hdr *hdr, VGpuResult res)
{
    VGpuPending *p = g_new0(VGpuPending, 1);

    p->elem = elem;
    p->hdr = *hdr;
    p->result = res;
    p->seq = ++g->next_seq;
    QTAILQ_INSERT_TAIL(&g->pending, p, next);
    trace_vgpu_fence_park(hdr->fence_id, p->seq);
    if (vgpu_renderer_create_fence(p->seq)) {
        /* Without a renderer fence, answer once earlier ones are done. */
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-gpu-gl: renderer refused "
                      "fence %" PRIu64 "\n", hdr->fence_id);
        vgpu_fence_signalled(g, p->seq);
    }
}

void vgpu_fence_signalled(VGpuDevice *g, uint32_t seq)
{
    /* Any thread: publish, then let the main loop answer. */
    trace_vgpu_fence_signalled(seq);
    qatomic_store_release(&g->signalled_seq, seq);
    qemu_bh_schedule(g->fence_bh);
}

void vgpu_fence_reset(VGpuDevice *g)
{
    VGpuPending *p, *tmp;

    /* The guest reset the device: parked requests are dropped unanswered. */
    QTAILQ_FOREACH_SAFE(p, &g->pending, next, tmp) {
        QTAILQ_REMOVE(&g->pending, p, next);
        trace_vgpu_fence_drop(p->hdr.fence_id);
        virtqueue_detach_element(g->ctrl_vq, p->elem, 0);
        g_free(p->elem);
        g_free(p->result.data);
        g_free(p);
    }
    /*
     * Sequence numbers keep counting across resets: a fence from before
     * the reset that signals late then cannot answer a newer request.
     */
}

void vgpu_fence_fini(VGpuDevice *g)
{
    vgpu_fence_reset(g);
    qemu_bh_delete(g->fence_bh);
    g->fence_bh = NULL;
}
