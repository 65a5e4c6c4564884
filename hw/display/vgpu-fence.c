/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-gpu-gl fences: a fenced command's response waits until the
 * renderer signals its fence.
 *
 * Two kinds of timeline.  A fence without VIRTIO_GPU_FLAG_INFO_RING_IDX
 * is on the device's global timeline; one with it is on ring ring_idx of
 * its context (CONTEXT_INIT).  Fences complete in order within their
 * timeline and independently across timelines.
 *
 * The renderer signals from its own threads (VIRGL_RENDERER_ASYNC_FENCE_CB,
 * Venus' render server): the callbacks only record the newest signalled
 * value and schedule a bottom half, which answers the parked commands in
 * the main loop.  No timer polls.
 *
 * Guest fence ids are 64-bit and chosen by the guest; the renderer's
 * global fences take an int.  So every parked command gets our own
 * sequence number: 32-bit on the global timeline, compared modulo 2^32,
 * and 64-bit on rings, so no guest id can be truncated into a fence that
 * never completes.
 */

#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "qemu/main-loop.h"
#include "qemu/log.h"
#include "hw/display/vgpu.h"
#include "trace.h"

/* a <= b in 32-bit sequence space. */
static bool vgpu_seq_reached(uint32_t seq, uint32_t signalled)
{
    return (int32_t)(signalled - seq) >= 0;
}

static gpointer vgpu_ring_key(uint32_t ctx_id, uint32_t ring_idx)
{
    return GUINT_TO_POINTER(ctx_id * VGPU_MAX_RINGS + ring_idx);
}

/* Has p's fence signalled?  Caller holds fence_lock. */
static bool vgpu_fence_done(VGpuDevice *g, VGpuPending *p)
{
    uint64_t *ring;

    if (!p->on_ring) {
        return vgpu_seq_reached(p->seq,
                                qatomic_load_acquire(&g->signalled_seq));
    }
    ring = g_hash_table_lookup(g->ring_signalled,
                               vgpu_ring_key(p->ctx_id, p->ring_idx));
    /* Ring sequence numbers start at 1: 0 waits for nothing. */
    return !p->seq || (ring && *ring >= p->seq);
}

static void vgpu_fence_retire(VGpuDevice *g, VGpuPending *p)
{
    QTAILQ_REMOVE(&g->pending, p, next);
    trace_vgpu_fence_retire(p->hdr.fence_id, p->seq);
    vgpu_respond(g, p->elem, &p->hdr, &p->result);
    g_free(p);
}

/* Render thread, BQL held: answer every parked command whose fence is done. */
void vgpu_fence_retire_done(VGpuDevice *g)
{
    VGpuPending *p, *tmp;

    /*
     * Parked in submission order, so each timeline's fences come in
     * order; a fence still pending on one timeline holds back no other.
     */
    QTAILQ_FOREACH_SAFE(p, &g->pending, next, tmp) {
        bool done;

        qemu_mutex_lock(&g->fence_lock);
        done = vgpu_fence_done(g, p);
        qemu_mutex_unlock(&g->fence_lock);
        if (done) {
            vgpu_fence_retire(g, p);
        }
    }
}

void vgpu_fence_init(VGpuDevice *g)
{
    QTAILQ_INIT(&g->pending);
    qemu_mutex_init(&g->fence_lock);
    g->ring_signalled = g_hash_table_new_full(g_direct_hash, g_direct_equal,
                                              NULL, g_free);
    g->next_seq = 0;
    g->signalled_seq = 0;
    g->next_ring_seq = 0;
}

static VGpuPending *vgpu_pending_new(VirtQueueElement *elem,
                                     const struct virtio_gpu_ctrl_hdr *hdr,
                                     VGpuResult res)
{
    VGpuPending *p = g_new0(VGpuPending, 1);

    p->elem = elem;
    p->hdr = *hdr;
    p->result = res;
    return p;
}

void vgpu_fence_park(VGpuDevice *g, VirtQueueElement *elem,
                     const struct virtio_gpu_ctrl_hdr *hdr, VGpuResult res)
{
    VGpuPending *p = vgpu_pending_new(elem, hdr, res);

    p->seq = ++g->next_seq;
    QTAILQ_INSERT_TAIL(&g->pending, p, next);
    trace_vgpu_fence_park(hdr->fence_id, p->seq);
    if (vgpu_renderer_create_fence(p->seq)) {
        /*
         * Without a renderer fence, answer once the fences before it are
         * done: wait for the one before it, and hand its number back.
         * Marking this one signalled instead would answer those early.
         */
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-gpu-gl: renderer refused "
                      "fence %" PRIu64 "\n", hdr->fence_id);
        p->seq = --g->next_seq;
        vgpu_worker_kick(g);
    }
}

/* The sequence number of the newest fence parked before p on p's ring. */
static uint64_t vgpu_ring_last_seq(VGpuDevice *g, VGpuPending *p)
{
    VGpuPending *q;

    for (q = QTAILQ_PREV(p, next); q; q = QTAILQ_PREV(q, next)) {
        if (q->on_ring && q->ctx_id == p->ctx_id &&
            q->ring_idx == p->ring_idx) {
            return q->seq;
        }
    }
    return 0;
}

void vgpu_fence_park_ring(VGpuDevice *g, VirtQueueElement *elem,
                          const struct virtio_gpu_ctrl_hdr *hdr,
                          VGpuResult res)
{
    VGpuPending *p = vgpu_pending_new(elem, hdr, res);

    p->on_ring = true;
    p->ctx_id = hdr->ctx_id;
    p->ring_idx = hdr->ring_idx;
    p->seq = ++g->next_ring_seq;
    QTAILQ_INSERT_TAIL(&g->pending, p, next);
    trace_vgpu_fence_park_ring(hdr->fence_id, hdr->ctx_id, hdr->ring_idx,
                               p->seq);
    if (vgpu_renderer_create_ring_fence(hdr->ctx_id, hdr->ring_idx,
                                        p->seq)) {
        /* As above: wait for the fence before it on the same ring. */
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-gpu-gl: renderer refused "
                      "fence %" PRIu64 " on ring %u of context %u\n",
                      hdr->fence_id, hdr->ring_idx, hdr->ctx_id);
        p->seq = vgpu_ring_last_seq(g, p);
        vgpu_worker_kick(g);
    }
}

void vgpu_fence_signalled(VGpuDevice *g, uint32_t seq)
{
    uint32_t seen = qatomic_load_acquire(&g->signalled_seq);

    /*
     * Any thread.  The number only moves forward: a late signal of an
     * older fence must not take back a newer one, or the requests
     * between them would never be answered.
     */
    trace_vgpu_fence_signalled(seq);
    while (!vgpu_seq_reached(seq, seen)) {
        uint32_t was = qatomic_cmpxchg(&g->signalled_seq, seen, seq);

        if (was == seen) {
            break;
        }
        seen = was;
    }
    vgpu_worker_kick(g);
}

void vgpu_fence_ring_signalled(VGpuDevice *g, uint32_t ctx_id,
                               uint32_t ring_idx, uint64_t seq)
{
    gpointer key = vgpu_ring_key(ctx_id, ring_idx);
    uint64_t *value;

    /* Any thread. */
    trace_vgpu_fence_ring_signalled(ctx_id, ring_idx, seq);
    qemu_mutex_lock(&g->fence_lock);
    value = g_hash_table_lookup(g->ring_signalled, key);
    if (!value) {
        value = g_new0(uint64_t, 1);
        g_hash_table_insert(g->ring_signalled, key, value);
    }
    *value = MAX(*value, seq);
    qemu_mutex_unlock(&g->fence_lock);
    vgpu_worker_kick(g);
}

/*
 * The guest destroyed a context: its rings will never signal again, so
 * answer what waits on them now, in order.
 */
void vgpu_fence_context_gone(VGpuDevice *g, uint32_t ctx_id)
{
    VGpuPending *p, *tmp;
    uint32_t ring;

    QTAILQ_FOREACH_SAFE(p, &g->pending, next, tmp) {
        if (p->on_ring && p->ctx_id == ctx_id) {
            vgpu_fence_retire(g, p);
        }
    }
    qemu_mutex_lock(&g->fence_lock);
    for (ring = 0; ring < VGPU_MAX_RINGS; ring++) {
        g_hash_table_remove(g->ring_signalled, vgpu_ring_key(ctx_id, ring));
    }
    qemu_mutex_unlock(&g->fence_lock);
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
    qemu_mutex_lock(&g->fence_lock);
    g_hash_table_remove_all(g->ring_signalled);
    qemu_mutex_unlock(&g->fence_lock);
    /*
     * Sequence numbers keep counting across resets: a fence from before
     * the reset that signals late then cannot answer a newer request.
     */
}

void vgpu_fence_fini(VGpuDevice *g)
{
    vgpu_fence_reset(g);
    g_hash_table_destroy(g->ring_signalled);
    qemu_mutex_destroy(&g->fence_lock);
}
