/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A RECORDING STAND-IN for the renderer adapter, for contract tests only.
 *
 * DRM native contexts need a GPU that virglrenderer drives natively,
 * which the test machines do not have.  This file replaces
 * hw/display/vgpu-renderer.c in a test-only build of the device module
 * (meson -Drenderer=recording-stand-in): it offers the VIRGL and DRM
 * capsets, answers every call as a renderer that accepts it would, and
 * writes one line per call to the file named by $VGPU_RECORDING, so a
 * test can check what the device passed through: capset ids, context
 * ids, command bytes, blob parameters and fence rings.  Fences signal at
 * once.  It renders nothing, but exports every 2D or 3D resource as a
 * "dmabuf" (a memfd) painted STAND_IN_SCANOUT_XRGB, so the device's dmabuf
 * scanout path can be tested with a GL display that imports it (Mesa's
 * llvmpipe imports a memfd), where the real renderer cannot export.
 * Blobs live in memfds too; those created shareable are exported as
 * files (as a DRM context's buffers are), the others only mapped (as
 * virgl's are), so both of the device's ways to map a blob get used.
 * Nothing outside tests/ uses it.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/memalign.h"
#include "hw/display/vgpu.h"
#include "standard-headers/drm/drm_fourcc.h"

#define STAND_IN_CAPSET_SIZE    64
#define STAND_IN_MAX_BLOBS      64
#define STAND_IN_SCANOUT_XRGB   0x0040c080u
#define STAND_IN_FOURCC_XRGB    0x34325258u     /* 'XR24' */

static VGpuDevice *owner;
static FILE *record;
/* Resource id -> width << 32 | height, for exports. */
static GHashTable *sizes;

/* Host memory for the blobs the guest maps, by resource id. */
static struct {
    uint32_t id;
    uint32_t flags;
    uint64_t size;
    int fd;                 /* a memfd of whole pages */
    void *mem;              /* its mapping, once asked for */
} blobs[STAND_IN_MAX_BLOBS];

static void G_GNUC_PRINTF(1, 2) rec(const char *fmt, ...)
{
    va_list ap;

    if (!record) {
        return;
    }
    va_start(ap, fmt);
    vfprintf(record, fmt, ap);
    va_end(ap);
    fputc('\n', record);
    fflush(record);
}

bool vgpu_renderer_init(VGpuDevice *g, Error **errp)
{
    const char *path = getenv("VGPU_RECORDING");

    if (owner) {
        error_setg(errp, "recording stand-in: one device per process");
        return false;
    }
    if (path) {
        record = fopen(path, "a");
        if (!record) {
            error_setg_errno(errp, errno, "recording stand-in: cannot open "
                             "%s", path);
            return false;
        }
    }
    owner = g;
    rec("init venus=%d drm=%d", g->conf.venus, g->conf.drm_native_context);
    return true;
}

void vgpu_renderer_fini(VGpuDevice *g)
{
    rec("fini");
    if (record) {
        fclose(record);
        record = NULL;
    }
    owner = NULL;
}

void vgpu_renderer_poll(void)
{
}

void vgpu_renderer_capset(uint32_t id, uint32_t *max_ver, uint32_t *max_size)
{
    bool offered = id == VIRTIO_GPU_CAPSET_VIRGL ||
                   id == VIRTIO_GPU_CAPSET_DRM;

    *max_ver = offered ? 1 : 0;
    *max_size = offered ? STAND_IN_CAPSET_SIZE : 0;
}

void vgpu_renderer_fill_capset(uint32_t id, uint32_t version, void *buf)
{
    /* Recognisable bytes: the test checks they arrive unchanged. */
    memset(buf, 0, STAND_IN_CAPSET_SIZE);
    snprintf(buf, STAND_IN_CAPSET_SIZE, "STAND-IN capset %u v%u", id,
             version);
    rec("fill_capset id=%u version=%u", id, version);
}

int vgpu_renderer_resource_create(uint32_t id, uint32_t target,
                                  uint32_t format, uint32_t bind,
                                  uint32_t width, uint32_t height,
                                  uint32_t depth, uint32_t array_size,
                                  uint32_t last_level, uint32_t nr_samples,
                                  uint32_t flags)
{
    rec("resource_create id=%u target=%u format=%u %ux%u", id, target,
        format, width, height);
    if (!sizes) {
        sizes = g_hash_table_new(NULL, NULL);
    }
    g_hash_table_insert(sizes, GUINT_TO_POINTER(id),
                        (gpointer)(((uintptr_t)width << 32) | height));
    return 0;
}

/* As a renderer with 4-byte texels would answer. */
uint32_t vgpu_renderer_resource_pitch(uint32_t id)
{
    gpointer size = sizes ? g_hash_table_lookup(sizes, GUINT_TO_POINTER(id))
                          : NULL;

    return ((uintptr_t)size >> 32) * 4;
}

static uint64_t blob_span(uint64_t size)
{
    return ROUND_UP(size, qemu_real_host_page_size());
}

static void blob_free(int i)
{
    if (blobs[i].mem) {
        munmap(blobs[i].mem, blob_span(blobs[i].size));
    }
    close(blobs[i].fd);
    memset(&blobs[i], 0, sizeof(blobs[i]));
}

static int blob_find(uint32_t id)
{
    int i;

    for (i = 0; i < STAND_IN_MAX_BLOBS; i++) {
        if (blobs[i].id == id) {
            return i;
        }
    }
    return -1;
}

void vgpu_renderer_resource_unref(uint32_t id)
{
    int i;

    rec("resource_unref id=%u", id);
    if (sizes) {
        g_hash_table_remove(sizes, GUINT_TO_POINTER(id));
    }
    for (i = 0; i < STAND_IN_MAX_BLOBS; i++) {
        if (blobs[i].id == id) {
            blob_free(i);
        }
    }
}

int vgpu_renderer_attach_iov(uint32_t id, struct iovec *iov, unsigned int cnt)
{
    rec("attach_iov id=%u entries=%u", id, cnt);
    return 0;
}

void vgpu_renderer_detach_iov(uint32_t id)
{
    rec("detach_iov id=%u", id);
}

int vgpu_renderer_transfer_write(uint32_t id, uint32_t ctx_id,
                                 uint32_t level, uint32_t stride,
                                 uint32_t layer_stride,
                                 const struct virtio_gpu_box *box,
                                 uint64_t offset)
{
    rec("transfer_write id=%u ctx=%u", id, ctx_id);
    return 0;
}

int vgpu_renderer_transfer_read(uint32_t id, uint32_t ctx_id,
                                uint32_t level, uint32_t stride,
                                uint32_t layer_stride,
                                const struct virtio_gpu_box *box,
                                uint64_t offset, struct iovec *iov,
                                unsigned int cnt)
{
    rec("transfer_read id=%u ctx=%u", id, ctx_id);
    return 0;
}

int vgpu_renderer_context_create(uint32_t ctx_id, uint32_t context_init,
                                 const char *name, uint32_t nlen)
{
    rec("context_create ctx=%u context_init=0x%x name=%.*s", ctx_id,
        context_init, (int)nlen, name);
    return 0;
}

void vgpu_renderer_context_destroy(uint32_t ctx_id)
{
    rec("context_destroy ctx=%u", ctx_id);
}

void vgpu_renderer_ctx_attach(uint32_t ctx_id, uint32_t res_id)
{
    rec("ctx_attach ctx=%u id=%u", ctx_id, res_id);
}

void vgpu_renderer_ctx_detach(uint32_t ctx_id, uint32_t res_id)
{
    rec("ctx_detach ctx=%u id=%u", ctx_id, res_id);
}

int vgpu_renderer_submit(uint32_t ctx_id, void *buf, uint32_t ndw)
{
    g_autofree char *hex = g_malloc0(ndw * 8 + 1);
    const uint8_t *b = buf;
    uint32_t i;

    for (i = 0; i < ndw * 4; i++) {
        sprintf(hex + 2 * i, "%02x", b[i]);
    }
    rec("submit ctx=%u bytes=%u data=%s", ctx_id, ndw * 4, hex);
    return 0;
}

int vgpu_renderer_create_fence(uint32_t seq)
{
    rec("fence seq=%u", seq);
    vgpu_fence_signalled(owner, seq);
    return 0;
}

int vgpu_renderer_create_ring_fence(uint32_t ctx_id, uint32_t ring_idx,
                                    uint64_t seq)
{
    rec("ring_fence ctx=%u ring=%u seq=%" PRIu64, ctx_id, ring_idx, seq);
    vgpu_fence_ring_signalled(owner, ctx_id, ring_idx, seq);
    return 0;
}

int vgpu_renderer_create_blob(uint32_t id, uint32_t ctx_id,
                              uint32_t blob_mem, uint32_t blob_flags,
                              uint64_t blob_id, uint64_t size,
                              struct iovec *iov, unsigned int cnt)
{
    int i;

    rec("create_blob id=%u ctx=%u mem=%u flags=0x%x blob_id=%" PRIu64
        " size=%" PRIu64 " entries=%u", id, ctx_id, blob_mem, blob_flags,
        blob_id, size, cnt);
    i = blob_find(0);
    if (i < 0) {
        return -ENOSPC;
    }
    blobs[i].fd = memfd_create("stand-in-blob", MFD_CLOEXEC);
    if (blobs[i].fd < 0 || ftruncate(blobs[i].fd, blob_span(size))) {
        int err = -errno;

        if (blobs[i].fd >= 0) {
            close(blobs[i].fd);
        }
        return err;
    }
    blobs[i].id = id;
    blobs[i].flags = blob_flags;
    blobs[i].size = size;
    return 0;
}

int vgpu_renderer_map(uint32_t id, void **data, uint64_t *size)
{
    int i = blob_find(id);

    if (i < 0 || !id) {
        return -EINVAL;
    }
    if (!blobs[i].mem) {
        void *p = mmap(NULL, blob_span(blobs[i].size), PROT_READ | PROT_WRITE,
                       MAP_SHARED, blobs[i].fd, 0);

        if (p == MAP_FAILED) {
            return -errno;
        }
        blobs[i].mem = p;
    }
    *data = blobs[i].mem;
    *size = blobs[i].size;
    rec("map id=%u size=%" PRIu64, id, blobs[i].size);
    return 0;
}

int vgpu_renderer_export_fd(uint32_t id)
{
    int i = blob_find(id);

    if (i < 0 || !id ||
        !(blobs[i].flags & VIRTIO_GPU_BLOB_FLAG_USE_SHAREABLE)) {
        return -1;
    }
    rec("export id=%u size=%" PRIu64, id, blobs[i].size);
    return dup(blobs[i].fd);
}

/* As virglrenderer 1.1, which has no fixed mapping */
int vgpu_renderer_map_fixed(uint32_t id, void *addr)
{
    return -EOPNOTSUPP;
}

void vgpu_renderer_unmap(uint32_t id)
{
    rec("unmap id=%u", id);
}

uint32_t vgpu_renderer_map_info(uint32_t id)
{
    return VIRTIO_GPU_MAP_CACHE_CACHED;
}

void *vgpu_renderer_cursor_data(uint32_t id, uint32_t *w, uint32_t *h)
{
    *w = *h = 0;
    return NULL;
}

int vgpu_renderer_export_scanout(uint32_t id, VGpuExport *out)
{
    uintptr_t wh = sizes ? (uintptr_t)g_hash_table_lookup(
        sizes, GUINT_TO_POINTER(id)) : 0;
    uint32_t w = wh >> 32, h = (uint32_t)wh, i;
    uint32_t *px;
    int fd;

    if (!w || !h) {
        return -ENOENT;
    }
    fd = memfd_create("vgpu-stand-in-scanout", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, (off_t)w * h * 4) < 0) {
        int err = -errno;

        if (fd >= 0) {
            close(fd);
        }
        return err;
    }
    px = mmap(NULL, (size_t)w * h * 4, PROT_WRITE, MAP_SHARED, fd, 0);
    if (px == MAP_FAILED) {
        close(fd);
        return -ENOMEM;
    }
    for (i = 0; i < w * h; i++) {
        px[i] = STAND_IN_SCANOUT_XRGB;
    }
    munmap(px, (size_t)w * h * 4);
    rec("export_scanout id=%u %ux%u", id, w, h);
    *out = (VGpuExport) {
        .fd = fd, .stride = w * 4, .fourcc = STAND_IN_FOURCC_XRGB,
        .modifier = DRM_FORMAT_MOD_INVALID, .y0_top = false,
    };
    return 0;
}
