/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-gpu-gl resources: ids, kinds, guest backing and transfers.
 *
 * We keep our own record of every resource so that ids, rectangles,
 * boxes and backing are checked here, with a clear error, before
 * virglrenderer sees them; the renderer still has the last word.
 */

#include "qemu/osdep.h"
#include "qemu/iov.h"
#include "qemu/log.h"
#include "qemu/rcu.h"
#include "system/dma.h"
#include "exec/memory.h"
#include "hw/display/vgpu.h"
#include "trace.h"

#define VGPU_BIND_RENDER_TARGET  (1 << 1)

VGpuResource *vgpu_resource_find(VGpuDevice *g, uint32_t id)
{
    VGpuResource *r;

    QTAILQ_FOREACH(r, &g->resources, next) {
        if (r->id == id) {
            return r;
        }
    }
    return NULL;
}

/*
 * The resource a command names, or NULL with *reject set to the
 * INVALID_RESOURCE_ID answer (and its log line) for command @cmd.
 */
VGpuResource *vgpu_resource_lookup(VGpuDevice *g, uint32_t id,
                                   const char *cmd, VGpuResult *reject)
{
    VGpuResource *r = vgpu_resource_find(g, id);

    if (!r) {
        *reject = vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID,
                              "%s: no resource %u", cmd, id);
    }
    return r;
}

static bool vgpu_format_is_scanout(uint32_t format)
{
    switch (format) {
    case VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM:
    case VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM:
    case VIRTIO_GPU_FORMAT_A8R8G8B8_UNORM:
    case VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM:
    case VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM:
    case VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM:
    case VIRTIO_GPU_FORMAT_A8B8G8R8_UNORM:
    case VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM:
        return true;
    default:
        return false;
    }
}

/*
 * A new id must be non-zero, unused, and within the per-device bound.
 * (Retired resources never hold an id here: no command runs while one
 * waits for its region, see vgpu_hostmem_busy.)
 */
VGpuResult vgpu_check_new_id(VGpuDevice *g, const char *cmd, uint32_t id)
{
    if (id == 0 || vgpu_resource_find(g, id)) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID,
                           "%s: resource id %u is %s", cmd, id,
                           id ? "already in use" : "reserved");
    }
    if (g->num_resources >= VGPU_MAX_RESOURCES) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY,
                           "%s: more than %u resources", cmd,
                           VGPU_MAX_RESOURCES);
    }
    return vgpu_ok();
}

VGpuResource *vgpu_resource_add(VGpuDevice *g, uint32_t id, uint32_t format,
                                uint32_t width, uint32_t height)
{
    VGpuResource *r = g_new0(VGpuResource, 1);

    trace_vgpu_resource_create(id, format, width, height);
    r->id = id;
    r->format = format;
    r->width = width;
    r->height = height;
    QTAILQ_INSERT_TAIL(&g->resources, r, next);
    g->num_resources++;
    return r;
}

/* The renderer lets go of r, which then goes; r is on neither list. */
static void vgpu_resource_free(VGpuDevice *g, VGpuResource *r)
{
    vgpu_renderer_resource_unref(r->id);
    vgpu_budget_release(g, r);
    g->num_resources--;
    g_free(r);
}

VGpuResult vgpu_cmd_resource_create_2d(VGpuDevice *g, const VGpuCmd *cmd)
{
    const struct virtio_gpu_resource_create_2d *c = &cmd->u.create_2d;
    VGpuResult res = vgpu_check_new_id(g, "RESOURCE_CREATE_2D",
                                       c->resource_id);
    uint64_t bytes = (uint64_t)c->width * c->height * 4;
    VGpuResource *r;

    if (res.type != VIRTIO_GPU_RESP_OK_NODATA) {
        return res;
    }
    if (!vgpu_format_is_scanout(c->format)) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "RESOURCE_CREATE_2D: unknown format %u",
                           c->format);
    }
    if (!c->width || !c->height || c->width > VGPU_MAX_DIMENSION ||
        c->height > VGPU_MAX_DIMENSION) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "RESOURCE_CREATE_2D: size %ux%u out of range",
                           c->width, c->height);
    }
    res = vgpu_budget_check_bytes(g, "RESOURCE_CREATE_2D", bytes);
    if (res.type != VIRTIO_GPU_RESP_OK_NODATA) {
        return res;
    }
    if (vgpu_renderer_resource_create(c->resource_id,
                                      VGPU_TARGET_TEXTURE_2D, c->format,
                                      VGPU_BIND_RENDER_TARGET, c->width,
                                      c->height, 1, 1, 0, 0,
                                      VIRTIO_GPU_RESOURCE_FLAG_Y_0_TOP)) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY,
                           "RESOURCE_CREATE_2D: renderer refused %ux%u",
                           c->width, c->height);
    }
    r = vgpu_resource_add(g, c->resource_id, c->format, c->width,
                          c->height);
    r->target = VGPU_TARGET_TEXTURE_2D;
    r->layers = 1;
    vgpu_budget_charge(g, r, bytes);
    return vgpu_ok();
}

/*
 * The renderer knows a format's texel size: ask it for the row pitch of
 * the texture it made, and take the texture back if that is too much.
 */
static VGpuResult vgpu_charge_3d(VGpuDevice *g, VGpuResource *r)
{
    uint64_t bytes = vgpu_budget_texture_bytes(r->target, r->width,
                         r->height, r->layers, r->last_level,
                         vgpu_renderer_resource_pitch(r->id));
    VGpuResult res = vgpu_budget_check_bytes(g, "RESOURCE_CREATE_3D", bytes);

    if (res.type == VIRTIO_GPU_RESP_OK_NODATA) {
        vgpu_budget_charge(g, r, bytes);
    }
    return res;
}

VGpuResult vgpu_cmd_resource_create_3d(VGpuDevice *g, const VGpuCmd *cmd)
{
    const struct virtio_gpu_resource_create_3d *c = &cmd->u.create_3d;
    VGpuResult res = vgpu_check_new_id(g, "RESOURCE_CREATE_3D",
                                       c->resource_id);
    VGpuResource *r;
    uint32_t max_width = c->target == VGPU_TARGET_BUFFER ?
                         VGPU_MAX_BUFFER_SIZE : VGPU_MAX_DIMENSION;
    uint32_t layers = MAX(c->depth, c->array_size);

    if (res.type != VIRTIO_GPU_RESP_OK_NODATA) {
        return res;
    }
    if (c->target > VGPU_MAX_TARGET || !c->width || !c->height ||
        !c->depth || !c->array_size || c->width > max_width ||
        c->height > VGPU_MAX_DIMENSION || c->depth > VGPU_MAX_DIMENSION ||
        c->array_size > VGPU_MAX_DIMENSION || c->last_level > 31) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "RESOURCE_CREATE_3D: target %u size %ux%ux%u "
                           "array %u levels %u out of range", c->target,
                           c->width, c->height, c->depth, c->array_size,
                           c->last_level);
    }
    res = vgpu_budget_check_bytes(g, "RESOURCE_CREATE_3D",
              vgpu_budget_texture_floor(c->target, c->width, c->height,
                                        layers));
    if (res.type != VIRTIO_GPU_RESP_OK_NODATA) {
        return res;
    }
    if (vgpu_renderer_resource_create(c->resource_id, c->target, c->format,
                                      c->bind, c->width, c->height,
                                      c->depth, c->array_size,
                                      c->last_level, c->nr_samples,
                                      c->flags)) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "RESOURCE_CREATE_3D: renderer refused format %u "
                           "bind 0x%x", c->format, c->bind);
    }
    r = vgpu_resource_add(g, c->resource_id, c->format, c->width,
                          c->height);
    r->target = c->target;
    r->layers = layers;
    r->last_level = c->last_level;
    res = vgpu_charge_3d(g, r);
    if (res.type != VIRTIO_GPU_RESP_OK_NODATA) {
        QTAILQ_REMOVE(&g->resources, r, next);
        vgpu_resource_free(g, r);
    }
    return res;
}

void vgpu_backing_unmap(VGpuDevice *g, VGpuResource *r)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(g);
    unsigned int i;

    for (i = 0; i < r->iov_cnt; i++) {
        dma_memory_unmap(vdev->dma_as, r->iov[i].iov_base, r->iov[i].iov_len,
                         DMA_DIRECTION_TO_DEVICE, r->iov[i].iov_len);
    }
    g->backing_entries -= r->iov_cnt;
    g_free(r->iov);
    g_free(r->iov_gpa);
    r->iov = NULL;
    r->iov_gpa = NULL;
    r->iov_cnt = 0;
}


static void vgpu_resource_destroy(VGpuDevice *g, VGpuResource *r)
{
    trace_vgpu_resource_unref(r->id);
    vgpu_scanout_forget_resource(g, r->id);
    if (r->mapped) {
        /* A guest may unref without unmapping; the region goes first. */
        vgpu_hostmem_unmap(g, r);
    }
    if (r->iov) {
        vgpu_renderer_detach_iov(r->id);
        vgpu_backing_unmap(g, r);
    }
    QTAILQ_REMOVE(&g->resources, r, next);
    if (!vgpu_hostmem_unmap_settled(g, r)) {
        /* Freeing it now would free memory its region's users can reach. */
        QTAILQ_INSERT_TAIL(&g->retired, r, next);
        return;
    }
    vgpu_resource_free(g, r);
}

/* Destroy the retired resources whose regions have been let go. */
void vgpu_resources_reap(VGpuDevice *g)
{
    VGpuResource *r, *tmp;

    QTAILQ_FOREACH_SAFE(r, &g->retired, next, tmp) {
        if (vgpu_hostmem_unmap_settled(g, r)) {
            QTAILQ_REMOVE(&g->retired, r, next);
            vgpu_resource_free(g, r);
        }
    }
}

VGpuResult vgpu_cmd_resource_unref(VGpuDevice *g, const VGpuCmd *cmd)
{
    VGpuResult res;
    VGpuResource *r;

    r = vgpu_resource_lookup(g, cmd->u.unref.resource_id, "RESOURCE_UNREF",
                             &res);
    if (!r) {
        return res;
    }
    vgpu_resource_destroy(g, r);
    return vgpu_ok();
}

/*
 * Is @mr, or a region that contains it, the host-visible region of a
 * virtio-gpu-gl device?  Blobs mapped there are renderer memory that
 * UNMAP_BLOB takes away: as backing, they would let a guest hold (and
 * later reach) memory the renderer frees.
 */
static bool vgpu_is_hostmem(MemoryRegion *mr)
{
    for (; mr; mr = mr->container) {
        if (mr->owner && object_dynamic_cast(mr->owner, TYPE_VGPU_GL) &&
            mr == &VGPU_GL(mr->owner)->hostmem) {
            return true;
        }
    }
    return false;
}

/*
 * Guest RAM only: device memory (a VFIO BAR, say) would be
 * bounce-buffered, not shared; ROM must not be written, and
 * TRANSFER_FROM_HOST_3D writes backing; no device's host-visible region.
 * The lookup is a read: Linux maps backing for the device to read, and
 * behind a virtual IOMMU a write lookup would fail.
 */
static bool vgpu_is_guest_ram(VGpuDevice *g, uint64_t addr, uint32_t len)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(g);
    MemoryRegion *mr;
    hwaddr xlat, plen = len;

    RCU_READ_LOCK_GUARD();
    mr = address_space_translate(vdev->dma_as, addr, &xlat, &plen, false,
                                 MEMTXATTRS_UNSPECIFIED);
    return memory_region_is_ram(mr) && !memory_region_is_ram_device(mr) &&
           !mr->readonly && !memory_region_is_romd(mr) &&
           !vgpu_is_hostmem(mr) && plen >= len;
}

static bool vgpu_map_entry(VGpuDevice *g, uint64_t addr, uint32_t len,
                           struct iovec *iov)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(g);
    dma_addr_t mapped = len;
    void *p;

    if (!len || addr + len < addr || !vgpu_is_guest_ram(g, addr, len)) {
        return false;
    }
    p = dma_memory_map(vdev->dma_as, addr, &mapped, DMA_DIRECTION_TO_DEVICE,
                       MEMTXATTRS_UNSPECIFIED);
    if (!p || mapped != len) {
        if (p) {
            dma_memory_unmap(vdev->dma_as, p, mapped,
                             DMA_DIRECTION_TO_DEVICE, 0);
        }
        return false;
    }
    iov->iov_base = p;
    iov->iov_len = len;
    return true;
}

/*
 * Map the nr_entries guest memory entries that follow a command's fixed
 * part as r's backing (ATTACH_BACKING, RESOURCE_CREATE_BLOB).
 */
VGpuResult vgpu_backing_map(VGpuDevice *g, VGpuResource *r,
                            const VGpuCmd *cmd, const char *name,
                            uint32_t nr_entries)
{
    struct virtio_gpu_mem_entry e;
    uint32_t i;

    if (!nr_entries || nr_entries > VGPU_MAX_BACKING_PAGES ||
        cmd->payload_len < (uint64_t)nr_entries * sizeof(e)) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "%s: %u entries, %zu bytes of them sent", name,
                           nr_entries, cmd->payload_len);
    }
    /* Entries of one page each would otherwise grow host memory freely. */
    if (nr_entries > g->conf.max_backing_entries - g->backing_entries) {
        return vgpu_budget_refuse(g, VGPU_BUDGET_BACKING_ENTRIES, name,
                                  nr_entries, g->backing_entries,
                                  g->conf.max_backing_entries);
    }
    r->iov = g_new0(struct iovec, nr_entries);
    r->iov_gpa = g_new0(uint64_t, nr_entries);
    for (i = 0; i < nr_entries; i++) {
        iov_to_buf(cmd->payload_iov, cmd->payload_iov_cnt,
                   cmd->payload_offset + i * sizeof(e), &e, sizeof(e));
        if (!vgpu_map_entry(g, le64_to_cpu(e.addr), le32_to_cpu(e.length),
                            &r->iov[i])) {
            uint64_t addr = le64_to_cpu(e.addr);
            uint32_t len = le32_to_cpu(e.length);

            vgpu_backing_unmap(g, r);
            return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                               "%s: entry %u (0x%" PRIx64 " + %u) is not "
                               "guest RAM", name, i, addr, len);
        }
        r->iov_gpa[i] = le64_to_cpu(e.addr);
        r->iov_cnt++;
        g->backing_entries++;
    }
    return vgpu_ok();
}

VGpuResult vgpu_cmd_attach_backing(VGpuDevice *g, const VGpuCmd *cmd)
{
    const struct virtio_gpu_resource_attach_backing *c = &cmd->u.attach;
    VGpuResource *r;
    VGpuResult res;

    r = vgpu_resource_lookup(g, c->resource_id, "ATTACH_BACKING", &res);
    if (!r) {
        return res;
    }
    if (r->iov || r->blob) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_UNSPEC,
                           "ATTACH_BACKING: resource %u already has backing"
                           "%s", c->resource_id, r->blob ? " (a blob)" : "");
    }
    res = vgpu_backing_map(g, r, cmd, "ATTACH_BACKING", c->nr_entries);
    if (res.type != VIRTIO_GPU_RESP_OK_NODATA) {
        return res;
    }
    if (vgpu_renderer_attach_iov(r->id, r->iov, r->iov_cnt)) {
        vgpu_backing_unmap(g, r);
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_UNSPEC,
                           "ATTACH_BACKING: renderer refused resource %u",
                           r->id);
    }
    return vgpu_ok();
}

VGpuResult vgpu_cmd_detach_backing(VGpuDevice *g, const VGpuCmd *cmd)
{
    VGpuResult res;
    VGpuResource *r;

    r = vgpu_resource_lookup(g, cmd->u.detach.resource_id, "DETACH_BACKING",
                             &res);
    if (!r) {
        return res;
    }
    if (r->blob) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_UNSPEC,
                           "DETACH_BACKING: resource %u is a blob; its "
                           "memory goes with RESOURCE_UNREF", r->id);
    }
    if (!r->iov) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_UNSPEC,
                           "DETACH_BACKING: resource %u has no backing",
                           r->id);
    }
    vgpu_renderer_detach_iov(r->id);
    vgpu_backing_unmap(g, r);
    return vgpu_ok();
}

/* x + w <= limit without overflow. */
static bool vgpu_span_fits(uint32_t x, uint32_t w, uint32_t limit)
{
    return x <= limit && w <= limit - x;
}

VGpuResult vgpu_cmd_transfer_to_host_2d(VGpuDevice *g, const VGpuCmd *cmd)
{
    const struct virtio_gpu_transfer_to_host_2d *t = &cmd->u.to_host_2d;
    VGpuResult res;
    VGpuResource *r;
    struct virtio_gpu_box box = {
        .x = t->r.x, .y = t->r.y, .w = t->r.width, .h = t->r.height, .d = 1,
    };

    r = vgpu_resource_lookup(g, t->resource_id, "TRANSFER_TO_HOST_2D", &res);
    if (!r) {
        return res;
    }
    if (!vgpu_span_fits(t->r.x, t->r.width, r->width) ||
        !vgpu_span_fits(t->r.y, t->r.height, r->height)) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "TRANSFER_TO_HOST_2D: rect %u,%u %ux%u outside "
                           "resource %u (%ux%u)", t->r.x, t->r.y,
                           t->r.width, t->r.height, r->id, r->width,
                           r->height);
    }
    if (!r->iov) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_UNSPEC,
                           "TRANSFER_TO_HOST_2D: resource %u has no "
                           "backing", r->id);
    }
    if (vgpu_renderer_transfer_write(r->id, 0, 0, 0, 0, &box, t->offset)) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "TRANSFER_TO_HOST_2D: renderer refused offset %"
                           PRIu64, t->offset);
    }
    return vgpu_ok();
}

/*
 * The renderer wrote r's backing from byte @offset on through the host
 * mapping, which QEMU cannot see: tell it, as a device's write DMA
 * would.  Unmapping a write mapping marks the pages dirty (for
 * migration and display dirty logs) and, under TCG, throws away code
 * translated from them, which would otherwise keep running stale.
 * Behind a virtual IOMMU that maps backing read-only, as Linux does,
 * the write lookup fails and there is nothing to tell.
 */
static void vgpu_backing_written(VGpuDevice *g, VGpuResource *r,
                                 uint64_t offset)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(g);
    unsigned int i;

    for (i = 0; i < r->iov_cnt; i++) {
        dma_addr_t len = r->iov[i].iov_len;
        void *p;

        if (offset >= len) {
            offset -= len;
            continue;
        }
        p = dma_memory_map(vdev->dma_as, r->iov_gpa[i] + offset, &len,
                           DMA_DIRECTION_FROM_DEVICE,
                           MEMTXATTRS_UNSPECIFIED);
        if (p) {
            dma_memory_unmap(vdev->dma_as, p, len,
                             DMA_DIRECTION_FROM_DEVICE, len);
        }
        offset = 0;
    }
}

static VGpuResult vgpu_transfer_3d(VGpuDevice *g, const VGpuCmd *cmd,
                                   const char *name, bool to_host)
{
    const struct virtio_gpu_transfer_host_3d *t = &cmd->u.xfer_3d;
    VGpuResult res;
    VGpuResource *r;
    int ret;

    r = vgpu_resource_lookup(g, t->resource_id, name, &res);
    if (!r) {
        return res;
    }
    if (cmd->hdr.ctx_id && !vgpu_context_exists(g, cmd->hdr.ctx_id)) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_CONTEXT_ID,
                           "%s: no context %u", name, cmd->hdr.ctx_id);
    }
    if (!vgpu_span_fits(t->box.x, t->box.w, r->width) ||
        !vgpu_span_fits(t->box.y, t->box.h, r->height) ||
        !vgpu_span_fits(t->box.z, t->box.d, r->layers) ||
        t->level > r->last_level) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "%s: box %u,%u,%u %ux%ux%u level %u outside "
                           "resource %u", name, t->box.x, t->box.y,
                           t->box.z, t->box.w, t->box.h, t->box.d,
                           t->level, r->id);
    }
    if (!r->iov) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_UNSPEC,
                           "%s: resource %u has no backing", name, r->id);
    }
    if (to_host) {
        ret = vgpu_renderer_transfer_write(r->id, cmd->hdr.ctx_id, t->level,
                                           t->stride, t->layer_stride,
                                           &t->box, t->offset);
    } else {
        ret = vgpu_renderer_transfer_read(r->id, cmd->hdr.ctx_id, t->level,
                                          t->stride, t->layer_stride,
                                          &t->box, t->offset, NULL, 0);
        if (!ret) {
            vgpu_backing_written(g, r, t->offset);
        }
    }
    if (ret) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "%s: renderer refused (stride %u, offset %"
                           PRIu64 ")", name, t->stride, t->offset);
    }
    return vgpu_ok();
}

VGpuResult vgpu_cmd_transfer_to_host_3d(VGpuDevice *g, const VGpuCmd *cmd)
{
    return vgpu_transfer_3d(g, cmd, "TRANSFER_TO_HOST_3D", true);
}

VGpuResult vgpu_cmd_transfer_from_host_3d(VGpuDevice *g, const VGpuCmd *cmd)
{
    return vgpu_transfer_3d(g, cmd, "TRANSFER_FROM_HOST_3D", false);
}

void vgpu_resources_reset(VGpuDevice *g)
{
    VGpuResource *r, *tmp;

    QTAILQ_FOREACH_SAFE(r, &g->resources, next, tmp) {
        vgpu_resource_destroy(g, r);
    }
    vgpu_resources_reap(g);
}
