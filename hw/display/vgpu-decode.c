/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-gpu-gl command decoder and response encoder.
 *
 * The only code that touches raw request bytes: each command has one
 * table entry giving its minimum size and handler.  The decoder copies
 * the fixed part out of guest memory, converts it to host byte order and
 * hands a VGpuCmd to the handler; the encoder writes every response.
 * Any reject is a VIRTIO_GPU_RESP_ERR_* plus a LOG_GUEST_ERROR line.
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/iov.h"
#include "qemu/log.h"
#include "hw/display/vgpu.h"
#include "trace.h"

typedef struct VGpuCmdDesc {
    const char *name;
    size_t size;              /* fixed part, header included */
    VGpuHandler handler;
} VGpuCmdDesc;

#define CMD(type, nm, sz, fn) \
    [VIRTIO_GPU_CMD_##type - VIRTIO_GPU_CMD_GET_DISPLAY_INFO] = \
        { .name = nm, .size = sz, .handler = fn }

/* 2D commands: 0x0100 ... */
static const VGpuCmdDesc vgpu_cmds_2d[] = {
    CMD(GET_DISPLAY_INFO, "GET_DISPLAY_INFO",
        sizeof(struct virtio_gpu_ctrl_hdr), vgpu_cmd_get_display_info),
    CMD(RESOURCE_CREATE_2D, "RESOURCE_CREATE_2D",
        sizeof(struct virtio_gpu_resource_create_2d),
        vgpu_cmd_resource_create_2d),
    CMD(RESOURCE_UNREF, "RESOURCE_UNREF",
        sizeof(struct virtio_gpu_resource_unref), vgpu_cmd_resource_unref),
    CMD(SET_SCANOUT, "SET_SCANOUT",
        sizeof(struct virtio_gpu_set_scanout), vgpu_cmd_set_scanout),
    CMD(RESOURCE_FLUSH, "RESOURCE_FLUSH",
        sizeof(struct virtio_gpu_resource_flush), vgpu_cmd_resource_flush),
    CMD(TRANSFER_TO_HOST_2D, "TRANSFER_TO_HOST_2D",
        sizeof(struct virtio_gpu_transfer_to_host_2d),
        vgpu_cmd_transfer_to_host_2d),
    CMD(RESOURCE_ATTACH_BACKING, "RESOURCE_ATTACH_BACKING",
        sizeof(struct virtio_gpu_resource_attach_backing),
        vgpu_cmd_attach_backing),
    CMD(RESOURCE_DETACH_BACKING, "RESOURCE_DETACH_BACKING",
        sizeof(struct virtio_gpu_resource_detach_backing),
        vgpu_cmd_detach_backing),
    CMD(GET_CAPSET_INFO, "GET_CAPSET_INFO",
        sizeof(struct virtio_gpu_get_capset_info), vgpu_cmd_get_capset_info),
    CMD(GET_CAPSET, "GET_CAPSET",
        sizeof(struct virtio_gpu_get_capset), vgpu_cmd_get_capset),
    CMD(GET_EDID, "GET_EDID",
        sizeof(struct virtio_gpu_cmd_get_edid), vgpu_cmd_get_edid),
    CMD(RESOURCE_ASSIGN_UUID, "RESOURCE_ASSIGN_UUID",
        sizeof(struct virtio_gpu_resource_assign_uuid),
        vgpu_cmd_resource_assign_uuid),
    CMD(RESOURCE_CREATE_BLOB, "RESOURCE_CREATE_BLOB",
        sizeof(struct virtio_gpu_resource_create_blob),
        vgpu_cmd_resource_create_blob),
    CMD(SET_SCANOUT_BLOB, "SET_SCANOUT_BLOB",
        sizeof(struct virtio_gpu_set_scanout_blob),
        vgpu_cmd_set_scanout_blob),
};

#undef CMD
#define CMD(type, nm, sz, fn) \
    [VIRTIO_GPU_CMD_##type - VIRTIO_GPU_CMD_CTX_CREATE] = \
        { .name = nm, .size = sz, .handler = fn }

/* 3D commands: 0x0200 ... */
static const VGpuCmdDesc vgpu_cmds_3d[] = {
    CMD(CTX_CREATE, "CTX_CREATE",
        sizeof(struct virtio_gpu_ctx_create), vgpu_cmd_ctx_create),
    CMD(CTX_DESTROY, "CTX_DESTROY",
        sizeof(struct virtio_gpu_ctx_destroy), vgpu_cmd_ctx_destroy),
    CMD(CTX_ATTACH_RESOURCE, "CTX_ATTACH_RESOURCE",
        sizeof(struct virtio_gpu_ctx_resource),
        vgpu_cmd_ctx_attach_resource),
    CMD(CTX_DETACH_RESOURCE, "CTX_DETACH_RESOURCE",
        sizeof(struct virtio_gpu_ctx_resource),
        vgpu_cmd_ctx_detach_resource),
    CMD(RESOURCE_CREATE_3D, "RESOURCE_CREATE_3D",
        sizeof(struct virtio_gpu_resource_create_3d),
        vgpu_cmd_resource_create_3d),
    CMD(TRANSFER_TO_HOST_3D, "TRANSFER_TO_HOST_3D",
        sizeof(struct virtio_gpu_transfer_host_3d),
        vgpu_cmd_transfer_to_host_3d),
    CMD(TRANSFER_FROM_HOST_3D, "TRANSFER_FROM_HOST_3D",
        sizeof(struct virtio_gpu_transfer_host_3d),
        vgpu_cmd_transfer_from_host_3d),
    CMD(SUBMIT_3D, "SUBMIT_3D",
        sizeof(struct virtio_gpu_cmd_submit), vgpu_cmd_submit_3d),
    CMD(RESOURCE_MAP_BLOB, "RESOURCE_MAP_BLOB",
        sizeof(struct virtio_gpu_resource_map_blob),
        vgpu_cmd_resource_map_blob),
    CMD(RESOURCE_UNMAP_BLOB, "RESOURCE_UNMAP_BLOB",
        sizeof(struct virtio_gpu_resource_unmap_blob),
        vgpu_cmd_resource_unmap_blob),
};

static const VGpuCmdDesc *vgpu_cmd_lookup(uint32_t type)
{
    const VGpuCmdDesc *d = NULL;

    if (type >= VIRTIO_GPU_CMD_GET_DISPLAY_INFO &&
        type - VIRTIO_GPU_CMD_GET_DISPLAY_INFO < ARRAY_SIZE(vgpu_cmds_2d)) {
        d = &vgpu_cmds_2d[type - VIRTIO_GPU_CMD_GET_DISPLAY_INFO];
    } else if (type >= VIRTIO_GPU_CMD_CTX_CREATE &&
               type - VIRTIO_GPU_CMD_CTX_CREATE < ARRAY_SIZE(vgpu_cmds_3d)) {
        d = &vgpu_cmds_3d[type - VIRTIO_GPU_CMD_CTX_CREATE];
    }
    return d && d->handler ? d : NULL;
}

VGpuResult vgpu_ok(void)
{
    return (VGpuResult) { .type = VIRTIO_GPU_RESP_OK_NODATA };
}

VGpuResult vgpu_err(uint32_t type)
{
    return (VGpuResult) { .type = type };
}

VGpuResult vgpu_reject(uint32_t type, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    qemu_log_mask(LOG_GUEST_ERROR, "virtio-gpu-gl: %s\n", msg);
    trace_vgpu_cmd_reject(msg);
    return vgpu_err(type);
}

/*
 * Every field of every command is a little-endian 32- or 64-bit value
 * after the header (debug_name is bytes), so the body converts as an
 * array of 32-bit words; the header has its own layout.
 */
static void vgpu_hdr_to_host(struct virtio_gpu_ctrl_hdr *h)
{
    h->type = le32_to_cpu(h->type);
    h->flags = le32_to_cpu(h->flags);
    h->fence_id = le64_to_cpu(h->fence_id);
    h->ctx_id = le32_to_cpu(h->ctx_id);
}

static void vgpu_body_to_host(VGpuCmd *cmd, size_t size)
{
    /* Each union member starts with the header; the body follows it. */
    uint32_t *w = (uint32_t *)((uint8_t *)&cmd->u + sizeof(cmd->hdr));
    size_t n = (size - sizeof(cmd->hdr)) / 4;
    size_t i;

    if (cmd->hdr.type == VIRTIO_GPU_CMD_CTX_CREATE) {
        n = 2;      /* nlen, context_init; the name stays bytes */
    }
    for (i = 0; i < n; i++) {
        w[i] = le32_to_cpu(w[i]);
    }
    /* The 64-bit fields were swapped as halves; rejoin them. */
    if (HOST_BIG_ENDIAN) {
        uint64_t *wide[2] = { NULL, NULL };

        switch (cmd->hdr.type) {
        case VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D:
            wide[0] = &cmd->u.to_host_2d.offset;
            break;
        case VIRTIO_GPU_CMD_TRANSFER_TO_HOST_3D:
        case VIRTIO_GPU_CMD_TRANSFER_FROM_HOST_3D:
            wide[0] = &cmd->u.xfer_3d.offset;
            break;
        case VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB:
            wide[0] = &cmd->u.create_blob.blob_id;
            wide[1] = &cmd->u.create_blob.size;
            break;
        case VIRTIO_GPU_CMD_RESOURCE_MAP_BLOB:
            wide[0] = &cmd->u.map_blob.offset;
            break;
        }
        for (i = 0; i < ARRAY_SIZE(wide) && wide[i]; i++) {
            *wide[i] = (*wide[i] >> 32) | (*wide[i] << 32);
        }
    }
    memcpy(&cmd->u, &cmd->hdr, sizeof(cmd->hdr));
}

static void vgpu_hdr_to_le(struct virtio_gpu_ctrl_hdr *h)
{
    h->type = cpu_to_le32(h->type);
    h->flags = cpu_to_le32(h->flags);
    h->fence_id = cpu_to_le64(h->fence_id);
    h->ctx_id = cpu_to_le32(h->ctx_id);
}

void vgpu_respond(VGpuDevice *g, VirtQueueElement *elem,
                  const struct virtio_gpu_ctrl_hdr *req, VGpuResult *res)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(g);
    struct virtio_gpu_ctrl_hdr hdr = {
        .type = res->type,
        .flags = req->flags & (VIRTIO_GPU_FLAG_FENCE |
                               VIRTIO_GPU_FLAG_INFO_RING_IDX),
        .fence_id = req->fence_id,
        .ctx_id = req->ctx_id,
        .ring_idx = req->ring_idx,
    };
    size_t len;

    trace_vgpu_resp(req->type, res->type, req->fence_id);
    vgpu_hdr_to_le(&hdr);
    len = iov_from_buf(elem->in_sg, elem->in_num, 0, &hdr, sizeof(hdr));
    if (res->data && len == sizeof(hdr)) {
        len += iov_from_buf(elem->in_sg, elem->in_num, sizeof(hdr),
                            res->data, res->data_len);
    }
    g_free(res->data);
    res->data = NULL;
    virtqueue_push(g->ctrl_vq, elem, len);
    virtio_notify(vdev, g->ctrl_vq);
    g_free(elem);
}

/* Copy and check one request; NULL descriptor on a reject. */
static const VGpuCmdDesc *vgpu_decode(VirtQueueElement *elem, VGpuCmd *cmd,
                                      VGpuResult *reject)
{
    size_t total = iov_size(elem->out_sg, elem->out_num);
    const VGpuCmdDesc *d;
    size_t got;

    memset(cmd, 0, sizeof(*cmd));
    got = iov_to_buf(elem->out_sg, elem->out_num, 0, &cmd->hdr,
                     sizeof(cmd->hdr));
    if (got < sizeof(cmd->hdr)) {
        *reject = vgpu_reject(VIRTIO_GPU_RESP_ERR_UNSPEC, "request of %zu "
                              "bytes is shorter than the header", total);
        return NULL;
    }
    vgpu_hdr_to_host(&cmd->hdr);
    d = vgpu_cmd_lookup(cmd->hdr.type);
    if (!d) {
        *reject = vgpu_reject(VIRTIO_GPU_RESP_ERR_UNSPEC, "unknown command "
                              "0x%x", cmd->hdr.type);
        return NULL;
    }
    if (total < d->size) {
        *reject = vgpu_reject(VIRTIO_GPU_RESP_ERR_UNSPEC, "%s: request of "
                              "%zu bytes, need %zu", d->name, total, d->size);
        return NULL;
    }
    iov_to_buf(elem->out_sg, elem->out_num, 0, &cmd->u, d->size);
    vgpu_body_to_host(cmd, d->size);
    cmd->payload_iov = elem->out_sg;
    cmd->payload_iov_cnt = elem->out_num;
    cmd->payload_offset = d->size;
    cmd->payload_len = total - d->size;
    return d;
}

/* A fence on a ring needs a CONTEXT_INIT context and a ring it has. */
static bool vgpu_wants_ring(VGpuDevice *g, const VGpuCmd *cmd,
                            VGpuResult *reject)
{
    const struct virtio_gpu_ctrl_hdr *h = &cmd->hdr;

    if (!(h->flags & VIRTIO_GPU_FLAG_FENCE) ||
        !(h->flags & VIRTIO_GPU_FLAG_INFO_RING_IDX)) {
        return false;
    }
    if (!vgpu_ring_ok(g, h->ctx_id, h->ring_idx)) {
        *reject = vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                              "fence on ring %u of context %u: no such ring "
                              "(rings 0-%d of CONTEXT_INIT contexts)",
                              h->ring_idx, h->ctx_id, VGPU_MAX_RINGS - 1);
        return false;
    }
    return true;
}

void vgpu_process_ctrl(VGpuDevice *g, VirtQueueElement *elem)
{
    uint32_t resets = g->reset_count;
    VGpuCmd cmd;
    VGpuResult res = vgpu_ok();
    const VGpuCmdDesc *d = vgpu_decode(elem, &cmd, &res);
    bool ring = d && vgpu_wants_ring(g, &cmd, &res);

    if (d && res.type == VIRTIO_GPU_RESP_OK_NODATA) {
        trace_vgpu_cmd(d->name, cmd.hdr.ctx_id, cmd.hdr.flags,
                       cmd.hdr.fence_id);
        res = d->handler(g, &cmd);
    }
    if (g->reset_count != resets) {
        /* A handler let go of the BQL and the guest reset the device. */
        g_free(res.data);
        virtqueue_detach_element(g->ctrl_vq, elem, 0);
        g_free(elem);
    } else if (ring) {
        vgpu_fence_park_ring(g, elem, &cmd.hdr, res);
    } else if (cmd.hdr.flags & VIRTIO_GPU_FLAG_FENCE) {
        /* Answer in fence order, errors included, or the guest waits. */
        vgpu_fence_park(g, elem, &cmd.hdr, res);
    } else {
        vgpu_respond(g, elem, &cmd.hdr, &res);
    }
}

void vgpu_process_cursor(VGpuDevice *g, VirtQueueElement *elem)
{
    struct virtio_gpu_update_cursor c;
    size_t got = iov_to_buf(elem->out_sg, elem->out_num, 0, &c, sizeof(c));
    uint32_t *w = (uint32_t *)&c.pos;
    size_t i;

    if (got != sizeof(c)) {
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-gpu-gl: cursor request of "
                      "%zu bytes, need %zu\n", got, sizeof(c));
        return;
    }
    vgpu_hdr_to_host(&c.hdr);
    for (i = 0; i < (sizeof(c) - sizeof(c.hdr)) / 4; i++) {
        w[i] = le32_to_cpu(w[i]);
    }
    vgpu_cursor_update(g, &c);
}
