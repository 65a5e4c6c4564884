/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-gpu-gl blob resources: RESOURCE_CREATE_BLOB, MAP_BLOB and
 * UNMAP_BLOB into the host-visible memory region, ASSIGN_UUID.
 *
 * The host-visible region (property hostmem) is a fixed window of host
 * memory that the transport exposes to the guest (a 64-bit BAR on PCI).
 * MAP_BLOB places a blob the renderer gives as a file into the window
 * itself (vgpu-hostmem.c): nothing waits there.  Any other blob, the
 * renderer's own mapping of it, goes over the window at the guest's
 * offset as a RAM subregion, and UNMAP_BLOB takes that out.  Someone may
 * still use the old subregion (a memory map a vCPU still runs on, until
 * its RCU grace period ends; another device's DMA mapping of those
 * pages), so the renderer unmaps the memory only when the region's last
 * user lets go, and until then the render thread takes no further
 * command: the next one (often RESOURCE_UNREF) must not free what that
 * user can reach.  No handler waits or lets go of the BQL.  The device
 * keeps a reference of its own and drops it, the last one, itself: a
 * region's finalization commits a memory transaction, which needs the
 * BQL, and the other users' last reference may go on any thread (an
 * iothread completing a DMA request into the region).  A timer looks
 * every millisecond while one waits.
 * Offsets are host page aligned, inside the region, and never overlap
 * another mapping, so the region bounds how much a guest can map.
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/rcu.h"
#include "qemu/timer.h"
#include "qemu/units.h"
#include "exec/memory.h"
#include "system/qtest.h"
#include "system/tcg.h"
#include "hw/display/vgpu.h"
#include "trace.h"

#define VGPU_BLOB_MEM_MAX   VIRTIO_GPU_BLOB_MEM_HOST3D_GUEST
#define VGPU_BLOB_FLAGS     (VIRTIO_GPU_BLOB_FLAG_USE_MAPPABLE | \
                             VIRTIO_GPU_BLOB_FLAG_USE_SHAREABLE | \
                             VIRTIO_GPU_BLOB_FLAG_USE_CROSS_DEVICE)
/* Commands wait this long for an old region before a log line says so. */
#define VGPU_UNMAP_STALL_LOG_MS 5000
/* How often the render thread looks whether old regions were let go. */
#define VGPU_UNMAP_POLL_MS      1
/* At unrealize, the last users of old regions get this long to let go. */
#define VGPU_UNMAP_DRAIN_MS     2000

/*
 * QEMU's RCU thread waits for 30 callbacks to pile up, napping 10 ms up
 * to five times, before it starts a grace period (util/rcu.c in QEMU
 * 10.0), and an unmapped region is let go only after two such rounds:
 * 110 ms a cycle.  This many callbacks that do nothing, queued each time
 * the render thread finds an unmapped region still held, make each round
 * start at the thread's next look instead (20 ms a cycle).  The grace
 * periods themselves, and so the guarantee, stay the same; the cost is
 * grace periods back to back while an unmap waits.
 */
#define VGPU_RCU_HURRY_CALLBACKS 32

typedef struct VGpuRcuHurry {
    struct rcu_head rcu;
    bool queued;                /* until the RCU thread has run it */
} VGpuRcuHurry;

static VGpuRcuHurry vgpu_rcu_hurry_pool[VGPU_RCU_HURRY_CALLBACKS];

static void vgpu_rcu_hurry_done(struct rcu_head *head)
{
    qatomic_set(&container_of(head, VGpuRcuHurry, rcu)->queued, false);
}

/* BQL held: queue those of the pool the RCU thread has run already. */
static void vgpu_rcu_hurry(void)
{
    int i;

    for (i = 0; i < VGPU_RCU_HURRY_CALLBACKS; i++) {
        VGpuRcuHurry *h = &vgpu_rcu_hurry_pool[i];

        if (!qatomic_read(&h->queued)) {
            qatomic_set(&h->queued, true);
            call_rcu1(&h->rcu, vgpu_rcu_hurry_done);
        }
    }
}

/* A blob's window in the host-visible region. */
typedef struct VGpuBlobRegion {
    MemoryRegion mr;
} VGpuBlobRegion;

/* Main loop: wake the render thread to look at the old regions again. */
static void vgpu_unmap_poll(void *opaque)
{
    vgpu_worker_kick(opaque);
}

static bool vgpu_blob_uses_guest_memory(uint32_t blob_mem)
{
    return blob_mem == VIRTIO_GPU_BLOB_MEM_GUEST ||
           blob_mem == VIRTIO_GPU_BLOB_MEM_HOST3D_GUEST;
}

static VGpuResult vgpu_blob_check(VGpuDevice *g, const VGpuCmd *cmd)
{
    const struct virtio_gpu_resource_create_blob *c = &cmd->u.create_blob;
    bool guest = vgpu_blob_uses_guest_memory(c->blob_mem);

    if (!c->blob_mem || c->blob_mem > VGPU_BLOB_MEM_MAX) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "RESOURCE_CREATE_BLOB: blob_mem %u is not guest,"
                           " host3d or host3d+guest", c->blob_mem);
    }
    if (c->blob_flags & ~VGPU_BLOB_FLAGS) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "RESOURCE_CREATE_BLOB: unknown blob_flags 0x%x",
                           c->blob_flags & ~VGPU_BLOB_FLAGS);
    }
    if (!c->size || c->size > VGPU_MAX_BLOB_SIZE) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "RESOURCE_CREATE_BLOB: size %" PRIu64 " (limit %"
                           PRIu64 ")", c->size, (uint64_t)VGPU_MAX_BLOB_SIZE);
    }
    if (guest != !!c->nr_entries) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "RESOURCE_CREATE_BLOB: blob_mem %u with %u memory"
                           " entries", c->blob_mem, c->nr_entries);
    }
    if (c->blob_mem != VIRTIO_GPU_BLOB_MEM_GUEST &&
        !vgpu_context_exists(g, cmd->hdr.ctx_id)) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_CONTEXT_ID,
                           "RESOURCE_CREATE_BLOB: host blob in context %u, "
                           "which does not exist", cmd->hdr.ctx_id);
    }
    return vgpu_ok();
}

static uint64_t vgpu_iov_total(const struct iovec *iov, unsigned int cnt)
{
    uint64_t total = 0;
    unsigned int i;

    for (i = 0; i < cnt; i++) {
        total += iov[i].iov_len;
    }
    return total;
}

VGpuResult vgpu_cmd_resource_create_blob(VGpuDevice *g, const VGpuCmd *cmd)
{
    const struct virtio_gpu_resource_create_blob *c = &cmd->u.create_blob;
    VGpuResource tmp = { .id = c->resource_id };
    uint64_t host_bytes = c->blob_mem == VIRTIO_GPU_BLOB_MEM_GUEST ? 0 :
                          c->size;
    VGpuResource *r;
    VGpuResult res;

    if (!g->conf.blob) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_UNSPEC, "RESOURCE_CREATE_BLOB:"
                           " the device has blob=off");
    }
    res = vgpu_check_new_id(g, "RESOURCE_CREATE_BLOB", c->resource_id);
    if (res.type == VIRTIO_GPU_RESP_OK_NODATA) {
        res = vgpu_blob_check(g, cmd);
    }
    /* Host blobs are renderer memory; guest ones live in guest RAM. */
    if (res.type == VIRTIO_GPU_RESP_OK_NODATA && host_bytes) {
        res = vgpu_budget_check_bytes(g, "RESOURCE_CREATE_BLOB", host_bytes);
    }
    if (res.type == VIRTIO_GPU_RESP_OK_NODATA && c->nr_entries) {
        res = vgpu_backing_map(g, &tmp, cmd, "RESOURCE_CREATE_BLOB",
                               c->nr_entries);
    }
    if (res.type != VIRTIO_GPU_RESP_OK_NODATA) {
        return res;
    }
    if (tmp.iov && vgpu_iov_total(tmp.iov, tmp.iov_cnt) < c->size) {
        vgpu_backing_unmap(g, &tmp);
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "RESOURCE_CREATE_BLOB: %" PRIu64 " bytes of guest"
                           " memory for a blob of %" PRIu64,
                           vgpu_iov_total(tmp.iov, tmp.iov_cnt), c->size);
    }
    if (vgpu_renderer_create_blob(c->resource_id, cmd->hdr.ctx_id,
                                  c->blob_mem, c->blob_flags, c->blob_id,
                                  c->size, tmp.iov, tmp.iov_cnt)) {
        vgpu_backing_unmap(g, &tmp);
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "RESOURCE_CREATE_BLOB: renderer refused blob %"
                           PRIu64 " of context %u (mem %u)", c->blob_id,
                           cmd->hdr.ctx_id, c->blob_mem);
    }
    r = vgpu_resource_add(g, c->resource_id, 0, 0, 0);
    r->blob = true;
    r->blob_mem = c->blob_mem;
    r->blob_flags = c->blob_flags;
    r->blob_size = c->size;
    r->iov = tmp.iov;
    r->iov_gpa = tmp.iov_gpa;
    r->iov_cnt = tmp.iov_cnt;
    vgpu_budget_charge(g, r, host_bytes);
    return vgpu_ok();
}

static bool vgpu_hostmem_overlaps(VGpuDevice *g, uint64_t offset,
                                  uint64_t size)
{
    VGpuResource *r;

    QTAILQ_FOREACH(r, &g->resources, next) {
        if (r->mapped && offset < r->map_offset + r->map_size &&
            r->map_offset < offset + size) {
            return true;
        }
    }
    return false;
}

/*
 * How a blob mapping must be aligned, in the region and in the host's
 * address space.  A hardware accelerator (KVM, and the like) puts RAM in
 * memory slots of whole host pages: a mapping that does not start on
 * one makes KVM abort QEMU ("error registering slot"), and on 16K or 64K
 * page hosts a 4K aligned offset does not.  TCG, and qtest, reach RAM
 * through QEMU's own page tables and take any host address (llvmpipe's
 * buffers need not start on a page) and guest pages of 4K.
 */
static bool vgpu_accel_takes_any_address(void)
{
    return tcg_enabled() || qtest_enabled();
}

static size_t vgpu_blob_map_align(void)
{
    return vgpu_accel_takes_any_address() ? 4 * KiB
                                          : qemu_real_host_page_size();
}

static bool vgpu_blob_mapping_usable(const void *data)
{
    return vgpu_accel_takes_any_address() ||
           (uintptr_t)data % qemu_real_host_page_size() == 0;
}

static VGpuResult vgpu_map_check(VGpuDevice *g, VGpuResource *r,
                                 uint64_t offset)
{
    uint64_t region = g->conf.hostmem;

    if (!r->blob || r->blob_mem == VIRTIO_GPU_BLOB_MEM_GUEST ||
        !(r->blob_flags & VIRTIO_GPU_BLOB_FLAG_USE_MAPPABLE)) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "RESOURCE_MAP_BLOB: resource %u is not a "
                           "mappable host blob", r->id);
    }
    if (r->mapped) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "RESOURCE_MAP_BLOB: resource %u is already mapped"
                           " at 0x%" PRIx64, r->id, r->map_offset);
    }
    if (offset % vgpu_blob_map_align() || offset >= region ||
        r->blob_size > region - offset) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "RESOURCE_MAP_BLOB: %" PRIu64 " bytes at 0x%"
                           PRIx64 " do not fit aligned to %zu bytes in the %"
                           PRIu64 "-byte host-visible region", r->blob_size,
                           offset, vgpu_blob_map_align(), region);
    }
    if (vgpu_hostmem_overlaps(g, offset, r->blob_size)) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "RESOURCE_MAP_BLOB: 0x%" PRIx64 " + %" PRIu64
                           " overlaps another mapping", offset, r->blob_size);
    }
    return vgpu_ok();
}

/* The renderer's own mapping of r, as a subregion over the window. */
static VGpuResult vgpu_map_region(VGpuDevice *g, VGpuResource *r,
                                  uint64_t offset)
{
    VGpuBlobRegion *reg;
    uint64_t size = 0;
    void *data = NULL;

    if (vgpu_renderer_map(r->id, &data, &size)) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_UNSPEC, "RESOURCE_MAP_BLOB: "
                           "renderer cannot map resource %u", r->id);
    }
    if (!data || size < r->blob_size || !vgpu_blob_mapping_usable(data)) {
        vgpu_renderer_unmap(r->id);
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_UNSPEC, "RESOURCE_MAP_BLOB: "
                           "the renderer's mapping of resource %u (%p, %"
                           PRIu64 " bytes) misses part of the blob or, "
                           "with this accelerator, a page boundary", r->id,
                           data, size);
    }
    reg = g_new0(VGpuBlobRegion, 1);
    /*
     * The region is its own owner, so whoever still uses it keeps the
     * region itself alive (not the device).
     */
    memory_region_init_ram_ptr(&reg->mr, OBJECT(&reg->mr),
                               "virtio-gpu-gl-blob", r->blob_size, data);
    r->map_mr = &reg->mr;
    memory_region_add_subregion_overlap(&g->hostmem, offset, r->map_mr, 1);
    return vgpu_ok();
}

/* Where the host reaches a mapped blob's memory. */
void *vgpu_blob_host_ptr(VGpuDevice *g, VGpuResource *r)
{
    return r->map_placed ? g->hostmem_base + r->map_offset :
                           memory_region_get_ram_ptr(r->map_mr);
}

VGpuResult vgpu_cmd_resource_map_blob(VGpuDevice *g, const VGpuCmd *cmd)
{
    const struct virtio_gpu_resource_map_blob *c = &cmd->u.map_blob;
    VGpuResource *r;
    uint32_t *map_info;
    VGpuResult res;

    r = vgpu_resource_lookup(g, c->resource_id, "RESOURCE_MAP_BLOB", &res);
    if (!r) {
        return res;
    }
    res = vgpu_map_check(g, r, c->offset);
    if (res.type != VIRTIO_GPU_RESP_OK_NODATA) {
        return res;
    }
    if (vgpu_hostmem_place(g, r, c->offset)) {
        r->map_placed = true;
    } else {
        res = vgpu_map_region(g, r, c->offset);
        if (res.type != VIRTIO_GPU_RESP_OK_NODATA) {
            return res;
        }
    }
    r->mapped = true;
    r->map_offset = c->offset;
    r->map_size = r->blob_size;
    trace_vgpu_blob_map(r->id, c->offset, r->blob_size);

    /* The body of virtio_gpu_resp_map_info, after its header. */
    map_info = g_new0(uint32_t, 2);
    map_info[0] = cpu_to_le32(vgpu_renderer_map_info(r->id) &
                              VIRTIO_GPU_MAP_CACHE_MASK);
    return (VGpuResult) {
        .type = VIRTIO_GPU_RESP_OK_MAP_INFO,
        .data = map_info,
        .data_len = 2 * sizeof(uint32_t),
    };
}

/*
 * Has r's unmapped region been let go since UNMAP_BLOB, all but our own
 * reference?  Then ours goes, the last: the region is finalized here,
 * under the BQL, the renderer unmaps the memory, and the resource may
 * go.  Render thread, BQL held.
 */
bool vgpu_hostmem_unmap_settled(VGpuDevice *g, VGpuResource *r)
{
    VGpuBlobRegion *reg = r->unmap_pending;

    if (!reg) {
        return true;
    }
    if (qatomic_read(&OBJECT(&reg->mr)->ref) > 1) {
        return false;
    }
    object_unref(OBJECT(&reg->mr));
    g_free(reg);
    vgpu_renderer_unmap(r->id);
    r->unmap_pending = NULL;
    QTAILQ_REMOVE(&g->unmapping, r, unmapping_next);
    g->unmaps_pending--;
    return true;
}

/*
 * Render thread, BQL held: is an unmapped region still in use?  Then no
 * further command may run yet.  A guest whose DMA keeps one in use for
 * long only stalls its own GPU; a log line says so.
 */
bool vgpu_hostmem_busy(VGpuDevice *g)
{
    VGpuResource *r, *tmp;
    int64_t now;

    if (!g->unmaps_pending) {
        return false;
    }
    /* Only the waiting ones: a guest with many resources costs no more */
    QTAILQ_FOREACH_SAFE(r, &g->unmapping, unmapping_next, tmp) {
        vgpu_hostmem_unmap_settled(g, r);
    }
    vgpu_resources_reap(g);
    if (!g->unmaps_pending) {
        g->unmap_stall_logged = false;
        return false;
    }
    vgpu_rcu_hurry();
    now = qemu_clock_get_ms(QEMU_CLOCK_REALTIME);
    timer_mod(g->unmap_poll, now + VGPU_UNMAP_POLL_MS);
    if (!g->unmap_stall_logged &&
        now - g->unmap_stall_since > VGPU_UNMAP_STALL_LOG_MS) {
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-gpu-gl: %u unmapped blob "
                      "region(s) still in use after %d ms; commands wait "
                      "until they are let go\n", g->unmaps_pending,
                      VGPU_UNMAP_STALL_LOG_MS);
        g->unmap_stall_logged = true;
    }
    return true;
}

/*
 * Unrealize, render thread, BQL held: the main loop is waiting for this
 * thread without the BQL, and the RCU thread needs it to let go of old
 * memory maps, so give those a moment before the renderer goes.  False
 * when some are still in use: the renderer must then stay, memory and
 * all, since they may still reach it.
 */
bool vgpu_hostmem_drain(VGpuDevice *g)
{
    int waited;

    for (waited = 0; vgpu_hostmem_busy(g) && waited < VGPU_UNMAP_DRAIN_MS;
         waited++) {
        bql_unlock();
        g_usleep(1000);
        bql_lock();
    }
    timer_free(g->unmap_poll);
    g->unmap_poll = NULL;
    /* What is still in use keeps our reference, and the renderer stays. */
    return !g->unmaps_pending;
}

/*
 * Take r's subregion out of the window.  It goes away when its last
 * user lets go: until then the renderer keeps the memory mapped and the
 * queue waits (vgpu_hostmem_busy).
 */
static void vgpu_unmap_region(VGpuDevice *g, VGpuResource *r)
{
    VGpuBlobRegion *reg = container_of(r->map_mr, VGpuBlobRegion, mr);

    memory_region_del_subregion(&g->hostmem, r->map_mr);
    /*
     * The region is its own parent: unparenting it must not finalize it
     * from inside its own property removal (when no memory map holds it,
     * as with a BAR the guest never enabled).  The reference that guards
     * it over that stays ours, until vgpu_hostmem_unmap_settled.
     */
    object_ref(OBJECT(r->map_mr));
    object_unparent(OBJECT(r->map_mr));
    r->map_mr = NULL;
    r->unmap_pending = reg;
    QTAILQ_INSERT_TAIL(&g->unmapping, r, unmapping_next);
    if (!g->unmaps_pending++) {
        g->unmap_stall_since = qemu_clock_get_ms(QEMU_CLOCK_REALTIME);
    }
    if (!g->unmap_poll) {
        g->unmap_poll = timer_new_ms(QEMU_CLOCK_REALTIME, vgpu_unmap_poll, g);
    }
    vgpu_hostmem_unmap_settled(g, r);
}

/* Take r's mapping out of the window; render thread, BQL held. */
void vgpu_hostmem_unmap(VGpuDevice *g, VGpuResource *r)
{
    trace_vgpu_blob_unmap(r->id, r->map_offset);
    if (r->map_placed) {
        /* Out of reach at once: nobody can hold it, nothing waits */
        vgpu_hostmem_displace(g, r);
    } else {
        vgpu_unmap_region(g, r);
    }
    r->map_placed = r->mapped = false;
    r->map_offset = r->map_size = 0;
}

VGpuResult vgpu_cmd_resource_unmap_blob(VGpuDevice *g, const VGpuCmd *cmd)
{
    uint32_t id = cmd->u.unmap_blob.resource_id;
    VGpuResult res;
    VGpuResource *r;

    r = vgpu_resource_lookup(g, id, "RESOURCE_UNMAP_BLOB", &res);
    if (!r) {
        return res;
    }
    if (!r->mapped) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "RESOURCE_UNMAP_BLOB: resource %u is not mapped",
                           id);
    }
    vgpu_hostmem_unmap(g, r);
    return vgpu_ok();
}

VGpuResult vgpu_cmd_resource_assign_uuid(VGpuDevice *g, const VGpuCmd *cmd)
{
    uint32_t id = cmd->u.assign_uuid.resource_id;
    VGpuResult res;
    VGpuResource *r;
    uint8_t *body;

    r = vgpu_resource_lookup(g, id, "RESOURCE_ASSIGN_UUID", &res);
    if (!r) {
        return res;
    }
    if (!r->has_uuid) {
        /* The same resource keeps its UUID: it names it across devices. */
        qemu_uuid_generate(&r->uuid);
        r->has_uuid = true;
    }
    body = g_memdup2(r->uuid.data, sizeof(r->uuid.data));
    return (VGpuResult) {
        .type = VIRTIO_GPU_RESP_OK_RESOURCE_UUID,
        .data = body,
        .data_len = sizeof(r->uuid.data),
    };
}
