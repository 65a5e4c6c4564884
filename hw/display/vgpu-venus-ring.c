/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-gpu-gl: wake-ups of Venus rings that the guest's driver missed.
 *
 * Mesa's Venus driver hands most Vulkan commands to the render server
 * through a ring in shared memory.  When a ring has had no work for its
 * idle timeout, the server's ring thread sets the ring's IDLE status
 * bit, reads the tail once more and goes to sleep until the driver sends
 * vkNotifyRingMESA.  The driver stores the new tail, then reads the
 * status, and sends that notification only when it sees IDLE.
 *
 * That is a store-buffering handshake: it holds only if each side orders
 * its store before its following load.  The driver stores the tail with
 * release order and loads the status with seq_cst order, which C11 and
 * x86 both allow to be reordered (an x86_64 guest, under KVM or TCG);
 * an Arm guest's STLR and LDAR would be ordered on Arm hardware, but TCG
 * on an x86 host does not keep them in order.  When the two cross, the
 * ring thread sleeps with a command in its ring, and the guest waits for
 * that command's reply for good (Mesa logs "stuck in ring seqno wait").
 *
 * The device cannot see into the rings, but it sees them made and
 * destroyed: Mesa sends vkCreateRingMESA and vkDestroyRingMESA alone, in
 * a SUBMIT_3D of their own.  So it keeps each Venus context's ring ids
 * and, on a timer, sends the context one vkNotifyRingMESA per ring.  For
 * a ring that is awake that costs the server a lock and a signal; a
 * sleeping one wakes up and reads its tail again.  The timer runs
 * x-venus-nudge-ms (100 by default) after a context's last submission
 * and then at doubling periods while the context stays quiet, up to
 * VGPU_VENUS_NUDGE_BACKOFF times that: a lost wake-up costs the guest
 * at most one period, and an idle guest costs a few wake-ups.
 * x-venus-nudge-ms=0 switches the repair off, for a guest whose driver
 * keeps the handshake and for measuring what the repair costs.
 *
 * A guest that destroys a ring in any other way than Mesa does leaves
 * an id here that the server no longer knows; the server then fails
 * that guest's own context, as it would for the guest's own stray
 * notification.  No other context is touched.
 */

#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "qemu/bswap.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "hw/display/vgpu.h"
#include "trace.h"

/* VkCommandTypeEXT values of the Venus protocol (VK_MESA_venus_protocol) */
#define VENUS_CMD_CREATE_RING       188
#define VENUS_CMD_DESTROY_RING      189
#define VENUS_CMD_NOTIFY_RING       190

/* Command type, flags and the ring's 64-bit id: both commands start so */
#define VENUS_RING_CMD_HEAD         16

/* A quiet context's period grows up to this many times x-venus-nudge-ms */
#define VGPU_VENUS_NUDGE_BACKOFF    16
/* Mesa makes one per instance and one per thread that submits */
#define VGPU_VENUS_MAX_RINGS        64

typedef struct VGpuVenusRings {
    uint64_t id[VGPU_VENUS_MAX_RINGS];
    unsigned int count;
    bool submitted;              /* since the last round of the timer */
    bool full_logged;
    int64_t period_ms;
    int64_t next_ms;             /* QEMU_CLOCK_VIRTUAL */
} VGpuVenusRings;

/* Main loop: the render thread owns the renderer, so it sends them. */
static void vgpu_venus_nudge_due(void *opaque)
{
    VGpuDevice *g = opaque;

    qatomic_set(&g->venus_nudge_due, true);
    vgpu_worker_kick(g);
}

void vgpu_venus_rings_init(VGpuDevice *g)
{
    g->venus_rings = g_hash_table_new_full(g_direct_hash, g_direct_equal,
                                           NULL, g_free);
    g->venus_nudge = timer_new_ms(QEMU_CLOCK_VIRTUAL, vgpu_venus_nudge_due,
                                  g);
    g->venus_nudge_due = false;
}

void vgpu_venus_rings_fini(VGpuDevice *g)
{
    timer_free(g->venus_nudge);
    g->venus_nudge = NULL;
    g_hash_table_destroy(g->venus_rings);
    g->venus_rings = NULL;
}

void vgpu_venus_context_created(VGpuDevice *g, uint32_t ctx_id)
{
    g_hash_table_insert(g->venus_rings, GUINT_TO_POINTER(ctx_id),
                        g_new0(VGpuVenusRings, 1));
}

void vgpu_venus_context_gone(VGpuDevice *g, uint32_t ctx_id)
{
    g_hash_table_remove(g->venus_rings, GUINT_TO_POINTER(ctx_id));
}

void vgpu_venus_rings_reset(VGpuDevice *g)
{
    g_hash_table_remove_all(g->venus_rings);
}

static int vgpu_venus_ring_index(const VGpuVenusRings *rings, uint64_t id)
{
    unsigned int i;

    for (i = 0; i < rings->count; i++) {
        if (rings->id[i] == id) {
            return i;
        }
    }
    return -1;
}

static void vgpu_venus_ring_add(VGpuDevice *g, uint32_t ctx_id,
                                VGpuVenusRings *rings, uint64_t id)
{
    if (vgpu_venus_ring_index(rings, id) >= 0) {
        return;
    }
    if (rings->count == VGPU_VENUS_MAX_RINGS) {
        if (!rings->full_logged) {
            qemu_log_mask(LOG_GUEST_ERROR, "virtio-gpu-gl: Venus context %u "
                          "made more than %d rings; lost wake-ups of the "
                          "others are not repaired\n", ctx_id,
                          VGPU_VENUS_MAX_RINGS);
            rings->full_logged = true;
        }
        return;
    }
    rings->id[rings->count++] = id;
    trace_vgpu_venus_ring_create(ctx_id, id);
    if (g->conf.venus_nudge_ms && !timer_pending(g->venus_nudge)) {
        timer_mod(g->venus_nudge, qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) +
                  g->conf.venus_nudge_ms);
    }
}

static void vgpu_venus_ring_remove(uint32_t ctx_id, VGpuVenusRings *rings,
                                   uint64_t id)
{
    int i = vgpu_venus_ring_index(rings, id);

    if (i >= 0) {
        rings->id[i] = rings->id[--rings->count];
        trace_vgpu_venus_ring_destroy(ctx_id, id);
    }
}

/*
 * Render thread: ctx_id's renderer took buf.  Notice the rings it makes
 * and destroys.
 */
void vgpu_venus_note_submit(VGpuDevice *g, uint32_t ctx_id,
                            const void *buf, uint32_t size)
{
    VGpuVenusRings *rings = g_hash_table_lookup(g->venus_rings,
                                                GUINT_TO_POINTER(ctx_id));
    uint32_t type;
    uint64_t id;

    if (!rings) {
        return;
    }
    rings->submitted = true;
    if (size < VENUS_RING_CMD_HEAD) {
        return;
    }
    type = ldl_le_p(buf);
    id = ldq_le_p((const uint8_t *)buf + 8);
    if (type == VENUS_CMD_CREATE_RING) {
        vgpu_venus_ring_add(g, ctx_id, rings, id);
    } else if (type == VENUS_CMD_DESTROY_RING &&
               size == VENUS_RING_CMD_HEAD) {
        vgpu_venus_ring_remove(ctx_id, rings, id);
    }
}

static void vgpu_venus_notify_rings(uint32_t ctx_id,
                                    const VGpuVenusRings *rings)
{
    /* vkNotifyRingMESA(ring, seqno, flags): type, flags, u64, u32, u32 */
    uint32_t cmd[6];
    unsigned int i;

    for (i = 0; i < rings->count; i++) {
        memset(cmd, 0, sizeof(cmd));
        stl_le_p(&cmd[0], VENUS_CMD_NOTIFY_RING);
        stq_le_p(&cmd[2], rings->id[i]);
        vgpu_renderer_submit(ctx_id, cmd, ARRAY_SIZE(cmd));
    }
    trace_vgpu_venus_ring_nudge(ctx_id, rings->count);
}

/* Is this context due?  Busy ones every round, quiet ones less often. */
static bool vgpu_venus_rings_due(VGpuVenusRings *rings, int64_t now,
                                  int64_t period_ms)
{
    bool due;

    if (rings->submitted) {
        rings->period_ms = period_ms;
        rings->next_ms = now;
    }
    due = now >= rings->next_ms;
    if (due) {
        rings->next_ms = now + rings->period_ms;
        if (!rings->submitted) {
            rings->period_ms = MIN(rings->period_ms * 2,
                                   period_ms * VGPU_VENUS_NUDGE_BACKOFF);
        }
    }
    rings->submitted = false;
    return due;
}

/* Render thread, BQL held: a round of the timer, if one is due. */
void vgpu_venus_rings_service(VGpuDevice *g)
{
    GHashTableIter iter;
    gpointer key, value;
    int64_t now;
    bool any = false;

    if (!qatomic_xchg(&g->venus_nudge_due, false)) {
        return;
    }
    now = qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL);
    g_hash_table_iter_init(&iter, g->venus_rings);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        VGpuVenusRings *rings = value;

        if (!rings->count) {
            continue;
        }
        any = true;
        if (vgpu_venus_rings_due(rings, now, g->conf.venus_nudge_ms)) {
            vgpu_venus_notify_rings(GPOINTER_TO_UINT(key), rings);
        }
    }
    if (any) {
        timer_mod(g->venus_nudge, now + g->conf.venus_nudge_ms);
    }
}
