/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QTest cases for the virtio-gpu device in 3D (virgl) mode, run on every
 * machine that offers the "virtio-gpu-gl" qgraph interface.  Each case
 * sends one control or cursor queue command (or a short sequence leading
 * up to it) and checks the response type and payload against the virtio
 * specification (GPU device section), not against what one particular
 * implementation happens to do: the same cases run against QEMU's stock
 * module and against replacements selected with QEMU_MODULE_DIR.  The
 * specification defines the error codes but rarely ties one to a
 * command, so a case expects the ERR_INVALID_* code naming the one thing
 * it got wrong (resource, context, scanout or parameter) and accepts any
 * VIRTIO_GPU_RESP_ERR_* where no such code fits.  Every case ends by
 * checking that the device still answers GET_DISPLAY_INFO, so a command
 * that wedges the device fails too.
 */

#include "qemu/osdep.h"
#include <signal.h>
#include "libqtest.h"
#include "qemu/module.h"
#include "qemu/bswap.h"
#include "qemu/cutils.h"
#include "libqos/qgraph.h"
#include "libqos/virtio-gpu-gl.h"

/* Resource ids, context ids and fence ids used by the cases */
#define RES_A               1
#define RES_B               2
#define RES_UNKNOWN         0x7777
#define CTX_A               1
#define CTX_UNKNOWN         0x55
#define FENCE_A             0x42

/* A 2D resource big enough to be a scanout and a cursor (64x64 ARGB) */
#define RES_2D_SIZE         64
#define RES_2D_BYTES        (RES_2D_SIZE * RES_2D_SIZE * 4)

/* Gallium/virgl values for RESOURCE_CREATE_3D (virgl_hw.h) */
#define PIPE_BUFFER                 0
#define PIPE_TEXTURE_2D             2
#define VIRGL_FORMAT_B8G8R8A8_UNORM 1
#define VIRGL_FORMAT_R8_UNORM       64
#define VIRGL_BIND_RENDER_TARGET    (1 << 1)
#define VIRGL_BIND_SAMPLER_VIEW     (1 << 3)
#define VIRGL_BIND_VERTEX_BUFFER    (1 << 4)

/* The 3D texture of the transfer cases: 16x16 B8G8R8A8 */
#define TEX_SIZE            16
#define TEX_STRIDE          (TEX_SIZE * 4)
#define TEX_BYTES           (TEX_SIZE * TEX_STRIDE)
#define BUF_BYTES           256

/* virgl command stream encoding (virgl_protocol.h) */
#define VIRGL_CCMD_SET_SUB_CTX      28
#define VIRGL_CCMD_CREATE_SUB_CTX   29
#define VIRGL_CMD0(cmd, obj, len)   ((cmd) | ((obj) << 8) | ((len) << 16))

typedef struct GpuTest {
    const char *name;
    void (*fn)(QVirtioGpuGl *gpu);
    const char *device_opts;    /* extra -device options, if any */
} GpuTest;

/* Response checks */

static char *type_name(uint32_t type)
{
    static const struct {
        uint32_t type;
        const char *name;
    } names[] = {
        { 0, "no response header" },
        { VIRTIO_GPU_RESP_OK_NODATA, "OK_NODATA" },
        { VIRTIO_GPU_RESP_OK_DISPLAY_INFO, "OK_DISPLAY_INFO" },
        { VIRTIO_GPU_RESP_OK_CAPSET_INFO, "OK_CAPSET_INFO" },
        { VIRTIO_GPU_RESP_OK_CAPSET, "OK_CAPSET" },
        { VIRTIO_GPU_RESP_OK_EDID, "OK_EDID" },
        { VIRTIO_GPU_RESP_OK_RESOURCE_UUID, "OK_RESOURCE_UUID" },
        { VIRTIO_GPU_RESP_OK_MAP_INFO, "OK_MAP_INFO" },
        { VIRTIO_GPU_RESP_ERR_UNSPEC, "ERR_UNSPEC" },
        { VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY, "ERR_OUT_OF_MEMORY" },
        { VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID, "ERR_INVALID_SCANOUT_ID" },
        { VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID,
          "ERR_INVALID_RESOURCE_ID" },
        { VIRTIO_GPU_RESP_ERR_INVALID_CONTEXT_ID, "ERR_INVALID_CONTEXT_ID" },
        { VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER, "ERR_INVALID_PARAMETER" },
    };
    int i;

    for (i = 0; i < ARRAY_SIZE(names); i++) {
        if (names[i].type == type) {
            return g_strdup(names[i].name);
        }
    }
    return g_strdup_printf("type 0x%x", type);
}

static bool is_error(uint32_t type)
{
    return (type & 0xff00) == VIRTIO_GPU_RESP_ERR_UNSPEC;
}

/* A decoded header means nothing unless the device said it wrote one */
static void assert_header_written(const QVirtioGpuGlResp *r)
{
    g_assert_cmpuint(r->written, >=, sizeof(struct virtio_gpu_ctrl_hdr));
}

static void assert_resp(const QVirtioGpuGlResp *r, uint32_t want)
{
    if (r->type != want) {
        /* Compare names so the failure message says what came back */
        g_autofree char *got_type = type_name(r->type);
        g_autofree char *want_type = type_name(want);

        g_assert_cmpstr(got_type, ==, want_type);
    }
    assert_header_written(r);
}

static void assert_error(const QVirtioGpuGlResp *r)
{
    if (!is_error(r->type)) {
        g_autofree char *got_type = type_name(r->type);

        g_assert_cmpstr(got_type, ==, "any ERR_* response");
    }
    assert_header_written(r);
}

static void assert_ok(const QVirtioGpuGlResp *r)
{
    assert_resp(r, VIRTIO_GPU_RESP_OK_NODATA);
}

/* A fenced request's response carries the fence flag and the same id */
static void assert_fenced(const QVirtioGpuGlResp *r, uint64_t fence_id)
{
    g_assert_cmphex(r->flags & VIRTIO_GPU_FLAG_FENCE, ==,
                    VIRTIO_GPU_FLAG_FENCE);
    g_assert_cmphex(r->fence_id, ==, fence_id);
}

/* Request helpers */

static struct virtio_gpu_ctrl_hdr make_hdr(uint32_t type, uint32_t ctx_id)
{
    struct virtio_gpu_ctrl_hdr hdr = {
        .type = cpu_to_le32(type),
        .ctx_id = cpu_to_le32(ctx_id),
    };

    return hdr;
}

static void set_fence(struct virtio_gpu_ctrl_hdr *hdr, uint64_t fence_id)
{
    hdr->flags = cpu_to_le32(VIRTIO_GPU_FLAG_FENCE);
    hdr->fence_id = cpu_to_le64(fence_id);
}

/* Send a command whose successful answer carries no payload */
static QVirtioGpuGlResp send_cmd(QVirtioGpuGl *gpu, const void *req,
                                 size_t len)
{
    struct virtio_gpu_ctrl_hdr resp;

    return qvirtio_gpu_gl_command(gpu, req, len, &resp, sizeof(resp));
}

static QVirtioGpuGlResp get_display_info(QVirtioGpuGl *gpu,
                                         struct virtio_gpu_resp_display_info
                                         *info)
{
    struct virtio_gpu_ctrl_hdr req =
        make_hdr(VIRTIO_GPU_CMD_GET_DISPLAY_INFO, 0);

    return qvirtio_gpu_gl_command(gpu, &req, sizeof(req), info,
                                  sizeof(*info));
}

static void assert_still_answers(QVirtioGpuGl *gpu)
{
    struct virtio_gpu_resp_display_info info;
    QVirtioGpuGlResp r = get_display_info(gpu, &info);

    assert_resp(&r, VIRTIO_GPU_RESP_OK_DISPLAY_INFO);
}

static struct virtio_gpu_resource_create_2d make_create_2d(uint32_t res_id,
                                                           uint32_t format)
{
    struct virtio_gpu_resource_create_2d c = {
        .hdr = make_hdr(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, 0),
        .resource_id = cpu_to_le32(res_id),
        .format = cpu_to_le32(format),
        .width = cpu_to_le32(RES_2D_SIZE),
        .height = cpu_to_le32(RES_2D_SIZE),
    };

    return c;
}

static QVirtioGpuGlResp create_2d(QVirtioGpuGl *gpu, uint32_t res_id,
                                  uint32_t format)
{
    struct virtio_gpu_resource_create_2d c = make_create_2d(res_id, format);

    return send_cmd(gpu, &c, sizeof(c));
}

static void create_2d_ok(QVirtioGpuGl *gpu, uint32_t res_id)
{
    QVirtioGpuGlResp r = create_2d(gpu, res_id,
                                   VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM);

    assert_ok(&r);
}

static QVirtioGpuGlResp resource_cmd(QVirtioGpuGl *gpu, uint32_t type,
                                     uint32_t ctx_id, uint32_t res_id)
{
    /* UNREF, DETACH_BACKING and CTX_{ATTACH,DETACH} share this layout */
    struct virtio_gpu_resource_unref c = {
        .hdr = make_hdr(type, ctx_id),
        .resource_id = cpu_to_le32(res_id),
    };

    return send_cmd(gpu, &c, sizeof(c));
}

/* ATTACH_BACKING with @n entries, of which the request claims @claimed */
static QVirtioGpuGlResp attach_backing_entries(QVirtioGpuGl *gpu,
                                               uint32_t res_id,
                                               const uint64_t *addr,
                                               const uint32_t *len,
                                               uint32_t n, uint32_t claimed)
{
    struct virtio_gpu_resource_attach_backing ab = {
        .hdr = make_hdr(VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, 0),
        .resource_id = cpu_to_le32(res_id),
        .nr_entries = cpu_to_le32(claimed),
    };
    size_t size = sizeof(ab) + n * sizeof(struct virtio_gpu_mem_entry);
    g_autofree uint8_t *req = g_malloc0(size);
    struct virtio_gpu_mem_entry *ents = (void *)(req + sizeof(ab));
    uint32_t i;

    memcpy(req, &ab, sizeof(ab));
    for (i = 0; i < n; i++) {
        ents[i].addr = cpu_to_le64(addr[i]);
        ents[i].length = cpu_to_le32(len[i]);
    }
    return send_cmd(gpu, req, size);
}

static QVirtioGpuGlResp attach_backing(QVirtioGpuGl *gpu, uint32_t res_id,
                                       uint64_t addr, uint32_t len)
{
    return attach_backing_entries(gpu, res_id, &addr, &len, 1, 1);
}

/* Give @res_id a fresh guest buffer of @size bytes; returns its address */
static uint64_t attach_new_backing(QVirtioGpuGl *gpu, uint32_t res_id,
                                   uint32_t size)
{
    uint64_t addr = guest_alloc(gpu->alloc, size);
    QVirtioGpuGlResp r;

    qtest_memset(gpu->qts, addr, 0, size);
    r = attach_backing(gpu, res_id, addr, size);
    assert_ok(&r);
    return addr;
}

static struct virtio_gpu_transfer_to_host_2d make_transfer_2d(uint32_t res_id,
                                                              uint32_t x,
                                                              uint32_t w)
{
    struct virtio_gpu_transfer_to_host_2d t = {
        .hdr = make_hdr(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, 0),
        .r = {
            .x = cpu_to_le32(x),
            .width = cpu_to_le32(w),
            .height = cpu_to_le32(RES_2D_SIZE),
        },
        .offset = 0,
        .resource_id = cpu_to_le32(res_id),
    };

    return t;
}

static QVirtioGpuGlResp transfer_2d(QVirtioGpuGl *gpu, uint32_t res_id,
                                    uint32_t x, uint32_t w)
{
    struct virtio_gpu_transfer_to_host_2d t = make_transfer_2d(res_id, x, w);

    return send_cmd(gpu, &t, sizeof(t));
}

/* A 2D resource with backing whose content has reached the host */
static void create_filled_2d(QVirtioGpuGl *gpu, uint32_t res_id)
{
    QVirtioGpuGlResp r;

    create_2d_ok(gpu, res_id);
    attach_new_backing(gpu, res_id, RES_2D_BYTES);
    r = transfer_2d(gpu, res_id, 0, RES_2D_SIZE);
    assert_ok(&r);
}

static QVirtioGpuGlResp set_scanout(QVirtioGpuGl *gpu, uint32_t scanout_id,
                                    uint32_t res_id, uint32_t w, uint32_t h)
{
    struct virtio_gpu_set_scanout s = {
        .hdr = make_hdr(VIRTIO_GPU_CMD_SET_SCANOUT, 0),
        .r = {
            .width = cpu_to_le32(w),
            .height = cpu_to_le32(h),
        },
        .scanout_id = cpu_to_le32(scanout_id),
        .resource_id = cpu_to_le32(res_id),
    };

    return send_cmd(gpu, &s, sizeof(s));
}

static QVirtioGpuGlResp resource_flush(QVirtioGpuGl *gpu, uint32_t res_id)
{
    struct virtio_gpu_resource_flush f = {
        .hdr = make_hdr(VIRTIO_GPU_CMD_RESOURCE_FLUSH, 0),
        .r = {
            .width = cpu_to_le32(RES_2D_SIZE),
            .height = cpu_to_le32(RES_2D_SIZE),
        },
        .resource_id = cpu_to_le32(res_id),
    };

    return send_cmd(gpu, &f, sizeof(f));
}

static QVirtioGpuGlResp get_capset_info(QVirtioGpuGl *gpu, uint32_t index,
                                        struct virtio_gpu_resp_capset_info
                                        *info)
{
    struct virtio_gpu_get_capset_info c = {
        .hdr = make_hdr(VIRTIO_GPU_CMD_GET_CAPSET_INFO, 0),
        .capset_index = cpu_to_le32(index),
    };

    return qvirtio_gpu_gl_command(gpu, &c, sizeof(c), info, sizeof(*info));
}

static QVirtioGpuGlResp ctx_create(QVirtioGpuGl *gpu, uint32_t ctx_id)
{
    static const char name[] = "qtest";
    struct virtio_gpu_ctx_create c = {
        .hdr = make_hdr(VIRTIO_GPU_CMD_CTX_CREATE, ctx_id),
        .nlen = cpu_to_le32(sizeof(name) - 1),
    };

    memcpy(c.debug_name, name, sizeof(name) - 1);
    return send_cmd(gpu, &c, sizeof(c));
}

static void ctx_create_ok(QVirtioGpuGl *gpu, uint32_t ctx_id)
{
    QVirtioGpuGlResp r = ctx_create(gpu, ctx_id);

    assert_ok(&r);
}

static QVirtioGpuGlResp ctx_destroy(QVirtioGpuGl *gpu, uint32_t ctx_id)
{
    struct virtio_gpu_ctx_destroy c = {
        .hdr = make_hdr(VIRTIO_GPU_CMD_CTX_DESTROY, ctx_id),
    };

    return send_cmd(gpu, &c, sizeof(c));
}

static struct virtio_gpu_resource_create_3d make_buffer_3d(uint32_t res_id,
                                                           uint32_t size)
{
    struct virtio_gpu_resource_create_3d c = {
        .hdr = make_hdr(VIRTIO_GPU_CMD_RESOURCE_CREATE_3D, 0),
        .resource_id = cpu_to_le32(res_id),
        .target = cpu_to_le32(PIPE_BUFFER),
        .format = cpu_to_le32(VIRGL_FORMAT_R8_UNORM),
        .bind = cpu_to_le32(VIRGL_BIND_VERTEX_BUFFER),
        .width = cpu_to_le32(size),
        .height = cpu_to_le32(1),
        .depth = cpu_to_le32(1),
        .array_size = cpu_to_le32(1),
    };

    return c;
}

static struct virtio_gpu_resource_create_3d make_texture_3d(uint32_t res_id)
{
    struct virtio_gpu_resource_create_3d c = {
        .hdr = make_hdr(VIRTIO_GPU_CMD_RESOURCE_CREATE_3D, 0),
        .resource_id = cpu_to_le32(res_id),
        .target = cpu_to_le32(PIPE_TEXTURE_2D),
        .format = cpu_to_le32(VIRGL_FORMAT_B8G8R8A8_UNORM),
        .bind = cpu_to_le32(VIRGL_BIND_SAMPLER_VIEW |
                            VIRGL_BIND_RENDER_TARGET),
        .width = cpu_to_le32(TEX_SIZE),
        .height = cpu_to_le32(TEX_SIZE),
        .depth = cpu_to_le32(1),
        .array_size = cpu_to_le32(1),
    };

    return c;
}

static void create_texture_ok(QVirtioGpuGl *gpu, uint32_t res_id)
{
    struct virtio_gpu_resource_create_3d c = make_texture_3d(res_id);
    QVirtioGpuGlResp r = send_cmd(gpu, &c, sizeof(c));

    assert_ok(&r);
}

static void create_buffer_ok(QVirtioGpuGl *gpu, uint32_t res_id,
                             uint32_t size)
{
    struct virtio_gpu_resource_create_3d c = make_buffer_3d(res_id, size);
    QVirtioGpuGlResp r = send_cmd(gpu, &c, sizeof(c));

    assert_ok(&r);
}

/* A context with @res_id attached, the way a guest's 3D driver sets up */
static void ctx_with_resource(QVirtioGpuGl *gpu, uint32_t ctx_id,
                              uint32_t res_id)
{
    QVirtioGpuGlResp r;

    ctx_create_ok(gpu, ctx_id);
    r = resource_cmd(gpu, VIRTIO_GPU_CMD_CTX_ATTACH_RESOURCE, ctx_id, res_id);
    assert_ok(&r);
}

static struct virtio_gpu_transfer_host_3d make_transfer_3d(uint32_t type,
                                                           uint32_t res_id,
                                                           uint32_t w,
                                                           uint32_t h,
                                                           uint32_t stride)
{
    struct virtio_gpu_transfer_host_3d t = {
        .hdr = make_hdr(type, CTX_A),
        .box = {
            .w = cpu_to_le32(w),
            .h = cpu_to_le32(h),
            .d = cpu_to_le32(1),
        },
        .resource_id = cpu_to_le32(res_id),
        .stride = cpu_to_le32(stride),
    };

    return t;
}

/* SUBMIT_3D request whose size field says @claimed_bytes */
static uint8_t *build_submit(uint32_t ctx_id, const uint32_t *dwords,
                             uint32_t ndwords, uint32_t claimed_bytes,
                             size_t *size)
{
    struct virtio_gpu_cmd_submit s = {
        .hdr = make_hdr(VIRTIO_GPU_CMD_SUBMIT_3D, ctx_id),
        .size = cpu_to_le32(claimed_bytes),
    };
    uint8_t *req;
    uint32_t *stream;
    uint32_t i;

    *size = sizeof(s) + ndwords * sizeof(uint32_t);
    req = g_malloc0(*size);
    memcpy(req, &s, sizeof(s));
    stream = (uint32_t *)(req + sizeof(s));
    for (i = 0; i < ndwords; i++) {
        stream[i] = cpu_to_le32(dwords[i]);
    }
    return req;
}

static QVirtioGpuGlResp submit_3d(QVirtioGpuGl *gpu, uint32_t ctx_id,
                                  const uint32_t *dwords, uint32_t ndwords,
                                  uint32_t claimed_bytes)
{
    size_t size;
    g_autofree uint8_t *req = build_submit(ctx_id, dwords, ndwords,
                                           claimed_bytes, &size);

    return send_cmd(gpu, req, size);
}

/* Cursor commands come back without a response; returns the used length */
static uint32_t cursor_cmd(QVirtioGpuGl *gpu, uint32_t type, uint32_t res_id)
{
    struct virtio_gpu_update_cursor c = {
        .hdr = make_hdr(type, 0),
        .pos = {
            .scanout_id = 0,
            .x = cpu_to_le32(100),
            .y = cpu_to_le32(50),
        },
        .resource_id = cpu_to_le32(res_id),
        .hot_x = cpu_to_le32(1),
        .hot_y = cpu_to_le32(2),
    };

    /* Linux sends cursor commands without a response buffer; so do we */
    return qvirtio_gpu_gl_transact(gpu, gpu->cursorq, &c, sizeof(c), NULL, 0);
}

/* GET_DISPLAY_INFO */

static void test_get_display_info(QVirtioGpuGl *gpu)
{
    struct virtio_gpu_resp_display_info info;
    QVirtioGpuGlResp r = get_display_info(gpu, &info);
    uint32_t width = le32_to_cpu(info.pmodes[0].r.width);
    uint32_t height = le32_to_cpu(info.pmodes[0].r.height);
    int i;

    assert_resp(&r, VIRTIO_GPU_RESP_OK_DISPLAY_INFO);
    g_assert_cmpuint(r.written, ==, sizeof(info));

    /*
     * num_scanouts is 1..16.  The spec lets a device report every display
     * off, but the suite runs with a display attached, so display 0 must
     * be on and have a usable size.
     */
    g_assert_cmpuint(gpu->num_scanouts, >=, 1);
    g_assert_cmpuint(gpu->num_scanouts, <=, VIRTIO_GPU_MAX_SCANOUTS);
    g_assert_cmpuint(le32_to_cpu(info.pmodes[0].enabled), !=, 0);
    g_assert_cmpuint(width, >=, 16);
    g_assert_cmpuint(width, <=, 16384);
    g_assert_cmpuint(height, >=, 16);
    g_assert_cmpuint(height, <=, 16384);

    for (i = gpu->num_scanouts; i < VIRTIO_GPU_MAX_SCANOUTS; i++) {
        g_assert_cmpuint(le32_to_cpu(info.pmodes[i].enabled), ==, 0);
    }
}

/* GET_EDID */

static QVirtioGpuGlResp get_edid(QVirtioGpuGl *gpu, uint32_t scanout,
                                 struct virtio_gpu_resp_edid *edid)
{
    struct virtio_gpu_cmd_get_edid c = {
        .hdr = make_hdr(VIRTIO_GPU_CMD_GET_EDID, 0),
        .scanout = cpu_to_le32(scanout),
    };

    return qvirtio_gpu_gl_command(gpu, &c, sizeof(c), edid, sizeof(*edid));
}

static void test_get_edid_ok(QVirtioGpuGl *gpu)
{
    static const uint8_t edid_header[8] = {
        0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00
    };
    struct virtio_gpu_resp_edid edid;
    QVirtioGpuGlResp r = get_edid(gpu, 0, &edid);
    uint32_t size = le32_to_cpu(edid.size);
    uint8_t sum = 0;
    int i;

    assert_resp(&r, VIRTIO_GPU_RESP_OK_EDID);
    g_assert_cmpuint(size, >=, 128);
    g_assert_cmpuint(size, <=, sizeof(edid.edid));
    g_assert_cmpuint(r.written, >=,
                     offsetof(struct virtio_gpu_resp_edid, edid) + size);
    g_assert_cmpmem(edid.edid, sizeof(edid_header),
                    edid_header, sizeof(edid_header));

    /* VESA: the 128-byte base block sums to zero modulo 256 */
    for (i = 0; i < 128; i++) {
        sum += edid.edid[i];
    }
    g_assert_cmpuint(sum, ==, 0);
    /* ...and announces how many extension blocks follow it */
    g_assert_cmpuint((edid.edid[126] + 1) * 128, <=, size);
}

static void test_get_edid_bad_scanout(QVirtioGpuGl *gpu)
{
    struct virtio_gpu_resp_edid edid;
    QVirtioGpuGlResp r = get_edid(gpu, gpu->num_scanouts, &edid);

    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
}

/* RESOURCE_CREATE_2D */

static void test_create_2d_ok(QVirtioGpuGl *gpu)
{
    create_2d_ok(gpu, RES_A);
    create_2d_ok(gpu, RES_B);
}

static void test_create_2d_id_zero(QVirtioGpuGl *gpu)
{
    /* Resource id 0 means "no resource" (see SET_SCANOUT) */
    QVirtioGpuGlResp r = create_2d(gpu, 0, VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM);

    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
}

static void test_create_2d_duplicate(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    create_2d_ok(gpu, RES_A);
    r = create_2d(gpu, RES_A, VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM);
    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
}

static void test_create_2d_bad_format(QVirtioGpuGl *gpu)
{
    /* Not one of enum virtio_gpu_formats */
    QVirtioGpuGlResp r = create_2d(gpu, RES_A, 999);

    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
}

/* RESOURCE_UNREF */

static void test_unref_ok(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    create_2d_ok(gpu, RES_A);
    r = resource_cmd(gpu, VIRTIO_GPU_CMD_RESOURCE_UNREF, 0, RES_A);
    assert_ok(&r);

    /* The id is free again */
    create_2d_ok(gpu, RES_A);
}

static void test_unref_unknown(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r = resource_cmd(gpu, VIRTIO_GPU_CMD_RESOURCE_UNREF, 0,
                                      RES_UNKNOWN);

    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
}

/* RESOURCE_ATTACH_BACKING */

static void test_attach_backing_ok(QVirtioGpuGl *gpu)
{
    /* A scatter list of two pieces: the spec allows non-contiguous pages */
    uint64_t addr[2];
    uint32_t len[2] = { RES_2D_BYTES / 2, RES_2D_BYTES / 2 };
    QVirtioGpuGlResp r;

    addr[0] = guest_alloc(gpu->alloc, len[0]);
    addr[1] = guest_alloc(gpu->alloc, len[1]);
    create_2d_ok(gpu, RES_A);
    r = attach_backing_entries(gpu, RES_A, addr, len, 2, 2);
    assert_ok(&r);
}

static void test_attach_backing_unknown(QVirtioGpuGl *gpu)
{
    uint64_t addr = guest_alloc(gpu->alloc, RES_2D_BYTES);
    QVirtioGpuGlResp r = attach_backing(gpu, RES_UNKNOWN, addr, RES_2D_BYTES);

    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
}

static void test_attach_backing_huge_nr_entries(QVirtioGpuGl *gpu)
{
    /* One entry present, a million claimed */
    uint64_t addr = guest_alloc(gpu->alloc, RES_2D_BYTES);
    uint32_t len = RES_2D_BYTES;
    QVirtioGpuGlResp r;

    create_2d_ok(gpu, RES_A);
    r = attach_backing_entries(gpu, RES_A, &addr, &len, 1, 1000000);
    assert_error(&r);
}

/*
 * The backing entries of all resources together are bounded by
 * max_backing_entries: one entry a page, a guest could otherwise make
 * the host hold 16 MiB of entries per resource for 64K resources.  Over
 * the bound a guest gets ERR_OUT_OF_MEMORY; what it frees comes back.
 */
#define BUDGET_OPTS         "max_backing_entries=3"

static void test_attach_backing_over_budget(QVirtioGpuGl *gpu)
{
    uint64_t base = guest_alloc(gpu->alloc, RES_2D_BYTES);
    uint64_t addr[2] = { base, base + RES_2D_BYTES / 2 };
    uint32_t len[2] = { RES_2D_BYTES / 2, RES_2D_BYTES / 2 };
    QVirtioGpuGlResp r;

    create_2d_ok(gpu, RES_A);
    create_2d_ok(gpu, RES_B);
    r = attach_backing_entries(gpu, RES_A, addr, len, 2, 2);
    assert_ok(&r);
    r = attach_backing_entries(gpu, RES_B, addr, len, 2, 2);
    assert_resp(&r, VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY);
    r = resource_cmd(gpu, VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING, 0, RES_A);
    assert_ok(&r);
    r = attach_backing_entries(gpu, RES_B, addr, len, 2, 2);
    assert_ok(&r);
}

/*
 * 1 << 60 is beyond the RAM and device windows of pc and virt.  The
 * 64 KiB case is larger than QEMU's DMA bounce buffer; the one-page case
 * fits in it, so a device that maps entries with address_space_map()
 * and does not insist on RAM would accept it.
 */
#define OUTSIDE_RAM         (1ull << 60)

static void attach_outside_ram(QVirtioGpuGl *gpu, uint32_t len)
{
    QVirtioGpuGlResp r;

    create_2d_ok(gpu, RES_A);
    r = attach_backing(gpu, RES_A, OUTSIDE_RAM, len);
    assert_error(&r);
}

static void test_attach_backing_outside_ram(QVirtioGpuGl *gpu)
{
    attach_outside_ram(gpu, 64 * 1024);
}

static void test_attach_backing_outside_ram_page(QVirtioGpuGl *gpu)
{
    attach_outside_ram(gpu, 4096);
}

/* RESOURCE_DETACH_BACKING */

static void test_detach_backing_ok(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    create_2d_ok(gpu, RES_A);
    attach_new_backing(gpu, RES_A, RES_2D_BYTES);
    r = resource_cmd(gpu, VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING, 0, RES_A);
    assert_ok(&r);

    /* Detached means a new backing can be attached */
    attach_new_backing(gpu, RES_A, RES_2D_BYTES);
}

static void test_detach_backing_unknown(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r = resource_cmd(gpu,
                                      VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING,
                                      0, RES_UNKNOWN);

    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
}

/* TRANSFER_TO_HOST_2D */

static void test_transfer_2d_ok(QVirtioGpuGl *gpu)
{
    create_filled_2d(gpu, RES_A);
}

static void test_transfer_2d_rect_outside(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    create_2d_ok(gpu, RES_A);
    attach_new_backing(gpu, RES_A, RES_2D_BYTES);
    r = transfer_2d(gpu, RES_A, RES_2D_SIZE / 2, RES_2D_SIZE);
    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
}

static void test_transfer_2d_no_backing(QVirtioGpuGl *gpu)
{
    /* Transfers read the backing; without one there is nothing to read */
    QVirtioGpuGlResp r;

    create_2d_ok(gpu, RES_A);
    r = transfer_2d(gpu, RES_A, 0, RES_2D_SIZE);
    assert_error(&r);
}

/* SET_SCANOUT */

static void test_set_scanout_ok(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    create_filled_2d(gpu, RES_A);
    r = set_scanout(gpu, 0, RES_A, RES_2D_SIZE, RES_2D_SIZE);
    assert_ok(&r);
}

static void test_set_scanout_bad_id(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    create_filled_2d(gpu, RES_A);
    r = set_scanout(gpu, gpu->num_scanouts, RES_A, RES_2D_SIZE, RES_2D_SIZE);
    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID);
}

static void test_set_scanout_rect_outside(QVirtioGpuGl *gpu)
{
    /* "Scanout rectangles must be completely covered by the resource" */
    QVirtioGpuGlResp r;

    create_filled_2d(gpu, RES_A);
    r = set_scanout(gpu, 0, RES_A, RES_2D_SIZE * 2, RES_2D_SIZE);
    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
}

/*
 * A buffer is no picture: its width is its size in bytes, up to 1 GiB,
 * which as a scanout asked for frames of gigabytes and line sizes that
 * overflow (VNC and SPICE then abort QEMU).
 */
static void test_set_scanout_buffer(QVirtioGpuGl *gpu)
{
    struct virtio_gpu_resource_create_3d c = make_buffer_3d(RES_A, BUF_BYTES);
    QVirtioGpuGlResp r;

    /* In a scanout format, so only its target gives it away. */
    c.format = cpu_to_le32(VIRGL_FORMAT_B8G8R8A8_UNORM);
    r = send_cmd(gpu, &c, sizeof(c));
    assert_ok(&r);
    r = set_scanout(gpu, 0, RES_A, BUF_BYTES, 1);
    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
    r = resource_flush(gpu, RES_A);
    assert_header_written(&r);
}

static void test_set_scanout_unknown(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r = set_scanout(gpu, 0, RES_UNKNOWN,
                                     RES_2D_SIZE, RES_2D_SIZE);

    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
}

static void test_set_scanout_disable(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    create_filled_2d(gpu, RES_A);
    r = set_scanout(gpu, 0, RES_A, RES_2D_SIZE, RES_2D_SIZE);
    assert_ok(&r);
    r = set_scanout(gpu, 0, 0, 0, 0);
    assert_ok(&r);

    /* A resource that is no longer scanned out can go away */
    r = resource_cmd(gpu, VIRTIO_GPU_CMD_RESOURCE_UNREF, 0, RES_A);
    assert_ok(&r);
}

/* RESOURCE_FLUSH */

static void test_flush_ok(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    create_filled_2d(gpu, RES_A);
    r = set_scanout(gpu, 0, RES_A, RES_2D_SIZE, RES_2D_SIZE);
    assert_ok(&r);
    r = resource_flush(gpu, RES_A);
    assert_ok(&r);
}

static void test_flush_unknown(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r = resource_flush(gpu, RES_UNKNOWN);

    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
}

/* GET_CAPSET_INFO */

/* Fetch the info at @index and check it names capset @want_id */
static void check_capset_info(QVirtioGpuGl *gpu, uint32_t index,
                              uint32_t want_id,
                              struct virtio_gpu_resp_capset_info *info)
{
    QVirtioGpuGlResp r;

    g_assert_cmpuint(gpu->num_capsets, >, index);
    r = get_capset_info(gpu, index, info);
    assert_resp(&r, VIRTIO_GPU_RESP_OK_CAPSET_INFO);
    g_assert_cmpuint(r.written, ==, sizeof(*info));
    g_assert_cmpuint(le32_to_cpu(info->capset_id), ==, want_id);
    g_assert_cmpuint(le32_to_cpu(info->capset_max_version), !=, 0);
    g_assert_cmpuint(le32_to_cpu(info->capset_max_size), !=, 0);
}

static void test_capset_info_virgl(QVirtioGpuGl *gpu)
{
    struct virtio_gpu_resp_capset_info info;

    check_capset_info(gpu, 0, VIRTIO_GPU_CAPSET_VIRGL, &info);
}

static void test_capset_info_virgl2(QVirtioGpuGl *gpu)
{
    struct virtio_gpu_resp_capset_info info;

    check_capset_info(gpu, 1, VIRTIO_GPU_CAPSET_VIRGL2, &info);
}

static void test_capset_info_beyond(QVirtioGpuGl *gpu)
{
    /*
     * The driver "MUST" keep capset_index below num_capsets, and a
     * successful answer "MUST" carry one of the listed capset ids; 0 is
     * not one of them.  So a device has no correct OK_CAPSET_INFO for
     * this index and has to answer with an error.  The spec names no
     * particular code (ERR_INVALID_PARAMETER would be the natural one).
     */
    struct virtio_gpu_resp_capset_info info;
    QVirtioGpuGlResp r = get_capset_info(gpu, gpu->num_capsets, &info);

    assert_error(&r);
}

/* GET_CAPSET */

static void test_capset_virgl2(QVirtioGpuGl *gpu)
{
    struct virtio_gpu_resp_capset_info info;
    struct virtio_gpu_get_capset c = {
        .hdr = make_hdr(VIRTIO_GPU_CMD_GET_CAPSET, 0),
        .capset_id = cpu_to_le32(VIRTIO_GPU_CAPSET_VIRGL2),
        .capset_version = cpu_to_le32(2),
    };
    g_autofree uint8_t *resp = NULL;
    size_t resp_len;
    uint32_t max_size;
    uint32_t caps_version;
    QVirtioGpuGlResp r;

    check_capset_info(gpu, 1, VIRTIO_GPU_CAPSET_VIRGL2, &info);
    max_size = le32_to_cpu(info.capset_max_size);
    g_assert_cmpuint(le32_to_cpu(info.capset_max_version), >=, 2);

    /* Room for the largest capset the device said it could send */
    resp_len = sizeof(struct virtio_gpu_resp_capset) + max_size;
    resp = g_malloc0(resp_len);
    r = qvirtio_gpu_gl_command(gpu, &c, sizeof(c), resp, resp_len);
    assert_resp(&r, VIRTIO_GPU_RESP_OK_CAPSET);
    g_assert_cmpuint(r.written, >=, sizeof(struct virtio_gpu_resp_capset) +
                     sizeof(caps_version));
    g_assert_cmpuint(r.written, <=, resp_len);

    /* virgl caps start with their own version: 2 for the VIRGL2 set */
    memcpy(&caps_version, resp + sizeof(struct virtio_gpu_resp_capset),
           sizeof(caps_version));
    g_assert_cmpuint(le32_to_cpu(caps_version), ==, 2);
}

static void test_capset_unknown(QVirtioGpuGl *gpu)
{
    struct virtio_gpu_get_capset c = {
        .hdr = make_hdr(VIRTIO_GPU_CMD_GET_CAPSET, 0),
        .capset_id = cpu_to_le32(0x99),
        .capset_version = cpu_to_le32(1),
    };
    uint8_t resp[sizeof(struct virtio_gpu_resp_capset) + 4096];
    QVirtioGpuGlResp r = qvirtio_gpu_gl_command(gpu, &c, sizeof(c),
                                                resp, sizeof(resp));

    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
}

/* CTX_CREATE, CTX_DESTROY */

static void test_ctx_create_ok(QVirtioGpuGl *gpu)
{
    ctx_create_ok(gpu, CTX_A);
}

static void test_ctx_destroy_ok(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    ctx_create_ok(gpu, CTX_A);
    r = ctx_destroy(gpu, CTX_A);
    assert_ok(&r);

    /* The id can be used again */
    ctx_create_ok(gpu, CTX_A);
}

static void test_ctx_destroy_unknown(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r = ctx_destroy(gpu, CTX_UNKNOWN);

    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_CONTEXT_ID);
}

/* RESOURCE_CREATE_3D */

static void test_create_3d_buffer(QVirtioGpuGl *gpu)
{
    create_buffer_ok(gpu, RES_A, BUF_BYTES);
}

static void test_create_3d_texture(QVirtioGpuGl *gpu)
{
    create_texture_ok(gpu, RES_A);
}

static void test_create_3d_duplicate(QVirtioGpuGl *gpu)
{
    struct virtio_gpu_resource_create_3d c = make_texture_3d(RES_A);
    QVirtioGpuGlResp r;

    create_buffer_ok(gpu, RES_A, BUF_BYTES);
    r = send_cmd(gpu, &c, sizeof(c));
    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
}

/* CTX_ATTACH_RESOURCE, CTX_DETACH_RESOURCE */

static void test_ctx_attach_ok(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    create_texture_ok(gpu, RES_A);
    ctx_with_resource(gpu, CTX_A, RES_A);
    r = resource_cmd(gpu, VIRTIO_GPU_CMD_CTX_DETACH_RESOURCE, CTX_A, RES_A);
    assert_ok(&r);
}

static void test_ctx_attach_unknown(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    ctx_create_ok(gpu, CTX_A);
    r = resource_cmd(gpu, VIRTIO_GPU_CMD_CTX_ATTACH_RESOURCE, CTX_A,
                     RES_UNKNOWN);
    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
}

static void test_ctx_detach_unknown(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    ctx_create_ok(gpu, CTX_A);
    r = resource_cmd(gpu, VIRTIO_GPU_CMD_CTX_DETACH_RESOURCE, CTX_A,
                     RES_UNKNOWN);
    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
}

/* TRANSFER_TO_HOST_3D, TRANSFER_FROM_HOST_3D */

static void fill_pattern(uint8_t *buf, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        buf[i] = (uint8_t)(i * 7 + 3);
    }
}

/* A 3D transfer that must succeed, fenced */
static void transfer_3d_fenced(QVirtioGpuGl *gpu, uint32_t type,
                               uint32_t res_id, uint32_t w, uint32_t h,
                               uint32_t stride, uint64_t fence_id)
{
    struct virtio_gpu_transfer_host_3d t =
        make_transfer_3d(type, res_id, w, h, stride);
    QVirtioGpuGlResp r;

    set_fence(&t.hdr, fence_id);
    r = send_cmd(gpu, &t, sizeof(t));
    assert_ok(&r);
    assert_fenced(&r, fence_id);
}

/*
 * Write a pattern through the backing to the host, wipe the backing and
 * read the resource back.  Both transfers are fenced: the device may
 * return a command before it is done with it, and only a fenced response
 * says the backing has been read (before we wipe it) or written (before
 * we compare it).
 */
static void roundtrip_3d(QVirtioGpuGl *gpu, uint32_t res_id, uint32_t bytes,
                         uint32_t w, uint32_t h, uint32_t stride)
{
    g_autofree uint8_t *pattern = g_malloc(bytes);
    g_autofree uint8_t *readback = g_malloc(bytes);
    uint64_t backing;

    backing = attach_new_backing(gpu, res_id, bytes);
    ctx_with_resource(gpu, CTX_A, res_id);

    fill_pattern(pattern, bytes);
    qtest_memwrite(gpu->qts, backing, pattern, bytes);
    transfer_3d_fenced(gpu, VIRTIO_GPU_CMD_TRANSFER_TO_HOST_3D, res_id,
                       w, h, stride, FENCE_A);

    qtest_memset(gpu->qts, backing, 0, bytes);
    transfer_3d_fenced(gpu, VIRTIO_GPU_CMD_TRANSFER_FROM_HOST_3D, res_id,
                       w, h, stride, FENCE_A + 1);

    qtest_memread(gpu->qts, backing, readback, bytes);
    g_assert_cmpmem(readback, bytes, pattern, bytes);
}

static void test_transfer_3d_roundtrip_texture(QVirtioGpuGl *gpu)
{
    create_texture_ok(gpu, RES_A);
    roundtrip_3d(gpu, RES_A, TEX_BYTES, TEX_SIZE, TEX_SIZE, TEX_STRIDE);
}

static void test_transfer_3d_roundtrip_buffer(QVirtioGpuGl *gpu)
{
    create_buffer_ok(gpu, RES_A, BUF_BYTES);
    roundtrip_3d(gpu, RES_A, BUF_BYTES, BUF_BYTES, 1, 0);
}

/* A texture set up for transfers, then one transfer with a box too wide */
static void transfer_3d_box_outside(QVirtioGpuGl *gpu, uint32_t type)
{
    struct virtio_gpu_transfer_host_3d t;
    QVirtioGpuGlResp r;

    create_texture_ok(gpu, RES_A);
    attach_new_backing(gpu, RES_A, TEX_BYTES * 2);
    ctx_with_resource(gpu, CTX_A, RES_A);

    t = make_transfer_3d(type, RES_A, TEX_SIZE * 2, TEX_SIZE, TEX_STRIDE * 2);
    r = send_cmd(gpu, &t, sizeof(t));
    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
}

static void test_transfer_to_host_3d_box_outside(QVirtioGpuGl *gpu)
{
    transfer_3d_box_outside(gpu, VIRTIO_GPU_CMD_TRANSFER_TO_HOST_3D);
}

static void test_transfer_from_host_3d_box_outside(QVirtioGpuGl *gpu)
{
    transfer_3d_box_outside(gpu, VIRTIO_GPU_CMD_TRANSFER_FROM_HOST_3D);
}

/* SUBMIT_3D */

static void test_submit_3d_create_sub_ctx(QVirtioGpuGl *gpu)
{
    static const uint32_t stream[] = {
        VIRGL_CMD0(VIRGL_CCMD_CREATE_SUB_CTX, 0, 1), 1,
        VIRGL_CMD0(VIRGL_CCMD_SET_SUB_CTX, 0, 1), 1,
    };
    QVirtioGpuGlResp r;

    ctx_create_ok(gpu, CTX_A);
    r = submit_3d(gpu, CTX_A, stream, ARRAY_SIZE(stream), sizeof(stream));
    assert_ok(&r);
}

static void test_submit_3d_empty(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    ctx_create_ok(gpu, CTX_A);
    r = submit_3d(gpu, CTX_A, NULL, 0, 0);
    assert_ok(&r);
}

static void test_submit_3d_garbage(QVirtioGpuGl *gpu)
{
    /*
     * A header promising far more dwords than follow, then an opcode no
     * virgl version defines.  The stream is opaque to virtio, so the
     * spec does not say whether this fails the command; what matters is
     * that the device answers, here and afterwards.
     */
    static const uint32_t stream[] = {
        VIRGL_CMD0(VIRGL_CCMD_CREATE_SUB_CTX, 0, 0x3fff), 1,
        0xdeadbeef, 0xffffffff,
    };
    QVirtioGpuGlResp r;

    ctx_create_ok(gpu, CTX_A);
    r = submit_3d(gpu, CTX_A, stream, ARRAY_SIZE(stream), sizeof(stream));
    if (r.type != VIRTIO_GPU_RESP_OK_NODATA) {
        assert_error(&r);
    }
}

static void test_submit_3d_size_beyond_buffer(QVirtioGpuGl *gpu)
{
    /* The size field claims 64 bytes of stream; the request holds 8 */
    static const uint32_t stream[] = {
        VIRGL_CMD0(VIRGL_CCMD_CREATE_SUB_CTX, 0, 1), 1,
    };
    QVirtioGpuGlResp r;

    ctx_create_ok(gpu, CTX_A);
    r = submit_3d(gpu, CTX_A, stream, ARRAY_SIZE(stream), 64);
    assert_error(&r);
}

static void test_submit_3d_unknown_ctx(QVirtioGpuGl *gpu)
{
    static const uint32_t stream[] = {
        VIRGL_CMD0(VIRGL_CCMD_CREATE_SUB_CTX, 0, 1), 1,
    };
    QVirtioGpuGlResp r = submit_3d(gpu, CTX_UNKNOWN, stream,
                                   ARRAY_SIZE(stream), sizeof(stream));

    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_CONTEXT_ID);
}

/* VIRTIO_GPU_FLAG_FENCE */

static void fenced_create_2d(QVirtioGpuGl *gpu, uint64_t fence_id)
{
    struct virtio_gpu_resource_create_2d c =
        make_create_2d(RES_A, VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM);
    QVirtioGpuGlResp r;

    set_fence(&c.hdr, fence_id);
    r = send_cmd(gpu, &c, sizeof(c));
    assert_ok(&r);
    assert_fenced(&r, fence_id);
}

static void test_fence_2d_command(QVirtioGpuGl *gpu)
{
    fenced_create_2d(gpu, FENCE_A);
}

static void test_fence_64bit_id(QVirtioGpuGl *gpu)
{
    /* fence_id is le64 on the wire; all of it comes back */
    fenced_create_2d(gpu, 0x100000000ull + FENCE_A);
}

static void test_fence_submit_3d(QVirtioGpuGl *gpu)
{
    static const uint32_t stream[] = {
        VIRGL_CMD0(VIRGL_CCMD_CREATE_SUB_CTX, 0, 1), 1,
    };
    size_t size;
    g_autofree uint8_t *req = build_submit(CTX_A, stream, ARRAY_SIZE(stream),
                                           sizeof(stream), &size);
    QVirtioGpuGlResp r;

    ctx_create_ok(gpu, CTX_A);
    set_fence(&((struct virtio_gpu_cmd_submit *)req)->hdr, FENCE_A);
    r = send_cmd(gpu, req, size);
    assert_ok(&r);
    assert_fenced(&r, FENCE_A);
}

static void test_fence_error_response(QVirtioGpuGl *gpu)
{
    /* The fence rules apply to the response whatever its type */
    struct virtio_gpu_resource_unref c = {
        .hdr = make_hdr(VIRTIO_GPU_CMD_RESOURCE_UNREF, 0),
        .resource_id = cpu_to_le32(RES_UNKNOWN),
    };
    QVirtioGpuGlResp r;

    set_fence(&c.hdr, FENCE_A);
    r = send_cmd(gpu, &c, sizeof(c));
    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
    assert_fenced(&r, FENCE_A);
}

/* UPDATE_CURSOR, MOVE_CURSOR */

static void test_cursor_update(QVirtioGpuGl *gpu)
{
    /* The spec asks for a 64x64 resource, filled and fenced beforehand */
    struct virtio_gpu_transfer_to_host_2d t =
        make_transfer_2d(RES_A, 0, RES_2D_SIZE);
    QVirtioGpuGlResp r;

    create_2d_ok(gpu, RES_A);
    attach_new_backing(gpu, RES_A, RES_2D_BYTES);
    set_fence(&t.hdr, FENCE_A);
    r = send_cmd(gpu, &t, sizeof(t));
    assert_ok(&r);
    assert_fenced(&r, FENCE_A);

    g_assert_cmpuint(cursor_cmd(gpu, VIRTIO_GPU_CMD_UPDATE_CURSOR, RES_A),
                     ==, 0);
}

static void test_cursor_move(QVirtioGpuGl *gpu)
{
    g_assert_cmpuint(cursor_cmd(gpu, VIRTIO_GPU_CMD_MOVE_CURSOR, 0), ==, 0);
}

static void test_cursor_unknown_resource(QVirtioGpuGl *gpu)
{
    g_assert_cmpuint(cursor_cmd(gpu, VIRTIO_GPU_CMD_UPDATE_CURSOR,
                                RES_UNKNOWN), ==, 0);
    /* The cursor queue must keep going too */
    g_assert_cmpuint(cursor_cmd(gpu, VIRTIO_GPU_CMD_MOVE_CURSOR, 0), ==, 0);
}

/* Malformed requests */

static void test_unknown_command(QVirtioGpuGl *gpu)
{
    /* No ERR_* code fits better than "unspecified" for a type it lacks */
    struct virtio_gpu_ctrl_hdr c = make_hdr(0x0aaa, 0);
    QVirtioGpuGlResp r = send_cmd(gpu, &c, sizeof(c));

    assert_resp(&r, VIRTIO_GPU_RESP_ERR_UNSPEC);
}

static void test_short_header(QVirtioGpuGl *gpu)
{
    /* type and flags only: 8 of the header's 24 bytes */
    struct virtio_gpu_ctrl_hdr c = make_hdr(VIRTIO_GPU_CMD_GET_DISPLAY_INFO,
                                            0);
    struct virtio_gpu_resp_display_info info;
    QVirtioGpuGlResp r = qvirtio_gpu_gl_command(gpu, &c, 8, &info,
                                                sizeof(info));

    assert_error(&r);
}

static void test_short_body(QVirtioGpuGl *gpu)
{
    /* A RESOURCE_CREATE_2D header without the fields that follow it */
    struct virtio_gpu_resource_create_2d c =
        make_create_2d(RES_A, VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM);
    QVirtioGpuGlResp r = send_cmd(gpu, &c, sizeof(c.hdr));

    assert_error(&r);
}


/*
 * The modern half: blob resources, host-visible memory, CONTEXT_INIT and
 * fence rings.  These cases run on a device made with MODERN_OPTS.
 */

#define MODERN_OPTS         "blob=on,hostmem=64M,venus=on"
#define HOSTMEM_SIZE        (64 * 1024 * 1024)
#define BLOB_SIZE           4096
#define BLOB_ID             1
#define VIRGL_CCMD_PIPE_RESOURCE_CREATE 48
#define VIRGL_PIPE_RES_CREATE_SIZE      11
#define VIRGL_RESOURCE_FLAG_MAP_PERSISTENT  (1 << 1)
#define VIRGL_RESOURCE_FLAG_MAP_COHERENT    (1 << 2)

static QVirtioGpuGlResp create_blob(QVirtioGpuGl *gpu, uint32_t ctx_id,
                                    uint32_t res_id, uint32_t blob_mem,
                                    uint32_t flags, uint64_t size,
                                    uint64_t backing, uint32_t backing_len)
{
    struct {
        struct virtio_gpu_resource_create_blob c;
        struct virtio_gpu_mem_entry e;
    } QEMU_PACKED req = {
        .c = {
            .hdr = make_hdr(VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB, ctx_id),
            .resource_id = cpu_to_le32(res_id),
            .blob_mem = cpu_to_le32(blob_mem),
            .blob_flags = cpu_to_le32(flags),
            .nr_entries = cpu_to_le32(backing_len ? 1 : 0),
            .blob_id = cpu_to_le64(blob_mem == VIRTIO_GPU_BLOB_MEM_GUEST ?
                                   0 : BLOB_ID),
            .size = cpu_to_le64(size),
        },
        .e = {
            .addr = cpu_to_le64(backing),
            .length = cpu_to_le32(backing_len),
        },
    };

    return send_cmd(gpu, &req, backing_len ? sizeof(req) : sizeof(req.c));
}

/* The guest address of the last guest blob's memory */
static uint64_t last_blob_addr;

/* A mappable guest blob of @size bytes on fresh guest memory */
static QVirtioGpuGlResp create_guest_blob(QVirtioGpuGl *gpu, uint32_t res_id,
                                          uint64_t size, uint32_t backing)
{
    uint64_t addr = guest_alloc(gpu->alloc, backing);

    last_blob_addr = addr;
    qtest_memset(gpu->qts, addr, 0, backing);
    return create_blob(gpu, 0, res_id, VIRTIO_GPU_BLOB_MEM_GUEST,
                       VIRTIO_GPU_BLOB_FLAG_USE_MAPPABLE, size, addr,
                       backing);
}

/*
 * A mappable host3d blob in virgl context CTX_A: a virgl command creates
 * the host buffer that @blob_id names, as Mesa's virgl driver does.
 */
static void host3d_blob_ok(QVirtioGpuGl *gpu, uint32_t res_id,
                           uint32_t blob_id)
{
    const uint32_t stream[] = {
        VIRGL_CMD0(VIRGL_CCMD_PIPE_RESOURCE_CREATE, 0,
                   VIRGL_PIPE_RES_CREATE_SIZE),
        PIPE_BUFFER, VIRGL_FORMAT_R8_UNORM, VIRGL_BIND_VERTEX_BUFFER,
        BLOB_SIZE, 1, 1, 1, 0, 0,
        VIRGL_RESOURCE_FLAG_MAP_PERSISTENT | VIRGL_RESOURCE_FLAG_MAP_COHERENT,
        blob_id,
    };
    struct virtio_gpu_resource_create_blob b = {
        .hdr = make_hdr(VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB, CTX_A),
        .resource_id = cpu_to_le32(res_id),
        .blob_mem = cpu_to_le32(VIRTIO_GPU_BLOB_MEM_HOST3D),
        .blob_flags = cpu_to_le32(VIRTIO_GPU_BLOB_FLAG_USE_MAPPABLE),
        .blob_id = cpu_to_le64(blob_id),
        .size = cpu_to_le64(BLOB_SIZE),
    };
    QVirtioGpuGlResp r;

    r = submit_3d(gpu, CTX_A, stream, ARRAY_SIZE(stream), sizeof(stream));
    assert_ok(&r);
    r = send_cmd(gpu, &b, sizeof(b));
    assert_ok(&r);
}

static void create_host3d_blob_ok(QVirtioGpuGl *gpu, uint32_t res_id)
{
    ctx_create_ok(gpu, CTX_A);
    host3d_blob_ok(gpu, res_id, BLOB_ID);
}

static QVirtioGpuGlResp map_blob(QVirtioGpuGl *gpu, uint32_t res_id,
                                 uint64_t offset, uint32_t *map_info)
{
    struct virtio_gpu_resource_map_blob m = {
        .hdr = make_hdr(VIRTIO_GPU_CMD_RESOURCE_MAP_BLOB, CTX_A),
        .resource_id = cpu_to_le32(res_id),
        .offset = cpu_to_le64(offset),
    };
    struct virtio_gpu_resp_map_info info = { };
    QVirtioGpuGlResp r = qvirtio_gpu_gl_command(gpu, &m, sizeof(m), &info,
                                                sizeof(info));

    if (map_info) {
        *map_info = le32_to_cpu(info.map_info);
    }
    return r;
}

static QVirtioGpuGlResp unmap_blob(QVirtioGpuGl *gpu, uint32_t res_id)
{
    return resource_cmd(gpu, VIRTIO_GPU_CMD_RESOURCE_UNMAP_BLOB, CTX_A,
                        res_id);
}

static void test_blob_guest_ok(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r = create_guest_blob(gpu, RES_A, BLOB_SIZE, BLOB_SIZE);

    assert_ok(&r);
    r = resource_cmd(gpu, VIRTIO_GPU_CMD_RESOURCE_UNREF, 0, RES_A);
    assert_ok(&r);
}

static void test_blob_bad_blob_mem(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r = create_blob(gpu, 0, RES_A, 7, 0, BLOB_SIZE, 0, 0);

    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
}

static void test_blob_size_zero(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r = create_guest_blob(gpu, RES_A, 0, BLOB_SIZE);

    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
}

static void test_blob_backing_too_small(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r = create_guest_blob(gpu, RES_A, 4 * BLOB_SIZE,
                                           BLOB_SIZE);

    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
}

static void test_blob_host3d_unknown_ctx(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r = create_blob(gpu, CTX_UNKNOWN, RES_A,
                                     VIRTIO_GPU_BLOB_MEM_HOST3D,
                                     VIRTIO_GPU_BLOB_FLAG_USE_MAPPABLE,
                                     BLOB_SIZE, 0, 0);

    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_CONTEXT_ID);
}

static void test_map_ok(QVirtioGpuGl *gpu)
{
    uint32_t info = 0xff;
    QVirtioGpuGlResp r;

    create_host3d_blob_ok(gpu, RES_A);
    r = map_blob(gpu, RES_A, 0, &info);
    assert_resp(&r, VIRTIO_GPU_RESP_OK_MAP_INFO);
    g_assert_cmpuint(info & VIRTIO_GPU_MAP_CACHE_MASK, <=,
                     VIRTIO_GPU_MAP_CACHE_WC);
    r = unmap_blob(gpu, RES_A);
    assert_ok(&r);
}

static void test_map_unaligned(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    create_host3d_blob_ok(gpu, RES_A);
    r = map_blob(gpu, RES_A, 100, NULL);
    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
}

static void test_map_out_of_range(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    create_host3d_blob_ok(gpu, RES_A);
    r = map_blob(gpu, RES_A, HOSTMEM_SIZE - BLOB_SIZE / 2, NULL);
    assert_error(&r);
    r = map_blob(gpu, RES_A, UINT64_MAX - 4095, NULL);
    assert_error(&r);
}

static void test_map_overlap(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    create_host3d_blob_ok(gpu, RES_A);
    host3d_blob_ok(gpu, RES_B, BLOB_ID + 1);
    r = map_blob(gpu, RES_A, 0, NULL);
    assert_resp(&r, VIRTIO_GPU_RESP_OK_MAP_INFO);
    r = map_blob(gpu, RES_B, 0, NULL);
    assert_error(&r);
    r = map_blob(gpu, RES_B, BLOB_SIZE, NULL);
    assert_resp(&r, VIRTIO_GPU_RESP_OK_MAP_INFO);
}

static void test_map_twice(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    create_host3d_blob_ok(gpu, RES_A);
    r = map_blob(gpu, RES_A, 0, NULL);
    assert_resp(&r, VIRTIO_GPU_RESP_OK_MAP_INFO);
    r = map_blob(gpu, RES_A, 2 * BLOB_SIZE, NULL);
    assert_error(&r);
}

static void test_map_unknown(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r = map_blob(gpu, RES_UNKNOWN, 0, NULL);

    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
}

static void test_map_2d_resource(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    create_2d_ok(gpu, RES_A);
    r = map_blob(gpu, RES_A, 0, NULL);
    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
}

static void test_unmap_not_mapped(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    create_host3d_blob_ok(gpu, RES_A);
    r = unmap_blob(gpu, RES_A);
    assert_error(&r);
}

static void test_unref_while_mapped(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    create_host3d_blob_ok(gpu, RES_A);
    r = map_blob(gpu, RES_A, 0, NULL);
    assert_resp(&r, VIRTIO_GPU_RESP_OK_MAP_INFO);
    r = resource_cmd(gpu, VIRTIO_GPU_CMD_RESOURCE_UNREF, 0, RES_A);
    assert_ok(&r);
    /* The offset is free again */
    create_2d_ok(gpu, RES_B);
}

/*
 * UNMAP_BLOB, UNREF and a new blob of the same id mapped at the same
 * offset, back to back: the old region may still be in use after UNMAP
 * (an RCU grace period), and no command after it may free or reuse what
 * it reaches until it is let go.  The device answers each in turn.
 */
static void test_map_unmap_unref_reuse(QVirtioGpuGl *gpu)
{
    uint64_t hostmem;
    QVirtioGpuGlResp r;

    /* In the guest's memory map, or unmapping it waits for nothing. */
    g_assert_true(qvirtio_gpu_gl_map_hostmem(gpu, &hostmem) ||
                  !gpu->map_hostmem);
    create_host3d_blob_ok(gpu, RES_A);
    r = map_blob(gpu, RES_A, 0, NULL);
    assert_resp(&r, VIRTIO_GPU_RESP_OK_MAP_INFO);
    r = unmap_blob(gpu, RES_A);
    assert_ok(&r);
    r = resource_cmd(gpu, VIRTIO_GPU_CMD_RESOURCE_UNREF, 0, RES_A);
    assert_ok(&r);
    host3d_blob_ok(gpu, RES_A, BLOB_ID + 1);
    r = map_blob(gpu, RES_A, 0, NULL);
    assert_resp(&r, VIRTIO_GPU_RESP_OK_MAP_INFO);
}

/* The host-visible region's guest address, or the case skips, saying why */
static bool hostmem_or_skip(QVirtioGpuGl *gpu, uint64_t *hostmem)
{
    if (!qvirtio_gpu_gl_map_hostmem(gpu, hostmem)) {
        g_test_skip("no host-visible region a qtest can address on this "
                    "transport (virtio-mmio)");
        return false;
    }
    return true;
}

/* A host3d blob RES_A mapped at the start of the host-visible region */
static bool blob_mapped_at_hostmem(QVirtioGpuGl *gpu, uint64_t *hostmem)
{
    QVirtioGpuGlResp r;

    if (!hostmem_or_skip(gpu, hostmem)) {
        return false;
    }
    create_host3d_blob_ok(gpu, RES_A);
    r = map_blob(gpu, RES_A, 0, NULL);
    assert_resp(&r, VIRTIO_GPU_RESP_OK_MAP_INFO);
    return true;
}

/*
 * A hostile guest: the host-visible region as another resource's
 * backing.  That backing would keep the blob's region alive after
 * UNMAP_BLOB, and reach the renderer's memory once UNREF has freed it.
 * The device must refuse it, and UNREF must not wait for it.
 */
static void test_attach_backing_in_hostmem(QVirtioGpuGl *gpu)
{
    uint64_t hostmem;
    QVirtioGpuGlResp r;

    if (!blob_mapped_at_hostmem(gpu, &hostmem)) {
        return;
    }
    /* The blob is there: what the guest writes it reads back. */
    qtest_writel(gpu->qts, hostmem, 0x5eed1e55);
    g_assert_cmphex(qtest_readl(gpu->qts, hostmem), ==, 0x5eed1e55);
    create_2d_ok(gpu, RES_B);
    r = attach_backing(gpu, RES_B, hostmem, BLOB_SIZE);
    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
    r = resource_cmd(gpu, VIRTIO_GPU_CMD_RESOURCE_UNREF, 0, RES_A);
    assert_ok(&r);
    r = transfer_2d(gpu, RES_B, 0, RES_2D_SIZE);
    assert_error(&r);
}

static QVirtioGpuGlResp assign_uuid(QVirtioGpuGl *gpu, uint32_t res_id,
                                    uint8_t *uuid)
{
    struct virtio_gpu_resource_assign_uuid a = {
        .hdr = make_hdr(VIRTIO_GPU_CMD_RESOURCE_ASSIGN_UUID, 0),
        .resource_id = cpu_to_le32(res_id),
    };
    struct virtio_gpu_resp_resource_uuid resp = { };
    QVirtioGpuGlResp r = qvirtio_gpu_gl_command(gpu, &a, sizeof(a), &resp,
                                                sizeof(resp));

    memcpy(uuid, resp.uuid, sizeof(resp.uuid));
    return r;
}

static void test_assign_uuid_ok(QVirtioGpuGl *gpu)
{
    static const uint8_t zero[16];
    uint8_t first[16], second[16];
    QVirtioGpuGlResp r;

    create_2d_ok(gpu, RES_A);
    r = assign_uuid(gpu, RES_A, first);
    assert_resp(&r, VIRTIO_GPU_RESP_OK_RESOURCE_UUID);
    g_assert_true(memcmp(first, zero, sizeof(zero)) != 0);
    /* A resource keeps its UUID: it names the resource to other devices */
    r = assign_uuid(gpu, RES_A, second);
    assert_resp(&r, VIRTIO_GPU_RESP_OK_RESOURCE_UUID);
    g_assert_cmpmem(first, sizeof(first), second, sizeof(second));
}

static void test_assign_uuid_unknown(QVirtioGpuGl *gpu)
{
    uint8_t uuid[16];
    QVirtioGpuGlResp r = assign_uuid(gpu, RES_UNKNOWN, uuid);

    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
}

static QVirtioGpuGlResp ctx_create_init(QVirtioGpuGl *gpu, uint32_t ctx_id,
                                        uint32_t context_init)
{
    struct virtio_gpu_ctx_create c = {
        .hdr = make_hdr(VIRTIO_GPU_CMD_CTX_CREATE, ctx_id),
        .context_init = cpu_to_le32(context_init),
    };

    return send_cmd(gpu, &c, sizeof(c));
}

static void test_ctx_create_venus(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r = ctx_create_init(gpu, CTX_A,
                                         VIRTIO_GPU_CAPSET_VENUS);

    assert_ok(&r);
}

static void test_ctx_create_unknown_capset(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r = ctx_create_init(gpu, CTX_A, 0x3f);

    assert_error(&r);
}

/* An empty SUBMIT_3D fenced on ring @ring of @ctx_id */
static QVirtioGpuGlResp fenced_on_ring(QVirtioGpuGl *gpu, uint32_t ctx_id,
                                       uint32_t ring, uint64_t fence_id)
{
    struct virtio_gpu_cmd_submit s = {
        .hdr = make_hdr(VIRTIO_GPU_CMD_SUBMIT_3D, ctx_id),
    };

    set_fence(&s.hdr, fence_id);
    s.hdr.flags |= cpu_to_le32(VIRTIO_GPU_FLAG_INFO_RING_IDX);
    s.hdr.ring_idx = ring;
    return send_cmd(gpu, &s, sizeof(s));
}

static void test_ring_fence_ok(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;
    uint32_t ring;

    r = ctx_create_init(gpu, CTX_A, VIRTIO_GPU_CAPSET_VENUS);
    assert_ok(&r);
    for (ring = 0; ring < 2; ring++) {
        r = fenced_on_ring(gpu, CTX_A, ring, FENCE_A + ring);
        assert_ok(&r);
        assert_fenced(&r, FENCE_A + ring);
    }
}

static void test_ring_out_of_range(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    r = ctx_create_init(gpu, CTX_A, VIRTIO_GPU_CAPSET_VENUS);
    assert_ok(&r);
    r = fenced_on_ring(gpu, CTX_A, 200, FENCE_A);
    assert_error(&r);
    assert_fenced(&r, FENCE_A);
}

static void test_ring_on_plain_context(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    ctx_create_ok(gpu, CTX_A);
    r = fenced_on_ring(gpu, CTX_A, 1, FENCE_A);
    assert_error(&r);
    assert_fenced(&r, FENCE_A);
}

static QVirtioGpuGlResp set_scanout_blob(QVirtioGpuGl *gpu, uint32_t res_id,
                                         uint32_t stride)
{
    struct virtio_gpu_set_scanout_blob sb = {
        .hdr = make_hdr(VIRTIO_GPU_CMD_SET_SCANOUT_BLOB, 0),
        .r = {
            .width = cpu_to_le32(RES_2D_SIZE),
            .height = cpu_to_le32(RES_2D_SIZE),
        },
        .resource_id = cpu_to_le32(res_id),
        .width = cpu_to_le32(RES_2D_SIZE),
        .height = cpu_to_le32(RES_2D_SIZE),
        .format = cpu_to_le32(VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM),
        .strides = { cpu_to_le32(stride) },
    };

    return send_cmd(gpu, &sb, sizeof(sb));
}

/* The RGB of pixel (x, y) of a QMP screendump (binary PPM) */
static uint32_t screendump_pixel(QVirtioGpuGl *gpu, int x, int y)
{
    g_autofree char *dir = g_dir_make_tmp("vgpu-qtest-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "screen.ppm", NULL);
    g_autofree char *data = NULL;
    int width, height, maxval, header = 0;
    const uint8_t *px;
    size_t len;

    qtest_qmp_assert_success(gpu->qts, "{'execute': 'screendump', "
                             "'arguments': {'filename': %s}}", path);
    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    unlink(path);
    rmdir(dir);
    g_assert_cmpint(sscanf(data, "P6 %d %d %d%n", &width, &height, &maxval,
                           &header), ==, 3);
    g_assert_cmpint(x, <, width);
    g_assert_cmpint(y, <, height);
    px = (const uint8_t *)data + header + 1 + (y * width + x) * 3;
    g_assert_cmpuint(len, >=, px + 3 - (const uint8_t *)data);
    return (px[0] << 16) | (px[1] << 8) | px[2];
}

static void test_scanout_blob_ok(QVirtioGpuGl *gpu)
{
    /* B8G8R8X8 in memory: a known colour, shown only by the blob path */
    static const uint8_t bgrx[4] = { 0x30, 0x60, 0x90, 0x00 };
    QVirtioGpuGlResp r = create_guest_blob(gpu, RES_A, RES_2D_BYTES,
                                           RES_2D_BYTES);
    int i;

    assert_ok(&r);
    for (i = 0; i < RES_2D_SIZE * RES_2D_SIZE; i++) {
        qtest_memwrite(gpu->qts, last_blob_addr + i * 4, bgrx, 4);
    }
    r = set_scanout_blob(gpu, RES_A, RES_2D_SIZE * 4);
    assert_ok(&r);
    r = resource_flush(gpu, RES_A);
    assert_ok(&r);
    /* The console gets the frame from a bottom half: give it a moment */
    for (i = 0; i < 50 && screendump_pixel(gpu, 10, 10) != 0x906030; i++) {
        g_usleep(20 * 1000);
    }
    g_assert_cmphex(screendump_pixel(gpu, 10, 10), ==, 0x906030);
}

static void test_scanout_blob_too_small(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r = create_guest_blob(gpu, RES_A, BLOB_SIZE, BLOB_SIZE);

    assert_ok(&r);
    r = set_scanout_blob(gpu, RES_A, RES_2D_SIZE * 4);
    assert_resp(&r, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
}

static void test_scanout_blob_not_blob(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    create_2d_ok(gpu, RES_A);
    r = set_scanout_blob(gpu, RES_A, RES_2D_SIZE * 4);
    assert_error(&r);
}

static void test_capset_info_venus(QVirtioGpuGl *gpu)
{
    struct virtio_gpu_resp_capset_info info;
    uint32_t i;

    for (i = 0; i < gpu->num_capsets; i++) {
        QVirtioGpuGlResp r = get_capset_info(gpu, i, &info);

        assert_resp(&r, VIRTIO_GPU_RESP_OK_CAPSET_INFO);
        if (le32_to_cpu(info.capset_id) == VIRTIO_GPU_CAPSET_VENUS) {
            g_assert_cmpuint(le32_to_cpu(info.capset_max_size), >, 0);
            return;
        }
    }
    g_assert_not_reached();
}


/*
 * DRM native context contract: run only against the recording stand-in
 * renderer (tests/stand-in/), which offers a DRM capset and writes every
 * renderer call it receives to $VGPU_RECORDING.  The cases check that
 * the device passes capset, context, command bytes, blobs and fence
 * rings through unchanged.
 */

#define DRM_OPTS            "blob=on,hostmem=64M,drm_native_context=on"
#define DRM_BLOB_ID         77

/* What the stand-in recorded for this case's QEMU (after its "init") */
static char *recording(void)
{
    const char *path = getenv("VGPU_RECORDING");
    g_autofree char *text = NULL;
    const char *last;

    g_assert_nonnull(path);
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    last = g_strrstr(text, "init ");
    g_assert_nonnull(last);
    return g_strdup(last);
}

static void assert_recorded(const char *line)
{
    g_autofree char *text = recording();

    if (!strstr(text, line)) {
        g_assert_cmpstr(text, ==, line);
    }
}

static void test_drm_capset(QVirtioGpuGl *gpu)
{
    struct virtio_gpu_resp_capset_info info;
    struct {
        struct virtio_gpu_ctrl_hdr hdr;
        char data[64];
    } caps = { };
    struct virtio_gpu_get_capset c = {
        .hdr = make_hdr(VIRTIO_GPU_CMD_GET_CAPSET, 0),
        .capset_id = cpu_to_le32(VIRTIO_GPU_CAPSET_DRM),
        .capset_version = cpu_to_le32(1),
    };
    QVirtioGpuGlResp r;
    bool found = false;
    uint32_t i;

    for (i = 0; i < gpu->num_capsets; i++) {
        r = get_capset_info(gpu, i, &info);
        assert_resp(&r, VIRTIO_GPU_RESP_OK_CAPSET_INFO);
        found |= le32_to_cpu(info.capset_id) == VIRTIO_GPU_CAPSET_DRM;
    }
    g_assert_true(found);
    r = qvirtio_gpu_gl_command(gpu, &c, sizeof(c), &caps, sizeof(caps));
    assert_resp(&r, VIRTIO_GPU_RESP_OK_CAPSET);
    g_assert_cmpstr(caps.data, ==, "STAND-IN capset 6 v1");
}

static void drm_ctx_ok(QVirtioGpuGl *gpu)
{
    static const char name[] = "drm";
    struct virtio_gpu_ctx_create c = {
        .hdr = make_hdr(VIRTIO_GPU_CMD_CTX_CREATE, CTX_A),
        .nlen = cpu_to_le32(sizeof(name) - 1),
        .context_init = cpu_to_le32(VIRTIO_GPU_CAPSET_DRM),
    };
    QVirtioGpuGlResp r;

    memcpy(c.debug_name, name, sizeof(name) - 1);
    r = send_cmd(gpu, &c, sizeof(c));
    assert_ok(&r);
}

static void test_drm_context(QVirtioGpuGl *gpu)
{
    drm_ctx_ok(gpu);
    assert_recorded("context_create ctx=1 context_init=0x6 name=drm");
}

static void test_drm_submit(QVirtioGpuGl *gpu)
{
    static const uint32_t stream[] = {
        0x11223344, 0x55667788, 0x99aabbcc, 0xddeeff00,
    };
    QVirtioGpuGlResp r;

    drm_ctx_ok(gpu);
    r = submit_3d(gpu, CTX_A, stream, ARRAY_SIZE(stream), sizeof(stream));
    assert_ok(&r);
    /* Little-endian on the wire, byte for byte through the device */
    assert_recorded("submit ctx=1 bytes=16 "
                    "data=4433221188776655ccbbaa9900ffeedd");
}

static void test_drm_blob(QVirtioGpuGl *gpu)
{
    struct virtio_gpu_resource_create_blob b = {
        .hdr = make_hdr(VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB, CTX_A),
        .resource_id = cpu_to_le32(RES_A),
        .blob_mem = cpu_to_le32(VIRTIO_GPU_BLOB_MEM_HOST3D),
        .blob_flags = cpu_to_le32(VIRTIO_GPU_BLOB_FLAG_USE_MAPPABLE |
                                  VIRTIO_GPU_BLOB_FLAG_USE_SHAREABLE),
        .blob_id = cpu_to_le64(DRM_BLOB_ID),
        .size = cpu_to_le64(2 * BLOB_SIZE),
    };
    uint64_t hostmem = 0, at = 16 * BLOB_SIZE, again = 32 * BLOB_SIZE;
    uint32_t info = 0;
    QVirtioGpuGlResp r;
    bool bar = qvirtio_gpu_gl_map_hostmem(gpu, &hostmem);

    drm_ctx_ok(gpu);
    r = send_cmd(gpu, &b, sizeof(b));
    assert_ok(&r);
    assert_recorded("create_blob id=1 ctx=1 mem=2 flags=0x3 blob_id=77 "
                    "size=8192 entries=0");
    r = map_blob(gpu, RES_A, at, &info);
    assert_resp(&r, VIRTIO_GPU_RESP_OK_MAP_INFO);
    g_assert_cmpuint(info, ==, VIRTIO_GPU_MAP_CACHE_CACHED);
    /* A shareable blob is a file: placed in the window, never mapped */
    assert_recorded("export id=1 size=8192");
    if (bar) {
        qtest_writel(gpu->qts, hostmem + at + 4096, 0xd12ec7ed);
    }
    r = unmap_blob(gpu, RES_A);
    assert_ok(&r);
    if (bar) {
        /* Zeros where it was; its memory, written there, stays its own */
        g_assert_cmphex(qtest_readl(gpu->qts, hostmem + at + 4096), ==, 0);
        r = map_blob(gpu, RES_A, again, NULL);
        assert_resp(&r, VIRTIO_GPU_RESP_OK_MAP_INFO);
        g_assert_cmphex(qtest_readl(gpu->qts, hostmem + again + 4096), ==,
                        0xd12ec7ed);
    }
}

static void test_drm_ring_fence(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    drm_ctx_ok(gpu);
    r = fenced_on_ring(gpu, CTX_A, 3, FENCE_A);
    assert_ok(&r);
    assert_fenced(&r, FENCE_A);
    g_assert_cmphex(r.flags & VIRTIO_GPU_FLAG_INFO_RING_IDX, ==,
                    VIRTIO_GPU_FLAG_INFO_RING_IDX);
    assert_recorded("ring_fence ctx=1 ring=3");
}

/*
 * Budgets.  Each bound is a device property; past it the guest gets
 * ERR_OUT_OF_MEMORY, what it frees comes back, and the device keeps
 * serving.
 */
#define BIG_2D_SIZE         1024
#define BIG_2D_BYTES        (BIG_2D_SIZE * BIG_2D_SIZE * 4)    /* 4 MiB */
#define RES_BUDGET_OPTS     "max_resource_bytes=16M"
#define RSS_BUDGET_MIB      64
#define RSS_BUDGET_OPTS     "max_resource_bytes=64M"
/* What QEMU may grow by beside the resources: heap and renderer caches */
#define RSS_SLACK_MIB       48
#define CTX_BUDGET          4
#define CTX_BUDGET_OPTS     "max_contexts=4"
/* Two frames of each scanout count: 8 MiB for a 1024x1024 rect */
#define FRAME_BUDGET_OPTS   "max_outputs=2,max_frame_bytes=12M"

static QVirtioGpuGlResp create_2d_sized(QVirtioGpuGl *gpu, uint32_t res_id,
                                        uint32_t w, uint32_t h)
{
    struct virtio_gpu_resource_create_2d c =
        make_create_2d(res_id, VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM);

    c.width = cpu_to_le32(w);
    c.height = cpu_to_le32(h);
    return send_cmd(gpu, &c, sizeof(c));
}

static QVirtioGpuGlResp create_texture_sized(QVirtioGpuGl *gpu,
                                             uint32_t res_id, uint32_t size,
                                             uint32_t layers)
{
    struct virtio_gpu_resource_create_3d c = make_texture_3d(res_id);

    c.width = cpu_to_le32(size);
    c.height = cpu_to_le32(size);
    c.array_size = cpu_to_le32(layers);
    return send_cmd(gpu, &c, sizeof(c));
}

/* Four 4 MiB resources fill 16M; the fifth is refused.  Its id, back */
static uint32_t fill_16m_of_resources(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;
    uint32_t id;

    for (id = RES_A; id < RES_A + 4; id++) {
        r = create_2d_sized(gpu, id, BIG_2D_SIZE, BIG_2D_SIZE);
        assert_ok(&r);
    }
    r = create_2d_sized(gpu, id, BIG_2D_SIZE, BIG_2D_SIZE);
    assert_resp(&r, VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY);
    return id;
}

static void test_budget_resource_bytes(QVirtioGpuGl *gpu)
{
    uint32_t id = fill_16m_of_resources(gpu);
    QVirtioGpuGlResp r;

    r = resource_cmd(gpu, VIRTIO_GPU_CMD_RESOURCE_UNREF, 0, RES_A);
    assert_ok(&r);
    r = create_2d_sized(gpu, id, BIG_2D_SIZE, BIG_2D_SIZE);
    assert_ok(&r);
}

/*
 * A texture's size comes from the renderer's row pitch: 4096x4096 at 4
 * bytes a texel is 64 MiB, though at half a byte it would fit.  A huge
 * array fails before the renderer sees it.
 */
static void test_budget_texture_bytes(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    r = create_texture_sized(gpu, RES_A, 4096, 1);
    assert_resp(&r, VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY);
    r = create_texture_sized(gpu, RES_A, 16384, 2048);
    assert_resp(&r, VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY);
    /* Nothing of the refused ones stays behind: the id is free */
    r = create_texture_sized(gpu, RES_A, 1024, 1);
    assert_ok(&r);
}

static unsigned long qemu_rss_kib(QVirtioGpuGl *gpu)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status",
                                            (int)qtest_pid(gpu->qts));
    g_autofree char *status = NULL;
    unsigned long kib = 0;
    const char *line;

    g_assert_true(g_file_get_contents(path, &status, NULL, NULL));
    line = strstr(status, "VmRSS:");
    g_assert_nonnull(line);
    line += strlen("VmRSS:");
    while (*line == ' ' || *line == '\t') {
        line++;
    }
    g_assert_cmpint(qemu_strtoul(line, &line, 10, &kib), ==, 0);
    return kib;
}

/*
 * Fill resources until the device refuses, each one written in full on
 * the host side: QEMU's resident memory grows by the budget at most,
 * plus a slack for everything else.
 */
static void test_budget_resource_rss(QVirtioGpuGl *gpu)
{
    uint64_t backing = guest_alloc(gpu->alloc, BIG_2D_BYTES);
    unsigned long before = qemu_rss_kib(gpu), after;
    struct virtio_gpu_transfer_to_host_2d t;
    QVirtioGpuGlResp r;
    uint32_t id, made = 0;

    if (g_getenv("ASAN_OPTIONS")) {
        /* run-tests.sh's asan phase preloads libasan into QEMU */
        g_test_skip("QEMU runs under AddressSanitizer: its shadow memory "
                    "and quarantine make RSS no measure of the device");
        return;
    }
    qtest_memset(gpu->qts, backing, 0x5a, BIG_2D_BYTES);
    for (id = RES_A; id < RES_A + 4 * RSS_BUDGET_MIB / 4; id++) {
        r = create_2d_sized(gpu, id, BIG_2D_SIZE, BIG_2D_SIZE);
        if (r.type == VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY) {
            break;
        }
        assert_ok(&r);
        made++;
        r = attach_backing(gpu, id, backing, BIG_2D_BYTES);
        assert_ok(&r);
        t = make_transfer_2d(id, 0, BIG_2D_SIZE);
        t.r.height = cpu_to_le32(BIG_2D_SIZE);
        r = send_cmd(gpu, &t, sizeof(t));
        assert_ok(&r);
    }
    g_assert_cmpuint(made, ==, RSS_BUDGET_MIB / 4);
    after = qemu_rss_kib(gpu);
    g_test_message("QEMU grew by %lu KiB for %u resources of 4 MiB",
                   after > before ? after - before : 0, made);
    g_assert_cmpuint(after, <=, before + (RSS_BUDGET_MIB + RSS_SLACK_MIB) *
                     1024);
}

static void test_budget_contexts(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;
    uint32_t id;

    for (id = CTX_A; id < CTX_A + CTX_BUDGET; id++) {
        ctx_create_ok(gpu, id);
    }
    r = ctx_create(gpu, id);
    assert_resp(&r, VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY);
    r = ctx_destroy(gpu, CTX_A);
    assert_ok(&r);
    /* A fresh context works, and renders */
    ctx_create_ok(gpu, id);
    create_texture_ok(gpu, RES_A);
    r = resource_cmd(gpu, VIRTIO_GPU_CMD_CTX_ATTACH_RESOURCE, id, RES_A);
    assert_ok(&r);
}

static void test_budget_frames(QVirtioGpuGl *gpu)
{
    QVirtioGpuGlResp r;

    r = create_2d_sized(gpu, RES_A, BIG_2D_SIZE, BIG_2D_SIZE);
    assert_ok(&r);
    r = create_2d_sized(gpu, RES_B, BIG_2D_SIZE, BIG_2D_SIZE);
    assert_ok(&r);
    r = set_scanout(gpu, 0, RES_A, BIG_2D_SIZE, BIG_2D_SIZE);
    assert_ok(&r);
    r = set_scanout(gpu, 1, RES_B, BIG_2D_SIZE, BIG_2D_SIZE);
    assert_resp(&r, VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY);
    /* A smaller rect fits beside it; a scanout's own frames are replaced */
    r = set_scanout(gpu, 1, RES_B, BIG_2D_SIZE / 2, BIG_2D_SIZE / 2);
    assert_ok(&r);
    r = set_scanout(gpu, 0, RES_B, BIG_2D_SIZE, BIG_2D_SIZE);
    assert_ok(&r);
    r = set_scanout(gpu, 0, 0, 0, 0);
    assert_ok(&r);
    r = set_scanout(gpu, 1, RES_B, BIG_2D_SIZE, BIG_2D_SIZE);
    assert_ok(&r);
}

static const GpuTest gpu_tests[] = {
    { "get-display-info", test_get_display_info },
    { "get-edid/ok", test_get_edid_ok },
    { "get-edid/bad-scanout", test_get_edid_bad_scanout },
    { "resource-create-2d/ok", test_create_2d_ok },
    { "resource-create-2d/id-zero", test_create_2d_id_zero },
    { "resource-create-2d/duplicate-id", test_create_2d_duplicate },
    { "resource-create-2d/bad-format", test_create_2d_bad_format },
    { "resource-unref/ok", test_unref_ok },
    { "resource-unref/unknown", test_unref_unknown },
    { "attach-backing/ok", test_attach_backing_ok },
    { "attach-backing/unknown-resource", test_attach_backing_unknown },
    { "attach-backing/huge-nr-entries", test_attach_backing_huge_nr_entries },
    { "attach-backing/over-budget", test_attach_backing_over_budget,
      BUDGET_OPTS },
    { "attach-backing/outside-ram", test_attach_backing_outside_ram },
    { "attach-backing/outside-ram-page",
      test_attach_backing_outside_ram_page },
    { "detach-backing/ok", test_detach_backing_ok },
    { "detach-backing/unknown-resource", test_detach_backing_unknown },
    { "transfer-to-host-2d/ok", test_transfer_2d_ok },
    { "transfer-to-host-2d/rect-outside", test_transfer_2d_rect_outside },
    { "transfer-to-host-2d/no-backing", test_transfer_2d_no_backing },
    { "set-scanout/ok", test_set_scanout_ok },
    { "set-scanout/bad-scanout-id", test_set_scanout_bad_id },
    { "set-scanout/rect-outside", test_set_scanout_rect_outside },
    { "set-scanout/unknown-resource", test_set_scanout_unknown },
    { "set-scanout/buffer-resource", test_set_scanout_buffer },
    { "set-scanout/disable", test_set_scanout_disable },
    { "resource-flush/ok", test_flush_ok },
    { "resource-flush/unknown-resource", test_flush_unknown },
    { "get-capset-info/virgl", test_capset_info_virgl },
    { "get-capset-info/virgl2", test_capset_info_virgl2 },
    { "get-capset-info/index-beyond", test_capset_info_beyond },
    { "get-capset/virgl2", test_capset_virgl2 },
    { "get-capset/unknown-id", test_capset_unknown },
    { "ctx-create/ok", test_ctx_create_ok },
    { "ctx-destroy/ok", test_ctx_destroy_ok },
    { "ctx-destroy/unknown", test_ctx_destroy_unknown },
    { "resource-create-3d/buffer", test_create_3d_buffer },
    { "resource-create-3d/texture-2d", test_create_3d_texture },
    { "resource-create-3d/duplicate-id", test_create_3d_duplicate },
    { "ctx-attach-resource/ok", test_ctx_attach_ok },
    { "ctx-attach-resource/unknown-resource", test_ctx_attach_unknown },
    { "ctx-detach-resource/unknown-resource", test_ctx_detach_unknown },
    { "transfer-3d/roundtrip-texture", test_transfer_3d_roundtrip_texture },
    { "transfer-3d/roundtrip-buffer", test_transfer_3d_roundtrip_buffer },
    { "transfer-to-host-3d/box-outside",
      test_transfer_to_host_3d_box_outside },
    { "transfer-from-host-3d/box-outside",
      test_transfer_from_host_3d_box_outside },
    { "submit-3d/create-sub-ctx", test_submit_3d_create_sub_ctx },
    { "submit-3d/empty", test_submit_3d_empty },
    { "submit-3d/garbage", test_submit_3d_garbage },
    { "submit-3d/size-beyond-buffer", test_submit_3d_size_beyond_buffer },
    { "submit-3d/unknown-ctx", test_submit_3d_unknown_ctx },
    { "fence/2d-command", test_fence_2d_command },
    { "fence/64bit-id", test_fence_64bit_id },
    { "fence/submit-3d", test_fence_submit_3d },
    { "fence/error-response", test_fence_error_response },
    { "cursor/update", test_cursor_update },
    { "cursor/move", test_cursor_move },
    { "cursor/unknown-resource", test_cursor_unknown_resource },
    { "unknown-command", test_unknown_command },
    { "short-command/header", test_short_header },
    { "short-command/body", test_short_body },
    { "get-capset-info/venus", test_capset_info_venus, MODERN_OPTS },
    { "resource-create-blob/guest", test_blob_guest_ok, MODERN_OPTS },
    { "resource-create-blob/bad-blob-mem", test_blob_bad_blob_mem,
      MODERN_OPTS },
    { "resource-create-blob/size-zero", test_blob_size_zero, MODERN_OPTS },
    { "resource-create-blob/backing-too-small", test_blob_backing_too_small,
      MODERN_OPTS },
    { "resource-create-blob/host3d-unknown-ctx", test_blob_host3d_unknown_ctx,
      MODERN_OPTS },
    { "map-blob/ok", test_map_ok, MODERN_OPTS },
    { "map-blob/unaligned", test_map_unaligned, MODERN_OPTS },
    { "map-blob/out-of-range", test_map_out_of_range, MODERN_OPTS },
    { "map-blob/overlap", test_map_overlap, MODERN_OPTS },
    { "map-blob/twice", test_map_twice, MODERN_OPTS },
    { "map-blob/unknown-resource", test_map_unknown, MODERN_OPTS },
    { "map-blob/2d-resource", test_map_2d_resource, MODERN_OPTS },
    { "unmap-blob/not-mapped", test_unmap_not_mapped, MODERN_OPTS },
    { "resource-unref/while-mapped", test_unref_while_mapped, MODERN_OPTS },
    { "attach-backing/in-hostmem", test_attach_backing_in_hostmem,
      MODERN_OPTS },
    { "map-blob/unmap-unref-reuse", test_map_unmap_unref_reuse, MODERN_OPTS },
    { "assign-uuid/ok", test_assign_uuid_ok, MODERN_OPTS },
    { "assign-uuid/unknown-resource", test_assign_uuid_unknown, MODERN_OPTS },
    { "ctx-create/context-init-venus", test_ctx_create_venus, MODERN_OPTS },
    { "ctx-create/context-init-unknown-capset",
      test_ctx_create_unknown_capset, MODERN_OPTS },
    { "fence/ring", test_ring_fence_ok, MODERN_OPTS },
    { "fence/ring-out-of-range", test_ring_out_of_range, MODERN_OPTS },
    { "fence/ring-on-plain-context", test_ring_on_plain_context, MODERN_OPTS },
    { "set-scanout-blob/ok", test_scanout_blob_ok, MODERN_OPTS },
    { "set-scanout-blob/blob-too-small", test_scanout_blob_too_small,
      MODERN_OPTS },
    { "set-scanout-blob/not-a-blob", test_scanout_blob_not_blob,
      MODERN_OPTS },
    { "drm-contract/capset", test_drm_capset, DRM_OPTS },
    { "drm-contract/context", test_drm_context, DRM_OPTS },
    { "drm-contract/submit", test_drm_submit, DRM_OPTS },
    { "drm-contract/blob", test_drm_blob, DRM_OPTS },
    { "drm-contract/ring-fence", test_drm_ring_fence, DRM_OPTS },
};

/*
 * The real device and the real virglrenderer under random commands:
 * every command type, fields near the bounds the device checks, memory
 * entries in RAM, outside it and in the host-visible region, random
 * command streams, fences.  Whatever each answer, the device must keep
 * answering.  The run is the same each time, so that a module's recorded
 * outcome is its outcome: VGPU_QTEST_FUZZ_SEED picks another seed (or
 * "random", which prints the one it drew) and VGPU_QTEST_FUZZ_COMMANDS
 * another length.
 */
#define FUZZ_DEFAULT_SEED       20261201
#define FUZZ_DEFAULT_COMMANDS   8000
#define FUZZ_RAM_BYTES          (256 * 1024)
#define FUZZ_MAX_WORDS          64
#define FUZZ_CHECK_EVERY        16

typedef struct FuzzCmd {
    uint32_t type;
    uint32_t size;
} FuzzCmd;

#define FUZZ_CMD(t, s) { VIRTIO_GPU_CMD_##t, sizeof(struct s) }

static const FuzzCmd fuzz_cmds[] = {
    FUZZ_CMD(GET_DISPLAY_INFO, virtio_gpu_ctrl_hdr),
    FUZZ_CMD(RESOURCE_CREATE_2D, virtio_gpu_resource_create_2d),
    FUZZ_CMD(RESOURCE_UNREF, virtio_gpu_resource_unref),
    FUZZ_CMD(SET_SCANOUT, virtio_gpu_set_scanout),
    FUZZ_CMD(RESOURCE_FLUSH, virtio_gpu_resource_flush),
    FUZZ_CMD(TRANSFER_TO_HOST_2D, virtio_gpu_transfer_to_host_2d),
    FUZZ_CMD(RESOURCE_ATTACH_BACKING, virtio_gpu_resource_attach_backing),
    FUZZ_CMD(RESOURCE_DETACH_BACKING, virtio_gpu_resource_detach_backing),
    FUZZ_CMD(GET_CAPSET_INFO, virtio_gpu_get_capset_info),
    FUZZ_CMD(GET_CAPSET, virtio_gpu_get_capset),
    FUZZ_CMD(GET_EDID, virtio_gpu_cmd_get_edid),
    FUZZ_CMD(CTX_CREATE, virtio_gpu_ctx_create),
    FUZZ_CMD(CTX_DESTROY, virtio_gpu_ctx_destroy),
    FUZZ_CMD(CTX_ATTACH_RESOURCE, virtio_gpu_ctx_resource),
    FUZZ_CMD(CTX_DETACH_RESOURCE, virtio_gpu_ctx_resource),
    FUZZ_CMD(RESOURCE_CREATE_3D, virtio_gpu_resource_create_3d),
    FUZZ_CMD(TRANSFER_TO_HOST_3D, virtio_gpu_transfer_host_3d),
    FUZZ_CMD(TRANSFER_FROM_HOST_3D, virtio_gpu_transfer_host_3d),
    FUZZ_CMD(SUBMIT_3D, virtio_gpu_cmd_submit),
    FUZZ_CMD(RESOURCE_CREATE_BLOB, virtio_gpu_resource_create_blob),
    FUZZ_CMD(RESOURCE_MAP_BLOB, virtio_gpu_resource_map_blob),
    FUZZ_CMD(RESOURCE_UNMAP_BLOB, virtio_gpu_resource_unmap_blob),
    FUZZ_CMD(SET_SCANOUT_BLOB, virtio_gpu_set_scanout_blob),
    FUZZ_CMD(RESOURCE_ASSIGN_UUID, virtio_gpu_resource_assign_uuid),
};

static uint32_t fuzz_value(GRand *rng)
{
    static const uint32_t near_bounds[] = {
        0, 1, 2, 3, 4, 16, 63, 64, 65, 67, 255, 256, 1024, 4095, 4096,
        4097, 16383, 16384, 16385, 1 << 20, 1 << 30, (1u << 30) + 1,
        0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
    };

    switch (g_rand_int_range(rng, 0, 4)) {
    case 0:
        return g_rand_int(rng);
    case 1:
        return g_rand_int_range(rng, 0, 5);     /* ids that exist */
    default:
        return near_bounds[g_rand_int_range(rng, 0,
                                            ARRAY_SIZE(near_bounds))];
    }
}

static uint64_t fuzz_addr(GRand *rng, uint64_t ram, uint64_t hostmem)
{
    switch (g_rand_int_range(rng, 0, 6)) {
    case 0:
        return OUTSIDE_RAM;
    case 1:
        return hostmem ? hostmem : ram;
    case 2:
        return ram + FUZZ_RAM_BYTES - g_rand_int_range(rng, 1, 4096);
    default:
        return ram + g_rand_int_range(rng, 0, FUZZ_RAM_BYTES / 4096) * 4096;
    }
}

/* What follows the fixed part: memory entries, or a command stream */
static size_t fuzz_payload(GRand *rng, uint32_t type, uint32_t *w,
                           uint8_t *tail, uint64_t ram, uint64_t hostmem)
{
    uint32_t i, n = g_rand_int_range(rng, 0, 5);
    struct virtio_gpu_mem_entry e;

    if (type == VIRTIO_GPU_CMD_SUBMIT_3D) {
        n = g_rand_int_range(rng, 0, FUZZ_MAX_WORDS);
        w[0] = cpu_to_le32(g_rand_boolean(rng) ? n * 4 : fuzz_value(rng));
        for (i = 0; i < n; i++) {
            stl_le_p(tail + 4 * i, g_rand_boolean(rng) ?
                     fuzz_value(rng) : g_rand_int_range(rng, 0, 64) |
                     g_rand_int_range(rng, 0, 32) << 16);
        }
        return 4 * n;
    }
    if (type == VIRTIO_GPU_CMD_RESOURCE_MAP_BLOB) {
        /* offset: a page of the region mostly */
        w[2] = cpu_to_le32(g_rand_int_range(rng, 0, 4) ?
                           g_rand_int_range(rng, 0, 64) * 4096 :
                           fuzz_value(rng));
        w[3] = 0;
        return 0;
    }
    if (type == VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB) {
        /* nr_entries, then a 64-bit size of a few pages mostly */
        w[3] = cpu_to_le32(g_rand_int_range(rng, 0, 4) ? n : fuzz_value(rng));
        w[6] = cpu_to_le32(g_rand_int_range(rng, 0, 4) ?
                           g_rand_int_range(rng, 1, 5) * 4096 :
                           fuzz_value(rng));
        w[7] = 0;
    } else if (type == VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING) {
        w[1] = cpu_to_le32(g_rand_int_range(rng, 0, 4) ? n :
                           fuzz_value(rng));
    } else {
        return 0;
    }
    for (i = 0; i < n; i++) {
        e = (struct virtio_gpu_mem_entry) {
            .addr = cpu_to_le64(fuzz_addr(rng, ram, hostmem)),
            .length = cpu_to_le32(g_rand_boolean(rng) ? 4096 :
                                  fuzz_value(rng)),
        };
        memcpy(tail + i * sizeof(e), &e, sizeof(e));
    }
    return n * sizeof(e);
}

/* VGPU_QTEST_FUZZ_TRACE: each command as it goes, to cut a replay down */
static void fuzz_trace(const uint8_t *req, size_t len)
{
    g_autoptr(GString) words = g_string_new(NULL);
    size_t i;

    for (i = 0; i + 4 <= len; i += 4) {
        g_string_append_printf(words, " %08x", ldl_le_p(req + i));
    }
    g_test_message("command%s", words->str);
}

static QVirtioGpuGlResp fuzz_one(QVirtioGpuGl *gpu, GRand *rng,
                                 uint64_t ram, uint64_t hostmem)
{
    const FuzzCmd *c = &fuzz_cmds[g_rand_int_range(rng, 0,
                                                   ARRAY_SIZE(fuzz_cmds))];
    uint8_t req[sizeof(struct virtio_gpu_ctrl_hdr) + 4 * FUZZ_MAX_WORDS +
                4 * FUZZ_MAX_WORDS] = { 0 };
    struct virtio_gpu_ctrl_hdr *h = (struct virtio_gpu_ctrl_hdr *)req;
    uint32_t *w = (uint32_t *)(req + sizeof(*h));
    g_autofree uint8_t *resp = g_malloc0(4096);
    uint32_t i, words = (c->size - sizeof(*h)) / 4;
    size_t len;

    *h = make_hdr(c->type, g_rand_int_range(rng, 0, 4));
    if (g_rand_int_range(rng, 0, 4) == 0) {
        h->flags = cpu_to_le32(VIRTIO_GPU_FLAG_FENCE);
        h->fence_id = cpu_to_le64(g_rand_int(rng));
    }
    for (i = 0; i < words; i++) {
        w[i] = cpu_to_le32(fuzz_value(rng));
    }
    len = c->size + fuzz_payload(rng, c->type, w, req + c->size, ram,
                                 hostmem);
    if (g_getenv("VGPU_QTEST_FUZZ_TRACE")) {
        fuzz_trace(req, len);
    }
    return qvirtio_gpu_gl_command(gpu, req, len, resp, 4096);
}

/*
 * VGPU_QTEST_FUZZ_REPLAY=FILE: send the commands a trace printed (one a
 * line, its words in hex), so that a script can cut a failing run down.
 */
static void fuzz_replay(QVirtioGpuGl *gpu, const char *path)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    g_autofree uint8_t *resp = g_malloc0(4096);
    uint8_t req[4096];
    QVirtioGpuGlResp r;
    const char *p;
    char **line;
    unsigned int word;
    size_t len;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    lines = g_strsplit(text, "\n", -1);
    for (line = lines; *line; line++) {
        p = strstr(*line, "command") ? strstr(*line, "command") + 7 : *line;
        for (len = 0; len + 4 <= sizeof(req) &&
             !qemu_strtoui(p, &p, 16, &word); len += 4) {
            stl_le_p(req + len, word);
        }
        if (len >= sizeof(struct virtio_gpu_ctrl_hdr)) {
            r = qvirtio_gpu_gl_command(gpu, req, len, resp, 4096);
            g_assert_cmpuint(r.type, !=, 0);
        }
    }
}

static unsigned int fuzz_env_number(const char *name, unsigned int unset)
{
    const char *value = g_getenv(name);
    unsigned int n;

    if (!value) {
        return unset;
    }
    if (qemu_strtoui(value, NULL, 0, &n)) {
        g_error("%s=%s is not a number", name, value);
    }
    return n;
}

static void test_fuzz_random_commands(QVirtioGpuGl *gpu)
{
    const char *env_seed = g_getenv("VGPU_QTEST_FUZZ_SEED");
    unsigned int seed = env_seed && g_str_equal(env_seed, "random") ?
                        g_random_int() :
                        fuzz_env_number("VGPU_QTEST_FUZZ_SEED",
                                        FUZZ_DEFAULT_SEED);
    unsigned int commands = fuzz_env_number("VGPU_QTEST_FUZZ_COMMANDS",
                                            FUZZ_DEFAULT_COMMANDS);
    g_autoptr(GRand) rng = g_rand_new_with_seed(seed);
    uint64_t ram = guest_alloc(gpu->alloc, FUZZ_RAM_BYTES);
    uint64_t hostmem = 0;
    unsigned int sent = 0, errors = 0;
    QVirtioGpuGlResp r;

    g_test_message("seed %u, %u commands (VGPU_QTEST_FUZZ_SEED and "
                   "VGPU_QTEST_FUZZ_COMMANDS replay them)", seed, commands);
    if (!qvirtio_gpu_gl_map_hostmem(gpu, &hostmem)) {
        hostmem = 0;
    }
    if (g_getenv("VGPU_QTEST_FUZZ_REPLAY")) {
        fuzz_replay(gpu, g_getenv("VGPU_QTEST_FUZZ_REPLAY"));
        return;
    }
    while (sent < commands) {
        r = fuzz_one(gpu, rng, ram, hostmem);
        g_assert_cmpuint(r.type, !=, 0);
        errors += is_error(r.type);
        if (++sent % FUZZ_CHECK_EVERY == 0) {
            assert_still_answers(gpu);
        }
    }
    g_test_message("%u commands, %u answered with an error", sent, errors);
    g_assert_cmpuint(sent, >, 0);
}

/*
 * The host-visible region as another resource's backing, then the blob
 * unmapped and freed under it: the backing's host pointers now point
 * at nothing QEMU knows, and letting them go must not take QEMU down.
 * Debian's device takes that backing; its UNMAP_BLOB then waits for the
 * region to be freed, which the backing prevents, and the control queue
 * stops for good.
 */
static void test_fault_backing_in_unmapped_blob(QVirtioGpuGl *gpu)
{
    uint64_t hostmem;
    QVirtioGpuGlResp r;

    if (!blob_mapped_at_hostmem(gpu, &hostmem)) {
        return;
    }
    create_2d_ok(gpu, RES_B);
    /* Whatever the device answers, what follows must not take it down */
    attach_backing(gpu, RES_B, hostmem, BLOB_SIZE);
    r = unmap_blob(gpu, RES_A);
    assert_ok(&r);
    r = resource_cmd(gpu, VIRTIO_GPU_CMD_RESOURCE_UNREF, 0, RES_A);
    assert_ok(&r);
    resource_cmd(gpu, VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING, 0, RES_B);
    r = resource_cmd(gpu, VIRTIO_GPU_CMD_RESOURCE_UNREF, 0, RES_B);
    assert_ok(&r);
}

/*
 * DETACH_BACKING on a guest blob, then a device reset: the blob's pages
 * are both its backing and what the reset lets go.  Cut down from a
 * random run (to these two commands and the reset) that took Debian's
 * device down with SIGSEGV or a bounce-buffer assertion.
 */
static void test_fault_reset_after_blob_detach(QVirtioGpuGl *gpu)
{
    QGuestAllocator *alloc = gpu->alloc;
    QVirtioGpuGlResp r = create_guest_blob(gpu, RES_A, BLOB_SIZE, BLOB_SIZE);
    QVirtioGpuGlResp detach;

    assert_ok(&r);
    detach = resource_cmd(gpu, VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING, 0,
                          RES_A);
    qvirtio_gpu_gl_cleanup(gpu);
    qvirtio_start_device(gpu->vdev);
    qvirtio_gpu_gl_init(gpu, alloc);
    r = create_guest_blob(gpu, RES_A, BLOB_SIZE, BLOB_SIZE);
    assert_ok(&r);
    /* Checked last, so that a device that takes it shows what follows */
    assert_error(&detach);
}

/*
 * A Venus shared-memory blob (blob_id 0, what Mesa's Venus driver makes
 * its rings of) is a file of the render server's: the device places it
 * in the window itself.  After UNMAP_BLOB the guest finds zeros there,
 * never the renderer's memory, at once: nothing waits for the old
 * mapping's users.  Its memory stays its own, and after UNREF a new
 * blob mapped at the same place starts from zeros.
 */
static QVirtioGpuGlResp venus_shmem_blob(QVirtioGpuGl *gpu, uint32_t res_id)
{
    struct virtio_gpu_resource_create_blob b = {
        .hdr = make_hdr(VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB, CTX_A),
        .resource_id = cpu_to_le32(res_id),
        .blob_mem = cpu_to_le32(VIRTIO_GPU_BLOB_MEM_HOST3D),
        .blob_flags = cpu_to_le32(VIRTIO_GPU_BLOB_FLAG_USE_MAPPABLE),
        .size = cpu_to_le64(16 * BLOB_SIZE),
    };

    return send_cmd(gpu, &b, sizeof(b));
}

/* A Venus shared-memory blob res_id, mapped at offset at of the window */
static void venus_shmem_mapped(QVirtioGpuGl *gpu, uint32_t res_id,
                               uint64_t at)
{
    QVirtioGpuGlResp r = venus_shmem_blob(gpu, res_id);

    assert_ok(&r);
    r = map_blob(gpu, res_id, at, NULL);
    assert_resp(&r, VIRTIO_GPU_RESP_OK_MAP_INFO);
}

static void test_window_venus_shmem(QVirtioGpuGl *gpu)
{
    const uint64_t at = 4 * BLOB_SIZE, again = 64 * BLOB_SIZE;
    g_autofree char *tree = NULL;
    uint64_t hostmem;
    QVirtioGpuGlResp r;

    if (!hostmem_or_skip(gpu, &hostmem)) {
        return;
    }
    r = ctx_create_init(gpu, CTX_A, VIRTIO_GPU_CAPSET_VENUS);
    assert_ok(&r);
    venus_shmem_mapped(gpu, RES_A, at);
    /* In the window itself: no memory region was added for it */
    tree = qtest_hmp(gpu->qts, "info mtree");
    g_assert_nonnull(strstr(tree, "virtio-gpu-gl-hostmem"));
    g_assert_null(strstr(tree, "virtio-gpu-gl-blob"));
    qtest_writel(gpu->qts, hostmem + at + 8, 0x5a5a1234);
    g_assert_cmphex(qtest_readl(gpu->qts, hostmem + at + 8), ==, 0x5a5a1234);
    r = unmap_blob(gpu, RES_A);
    assert_ok(&r);
    g_assert_cmphex(qtest_readl(gpu->qts, hostmem + at + 8), ==, 0);
    r = map_blob(gpu, RES_A, again, NULL);
    assert_resp(&r, VIRTIO_GPU_RESP_OK_MAP_INFO);
    g_assert_cmphex(qtest_readl(gpu->qts, hostmem + again + 8), ==,
                    0x5a5a1234);
    r = resource_cmd(gpu, VIRTIO_GPU_CMD_RESOURCE_UNREF, 0, RES_A);
    assert_ok(&r);
    g_assert_cmphex(qtest_readl(gpu->qts, hostmem + again + 8), ==, 0);
    r = venus_shmem_blob(gpu, RES_B);
    assert_ok(&r);
    r = map_blob(gpu, RES_B, again, NULL);
    assert_resp(&r, VIRTIO_GPU_RESP_OK_MAP_INFO);
    g_assert_cmphex(qtest_readl(gpu->qts, hostmem + again + 8), ==, 0);
}

/*
 * Faults: a Venus ring's wake-up lost.  The render server's ring thread
 * sleeps once its ring has been idle a while (setting the IDLE status
 * bit), and Mesa's driver sends vkNotifyRingMESA only when it sees that
 * bit after storing its tail.  Those two may cross (vgpu-venus-ring.c
 * says how); then the thread sleeps with a command in its ring and the
 * guest waits for it for good.  Here the test is the driver: it makes a
 * ring, waits until the thread sleeps, and puts a command in without a
 * notification.  The device must get the ring going again, and the
 * context must be whole afterwards.
 */
#define VENUS_CMD_CREATE_RING       188
#define VENUS_CMD_DESTROY_RING      189
#define VENUS_CMD_NOTIFY_RING       190
#define VENUS_CMD_WAIT_VIRTQUEUE    252
#define VENUS_RING_CREATE_INFO      1000384000u
#define VENUS_RING_IDLE             1u
#define RING_HEAD                   0
#define RING_TAIL                   64
#define RING_STATUS                 128
#define RING_BUFFER                 256
#define RING_BUFFER_SIZE            4096
#define RING_EXTRA                  (RING_BUFFER + RING_BUFFER_SIZE)
#define RING_EXTRA_SIZE             64
#define RING_WAIT_US                (5 * 1000 * 1000)

static void put_u64(uint32_t *dw, unsigned int *n, uint64_t v)
{
    dw[(*n)++] = (uint32_t)v;
    dw[(*n)++] = v >> 32;
}

/* vkCreateRingMESA(ring, &info), laid out as Mesa's driver lays a ring */
static QVirtioGpuGlResp venus_create_ring(QVirtioGpuGl *gpu, uint64_t ring,
                                          uint32_t res_id)
{
    uint32_t dw[32];
    unsigned int n = 0;

    dw[n++] = VENUS_CMD_CREATE_RING;
    dw[n++] = 0;                            /* no reply */
    put_u64(dw, &n, ring);
    put_u64(dw, &n, 1);                     /* pCreateInfo present */
    dw[n++] = VENUS_RING_CREATE_INFO;
    put_u64(dw, &n, 0);                     /* pNext: none */
    dw[n++] = 0;                            /* flags */
    dw[n++] = res_id;
    put_u64(dw, &n, 0);                     /* offset */
    put_u64(dw, &n, 16 * BLOB_SIZE);        /* size */
    put_u64(dw, &n, 1000 * 1000);           /* idleTimeout: 1 ms */
    put_u64(dw, &n, RING_HEAD);
    put_u64(dw, &n, RING_TAIL);
    put_u64(dw, &n, RING_STATUS);
    put_u64(dw, &n, RING_BUFFER);
    put_u64(dw, &n, RING_BUFFER_SIZE);
    put_u64(dw, &n, RING_EXTRA);
    put_u64(dw, &n, RING_EXTRA_SIZE);
    g_assert_cmpuint(n, <=, ARRAY_SIZE(dw));
    return submit_3d(gpu, CTX_A, dw, n, n * 4);
}

/*
 * A command on a ring by its id, then @zeros zero dwords:
 * vkDestroyRingMESA(ring) has none, vkNotifyRingMESA(ring, 0, 0) two
 * (seqno, flags), as the guest's driver sends it.
 */
static QVirtioGpuGlResp venus_ring_cmd(QVirtioGpuGl *gpu, uint32_t type,
                                       uint64_t ring, unsigned int zeros)
{
    uint32_t dw[8] = { 0 };
    unsigned int n = 0;

    dw[n++] = type;
    dw[n++] = 0;
    put_u64(dw, &n, ring);
    n += zeros;
    g_assert_cmpuint(n, <=, ARRAY_SIZE(dw));
    return submit_3d(gpu, CTX_A, dw, n, n * 4);
}

/* Until the ring thread has gone to sleep, or the time is up */
static bool venus_ring_sleeps(QVirtioGpuGl *gpu, uint64_t ring_at)
{
    gint64 end = g_get_monotonic_time() + RING_WAIT_US;

    while (g_get_monotonic_time() < end) {
        if (qtest_readl(gpu->qts, ring_at + RING_STATUS) & VENUS_RING_IDLE) {
            return true;
        }
        g_usleep(1000);
    }
    return false;
}

/*
 * Until the ring's head reaches want, or the time is up.  The device's
 * timers run on the virtual clock, which only a qtest moves here: move
 * it as a running guest's would move.
 */
static uint32_t venus_ring_head_reaches(QVirtioGpuGl *gpu, uint64_t ring_at,
                                        uint32_t want)
{
    gint64 end = g_get_monotonic_time() + RING_WAIT_US;
    uint32_t head = 0;

    while (g_get_monotonic_time() < end) {
        head = qtest_readl(gpu->qts, ring_at + RING_HEAD);
        if (head == want) {
            break;
        }
        qtest_clock_step(gpu->qts, 20 * 1000 * 1000);
        g_usleep(20 * 1000);
    }
    return head;
}

/* The bytes of the command venus_ring_put_unnotified() puts in */
#define RING_COMMAND_BYTES          16

static void venus_ring_put_unnotified(QVirtioGpuGl *gpu, uint64_t ring_at)
{
    /*
     * vkWaitVirtqueueSeqnoMESA(0): a ring's own command, for a seqno
     * every context has reached, so it returns at once
     */
    uint8_t cmd[RING_COMMAND_BYTES] = { 0 };

    stl_le_p(cmd, VENUS_CMD_WAIT_VIRTQUEUE);
    qtest_memwrite(gpu->qts, ring_at + RING_BUFFER, cmd, sizeof(cmd));
    qtest_writel(gpu->qts, ring_at + RING_TAIL, sizeof(cmd));
}

/*
 * A Venus context with a ring in a blob mapped at @at of the region
 * (*@hostmem), whose thread has gone to sleep and then been given a
 * command without a notification.  False when this transport has no
 * host-visible region to test with.
 */
static bool venus_ring_loses_wakeup(QVirtioGpuGl *gpu, uint64_t ring,
                                    uint64_t at, uint64_t *hostmem)
{
    QVirtioGpuGlResp r;

    if (!hostmem_or_skip(gpu, hostmem)) {
        return false;
    }
    r = ctx_create_init(gpu, CTX_A, VIRTIO_GPU_CAPSET_VENUS);
    assert_ok(&r);
    venus_shmem_mapped(gpu, RES_A, at);
    r = venus_create_ring(gpu, ring, RES_A);
    assert_ok(&r);
    g_assert_true(venus_ring_sleeps(gpu, *hostmem + at));
    venus_ring_put_unnotified(gpu, *hostmem + at);
    return true;
}

static void test_fault_venus_lost_wakeup(QVirtioGpuGl *gpu)
{
    const uint64_t ring = 0x7e57000000000001ull, second = ring + 1;
    const uint64_t at = 16 * BLOB_SIZE, again = 32 * BLOB_SIZE;
    uint64_t hostmem;
    QVirtioGpuGlResp r;
    uint32_t head;

    if (!venus_ring_loses_wakeup(gpu, ring, at, &hostmem)) {
        return;
    }
    head = venus_ring_head_reaches(gpu, hostmem + at, RING_COMMAND_BYTES);
    if (head != RING_COMMAND_BYTES) {
        g_test_message("the ring's head stayed at %u: its thread slept "
                       "with a command in the ring", head);
    }
    g_assert_cmpuint(head, ==, RING_COMMAND_BYTES);

    /*
     * After the ring is gone the device must not name it again (the
     * server would fail the context): a second ring still works.
     */
    r = venus_ring_cmd(gpu, VENUS_CMD_DESTROY_RING, ring, 0);
    assert_ok(&r);
    qtest_clock_step(gpu->qts, 4000 * 1000 * 1000ll);
    g_usleep(100 * 1000);
    venus_shmem_mapped(gpu, RES_B, again);
    r = venus_create_ring(gpu, second, RES_B);
    assert_ok(&r);
    g_assert_true(venus_ring_sleeps(gpu, hostmem + again));
}

/*
 * The same with the repair switched off (x-venus-nudge-ms=0): the ring
 * stays asleep with its command, which shows the case above tests the
 * device's repair and not a ring thread that wakes by itself.  The
 * guest's own notification then still wakes it.
 */
#define NO_NUDGE_OPTS       MODERN_OPTS ",x-venus-nudge-ms=0"

static void test_fault_venus_lost_wakeup_unrepaired(QVirtioGpuGl *gpu)
{
    const uint64_t ring = 0x7e57000000000001ull, at = 16 * BLOB_SIZE;
    uint64_t hostmem;
    QVirtioGpuGlResp r;

    if (!venus_ring_loses_wakeup(gpu, ring, at, &hostmem)) {
        return;
    }
    g_assert_cmpuint(venus_ring_head_reaches(gpu, hostmem + at,
                                             RING_COMMAND_BYTES), ==, 0);
    r = venus_ring_cmd(gpu, VENUS_CMD_NOTIFY_RING, ring, 2);
    assert_ok(&r);
    g_assert_cmpuint(venus_ring_head_reaches(gpu, hostmem + at,
                                             RING_COMMAND_BYTES), ==,
                     RING_COMMAND_BYTES);
}

/*
 * Faults: the Venus render server (a child of QEMU, with a worker per
 * context) dies under a live context.  The context's commands and fences
 * get answers rather than hanging, QEMU stays up, a new Venus context
 * either works or is refused, and virgl contexts go on working.
 */
static unsigned int kill_descendants(pid_t parent)
{
    g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
    unsigned int killed = 0;
    const char *name;

    g_assert_nonnull(proc);
    while ((name = g_dir_read_name(proc))) {
        g_autofree char *path = g_strdup_printf("/proc/%s/stat", name);
        g_autofree char *stat = NULL;
        const char *after_comm;
        int pid = atoi(name), ppid = 0;

        if (pid <= 0 || !g_file_get_contents(path, &stat, NULL, NULL)) {
            continue;
        }
        /* pid (comm) state ppid ...; comm may hold spaces */
        after_comm = strrchr(stat, ')');
        if (after_comm && sscanf(after_comm, ") %*c %d", &ppid) == 1 &&
            ppid == parent) {
            killed += kill_descendants(pid);
            killed += kill(pid, SIGKILL) == 0;
        }
    }
    return killed;
}

/* Any answer will do, as long as one comes: say which */
static void report_answer(const char *what, const QVirtioGpuGlResp *r)
{
    g_autofree char *name = type_name(r->type);

    g_test_message("%s: %s", what, name);
    g_assert_cmpuint(r->type, !=, 0);
}

static void test_fault_render_server_killed(QVirtioGpuGl *gpu)
{
    static const uint32_t stream[] = { 0, 0 };
    QVirtioGpuGlResp r;

    r = ctx_create_init(gpu, CTX_A, VIRTIO_GPU_CAPSET_VENUS);
    assert_ok(&r);
    g_assert_cmpuint(kill_descendants(qtest_pid(gpu->qts)), >, 0);
    g_usleep(100 * 1000);

    r = submit_3d(gpu, CTX_A, stream, ARRAY_SIZE(stream), sizeof(stream));
    report_answer("SUBMIT_3D after the kill", &r);
    r = fenced_on_ring(gpu, CTX_A, 0, FENCE_A);
    report_answer("a fence on its ring", &r);
    r = ctx_destroy(gpu, CTX_A);
    report_answer("CTX_DESTROY", &r);

    /* A new Venus context: served, or refused with an answer */
    r = ctx_create_init(gpu, CTX_A + 1, VIRTIO_GPU_CAPSET_VENUS);
    report_answer("a new Venus context", &r);
    /* virgl runs in QEMU, not in the render server */
    ctx_create_ok(gpu, CTX_A + 2);
    create_texture_ok(gpu, RES_A);
    r = resource_cmd(gpu, VIRTIO_GPU_CMD_CTX_ATTACH_RESOURCE, CTX_A + 2,
                     RES_A);
    assert_ok(&r);
}

/*
 * Faults: a guest reset while every budget is full.  The reset gives
 * every budget back: after it, the same guest fills them again.
 */
#define FULL_BUDGET_OPTS    "max_outputs=2,max_resource_bytes=16M," \
                            "max_contexts=2,max_frame_bytes=16M," \
                            "max_backing_entries=8"

static void attach_pages(QVirtioGpuGl *gpu, uint32_t res_id, uint64_t ram,
                         uint32_t n, uint32_t want)
{
    uint64_t addr[4];
    uint32_t len[4], i;
    QVirtioGpuGlResp r;

    for (i = 0; i < n; i++) {
        addr[i] = ram + i * 4096;
        len[i] = 4096;
    }
    r = attach_backing_entries(gpu, res_id, addr, len, n, n);
    assert_resp(&r, want);
}

static void fill_every_budget(QVirtioGpuGl *gpu, uint64_t ram)
{
    QVirtioGpuGlResp r;

    fill_16m_of_resources(gpu);
    attach_pages(gpu, RES_A, ram, 4, VIRTIO_GPU_RESP_OK_NODATA);
    attach_pages(gpu, RES_B, ram, 4, VIRTIO_GPU_RESP_OK_NODATA);
    attach_pages(gpu, RES_B + 1, ram, 1, VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY);
    ctx_create_ok(gpu, CTX_A);
    ctx_create_ok(gpu, CTX_A + 1);
    r = ctx_create(gpu, CTX_A + 2);
    assert_resp(&r, VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY);
    r = set_scanout(gpu, 0, RES_A, BIG_2D_SIZE, BIG_2D_SIZE);
    assert_ok(&r);
    r = set_scanout(gpu, 1, RES_B, BIG_2D_SIZE, BIG_2D_SIZE);
    assert_ok(&r);
}

static void test_fault_reset_full_budgets(QVirtioGpuGl *gpu)
{
    QGuestAllocator *alloc = gpu->alloc;
    uint64_t ram = guest_alloc(alloc, 4 * 4096);

    fill_every_budget(gpu, ram);
    qvirtio_gpu_gl_cleanup(gpu);
    qvirtio_start_device(gpu->vdev);
    qvirtio_gpu_gl_init(gpu, alloc);
    fill_every_budget(gpu, ram);
}

/*
 * What a hostile guest tries: a node of their own, since qos-test walks
 * at most QOS_PATH_MAX_ELEMENT_SIZE sibling cases under one node.
 */
static const GpuTest hostile_tests[] = {
    { "budget/resource-bytes", test_budget_resource_bytes, RES_BUDGET_OPTS },
    { "budget/texture-bytes", test_budget_texture_bytes, RES_BUDGET_OPTS },
    { "budget/resource-rss", test_budget_resource_rss, RSS_BUDGET_OPTS },
    { "budget/contexts", test_budget_contexts, CTX_BUDGET_OPTS },
    { "budget/frames", test_budget_frames, FRAME_BUDGET_OPTS },
    { "fuzz/random-commands", test_fuzz_random_commands, MODERN_OPTS },
    { "fault/render-server-killed", test_fault_render_server_killed,
      MODERN_OPTS },
    { "fault/backing-in-unmapped-blob", test_fault_backing_in_unmapped_blob,
      MODERN_OPTS },
    { "fault/reset-after-blob-detach", test_fault_reset_after_blob_detach,
      MODERN_OPTS },
    { "window/venus-shmem", test_window_venus_shmem, MODERN_OPTS },
    { "fault/venus-lost-wakeup", test_fault_venus_lost_wakeup, MODERN_OPTS },
    { "fault/venus-lost-wakeup-unrepaired",
      test_fault_venus_lost_wakeup_unrepaired, NO_NUDGE_OPTS },
    { "fault/reset-full-budgets", test_fault_reset_full_budgets,
      FULL_BUDGET_OPTS },
};

/*
 * Every case runs on a freshly initialised device and finishes with
 * GET_DISPLAY_INFO, which proves the device survived what the case did.
 */
static void run_gpu_test(void *obj, void *data, QGuestAllocator *alloc)
{
    QVirtioGpuGl *gpu = obj;
    const GpuTest *test = data;

    qvirtio_gpu_gl_init(gpu, alloc);
    test->fn(gpu);
    assert_still_answers(gpu);
    qvirtio_gpu_gl_cleanup(gpu);
}

/*
 * The DRM contract cases read what the recording stand-in renderer wrote
 * (a test build of the device, named by $VGPU_RECORDING); a real
 * virglrenderer without DRM support refuses drm_native_context=on at
 * realize, so without the stand-in they are not registered at all.
 */
static bool needs_missing_stand_in(const GpuTest *test)
{
    return g_str_has_prefix(test->name, "drm-contract/") &&
           !g_getenv("VGPU_RECORDING");
}

static void register_tests(const GpuTest *tests, int n, const char *node)
{
    int i;

    for (i = 0; i < n; i++) {
        QOSGraphTestOptions opts = {
            .arg = (void *)&tests[i],
            .edge.extra_device_opts = tests[i].device_opts,
        };

        if (needs_missing_stand_in(&tests[i])) {
            continue;
        }
        qos_add_test(tests[i].name, node, run_gpu_test, &opts);
    }
}

static void register_virtio_gpu_gl_tests(void)
{
    register_tests(gpu_tests, ARRAY_SIZE(gpu_tests), "virtio-gpu-gl");
    register_tests(hostile_tests, ARRAY_SIZE(hostile_tests),
                   "virtio-gpu-gl-hostile");
}

libqos_init(register_virtio_gpu_gl_tests);
