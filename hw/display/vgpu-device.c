/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-gpu-gl device: the QOM type, its properties, realize and
 * reset, feature bits, config space and the two virtqueues.
 *
 * This device derives from VirtIODevice itself rather than from QEMU's
 * virtio-gpu base class, so that its consoles carry no GL requirement
 * and it works with every display backend.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/bitmap.h"
#include "qemu/host-utils.h"
#include "qemu/main-loop.h"
#include "qemu/module.h"
#include "hw/qdev-properties.h"
#include "hw/virtio/virtio.h"
#include "migration/blocker.h"
#include "standard-headers/linux/virtio_ids.h"
#include "hw/display/vgpu.h"
#include "trace.h"

/*
 * One round of the render thread (vgpu-worker.c), with the BQL held:
 * a pending guest reset first, then every request on both queues.
 */
void vgpu_serve_queues(VGpuDevice *g)
{
    VirtQueueElement *elem;
    bool cursor_moved = false;

    if (g->reset_pending) {
        /*
         * Destroy what the guest made, one by one.  virgl_renderer_reset()
         * would be shorter, but in virglrenderer 1.1 it stops the sync
         * thread for good and no fence ever signals again.
         */
        g->reset_pending = false;
        trace_vgpu_reset_renderer();
        vgpu_drop_guest_state(g);
    }
    /*
     * An unmapped blob region still in use holds the control queue: the
     * next command (often RESOURCE_UNREF) must not free what it reaches.
     * Its release wakes this thread again.
     */
    while (!vgpu_hostmem_busy(g) &&
           (elem = virtqueue_pop(g->ctrl_vq, sizeof(VirtQueueElement)))) {
        vgpu_process_ctrl(g, elem);
    }
    while ((elem = virtqueue_pop(g->cursor_vq, sizeof(VirtQueueElement)))) {
        vgpu_process_cursor(g, elem);
        virtqueue_push(g->cursor_vq, elem, 0);
        g_free(elem);
        cursor_moved = true;
    }
    if (cursor_moved) {
        virtio_notify(VIRTIO_DEVICE(g), g->cursor_vq);
    }
    vgpu_venus_rings_service(g);
    /* Retire fences the renderer finished while we were busy. */
    vgpu_renderer_poll();
    vgpu_fence_retire_done(g);
}

/*
 * Queue notifications arrive on vCPU threads (TCG has no ioeventfd) or
 * in the main loop; the requests are served on the render thread.
 */
static void vgpu_handle_queue(VirtIODevice *vdev, VirtQueue *vq)
{
    vgpu_worker_kick(VGPU_GL(vdev));
}

static uint64_t vgpu_get_features(VirtIODevice *vdev, uint64_t features,
                                  Error **errp)
{
    VGpuDevice *g = VGPU_GL(vdev);

    features |= 1ULL << VIRTIO_GPU_F_VIRGL;
    if (g->conf.edid) {
        features |= 1ULL << VIRTIO_GPU_F_EDID;
    }
    if (g->conf.blob) {
        features |= 1ULL << VIRTIO_GPU_F_RESOURCE_BLOB;
        features |= 1ULL << VIRTIO_GPU_F_RESOURCE_UUID;
    }
    if (g->conf.context_init) {
        features |= 1ULL << VIRTIO_GPU_F_CONTEXT_INIT;
    }
    return features;
}

static void vgpu_get_config(VirtIODevice *vdev, uint8_t *config)
{
    VGpuDevice *g = VGPU_GL(vdev);
    struct virtio_gpu_config c = {
        .events_read = cpu_to_le32(g->events_read),
        .num_scanouts = cpu_to_le32(g->conf.max_outputs),
        .num_capsets = cpu_to_le32(g->num_capsets),
    };

    memcpy(config, &c, sizeof(c));
}

static void vgpu_set_config(VirtIODevice *vdev, const uint8_t *config)
{
    VGpuDevice *g = VGPU_GL(vdev);
    struct virtio_gpu_config c;

    memcpy(&c, config, sizeof(c));
    /* Only events_clear is writable: it acknowledges events. */
    g->events_read &= ~le32_to_cpu(c.events_clear);
}

/* The modern half: blob, hostmem, Venus, DRM, CONTEXT_INIT. */
static bool vgpu_check_blob_conf(VGpuDevice *g, Error **errp)
{
    VGpuConf *c = &g->conf;
    const char *wants = c->venus ? "venus=on" :
                        c->drm_native_context ? "drm_native_context=on" :
                        NULL;

    if (wants && (!c->blob || !c->hostmem)) {
        error_setg(errp, "%s needs blob=on and a host-visible region: add "
                   "%s%s", wants, c->blob ? "" : "blob=on,",
                   c->hostmem ? "" : "hostmem=512M (or another size)");
        return false;
    }
    if (c->hostmem && !c->blob) {
        error_setg(errp, "hostmem is for blob resources: add blob=on, or "
                   "drop hostmem");
        return false;
    }
    if (c->hostmem && (!is_power_of_2(c->hostmem) ||
                       c->hostmem < 64 * KiB || c->hostmem > 64 * GiB)) {
        error_setg(errp, "hostmem=%" PRIu64 " must be a power of two from "
                   "64K to 64G (it becomes a PCI BAR), such as 256M or 1G",
                   c->hostmem);
        return false;
    }
    /* Venus and DRM contexts are made with CONTEXT_INIT. */
    c->context_init |= c->venus || c->drm_native_context;
    return true;
}

static bool vgpu_check_budget_conf(VGpuDevice *g, Error **errp)
{
    /* Two frames of the preferred mode: shown, and the next. */
    uint64_t mode_frames = 2ull * g->conf.xres * g->conf.yres * 4;

    if (g->conf.max_contexts < 1 ||
        g->conf.max_contexts > VGPU_MAX_CONTEXTS - 1) {
        error_setg(errp, "max_contexts=%u is out of range: use 1 to %d "
                   "(default %d)", g->conf.max_contexts,
                   VGPU_MAX_CONTEXTS - 1, VGPU_DEFAULT_CONTEXTS);
        return false;
    }
    if (g->conf.max_frame_bytes < mode_frames) {
        error_setg(errp, "max_frame_bytes=%" PRIu64 " cannot hold two "
                   "frames of xres=%u,yres=%u: use at least %" PRIu64,
                   g->conf.max_frame_bytes, g->conf.xres, g->conf.yres,
                   mode_frames);
        return false;
    }
    if (!g->conf.max_resource_bytes) {
        error_setg(errp, "max_resource_bytes=0 leaves no room for any "
                   "resource: use at least 1M (default 4G)");
        return false;
    }
    return true;
}

static bool vgpu_check_venus_conf(VGpuDevice *g, Error **errp)
{
    uint32_t ms = g->conf.venus_nudge_ms;

    if (ms && (ms < VGPU_VENUS_NUDGE_LEAST_MS ||
               ms > VGPU_VENUS_NUDGE_MOST_MS)) {
        error_setg(errp, "x-venus-nudge-ms=%u is out of range: use 0 (lost "
                   "Venus ring wake-ups are not repaired) or %d to %d "
                   "(default %d)", ms, VGPU_VENUS_NUDGE_LEAST_MS,
                   VGPU_VENUS_NUDGE_MOST_MS, VGPU_VENUS_NUDGE_DEFAULT_MS);
        return false;
    }
    return true;
}

static bool vgpu_check_conf(VGpuDevice *g, Error **errp)
{
    if (g->conf.max_outputs < 1 ||
        g->conf.max_outputs > VIRTIO_GPU_MAX_SCANOUTS) {
        error_setg(errp, "max_outputs=%u is out of range: use 1 to %d",
                   g->conf.max_outputs, VIRTIO_GPU_MAX_SCANOUTS);
        return false;
    }
    if (!g->conf.max_backing_entries) {
        error_setg(errp, "max_backing_entries=0 leaves no resource any "
                   "backing: use at least 1 (default %d)",
                   VGPU_DEFAULT_BACKING_ENTRIES);
        return false;
    }
    if (g->conf.xres < 16 || g->conf.yres < 16 ||
        g->conf.xres > VGPU_MAX_DIMENSION ||
        g->conf.yres > VGPU_MAX_DIMENSION) {
        error_setg(errp, "xres=%u,yres=%u is out of range: use 16 to %d",
                   g->conf.xres, g->conf.yres, VGPU_MAX_DIMENSION);
        return false;
    }
    return vgpu_check_budget_conf(g, errp) && vgpu_check_blob_conf(g, errp) &&
           vgpu_check_venus_conf(g, errp);
}

static void vgpu_realize(DeviceState *dev, Error **errp)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);
    VGpuDevice *g = VGPU_GL(dev);

#ifdef VGPU_OUT_OF_TREE
    vgpu_trace_apply_cmdline();
#endif
    if (!vgpu_check_conf(g, errp)) {
        return;
    }
    error_setg(&g->migration_blocker, "virtio-gpu-gl: GPU state lives in "
               "the host renderer and cannot be migrated; remove the "
               "device to migrate");
    if (migrate_add_blocker(&g->migration_blocker, errp) < 0) {
        return;
    }
    QTAILQ_INIT(&g->resources);
    QTAILQ_INIT(&g->retired);
    QTAILQ_INIT(&g->unmapping);
    g->contexts = bitmap_new(VGPU_MAX_CONTEXTS);
    g->ring_contexts = bitmap_new(VGPU_MAX_CONTEXTS);
    vgpu_venus_rings_init(g);
    /* The transport exposes hostmem (a BAR on PCI); blobs map into it. */
    if ((g->conf.hostmem && !vgpu_hostmem_init(g, errp)) ||
        !vgpu_worker_start(g, errp)) {
        g_free(g->contexts);
        g_free(g->ring_contexts);
        vgpu_venus_rings_fini(g);
        migrate_del_blocker(&g->migration_blocker);
        return;
    }
    vgpu_fence_init(g);

    virtio_init(vdev, VIRTIO_ID_GPU, sizeof(struct virtio_gpu_config));
    g->ctrl_vq = virtio_add_queue(vdev, 256, vgpu_handle_queue);
    g->cursor_vq = virtio_add_queue(vdev, 16, vgpu_handle_queue);
    vgpu_scanouts_init(g);
}

/*
 * Drop everything the guest created; used on reset and unrealize, whose
 * callers drop the parked fences themselves (a reset must do so at once).
 */
void vgpu_drop_guest_state(VGpuDevice *g)
{
    vgpu_scanouts_reset(g);
    vgpu_resources_reset(g);
    vgpu_contexts_reset(g);
    vgpu_hostmem_reset(g);
    g->budgets_warned = 0;
}

static void vgpu_unrealize(DeviceState *dev)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);
    VGpuDevice *g = VGPU_GL(dev);

    /*
     * The render thread drops the guest's objects and the renderer, whose
     * sync thread stops with it: only then can the fence BH go.
     */
    vgpu_worker_stop(g);
    vgpu_fence_fini(g);
    vgpu_scanouts_fini(g);
    virtio_delete_queue(g->ctrl_vq);
    virtio_delete_queue(g->cursor_vq);
    virtio_cleanup(vdev);
    g_free(g->contexts);
    g_free(g->ring_contexts);
    vgpu_venus_rings_fini(g);
    migrate_del_blocker(&g->migration_blocker);
}

static void vgpu_reset(VirtIODevice *vdev)
{
    VGpuDevice *g = VGPU_GL(vdev);

    /*
     * The renderer may only be used from the render thread, which does
     * the work.  Parked requests go now, before the queues are reset
     * under them.
     */
    trace_vgpu_reset();
    vgpu_fence_reset(g);
    g->reset_pending = true;
    g->reset_count++;
    g->events_read = 0;
    vgpu_worker_kick(g);
}

static const Property vgpu_properties[] = {
    DEFINE_PROP_UINT32("max_outputs", VGpuDevice, conf.max_outputs, 1),
    DEFINE_PROP_UINT32("max_backing_entries", VGpuDevice,
                       conf.max_backing_entries,
                       VGPU_DEFAULT_BACKING_ENTRIES),
    DEFINE_PROP_SIZE("max_resource_bytes", VGpuDevice,
                     conf.max_resource_bytes, VGPU_DEFAULT_RESOURCE_BYTES),
    DEFINE_PROP_UINT32("max_contexts", VGpuDevice, conf.max_contexts,
                       VGPU_DEFAULT_CONTEXTS),
    DEFINE_PROP_SIZE("max_frame_bytes", VGpuDevice, conf.max_frame_bytes,
                     VGPU_DEFAULT_FRAME_BYTES),
    DEFINE_PROP_UINT32("xres", VGpuDevice, conf.xres, 1280),
    DEFINE_PROP_UINT32("yres", VGpuDevice, conf.yres, 800),
    DEFINE_PROP_BOOL("edid", VGpuDevice, conf.edid, true),
    DEFINE_PROP_BOOL("dmabuf", VGpuDevice, conf.dmabuf, true),
    DEFINE_PROP_BOOL("blob", VGpuDevice, conf.blob, false),
    DEFINE_PROP_SIZE("hostmem", VGpuDevice, conf.hostmem, 0),
    DEFINE_PROP_BOOL("venus", VGpuDevice, conf.venus, false),
    DEFINE_PROP_BOOL("drm_native_context", VGpuDevice,
                     conf.drm_native_context, false),
    DEFINE_PROP_BOOL("context_init", VGpuDevice, conf.context_init, false),
    DEFINE_PROP_UINT32("x-venus-nudge-ms", VGpuDevice, conf.venus_nudge_ms,
                       VGPU_VENUS_NUDGE_DEFAULT_MS),
};

static void vgpu_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_CLASS(klass);

    vdc->realize = vgpu_realize;
    vdc->unrealize = vgpu_unrealize;
    vdc->reset = vgpu_reset;
    vdc->get_features = vgpu_get_features;
    vdc->get_config = vgpu_get_config;
    vdc->set_config = vgpu_set_config;
    set_bit(DEVICE_CATEGORY_DISPLAY, dc->categories);
    dc->desc = "virtio GPU with virgl 3D (own renderer context)";
    device_class_set_props(dc, vgpu_properties);
}

static const TypeInfo vgpu_info = {
    .name = TYPE_VGPU_GL,
    .parent = TYPE_VIRTIO_DEVICE,
    .instance_size = sizeof(VGpuDevice),
    .class_init = vgpu_class_init,
};

static void vgpu_register_types(void)
{
    type_register_static(&vgpu_info);
}

type_init(vgpu_register_types)

/*
 * In QEMU's tree, with modules enabled, this tells QEMU which module holds
 * the type; it compiles to nothing elsewhere.  No module_dep: the device
 * derives from virtio-device, which is in the binary.
 */
module_obj(TYPE_VGPU_GL);
module_kconfig(VIRTIO_GPU);
