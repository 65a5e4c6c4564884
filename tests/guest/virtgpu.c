/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the virtio-gpu guest test programs; see virtgpu.h.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "virtgpu.h"

/*
 * Whichever header supplied the ABI, the argument sizes must be the ones
 * the kernel expects: the size is part of the ioctl number, and a wrong
 * layout would be silently misread rather than rejected.
 */
_Static_assert(sizeof(struct drm_virtgpu_getparam) == 16, "getparam");
_Static_assert(sizeof(struct drm_virtgpu_map) == 16, "map");
_Static_assert(sizeof(struct drm_virtgpu_3d_wait) == 8, "wait");
_Static_assert(sizeof(struct drm_virtgpu_get_caps) == 24, "get_caps");
_Static_assert(sizeof(struct drm_virtgpu_resource_create) == 56,
               "resource_create");
_Static_assert(sizeof(struct drm_virtgpu_3d_transfer_to_host) == 44,
               "transfer_to_host");
_Static_assert(sizeof(struct drm_virtgpu_3d_transfer_from_host) == 44,
               "transfer_from_host");
_Static_assert(sizeof(struct drm_virtgpu_resource_create_blob) == 48,
               "resource_create_blob");
_Static_assert(sizeof(struct drm_virtgpu_context_set_param) == 16,
               "context_set_param");
_Static_assert(sizeof(struct drm_virtgpu_context_init) == 16,
               "context_init");
_Static_assert(sizeof(struct drm_virtgpu_execbuffer) >= 40, "execbuffer");
_Static_assert(offsetof(struct drm_virtgpu_execbuffer, ring_idx) == 32,
               "execbuffer ring_idx");

/* Like drmIoctl(): restart when a signal or a busy driver interrupts. */
int vgpu_ioctl(int fd, unsigned long request, void *arg)
{
    int ret;

    do {
        ret = ioctl(fd, request, arg);
    } while (ret == -1 && (errno == EINTR || errno == EAGAIN));
    return ret == -1 ? -errno : 0;
}

int vgpu_open(const char *path)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);

    return fd < 0 ? -errno : fd;
}

int vgpu_getparam(int fd, uint64_t param, int *value)
{
    /* The kernel writes an int through the pointer passed in "value". */
    struct drm_virtgpu_getparam gp = {
        .param = param,
        .value = (uintptr_t)value,
    };

    return vgpu_ioctl(fd, DRM_IOCTL_VIRTGPU_GETPARAM, &gp);
}

int vgpu_driver_version(int fd, char *name, size_t name_size,
                        int *major, int *minor, int *patch)
{
    struct drm_version v;
    int ret;

    if (name_size == 0) {
        return -EINVAL;
    }
    memset(&v, 0, sizeof(v));
    v.name = name;
    v.name_len = name_size - 1;
    ret = vgpu_ioctl(fd, DRM_IOCTL_VERSION, &v);
    if (ret) {
        return ret;
    }
    /* name_len comes back as the full length, which may exceed ours. */
    name[v.name_len < name_size - 1 ? v.name_len : name_size - 1] = '\0';
    *major = v.version_major;
    *minor = v.version_minor;
    *patch = v.version_patchlevel;
    return 0;
}

int vgpu_get_caps(int fd, uint32_t capset_id, uint32_t version,
                  void *buf, uint32_t size)
{
    struct drm_virtgpu_get_caps gc = {
        .cap_set_id = capset_id,
        .cap_set_ver = version,
        .addr = (uintptr_t)buf,
        .size = size,
    };

    return vgpu_ioctl(fd, DRM_IOCTL_VIRTGPU_GET_CAPS, &gc);
}

const char *vgpu_capset_name(uint32_t capset_id)
{
    switch (capset_id) {
    case VGPU_CAPSET_VIRGL:
        return "VIRGL";
    case VGPU_CAPSET_VIRGL2:
        return "VIRGL2";
    case VGPU_CAPSET_GFXSTREAM_VULKAN:
        return "GFXSTREAM_VULKAN";
    case VGPU_CAPSET_VENUS:
        return "VENUS";
    case VGPU_CAPSET_CROSS_DOMAIN:
        return "CROSS_DOMAIN";
    case VGPU_CAPSET_DRM:
        return "DRM";
    default:
        return "UNKNOWN";
    }
}

int vgpu_context_init(int fd, uint32_t capset_id, uint32_t num_rings)
{
    struct drm_virtgpu_context_set_param params[2] = {
        { .param = VIRTGPU_CONTEXT_PARAM_CAPSET_ID, .value = capset_id },
        { .param = VIRTGPU_CONTEXT_PARAM_NUM_RINGS, .value = num_rings },
    };
    struct drm_virtgpu_context_init ci = {
        /* Zero rings means "leave the kernel default", so omit it. */
        .num_params = num_rings ? 2 : 1,
        .ctx_set_params = (uintptr_t)params,
    };

    return vgpu_ioctl(fd, DRM_IOCTL_VIRTGPU_CONTEXT_INIT, &ci);
}

int vgpu_resource_create_3d(int fd, struct drm_virtgpu_resource_create *rc,
                            struct vgpu_bo *bo)
{
    int ret = vgpu_ioctl(fd, DRM_IOCTL_VIRTGPU_RESOURCE_CREATE, rc);

    memset(bo, 0, sizeof(*bo));
    if (ret) {
        return ret;
    }
    bo->bo_handle = rc->bo_handle;
    bo->res_handle = rc->res_handle;
    /* The kernel backs a zero-sized request with one page. */
    bo->size = rc->size ? rc->size : (uint64_t)sysconf(_SC_PAGESIZE);
    return 0;
}

int vgpu_buffer_create(int fd, uint32_t size, struct vgpu_bo *bo)
{
    struct drm_virtgpu_resource_create rc = {
        .target = VGPU_PIPE_BUFFER,
        .format = VGPU_VIRGL_FORMAT_R8_UNORM,
        .bind = VGPU_VIRGL_BIND_VERTEX_BUFFER,
        .width = size,
        .height = 1,
        .depth = 1,
        .array_size = 1,
        .size = size,
        .stride = size,
    };

    return vgpu_resource_create_3d(fd, &rc, bo);
}

int vgpu_resource_create_blob(int fd,
                              struct drm_virtgpu_resource_create_blob *rb,
                              struct vgpu_bo *bo)
{
    int ret = vgpu_ioctl(fd, DRM_IOCTL_VIRTGPU_RESOURCE_CREATE_BLOB, rb);

    memset(bo, 0, sizeof(*bo));
    if (ret) {
        return ret;
    }
    bo->bo_handle = rb->bo_handle;
    bo->res_handle = rb->res_handle;
    bo->size = rb->size;
    return 0;
}

/*
 * A mappable HOST3D blob in the fd's virgl context: a virgl command,
 * sent with the blob request, creates the host buffer that blob_id names
 * (as Mesa's virgl driver does for persistently mapped buffers).
 */
int vgpu_host3d_blob(int fd, uint64_t size, uint64_t blob_id,
                     struct vgpu_bo *bo)
{
    uint32_t cmd[VGPU_VIRGL_PIPE_RES_CREATE_SIZE + 1] = {
        VGPU_VIRGL_CMD0(VGPU_VIRGL_CCMD_PIPE_RESOURCE_CREATE, 0,
                        VGPU_VIRGL_PIPE_RES_CREATE_SIZE),
        VGPU_PIPE_BUFFER,                   /* target */
        VGPU_VIRGL_FORMAT_R8_UNORM,         /* format */
        VGPU_VIRGL_BIND_VERTEX_BUFFER,      /* bind */
        (uint32_t)size,                     /* width in bytes */
        1, 1, 1,                            /* height, depth, array size */
        0, 0,                               /* last level, samples */
        VGPU_VIRGL_RESOURCE_FLAG_MAP_PERSISTENT |
        VGPU_VIRGL_RESOURCE_FLAG_MAP_COHERENT,
        (uint32_t)blob_id,
    };
    struct drm_virtgpu_resource_create_blob rb = {
        .blob_mem = VIRTGPU_BLOB_MEM_HOST3D,
        .blob_flags = VIRTGPU_BLOB_FLAG_USE_MAPPABLE,
        .size = size,
        .cmd_size = sizeof(cmd),
        .cmd = (uintptr_t)cmd,
        .blob_id = blob_id,
    };

    return vgpu_resource_create_blob(fd, &rb, bo);
}

int vgpu_bo_map(int fd, struct vgpu_bo *bo)
{
    struct drm_virtgpu_map m = { .handle = bo->bo_handle };
    void *p;
    int ret;

    ret = vgpu_ioctl(fd, DRM_IOCTL_VIRTGPU_MAP, &m);
    if (ret) {
        return ret;
    }
    p = mmap(NULL, bo->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
             (off_t)m.offset);
    if (p == MAP_FAILED) {
        return -errno;
    }
    bo->map = p;
    return 0;
}

void vgpu_bo_destroy(int fd, struct vgpu_bo *bo)
{
    struct drm_gem_close gc = { .handle = bo->bo_handle };

    if (bo->map) {
        munmap(bo->map, bo->size);
    }
    if (bo->bo_handle) {
        vgpu_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &gc);
    }
    memset(bo, 0, sizeof(*bo));
}

int vgpu_transfer(int fd, uint32_t bo_handle, bool to_host,
                  const struct drm_virtgpu_3d_box *box, uint32_t offset)
{
    /* Same layout both ways, but each ioctl has its own argument type. */
    if (to_host) {
        struct drm_virtgpu_3d_transfer_to_host t = {
            .bo_handle = bo_handle,
            .box = *box,
            .offset = offset,
        };

        return vgpu_ioctl(fd, DRM_IOCTL_VIRTGPU_TRANSFER_TO_HOST, &t);
    } else {
        struct drm_virtgpu_3d_transfer_from_host t = {
            .bo_handle = bo_handle,
            .box = *box,
            .offset = offset,
        };

        return vgpu_ioctl(fd, DRM_IOCTL_VIRTGPU_TRANSFER_FROM_HOST, &t);
    }
}

int vgpu_transfer_buffer(int fd, const struct vgpu_bo *bo, bool to_host,
                         uint32_t start, uint32_t len)
{
    /*
     * For a PIPE_BUFFER the box is a byte range, and the guest backing
     * mirrors the host buffer, so the backing offset equals box.x.
     */
    struct drm_virtgpu_3d_box box = {
        .x = start, .y = 0, .z = 0, .w = len, .h = 1, .d = 1,
    };

    return vgpu_transfer(fd, bo->bo_handle, to_host, &box, start);
}

int vgpu_wait(int fd, uint32_t bo_handle, bool nowait)
{
    struct drm_virtgpu_3d_wait w = {
        .handle = bo_handle,
        .flags = nowait ? VIRTGPU_WAIT_NOWAIT : 0,
    };

    return vgpu_ioctl(fd, DRM_IOCTL_VIRTGPU_WAIT, &w);
}

int vgpu_execbuffer(int fd, const uint32_t *cmd, uint32_t ndw,
                    int ring, int *fence_fd)
{
    struct drm_virtgpu_execbuffer eb;
    int ret;

    memset(&eb, 0, sizeof(eb));
    eb.size = ndw * sizeof(uint32_t);
    eb.command = (uintptr_t)cmd;
    eb.fence_fd = -1;
    if (fence_fd) {
        eb.flags |= VIRTGPU_EXECBUF_FENCE_FD_OUT;
    }
    if (ring >= 0) {
        eb.flags |= VIRTGPU_EXECBUF_RING_IDX;
        eb.ring_idx = (uint32_t)ring;
    }
    ret = vgpu_ioctl(fd, DRM_IOCTL_VIRTGPU_EXECBUFFER, &eb);
    if (ret == 0 && fence_fd) {
        *fence_fd = eb.fence_fd;
    }
    return ret;
}

size_t vgpu_virgl_noop(uint32_t *buf, size_t max_dw)
{
    /*
     * Switch to sub-context 0.  Every virgl context is created with it
     * and starts out in it, so this changes nothing on the host, yet it
     * is a real command that virglrenderer decodes and accepts (Mesa
     * emits the same opcode at context setup).  The zero-length NOP
     * opcode would be shorter but exercises less of the decoder.
     */
    if (max_dw < 2) {
        return 0;
    }
    buf[0] = VGPU_VIRGL_CMD0(VGPU_VIRGL_CCMD_SET_SUB_CTX, 0, 1);
    buf[1] = 0;
    return 2;
}

int vgpu_fence_wait(int fence_fd, int timeout_ms)
{
    uint64_t deadline = vgpu_now_ns() + (uint64_t)timeout_ms * 1000000;
    struct pollfd pfd = { .fd = fence_fd, .events = POLLIN };

    for (;;) {
        uint64_t now = vgpu_now_ns();
        int left = now >= deadline ? 0 : (int)((deadline - now) / 1000000);
        int ret = poll(&pfd, 1, left);

        if (ret > 0) {
            /* A sync_file polls readable once its fence has signalled. */
            return (pfd.revents & POLLIN) ? 0 : -EIO;
        }
        if (ret == 0) {
            return -ETIMEDOUT;
        }
        if (errno != EINTR) {
            return -errno;
        }
    }
}

uint64_t vgpu_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

void vgpu_sort_u64(uint64_t *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_u64);
}

uint64_t vgpu_percentile(const uint64_t *sorted, size_t n, unsigned pct)
{
    /* Nearest rank: the smallest sample with pct% of samples at or below. */
    size_t rank;

    if (n == 0) {
        return 0;
    }
    rank = ((size_t)pct * n + 99) / 100;
    if (rank < 1) {
        rank = 1;
    }
    if (rank > n) {
        rank = n;
    }
    return sorted[rank - 1];
}

void vgpu_line(const char *tag, const char *fmt, ...)
{
    va_list ap;

    /* Flush per line: the console may be all that survives a hang. */
    fputs(tag, stdout);
    fputc(' ', stdout);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
}
