/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-gpu-gl contexts: capsets, context lifetime, resource
 * attachment and command submission.
 */

#include "qemu/osdep.h"
#include "qemu/bitmap.h"
#include "qemu/iov.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "hw/display/vgpu.h"
#include "trace.h"

#include "qapi/error.h"

static bool vgpu_renderer_offers(uint32_t capset)
{
    uint32_t max_ver = 0, max_size = 0;

    vgpu_renderer_capset(capset, &max_ver, &max_size);
    return max_size > 0;
}

/*
 * On the render thread, once the renderer is up: the capsets this device
 * offers, in GET_CAPSET_INFO index order.  A capset the user asked for
 * and the renderer lacks is a start-up error, not a silent omission.
 */
bool vgpu_capsets_init(VGpuDevice *g, Error **errp)
{
    g->num_capsets = 0;
    g->capsets[g->num_capsets++] = VIRTIO_GPU_CAPSET_VIRGL;
    if (vgpu_renderer_offers(VIRTIO_GPU_CAPSET_VIRGL2)) {
        g->capsets[g->num_capsets++] = VIRTIO_GPU_CAPSET_VIRGL2;
    }
    if (g->conf.venus) {
        if (!vgpu_renderer_offers(VIRTIO_GPU_CAPSET_VENUS)) {
            error_setg(errp, "virtio-gpu-gl: venus=on, but virglrenderer "
                       "offers no Venus capset: install its render server "
                       "(Debian: virgl-server) and Vulkan drivers "
                       "(mesa-vulkan-drivers), or drop venus=on");
            return false;
        }
        g->capsets[g->num_capsets++] = VIRTIO_GPU_CAPSET_VENUS;
    }
    if (g->conf.drm_native_context) {
        if (!vgpu_renderer_offers(VIRTIO_GPU_CAPSET_DRM)) {
            error_setg(errp, "virtio-gpu-gl: drm_native_context=on, but "
                       "this virglrenderer offers no DRM native context "
                       "for this host's GPU (it needs virglrenderer built "
                       "with DRM renderers, 1.2 or newer, and a supported "
                       "render node); drop drm_native_context=on");
            return false;
        }
        g->capsets[g->num_capsets++] = VIRTIO_GPU_CAPSET_DRM;
    }
    return true;
}

bool vgpu_context_exists(VGpuDevice *g, uint32_t ctx_id)
{
    return ctx_id && ctx_id < VGPU_MAX_CONTEXTS &&
           test_bit(ctx_id, g->contexts);
}

VGpuResult vgpu_cmd_get_capset_info(VGpuDevice *g, const VGpuCmd *cmd)
{
    uint32_t index = cmd->u.capset_info.capset_index;
    /* The body of virtio_gpu_resp_capset_info, after its header. */
    struct {
        uint32_t capset_id, max_version, max_size, padding;
    } *info;
    uint32_t max_ver = 0, max_size = 0;

    if (index >= g->num_capsets) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "GET_CAPSET_INFO: index %u, the device has %u "
                           "capsets", index, g->num_capsets);
    }
    vgpu_renderer_capset(g->capsets[index], &max_ver, &max_size);
    info = g_malloc0(sizeof(*info));
    info->capset_id = cpu_to_le32(g->capsets[index]);
    info->max_version = cpu_to_le32(max_ver);
    info->max_size = cpu_to_le32(max_size);
    return (VGpuResult) {
        .type = VIRTIO_GPU_RESP_OK_CAPSET_INFO,
        .data = info,
        .data_len = sizeof(*info),
    };
}

static bool vgpu_capset_known(VGpuDevice *g, uint32_t id)
{
    uint32_t i;

    for (i = 0; i < g->num_capsets; i++) {
        if (g->capsets[i] == id) {
            return true;
        }
    }
    return false;
}

VGpuResult vgpu_cmd_get_capset(VGpuDevice *g, const VGpuCmd *cmd)
{
    const struct virtio_gpu_get_capset *c = &cmd->u.capset;
    uint32_t max_ver = 0, max_size = 0;
    uint8_t *buf;

    if (!vgpu_capset_known(g, c->capset_id)) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "GET_CAPSET: unknown capset %u", c->capset_id);
    }
    vgpu_renderer_capset(c->capset_id, &max_ver, &max_size);
    if (c->capset_version > max_ver || !max_size) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "GET_CAPSET: capset %u has no version %u",
                           c->capset_id, c->capset_version);
    }
    buf = g_malloc0(max_size);
    vgpu_renderer_fill_capset(c->capset_id, c->capset_version, buf);
    return (VGpuResult) {
        .type = VIRTIO_GPU_RESP_OK_CAPSET,
        .data = buf,
        .data_len = max_size,
    };
}

static bool vgpu_context_init_ok(VGpuDevice *g, uint32_t context_init)
{
    uint32_t capset = context_init & VIRTIO_GPU_CONTEXT_INIT_CAPSET_ID_MASK;

    return g->conf.context_init &&
           !(context_init & ~VIRTIO_GPU_CONTEXT_INIT_CAPSET_ID_MASK) &&
           (!capset || vgpu_capset_known(g, capset));
}

/*
 * Venus and DRM contexts live in virglrenderer's render server, a
 * process of its own: when it refuses one, the host is at fault (the
 * server died or cannot start), and the user must hear of it.
 */
static void vgpu_warn_context_refused(uint32_t context_init)
{
    uint32_t capset = context_init & VIRTIO_GPU_CONTEXT_INIT_CAPSET_ID_MASK;

    if (capset == VIRTIO_GPU_CAPSET_VENUS || capset == VIRTIO_GPU_CAPSET_DRM) {
        warn_report_once("virtio-gpu-gl: virglrenderer refused a %s context;"
                         " its render server (virgl_render_server) may have "
                         "died or failed to start",
                         capset == VIRTIO_GPU_CAPSET_VENUS ? "Venus" : "DRM");
    }
}

VGpuResult vgpu_cmd_ctx_create(VGpuDevice *g, const VGpuCmd *cmd)
{
    const struct virtio_gpu_ctx_create *c = &cmd->u.ctx_create;
    uint32_t id = cmd->hdr.ctx_id;
    VGpuResult res;

    if (!id || id >= VGPU_MAX_CONTEXTS || test_bit(id, g->contexts)) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_CONTEXT_ID,
                           "CTX_CREATE: context id %u is %s", id,
                           id && id < VGPU_MAX_CONTEXTS ? "in use" :
                           "out of range");
    }
    if (c->nlen > sizeof(c->debug_name)) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "CTX_CREATE: name length %u", c->nlen);
    }
    if (c->context_init && !vgpu_context_init_ok(g, c->context_init)) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "CTX_CREATE: context_init 0x%x (%s)",
                           c->context_init, g->conf.context_init ?
                           "unknown capset or reserved bits" :
                           "the device offers no CONTEXT_INIT");
    }
    res = vgpu_budget_check_context(g, "CTX_CREATE");
    if (res.type != VIRTIO_GPU_RESP_OK_NODATA) {
        return res;
    }
    if (vgpu_renderer_context_create(id, c->context_init, c->debug_name,
                                     c->nlen)) {
        vgpu_warn_context_refused(c->context_init);
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_UNSPEC,
                           "CTX_CREATE: renderer refused context %u", id);
    }
    set_bit(id, g->contexts);
    if (c->context_init) {
        set_bit(id, g->ring_contexts);
    }
    if ((c->context_init & VIRTIO_GPU_CONTEXT_INIT_CAPSET_ID_MASK) ==
        VIRTIO_GPU_CAPSET_VENUS) {
        vgpu_venus_context_created(g, id);
    }
    trace_vgpu_ctx_create(id, c->context_init);
    return vgpu_ok();
}

VGpuResult vgpu_cmd_ctx_destroy(VGpuDevice *g, const VGpuCmd *cmd)
{
    uint32_t id = cmd->hdr.ctx_id;

    if (!vgpu_context_exists(g, id)) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_CONTEXT_ID,
                           "CTX_DESTROY: no context %u", id);
    }
    vgpu_renderer_context_destroy(id);
    clear_bit(id, g->contexts);
    clear_bit(id, g->ring_contexts);
    vgpu_venus_context_gone(g, id);
    vgpu_fence_context_gone(g, id);
    trace_vgpu_ctx_destroy(id);
    return vgpu_ok();
}

static VGpuResult vgpu_ctx_resource(VGpuDevice *g, const VGpuCmd *cmd,
                                    bool attach)
{
    const char *name = attach ? "CTX_ATTACH_RESOURCE" :
                                "CTX_DETACH_RESOURCE";
    uint32_t res_id = cmd->u.ctx_res.resource_id;
    VGpuResult res;

    if (!vgpu_context_exists(g, cmd->hdr.ctx_id)) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_CONTEXT_ID,
                           "%s: no context %u", name, cmd->hdr.ctx_id);
    }
    if (!vgpu_resource_lookup(g, res_id, name, &res)) {
        return res;
    }
    if (attach) {
        vgpu_renderer_ctx_attach(cmd->hdr.ctx_id, res_id);
    } else {
        vgpu_renderer_ctx_detach(cmd->hdr.ctx_id, res_id);
    }
    return vgpu_ok();
}

VGpuResult vgpu_cmd_ctx_attach_resource(VGpuDevice *g, const VGpuCmd *cmd)
{
    return vgpu_ctx_resource(g, cmd, true);
}

VGpuResult vgpu_cmd_ctx_detach_resource(VGpuDevice *g, const VGpuCmd *cmd)
{
    return vgpu_ctx_resource(g, cmd, false);
}

VGpuResult vgpu_cmd_submit_3d(VGpuDevice *g, const VGpuCmd *cmd)
{
    uint32_t size = cmd->u.submit.size;
    g_autofree void *buf = NULL;

    if (!vgpu_context_exists(g, cmd->hdr.ctx_id)) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_CONTEXT_ID,
                           "SUBMIT_3D: no context %u", cmd->hdr.ctx_id);
    }
    if (size % 4 || size > cmd->payload_len || size > VGPU_MAX_SUBMIT) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "SUBMIT_3D: size %u (sent %zu, limit %u, must be "
                           "a multiple of 4)", size, cmd->payload_len,
                           (unsigned)VGPU_MAX_SUBMIT);
    }
    if (!size) {
        return vgpu_ok();
    }
    trace_vgpu_submit(cmd->hdr.ctx_id, size);
    buf = g_malloc(size);
    iov_to_buf(cmd->payload_iov, cmd->payload_iov_cnt, cmd->payload_offset,
               buf, size);
    if (vgpu_renderer_submit(cmd->hdr.ctx_id, buf, size / 4)) {
        return vgpu_reject(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
                           "SUBMIT_3D: context %u rejected the command "
                           "stream", cmd->hdr.ctx_id);
    }
    vgpu_venus_note_submit(g, cmd->hdr.ctx_id, buf, size);
    return vgpu_ok();
}

void vgpu_contexts_reset(VGpuDevice *g)
{
    unsigned long id;

    for (id = find_first_bit(g->contexts, VGPU_MAX_CONTEXTS);
         id < VGPU_MAX_CONTEXTS;
         id = find_next_bit(g->contexts, VGPU_MAX_CONTEXTS, id + 1)) {
        vgpu_renderer_context_destroy(id);
    }
    bitmap_zero(g->contexts, VGPU_MAX_CONTEXTS);
    bitmap_zero(g->ring_contexts, VGPU_MAX_CONTEXTS);
    vgpu_venus_rings_reset(g);
}

/* Fence rings belong to contexts made with CONTEXT_INIT. */
bool vgpu_ring_ok(VGpuDevice *g, uint32_t ctx_id, uint32_t ring_idx)
{
    return vgpu_context_exists(g, ctx_id) && test_bit(ctx_id, g->ring_contexts)
           && ring_idx < VGPU_MAX_RINGS;
}
