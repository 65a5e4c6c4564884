/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-gpu-gl device model: the types shared by its stages.
 *
 * Data flows one way: the device (vgpu-device.c) pops requests, the
 * decoder (vgpu-decode.c) turns raw bytes into a checked VGpuCmd, a
 * handler (vgpu-resource.c, vgpu-context.c, vgpu-scanout.c) acts through
 * the renderer adapter (vgpu-renderer.c, the only caller of
 * virglrenderer) and returns a VGpuResult, and the decoder's encoder
 * writes the response, at once or when its fence signals (vgpu-fence.c).
 */

#ifndef HW_DISPLAY_VGPU_H
#define HW_DISPLAY_VGPU_H

#include "qemu/units.h"
#include "hw/virtio/virtio.h"
#include "standard-headers/linux/virtio_gpu.h"
#include "ui/console.h"
#include "ui/dmabuf.h"
#include "qemu/queue.h"
#include "qemu/thread.h"
#include "qemu/uuid.h"
#include "exec/memory.h"
#include "qom/object.h"

#define TYPE_VGPU_GL "virtio-gpu-gl-device"
OBJECT_DECLARE_SIMPLE_TYPE(VGpuDevice, VGPU_GL)

/* Bounds a guest cannot exceed, whatever it asks for. */
#define VGPU_MAX_RESOURCES      (64 * 1024)
#define VGPU_MAX_CONTEXTS       (1024)
#define VGPU_MAX_BACKING_PAGES  (1024 * 1024)   /* mem entries per resource */
/*
 * Default bound on the backing entries of all resources together: each
 * costs 16 bytes of host memory (64 MiB in all), and 4M entries cover
 * 16 GiB of guest memory even in single pages.
 */
#define VGPU_DEFAULT_BACKING_ENTRIES    (4 * 1024 * 1024)
/* Default budgets (vgpu-budget.c), as README.rst gives them */
#define VGPU_DEFAULT_RESOURCE_BYTES     (4 * GiB)
#define VGPU_DEFAULT_CONTEXTS           64
#define VGPU_DEFAULT_FRAME_BYTES        (512 * MiB)
#define VGPU_MAX_SUBMIT         (16 * MiB)      /* one SUBMIT_3D */
#define VGPU_MAX_DIMENSION      (16384)
#define VGPU_MAX_BUFFER_SIZE    (1u << 30)      /* PIPE_BUFFER width */
#define VGPU_CURSOR_SIZE        64
#define VGPU_MAX_BLOB_SIZE      (4 * GiB)
#define VGPU_MAX_RINGS          64      /* fence rings per context */
/* x-venus-nudge-ms: the period of lost-wake-up repair (vgpu-venus-ring.c) */
#define VGPU_VENUS_NUDGE_DEFAULT_MS     100
#define VGPU_VENUS_NUDGE_LEAST_MS       10
#define VGPU_VENUS_NUDGE_MOST_MS        10000

/* Gallium texture targets a resource may have (PIPE_BUFFER .. ). */
#define VGPU_TARGET_BUFFER      0
#define VGPU_TARGET_TEXTURE_2D  2
#define VGPU_TARGET_TEXTURE_RECT 5
#define VGPU_MAX_TARGET         8

/* One checked command: header and body already in host byte order. */
typedef struct VGpuCmd {
    struct virtio_gpu_ctrl_hdr hdr;
    union {
        struct virtio_gpu_resource_create_2d create_2d;
        struct virtio_gpu_resource_create_3d create_3d;
        struct virtio_gpu_resource_unref unref;
        struct virtio_gpu_resource_attach_backing attach;
        struct virtio_gpu_resource_detach_backing detach;
        struct virtio_gpu_transfer_to_host_2d to_host_2d;
        struct virtio_gpu_transfer_host_3d xfer_3d;
        struct virtio_gpu_set_scanout set_scanout;
        struct virtio_gpu_resource_flush flush;
        struct virtio_gpu_get_capset_info capset_info;
        struct virtio_gpu_get_capset capset;
        struct virtio_gpu_cmd_get_edid get_edid;
        struct virtio_gpu_ctx_create ctx_create;
        struct virtio_gpu_ctx_resource ctx_res;
        struct virtio_gpu_cmd_submit submit;
        struct virtio_gpu_update_cursor cursor;
        struct virtio_gpu_resource_create_blob create_blob;
        struct virtio_gpu_resource_map_blob map_blob;
        struct virtio_gpu_resource_unmap_blob unmap_blob;
        struct virtio_gpu_resource_assign_uuid assign_uuid;
        struct virtio_gpu_set_scanout_blob scanout_blob;
    } u;
    /* Bytes after the fixed part (mem entries, command stream). */
    const struct iovec *payload_iov;
    unsigned int payload_iov_cnt;
    size_t payload_offset;
    size_t payload_len;
} VGpuCmd;

/*
 * What a handler returns: a response type (OK_NODATA, an OK_* with data
 * in `data`, or an ERR_*).  Handlers never write responses themselves.
 */
typedef struct VGpuResult {
    uint32_t type;
    void *data;          /* g_malloc'd body after the header, or NULL */
    size_t data_len;
} VGpuResult;

typedef VGpuResult (*VGpuHandler)(VGpuDevice *g, const VGpuCmd *cmd);

typedef struct VGpuResource {
    uint32_t id;
    uint32_t format;
    uint32_t width, height;
    uint32_t target;          /* Gallium texture target (2D for 2D ones) */
    uint32_t layers;          /* max(depth, array_size) */
    uint32_t last_level;
    struct iovec *iov;        /* guest backing, mapped */
    uint64_t *iov_gpa;        /* each entry's guest address */
    unsigned int iov_cnt;
    /* Blob resources (vgpu-blob.c). */
    bool blob;
    uint32_t blob_mem, blob_flags;
    uint64_t blob_size;
    bool mapped;              /* in the host-visible region */
    bool map_placed;          /* as the renderer's file, in the window */
    uint64_t map_offset, map_size;
    MemoryRegion *map_mr;     /* else as a subregion over the window */
    /*
     * An unmapped region someone may still use: the renderer's memory
     * stays mapped, and the resource alive in the renderer, until its
     * last user lets go (vgpu-blob.c).
     */
    struct VGpuBlobRegion *unmap_pending;
    QTAILQ_ENTRY(VGpuResource) unmapping_next;  /* on g->unmapping */
    bool has_uuid;
    QemuUUID uuid;
    uint64_t host_bytes;      /* charged to max_resource_bytes */
    QTAILQ_ENTRY(VGpuResource) next;
} VGpuResource;

/* A picture read back from the renderer, 4 bytes per pixel. */
typedef struct VGpuFrame {
    uint8_t *pixels;
    uint32_t width, height;
    pixman_format_code_t format;
} VGpuFrame;

typedef struct VGpuScanout {
    QemuConsole *con;
    uint32_t resource_id;        /* 0: disabled */
    struct virtio_gpu_rect rect;
    uint32_t width, height;      /* the output's current mode */
    bool enabled;
    /* The display's window or monitor, for EDID: 0 when unknown. */
    uint16_t width_mm, height_mm;
    uint32_t refresh_rate;       /* mHz */
    /* SET_SCANOUT_BLOB: the framebuffer's layout in the blob. */
    bool from_blob;
    uint32_t fb_format, fb_stride;
    uint64_t fb_offset;

    /* Hand-over to the console (vgpu-present.c), all under the BQL. */
    VGpuFrame shown;             /* the console's surface wraps this */
    VGpuFrame next;              /* a new geometry, not on screen yet */
    bool blank;                  /* the console is to go blank */
    bool dirty;                  /* the picture changed */
    QEMUCursor *cursor;          /* a cursor image to define */
    /*
     * The dmabuf path, handed over like frames: `dmabuf_next` replaces
     * `dmabuf_shown` on the console when `dmabuf_switch` is set (NULL:
     * back to the surface).  Both are owned here, fd included.
     */
    QemuDmaBuf *dmabuf_next;
    QemuDmaBuf *dmabuf_shown;
    bool dmabuf_switch;
    uint32_t mouse_x, mouse_y;
    bool mouse_visible;
    bool mouse_moved;
} VGpuScanout;

/* A command whose response waits for its fence. */
typedef struct VGpuPending {
    VirtQueueElement *elem;
    struct virtio_gpu_ctrl_hdr hdr;
    VGpuResult result;
    bool on_ring;                /* a context's ring, not the global one */
    uint32_t ctx_id, ring_idx;
    uint64_t seq;                /* our sequence number on its timeline */
    QTAILQ_ENTRY(VGpuPending) next;
} VGpuPending;

typedef struct VGpuConf {
    uint32_t max_outputs;
    uint32_t max_backing_entries; /* of all resources together */
    uint64_t max_resource_bytes;  /* estimated renderer storage */
    uint32_t max_contexts;        /* live at once */
    uint64_t max_frame_bytes;     /* scanout frames of all outputs */
    uint32_t xres, yres;
    bool edid;
    bool dmabuf;                 /* scanouts by dmabuf where possible */
    bool blob;
    uint64_t hostmem;            /* host-visible region size, 0: none */
    bool venus;
    bool drm_native_context;
    bool context_init;
    uint32_t venus_nudge_ms;     /* lost ring wake-ups repaired; 0: off */
} VGpuConf;

struct VGpuDevice {
    VirtIODevice parent_obj;

    VGpuConf conf;
    VirtQueue *ctrl_vq;
    VirtQueue *cursor_vq;
    uint32_t events_read;        /* config space; the guest clears it */

    VGpuScanout scanout[VIRTIO_GPU_MAX_SCANOUTS];
    QTAILQ_HEAD(, VGpuResource) resources;
    /*
     * Unreffed by the guest while an unmapped region of theirs is still
     * in use: destroyed once it is let go (vgpu_resources_reap).  They
     * count in num_resources until then, so they stay bounded.
     */
    QTAILQ_HEAD(, VGpuResource) retired;
    unsigned int num_resources;
    uint64_t backing_entries;    /* mapped, of all resources together */
    uint64_t resource_bytes;     /* charged, of all resources together */
    uint32_t budgets_warned;     /* VGpuBudget bits told to the user */
    /* Unmapped regions still in use: the control queue waits for them. */
    unsigned int unmaps_pending;
    QTAILQ_HEAD(, VGpuResource) unmapping;  /* their resources, live or not */
    int64_t unmap_stall_since;   /* QEMU_CLOCK_REALTIME ms */
    QEMUTimer *unmap_poll;       /* wakes the render thread meanwhile */
    bool unmap_stall_logged;
    unsigned long *contexts;     /* bitmap of live context ids */

    /* Fences: responses parked in submission order. */
    QTAILQ_HEAD(, VGpuPending) pending;
    uint32_t next_seq;
    uint32_t signalled_seq;      /* written by the renderer's thread */
    uint64_t next_ring_seq;
    QemuMutex fence_lock;        /* guards ring_signalled */
    GHashTable *ring_signalled;  /* ctx/ring -> newest signalled seq */

    bool reset_pending;          /* guest reset, renderer side pending */
    uint32_t reset_count;        /* guest resets so far */
    MemoryRegion hostmem;        /* host-visible region, on a transport BAR */
    uint8_t *hostmem_base;       /* its host memory (vgpu-hostmem.c) */

    /* The render thread (vgpu-worker.c). */
    QemuThread worker;
    QemuEvent worker_wake;
    QemuSemaphore worker_ready;
    Error *worker_err;           /* renderer start-up failure */
    bool worker_running;
    bool worker_quit;

    uint32_t num_capsets;
    uint32_t capsets[4];         /* offered capset ids, in index order */
    unsigned long *ring_contexts; /* contexts made with CONTEXT_INIT */
    /* Venus contexts' rings, for wake-ups lost (vgpu-venus-ring.c) */
    GHashTable *venus_rings;     /* ctx_id -> VGpuVenusRings */
    QEMUTimer *venus_nudge;
    bool venus_nudge_due;
    Error *migration_blocker;
    QEMUBH *present_bh;

    /*
     * virtio-vga-gl (vgpu-vga.c) shares scanout 0's console with VGA.  It
     * is a module of its own that the binary loads before ours, so it
     * reaches our console callbacks through this pointer, not by symbol.
     */
    const GraphicHwOps *console_ops;
    bool has_vga;
    bool display_taken;          /* the guest set scanout 0 since reset */
    bool vga_redraw;             /* VGA must redraw the console in full */
};

/* vgpu-budget.c */
typedef enum VGpuBudget {
    VGPU_BUDGET_RESOURCE_BYTES,
    VGPU_BUDGET_CONTEXTS,
    VGPU_BUDGET_FRAME_BYTES,
    VGPU_BUDGET_BACKING_ENTRIES,
    VGPU_BUDGET_COUNT
} VGpuBudget;
VGpuResult vgpu_budget_refuse(VGpuDevice *g, VGpuBudget which,
                              const char *cmd, uint64_t want,
                              uint64_t used, uint64_t limit);
uint64_t vgpu_budget_texture_bytes(uint32_t target, uint32_t width,
                                   uint32_t height, uint32_t layers,
                                   uint32_t last_level, uint32_t pitch);
uint64_t vgpu_budget_texture_floor(uint32_t target, uint32_t width,
                                   uint32_t height, uint32_t layers);
VGpuResult vgpu_budget_check_bytes(VGpuDevice *g, const char *cmd,
                                   uint64_t bytes);
void vgpu_budget_charge(VGpuDevice *g, VGpuResource *r, uint64_t bytes);
void vgpu_budget_release(VGpuDevice *g, VGpuResource *r);
VGpuResult vgpu_budget_check_context(VGpuDevice *g, const char *cmd);
VGpuResult vgpu_budget_check_frame(VGpuDevice *g, const VGpuScanout *s,
                                   const struct virtio_gpu_rect *rect,
                                   const char *cmd);

/* vgpu-device.c */
void vgpu_serve_queues(VGpuDevice *g);
void vgpu_drop_guest_state(VGpuDevice *g);

/* vgpu-venus-ring.c */
void vgpu_venus_rings_init(VGpuDevice *g);
void vgpu_venus_rings_fini(VGpuDevice *g);
void vgpu_venus_context_created(VGpuDevice *g, uint32_t ctx_id);
void vgpu_venus_context_gone(VGpuDevice *g, uint32_t ctx_id);
void vgpu_venus_rings_reset(VGpuDevice *g);
void vgpu_venus_note_submit(VGpuDevice *g, uint32_t ctx_id,
                            const void *buf, uint32_t size);
void vgpu_venus_rings_service(VGpuDevice *g);

/* vgpu-worker.c */
bool vgpu_worker_start(VGpuDevice *g, Error **errp);
void vgpu_worker_kick(VGpuDevice *g);
void vgpu_worker_stop(VGpuDevice *g);

/* vgpu-decode.c */
void vgpu_process_ctrl(VGpuDevice *g, VirtQueueElement *elem);
void vgpu_process_cursor(VGpuDevice *g, VirtQueueElement *elem);
void vgpu_respond(VGpuDevice *g, VirtQueueElement *elem,
                  const struct virtio_gpu_ctrl_hdr *req, VGpuResult *res);
VGpuResult vgpu_ok(void);
VGpuResult vgpu_err(uint32_t type);
VGpuResult vgpu_reject(uint32_t type, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/* vgpu-resource.c */
VGpuResource *vgpu_resource_find(VGpuDevice *g, uint32_t id);
VGpuResource *vgpu_resource_lookup(VGpuDevice *g, uint32_t id,
                                   const char *cmd, VGpuResult *reject);
VGpuResult vgpu_check_new_id(VGpuDevice *g, const char *cmd, uint32_t id);
VGpuResource *vgpu_resource_add(VGpuDevice *g, uint32_t id, uint32_t format,
                                uint32_t width, uint32_t height);
VGpuResult vgpu_backing_map(VGpuDevice *g, VGpuResource *r,
                            const VGpuCmd *cmd, const char *name,
                            uint32_t nr_entries);
void vgpu_backing_unmap(VGpuDevice *g, VGpuResource *r);
VGpuResult vgpu_cmd_resource_create_2d(VGpuDevice *g, const VGpuCmd *cmd);
VGpuResult vgpu_cmd_resource_create_3d(VGpuDevice *g, const VGpuCmd *cmd);
VGpuResult vgpu_cmd_resource_unref(VGpuDevice *g, const VGpuCmd *cmd);
VGpuResult vgpu_cmd_attach_backing(VGpuDevice *g, const VGpuCmd *cmd);
VGpuResult vgpu_cmd_detach_backing(VGpuDevice *g, const VGpuCmd *cmd);
VGpuResult vgpu_cmd_transfer_to_host_2d(VGpuDevice *g, const VGpuCmd *cmd);
VGpuResult vgpu_cmd_transfer_to_host_3d(VGpuDevice *g, const VGpuCmd *cmd);
VGpuResult vgpu_cmd_transfer_from_host_3d(VGpuDevice *g, const VGpuCmd *cmd);
void vgpu_resources_reset(VGpuDevice *g);
void vgpu_resources_reap(VGpuDevice *g);

/* vgpu-blob.c */
VGpuResult vgpu_cmd_resource_create_blob(VGpuDevice *g, const VGpuCmd *cmd);
VGpuResult vgpu_cmd_resource_map_blob(VGpuDevice *g, const VGpuCmd *cmd);
VGpuResult vgpu_cmd_resource_unmap_blob(VGpuDevice *g, const VGpuCmd *cmd);
VGpuResult vgpu_cmd_resource_assign_uuid(VGpuDevice *g, const VGpuCmd *cmd);
void vgpu_hostmem_unmap(VGpuDevice *g, VGpuResource *r);
bool vgpu_hostmem_unmap_settled(VGpuDevice *g, VGpuResource *r);
bool vgpu_hostmem_busy(VGpuDevice *g);
bool vgpu_hostmem_drain(VGpuDevice *g);
void *vgpu_blob_host_ptr(VGpuDevice *g, VGpuResource *r);

/* vgpu-hostmem.c */
bool vgpu_hostmem_init(VGpuDevice *g, Error **errp);
bool vgpu_hostmem_place(VGpuDevice *g, VGpuResource *r, uint64_t offset);
void vgpu_hostmem_displace(VGpuDevice *g, VGpuResource *r);
void vgpu_hostmem_reset(VGpuDevice *g);

/* vgpu-context.c */
bool vgpu_context_exists(VGpuDevice *g, uint32_t ctx_id);
bool vgpu_capsets_init(VGpuDevice *g, Error **errp);
bool vgpu_ring_ok(VGpuDevice *g, uint32_t ctx_id, uint32_t ring_idx);
VGpuResult vgpu_cmd_get_capset_info(VGpuDevice *g, const VGpuCmd *cmd);
VGpuResult vgpu_cmd_get_capset(VGpuDevice *g, const VGpuCmd *cmd);
VGpuResult vgpu_cmd_ctx_create(VGpuDevice *g, const VGpuCmd *cmd);
VGpuResult vgpu_cmd_ctx_destroy(VGpuDevice *g, const VGpuCmd *cmd);
VGpuResult vgpu_cmd_ctx_attach_resource(VGpuDevice *g, const VGpuCmd *cmd);
VGpuResult vgpu_cmd_ctx_detach_resource(VGpuDevice *g, const VGpuCmd *cmd);
VGpuResult vgpu_cmd_submit_3d(VGpuDevice *g, const VGpuCmd *cmd);
void vgpu_contexts_reset(VGpuDevice *g);

/* vgpu-scanout.c */
void vgpu_scanouts_init(VGpuDevice *g);
void vgpu_scanouts_fini(VGpuDevice *g);
void vgpu_scanouts_reset(VGpuDevice *g);
void vgpu_scanout_forget_resource(VGpuDevice *g, uint32_t resource_id);
pixman_format_code_t vgpu_pixman_format(uint32_t virtio_format);
void vgpu_scanout_disable(VGpuDevice *g, VGpuScanout *s);
VGpuResult vgpu_cmd_get_display_info(VGpuDevice *g, const VGpuCmd *cmd);
VGpuResult vgpu_cmd_get_edid(VGpuDevice *g, const VGpuCmd *cmd);
VGpuResult vgpu_cmd_set_scanout(VGpuDevice *g, const VGpuCmd *cmd);
VGpuResult vgpu_cmd_resource_flush(VGpuDevice *g, const VGpuCmd *cmd);
void vgpu_cursor_update(VGpuDevice *g,
                        const struct virtio_gpu_update_cursor *c);

/* vgpu-scanout-blob.c */
VGpuResult vgpu_cmd_set_scanout_blob(VGpuDevice *g, const VGpuCmd *cmd);
void vgpu_scanout_blob_readback(VGpuDevice *g, VGpuScanout *s,
                                VGpuResource *r);

/* vgpu-present.c */
void vgpu_present_init(VGpuDevice *g);
void vgpu_present_fini(VGpuDevice *g);
void vgpu_present_schedule(VGpuDevice *g);
uint8_t *vgpu_present_target(VGpuScanout *s, uint32_t width, uint32_t height,
                             pixman_format_code_t format);
void vgpu_present_blank(VGpuScanout *s);
void vgpu_present_dmabuf(VGpuScanout *s, QemuDmaBuf *dmabuf);

/* vgpu-fence.c */
void vgpu_fence_init(VGpuDevice *g);
void vgpu_fence_fini(VGpuDevice *g);
void vgpu_fence_park(VGpuDevice *g, VirtQueueElement *elem,
                     const struct virtio_gpu_ctrl_hdr *hdr, VGpuResult res);
void vgpu_fence_park_ring(VGpuDevice *g, VirtQueueElement *elem,
                          const struct virtio_gpu_ctrl_hdr *hdr,
                          VGpuResult res);
void vgpu_fence_signalled(VGpuDevice *g, uint32_t seq);
void vgpu_fence_ring_signalled(VGpuDevice *g, uint32_t ctx_id,
                               uint32_t ring_idx, uint64_t seq);
void vgpu_fence_context_gone(VGpuDevice *g, uint32_t ctx_id);
void vgpu_fence_retire_done(VGpuDevice *g);
void vgpu_fence_reset(VGpuDevice *g);

/* vgpu-renderer.c: the only file that calls virgl_renderer_* */
bool vgpu_renderer_init(VGpuDevice *g, Error **errp);
void vgpu_renderer_fini(VGpuDevice *g);
void vgpu_renderer_poll(void);
void vgpu_renderer_capset(uint32_t id, uint32_t *max_ver, uint32_t *max_size);
void vgpu_renderer_fill_capset(uint32_t id, uint32_t version, void *buf);
int vgpu_renderer_resource_create(uint32_t id, uint32_t target,
                                  uint32_t format, uint32_t bind,
                                  uint32_t width, uint32_t height,
                                  uint32_t depth, uint32_t array_size,
                                  uint32_t last_level, uint32_t nr_samples,
                                  uint32_t flags);
void vgpu_renderer_resource_unref(uint32_t id);
/* A texture's level 0 row pitch in bytes, or 0 when the renderer has none */
uint32_t vgpu_renderer_resource_pitch(uint32_t id);
int vgpu_renderer_attach_iov(uint32_t id, struct iovec *iov,
                             unsigned int cnt);
void vgpu_renderer_detach_iov(uint32_t id);
int vgpu_renderer_transfer_write(uint32_t id, uint32_t ctx_id,
                                 uint32_t level, uint32_t stride,
                                 uint32_t layer_stride,
                                 const struct virtio_gpu_box *box,
                                 uint64_t offset);
int vgpu_renderer_transfer_read(uint32_t id, uint32_t ctx_id,
                                uint32_t level, uint32_t stride,
                                uint32_t layer_stride,
                                const struct virtio_gpu_box *box,
                                uint64_t offset, struct iovec *iov,
                                unsigned int cnt);
int vgpu_renderer_context_create(uint32_t ctx_id, uint32_t context_init,
                                 const char *name, uint32_t nlen);
int vgpu_renderer_create_ring_fence(uint32_t ctx_id, uint32_t ring_idx,
                                    uint64_t seq);
int vgpu_renderer_create_blob(uint32_t id, uint32_t ctx_id,
                              uint32_t blob_mem, uint32_t blob_flags,
                              uint64_t blob_id, uint64_t size,
                              struct iovec *iov, unsigned int cnt);
int vgpu_renderer_map(uint32_t id, void **data, uint64_t *size);
void vgpu_renderer_unmap(uint32_t id);
/* A new mmap-able fd of a blob's memory (caller closes it), or -1 */
int vgpu_renderer_export_fd(uint32_t id);
/* Map a blob's memory at addr (MAP_FIXED); -EOPNOTSUPP where it cannot */
int vgpu_renderer_map_fixed(uint32_t id, void *addr);
uint32_t vgpu_renderer_map_info(uint32_t id);
void vgpu_renderer_context_destroy(uint32_t ctx_id);
void vgpu_renderer_ctx_attach(uint32_t ctx_id, uint32_t res_id);
void vgpu_renderer_ctx_detach(uint32_t ctx_id, uint32_t res_id);
int vgpu_renderer_submit(uint32_t ctx_id, void *buf, uint32_t ndw);
int vgpu_renderer_create_fence(uint32_t seq);
void *vgpu_renderer_cursor_data(uint32_t id, uint32_t *w, uint32_t *h);

/* A resource's pixels as a dmabuf, for a display to import. */
typedef struct VGpuExport {
    int fd;
    uint32_t stride, fourcc;
    uint64_t modifier;
    bool y0_top;
} VGpuExport;
/* 0, or -errno when the renderer cannot export the resource's pixels. */
int vgpu_renderer_export_scanout(uint32_t id, VGpuExport *out);

#ifdef VGPU_OUT_OF_TREE
/* vgpu-module-trace.c */
void vgpu_trace_apply_cmdline(void);
#endif

#endif
