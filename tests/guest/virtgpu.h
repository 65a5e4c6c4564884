/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small helpers shared by the virtio-gpu guest test programs: thin wrappers
 * around the virtgpu DRM ioctls, the few virgl protocol values they need,
 * timing and percentile helpers, and one printer so that every program
 * emits the same "TAG text" line shape for the host-side harness to parse.
 */

#ifndef VGPU_VIRTGPU_H
#define VGPU_VIRTGPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Prefer the kernel's own uapi headers; fall back to our copy of the ABI
 * where the toolchain has none (Debian, see virtgpu-uapi.h).  Define
 * VGPU_OWN_UAPI to force the fallback, e.g. to check it still builds.
 */
#if !defined(VGPU_OWN_UAPI) && defined(__has_include)
#if __has_include(<drm/virtgpu_drm.h>)
#define VGPU_SYSTEM_UAPI 1
#endif
#endif

#ifdef VGPU_SYSTEM_UAPI
#include <drm/drm.h>
#include <drm/virtgpu_drm.h>
#else
#include "virtgpu-uapi.h"
#endif

/*
 * Parameter ids that older or newer uapi headers may lack.  They are only
 * queried, and the kernel answers EINVAL for ids it does not know, so the
 * numbers are safe to use whatever the running kernel.
 */
#ifndef VIRTGPU_PARAM_RESOURCE_BLOB
#define VIRTGPU_PARAM_RESOURCE_BLOB 3
#endif
#ifndef VIRTGPU_PARAM_HOST_VISIBLE
#define VIRTGPU_PARAM_HOST_VISIBLE 4
#endif
#ifndef VIRTGPU_PARAM_CROSS_DEVICE
#define VIRTGPU_PARAM_CROSS_DEVICE 5
#endif
#ifndef VIRTGPU_PARAM_CONTEXT_INIT
#define VIRTGPU_PARAM_CONTEXT_INIT 6
#endif
#ifndef VIRTGPU_PARAM_SUPPORTED_CAPSET_IDs
#define VIRTGPU_PARAM_SUPPORTED_CAPSET_IDs 7
#endif
#ifndef VIRTGPU_PARAM_EXPLICIT_DEBUG_NAME
#define VIRTGPU_PARAM_EXPLICIT_DEBUG_NAME 8     /* Linux 6.7 */
#endif

#define VGPU_DEFAULT_DEVICE "/dev/dri/card0"

/* Capability set ids from the virtio-gpu specification. */
enum {
    VGPU_CAPSET_VIRGL = 1,
    VGPU_CAPSET_VIRGL2 = 2,
    VGPU_CAPSET_GFXSTREAM_VULKAN = 3,
    VGPU_CAPSET_VENUS = 4,
    VGPU_CAPSET_CROSS_DOMAIN = 5,
    VGPU_CAPSET_DRM = 6,
};

/*
 * virgl protocol values (virglrenderer's virgl_hw.h and virgl_protocol.h).
 * A buffer resource is a PIPE_BUFFER of R8_UNORM texels, one byte each, with
 * a single buffer bind; virglrenderer rejects a buffer with mixed binds.
 */
#define VGPU_PIPE_BUFFER                0   /* pipe_texture_target */
#define VGPU_VIRGL_FORMAT_R8_UNORM      64
#define VGPU_VIRGL_BIND_VERTEX_BUFFER   (1u << 4)

/* Resource flags that ask the host for persistently mappable storage. */
#define VGPU_VIRGL_RESOURCE_FLAG_MAP_PERSISTENT (1u << 1)
#define VGPU_VIRGL_RESOURCE_FLAG_MAP_COHERENT   (1u << 2)

/* Command header: opcode, object type, payload length in dwords. */
#define VGPU_VIRGL_CMD0(cmd, obj, len) \
    ((uint32_t)(cmd) | ((uint32_t)(obj) << 8) | ((uint32_t)(len) << 16))

#define VGPU_VIRGL_CCMD_SET_SUB_CTX         28
#define VGPU_VIRGL_CCMD_PIPE_RESOURCE_CREATE 48
#define VGPU_VIRGL_PIPE_RES_CREATE_SIZE     11

/* A buffer object: GEM handle, host resource id, size and CPU mapping. */
struct vgpu_bo {
    uint32_t bo_handle;
    uint32_t res_handle;
    uint64_t size;
    void *map;                  /* NULL until vgpu_bo_map() */
};

/* Device access.  Functions returning int give 0 or a negative errno. */
int vgpu_open(const char *path);
int vgpu_ioctl(int fd, unsigned long request, void *arg);
int vgpu_getparam(int fd, uint64_t param, int *value);
int vgpu_driver_version(int fd, char *name, size_t name_size,
                        int *major, int *minor, int *patch);
int vgpu_get_caps(int fd, uint32_t capset_id, uint32_t version,
                  void *buf, uint32_t size);
const char *vgpu_capset_name(uint32_t capset_id);
int vgpu_context_init(int fd, uint32_t capset_id, uint32_t num_rings);

/* Resources. */
int vgpu_resource_create_3d(int fd, struct drm_virtgpu_resource_create *rc,
                            struct vgpu_bo *bo);
int vgpu_buffer_create(int fd, uint32_t size, struct vgpu_bo *bo);
int vgpu_resource_create_blob(int fd,
                              struct drm_virtgpu_resource_create_blob *rb,
                              struct vgpu_bo *bo);
int vgpu_host3d_blob(int fd, uint64_t size, uint64_t blob_id,
                     struct vgpu_bo *bo);
int vgpu_bo_map(int fd, struct vgpu_bo *bo);
void vgpu_bo_destroy(int fd, struct vgpu_bo *bo);
int vgpu_transfer(int fd, uint32_t bo_handle, bool to_host,
                  const struct drm_virtgpu_3d_box *box, uint32_t offset);
int vgpu_transfer_buffer(int fd, const struct vgpu_bo *bo, bool to_host,
                         uint32_t start, uint32_t len);
int vgpu_wait(int fd, uint32_t bo_handle, bool nowait);

/* Submission.  ring < 0 means "no ring index"; fence_fd NULL means none. */
int vgpu_execbuffer(int fd, const uint32_t *cmd, uint32_t ndw,
                    int ring, int *fence_fd);
size_t vgpu_virgl_noop(uint32_t *buf, size_t max_dw);
int vgpu_fence_wait(int fence_fd, int timeout_ms);

/* Timing and statistics. */
uint64_t vgpu_now_ns(void);
void vgpu_sort_u64(uint64_t *v, size_t n);
uint64_t vgpu_percentile(const uint64_t *sorted, size_t n, unsigned pct);

/* Output: "TAG <formatted text>\n", flushed at once. */
void vgpu_line(const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* VGPU_VIRTGPU_H */
