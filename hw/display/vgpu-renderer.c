/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-gpu-gl renderer adapter: the only file that calls
 * virglrenderer.
 *
 * The renderer owns its GL context: virglrenderer's own EGL on a render
 * node when there is one, on Mesa's surfaceless platform otherwise, so
 * the device needs no GL from the display and works with any display,
 * or none.  Fences signal from virglrenderer's sync thread
 * (VIRGL_RENDERER_ASYNC_FENCE_CB); nothing polls on a timer.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "hw/display/vgpu.h"
#include "standard-headers/drm/drm_fourcc.h"
#include "trace.h"

#include <virglrenderer.h>

/* virglrenderer keeps one global instance per process. */
static VGpuDevice *renderer_owner;

static void vgpu_write_fence(void *cookie, uint32_t fence)
{
    /* May run on virglrenderer's sync thread. */
    vgpu_fence_signalled(cookie, fence);
}

static void vgpu_write_context_fence(void *cookie, uint32_t ctx_id,
                                     uint32_t ring_idx, uint64_t fence_id)
{
    /* On virglrenderer's sync thread or a render server proxy thread. */
    vgpu_fence_ring_signalled(cookie, ctx_id, ring_idx, fence_id);
}

static void vgpu_virgl_log(enum virgl_log_level_flags level,
                           const char *message, void *user_data)
{
    if (level >= VIRGL_LOG_LEVEL_ERROR) {
        qemu_log_mask(LOG_GUEST_ERROR, "virglrenderer: %s", message);
    }
}

static struct virgl_renderer_callbacks vgpu_virgl_cbs = {
    .version = 3,
    .write_fence = vgpu_write_fence,
    .write_context_fence = vgpu_write_context_fence,
};

/* The flags the device's properties ask virglrenderer for. */
static int vgpu_wanted_flags(VGpuDevice *g)
{
    int flags = 0;

    if (g->conf.venus) {
        /* Venus runs in virglrenderer's render server process. */
        flags |= VIRGL_RENDERER_VENUS | VIRGL_RENDERER_RENDER_SERVER;
    }
    if (g->conf.drm_native_context) {
        flags |= VIRGL_RENDERER_DRM;
    }
    return flags;
}

static int vgpu_try_init(VGpuDevice *g, int extra)
{
    int base = VIRGL_RENDERER_USE_EGL | VIRGL_RENDERER_THREAD_SYNC |
               VIRGL_RENDERER_ASYNC_FENCE_CB;
    int ret = virgl_renderer_init(g, base | extra, &vgpu_virgl_cbs);

    if (ret) {
        /* A failed init leaves state behind that would fool a retry. */
        virgl_renderer_cleanup(g);
    }
    return ret;
}

static bool vgpu_host_has_render_node(void)
{
    g_autoptr(GDir) dir = g_dir_open("/dev/dri", 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        if (g_str_has_prefix(name, "renderD")) {
            return true;
        }
    }
    return false;
}

/*
 * virglrenderer failed with everything the properties ask for.  Find the
 * feature it cannot give by trying again without it (each try cleaned
 * up), so that the error names the property to drop.
 */
static void vgpu_explain_init_failure(VGpuDevice *g, int ret, Error **errp)
{
    int venus = vgpu_wanted_flags(g) & ~VIRGL_RENDERER_DRM;

    if (g->conf.drm_native_context &&
        !vgpu_try_init(g, VIRGL_RENDERER_USE_SURFACELESS | venus)) {
        virgl_renderer_cleanup(g);
        error_setg(errp, "virtio-gpu-gl: drm_native_context=on, but this "
                   "virglrenderer has no DRM native context support (it "
                   "needs one built with DRM renderers, and a GPU it "
                   "drives natively); drop drm_native_context=on");
    } else if (g->conf.venus &&
               !vgpu_try_init(g, VIRGL_RENDERER_USE_SURFACELESS)) {
        virgl_renderer_cleanup(g);
        error_setg(errp, "virtio-gpu-gl: venus=on, but this virglrenderer "
                   "cannot run Venus (built without it, or its render "
                   "server is missing); drop venus=on");
    } else {
        error_setg(errp, "virtio-gpu-gl: virglrenderer could not create its"
                   " own EGL context (error %d); install Mesa's EGL and GL"
                   " drivers or use a host with a GPU render node", ret);
    }
}

bool vgpu_renderer_init(VGpuDevice *g, Error **errp)
{
    bool surfaceless = false;
    int ret = -1;

    if (renderer_owner) {
        error_setg(errp, "only one virtio-gpu-gl device per VM is possible:"
                   " virglrenderer is a single instance per process");
        return false;
    }
    virgl_set_log_callback(vgpu_virgl_log, NULL, NULL);
    /* A render node first; without one, EGL's surfaceless platform. */
    if (vgpu_host_has_render_node()) {
        ret = vgpu_try_init(g, vgpu_wanted_flags(g));
    }
    if (ret) {
        surfaceless = true;
        ret = vgpu_try_init(g, vgpu_wanted_flags(g) |
                            VIRGL_RENDERER_USE_SURFACELESS);
    }
    if (ret) {
        vgpu_explain_init_failure(g, ret, errp);
        return false;
    }
    trace_vgpu_renderer_init(surfaceless ? "the surfaceless platform" :
                             "a render node");
    renderer_owner = g;
    return true;
}

void vgpu_renderer_fini(VGpuDevice *g)
{
    if (renderer_owner == g) {
        virgl_renderer_cleanup(g);
        renderer_owner = NULL;
    }
}

void vgpu_renderer_poll(void)
{
    virgl_renderer_poll();
}

void vgpu_renderer_capset(uint32_t id, uint32_t *max_ver, uint32_t *max_size)
{
    virgl_renderer_get_cap_set(id, max_ver, max_size);
}

void vgpu_renderer_fill_capset(uint32_t id, uint32_t version, void *buf)
{
    virgl_renderer_fill_caps(id, version, buf);
}

int vgpu_renderer_resource_create(uint32_t id, uint32_t target,
                                  uint32_t format, uint32_t bind,
                                  uint32_t width, uint32_t height,
                                  uint32_t depth, uint32_t array_size,
                                  uint32_t last_level, uint32_t nr_samples,
                                  uint32_t flags)
{
    struct virgl_renderer_resource_create_args args = {
        .handle = id,
        .target = target,
        .format = format,
        .bind = bind,
        .width = width,
        .height = height,
        .depth = depth,
        .array_size = array_size,
        .last_level = last_level,
        .nr_samples = nr_samples,
        .flags = flags,
    };

    return virgl_renderer_resource_create(&args, NULL, 0);
}

uint32_t vgpu_renderer_resource_pitch(uint32_t id)
{
    struct virgl_renderer_resource_info info;

    return virgl_renderer_resource_get_info(id, &info) ? 0 : info.stride;
}

void vgpu_renderer_resource_unref(uint32_t id)
{
    virgl_renderer_resource_unref(id);
}

int vgpu_renderer_attach_iov(uint32_t id, struct iovec *iov, unsigned int cnt)
{
    return virgl_renderer_resource_attach_iov(id, iov, cnt);
}

void vgpu_renderer_detach_iov(uint32_t id)
{
    struct iovec *iov = NULL;
    int cnt = 0;

    /* The iovecs stay ours: the resource code unmaps them. */
    virgl_renderer_resource_detach_iov(id, &iov, &cnt);
}

int vgpu_renderer_transfer_write(uint32_t id, uint32_t ctx_id,
                                 uint32_t level, uint32_t stride,
                                 uint32_t layer_stride,
                                 const struct virtio_gpu_box *box,
                                 uint64_t offset)
{
    /* virglrenderer's box has virtio's layout but no public definition. */
    struct virtio_gpu_box b = *box;

    return virgl_renderer_transfer_write_iov(id, ctx_id, level, stride,
                                             layer_stride,
                                             (struct virgl_box *)&b, offset,
                                             NULL, 0);
}

int vgpu_renderer_transfer_read(uint32_t id, uint32_t ctx_id,
                                uint32_t level, uint32_t stride,
                                uint32_t layer_stride,
                                const struct virtio_gpu_box *box,
                                uint64_t offset, struct iovec *iov,
                                unsigned int cnt)
{
    struct virtio_gpu_box b = *box;

    return virgl_renderer_transfer_read_iov(id, ctx_id, level, stride,
                                            layer_stride,
                                            (struct virgl_box *)&b, offset,
                                            iov, cnt);
}

int vgpu_renderer_context_create(uint32_t ctx_id, uint32_t context_init,
                                 const char *name, uint32_t nlen)
{
    if (!context_init) {
        return virgl_renderer_context_create(ctx_id, nlen, name);
    }
    return virgl_renderer_context_create_with_flags(ctx_id, context_init,
                                                    nlen, name);
}

int vgpu_renderer_create_ring_fence(uint32_t ctx_id, uint32_t ring_idx,
                                    uint64_t seq)
{
    return virgl_renderer_context_create_fence(ctx_id, 0, ring_idx, seq);
}

int vgpu_renderer_create_blob(uint32_t id, uint32_t ctx_id,
                              uint32_t blob_mem, uint32_t blob_flags,
                              uint64_t blob_id, uint64_t size,
                              struct iovec *iov, unsigned int cnt)
{
    /* virtio's blob_mem and blob_flags values are virglrenderer's. */
    struct virgl_renderer_resource_create_blob_args args = {
        .res_handle = id,
        .ctx_id = ctx_id,
        .blob_mem = blob_mem,
        .blob_flags = blob_flags,
        .blob_id = blob_id,
        .size = size,
        .iovecs = iov,
        .num_iovs = cnt,
    };

    return virgl_renderer_resource_create_blob(&args);
}

int vgpu_renderer_map(uint32_t id, void **data, uint64_t *size)
{
    return virgl_renderer_resource_map(id, data, size);
}

int vgpu_renderer_export_fd(uint32_t id)
{
    uint32_t fd_type = 0;
    int fd = -1;

    if (virgl_renderer_resource_export_blob(id, &fd_type, &fd)) {
        return -1;
    }
    /* An opaque (Vulkan) fd need not map: the renderer's map imports it */
    if (fd_type != VIRGL_RENDERER_BLOB_FD_TYPE_DMABUF &&
        fd_type != VIRGL_RENDERER_BLOB_FD_TYPE_SHM) {
        close(fd);
        return -1;
    }
    return fd;
}

/*
 * virglrenderer 1.2 and newer map a blob at an address of our choosing,
 * MAP_FIXED over what is there: files, and a context's own buffers
 * through its map callback (not virgl's buffers, which it refuses).  It
 * maps the size the blob was created with.
 */
int vgpu_renderer_map_fixed(uint32_t id, void *addr)
{
#ifdef VGPU_HAVE_VIRGL_MAP_FIXED
    return virgl_renderer_resource_map_fixed(id, addr);
#else
    return -EOPNOTSUPP;
#endif
}

void vgpu_renderer_unmap(uint32_t id)
{
    virgl_renderer_resource_unmap(id);
}

uint32_t vgpu_renderer_map_info(uint32_t id)
{
    uint32_t info = 0;

    if (virgl_renderer_resource_get_map_info(id, &info)) {
        return VIRTIO_GPU_MAP_CACHE_NONE;
    }
    return info;
}

void vgpu_renderer_context_destroy(uint32_t ctx_id)
{
    virgl_renderer_context_destroy(ctx_id);
}

void vgpu_renderer_ctx_attach(uint32_t ctx_id, uint32_t res_id)
{
    virgl_renderer_ctx_attach_resource(ctx_id, res_id);
}

void vgpu_renderer_ctx_detach(uint32_t ctx_id, uint32_t res_id)
{
    virgl_renderer_ctx_detach_resource(ctx_id, res_id);
}

int vgpu_renderer_submit(uint32_t ctx_id, void *buf, uint32_t ndw)
{
    return virgl_renderer_submit_cmd(buf, ctx_id, ndw);
}

int vgpu_renderer_create_fence(uint32_t seq)
{
    /* Our own 32-bit sequence: guest fence ids may use all 64 bits. */
    return virgl_renderer_create_fence((int)seq, 0);
}

void *vgpu_renderer_cursor_data(uint32_t id, uint32_t *w, uint32_t *h)
{
    return virgl_renderer_get_cursor_data(id, w, h);
}

/* virgl_renderer_resource_info.flags: the texture's row 0 is the top. */
#define VGPU_VIRGL_Y_0_TOP (1 << 0)

/*
 * The texture behind a resource, exported through EGL.  That needs
 * EGL_MESA_image_dma_buf_export on the renderer's display, which a
 * render node gives and Mesa's surfaceless software platform does not.
 */
int vgpu_renderer_export_scanout(uint32_t id, VGpuExport *out)
{
    struct virgl_renderer_resource_info info;
    int fd = -1, stride = 0, offset = 0;

    if (virgl_renderer_resource_get_info(id, &info) || !info.tex_id ||
        !info.drm_fourcc) {
        return -ENOENT;
    }
    if (virgl_renderer_get_fd_for_texture2(info.tex_id, &fd, &stride,
                                           &offset) || fd < 0) {
        return -ENOTSUP;
    }
    if (offset != 0) {
        close(fd);      /* QEMU's dmabufs start at offset 0 */
        return -ENOTSUP;
    }
    *out = (VGpuExport) {
        .fd = fd,
        .stride = stride,
        .fourcc = info.drm_fourcc,
        .modifier = DRM_FORMAT_MOD_INVALID,
        .y0_top = info.flags & VGPU_VIRGL_Y_0_TOP,
    };
    return 0;
}
