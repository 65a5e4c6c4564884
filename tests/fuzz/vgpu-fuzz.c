/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A coverage-guided fuzzer (libFuzzer) over the device's command decoder
 * and every handler, with the recording stand-in renderer and a stand-in
 * QEMU host (qemu-stand-in.c), built with AddressSanitizer and
 * UndefinedBehaviorSanitizer.
 *
 * An input is a device configuration byte and a list of operations: a
 * command built field by field, a raw request, a cursor update, a guest
 * reset, a region some other device holds or lets go of, a write to
 * guest RAM, or a display refresh.  Fields are picked from values near
 * the bounds the device checks (ids, sizes, offsets, addresses of RAM,
 * ROM and the host-visible region) or taken raw, so that mutations stay
 * commands the decoder accepts often enough to reach the handlers.
 * tests/fuzz/make-seeds.py writes the seed corpus from the qtest cases.
 *
 * After each input, everything the guest made must be gone again:
 * resources, contexts, budgets, DMA mappings and regions.
 */

#include "qemu/osdep.h"
#include "qemu/iov.h"
#include "vgpu-fuzz.h"

#define MAX_OPS             64
#define MAX_CMD_BYTES       (4 * KiB)
#define MAX_OUT_IOVS        3
#define RESP_BYTES          (VGPU_CURSOR_SIZE * VGPU_CURSOR_SIZE * 4)

typedef struct Input {
    const uint8_t *p;
    size_t left;
} Input;

static uint8_t take8(Input *in)
{
    uint8_t v = 0;

    if (in->left) {
        v = *in->p++;
        in->left--;
    }
    return v;
}

static uint32_t take32(Input *in)
{
    uint32_t v = take8(in);

    v |= (uint32_t)take8(in) << 8;
    v |= (uint32_t)take8(in) << 16;
    return v | (uint32_t)take8(in) << 24;
}

static uint64_t take64(Input *in)
{
    uint64_t lo = take32(in);

    return lo | (uint64_t)take32(in) << 32;
}

/* Values around the bounds the device checks. */
static const uint32_t interesting32[] = {
    0, 1, 2, 3, 4, 5, 7, 8, 16, 31, 63, 64, 65, 67, 121, 134, 255, 256,
    1023, 1024, 1025, 4095, 4096, 4097, 16383, 16384, 16385, 65535, 65536,
    1 << 20, (1 << 20) + 1, 1 << 30, (1 << 30) + 1, 0x7fffffff, 0x80000000,
    0xfffffff0, 0xfffffffe, 0xffffffff,
};

static uint32_t pick32(Input *in)
{
    uint8_t sel = take8(in);

    if (sel < 0xc0) {
        return interesting32[sel % ARRAY_SIZE(interesting32)];
    }
    return take32(in);
}

static uint64_t pick64(Input *in)
{
    static const uint64_t interesting64[] = {
        0, 1, 4096, 8192, 65536, FUZZ_HOSTMEM_SIZE - 4096,
        FUZZ_HOSTMEM_SIZE, FUZZ_HOSTMEM_SIZE + 4096, 4 * GiB,
        4 * GiB + 1, UINT64_MAX - 4095, UINT64_MAX,
    };
    uint8_t sel = take8(in);

    if (sel < 0x80) {
        return pick32(in);
    }
    if (sel < 0xe0) {
        return interesting64[sel % ARRAY_SIZE(interesting64)];
    }
    return take64(in);
}

/* A guest address: RAM mostly, its edges, ROM, the BAR, or anywhere. */
static uint64_t pick_addr(Input *in)
{
    uint32_t off = take8(in) * 4096 % FUZZ_RAM_SIZE;

    switch (take8(in) % 8) {
    case 0:
        return FUZZ_RAM_BASE + FUZZ_RAM_SIZE - 4096;
    case 1:
        return FUZZ_RAM_BASE + FUZZ_RAM_SIZE - (take8(in) + 1);
    case 2:
        return FUZZ_ROM_BASE + off % FUZZ_ROM_SIZE;
    case 3:
        return FUZZ_HOSTMEM_BASE + off % FUZZ_HOSTMEM_SIZE;
    case 4:
        return take64(in);
    default:            /* ADDR_IN_RAM among them */
        return FUZZ_RAM_BASE + off;
    }
}

typedef struct CmdShape {
    uint32_t type;
    uint32_t size;
} CmdShape;

#define SHAPE(t, s) { VIRTIO_GPU_CMD_##t, sizeof(struct s) }

static const CmdShape shapes[] = {
    SHAPE(GET_DISPLAY_INFO, virtio_gpu_ctrl_hdr),
    SHAPE(RESOURCE_CREATE_2D, virtio_gpu_resource_create_2d),
    SHAPE(RESOURCE_UNREF, virtio_gpu_resource_unref),
    SHAPE(SET_SCANOUT, virtio_gpu_set_scanout),
    SHAPE(RESOURCE_FLUSH, virtio_gpu_resource_flush),
    SHAPE(TRANSFER_TO_HOST_2D, virtio_gpu_transfer_to_host_2d),
    SHAPE(RESOURCE_ATTACH_BACKING, virtio_gpu_resource_attach_backing),
    SHAPE(RESOURCE_DETACH_BACKING, virtio_gpu_resource_detach_backing),
    SHAPE(GET_CAPSET_INFO, virtio_gpu_get_capset_info),
    SHAPE(GET_CAPSET, virtio_gpu_get_capset),
    SHAPE(GET_EDID, virtio_gpu_cmd_get_edid),
    SHAPE(RESOURCE_ASSIGN_UUID, virtio_gpu_resource_assign_uuid),
    SHAPE(RESOURCE_CREATE_BLOB, virtio_gpu_resource_create_blob),
    SHAPE(SET_SCANOUT_BLOB, virtio_gpu_set_scanout_blob),
    SHAPE(CTX_CREATE, virtio_gpu_ctx_create),
    SHAPE(CTX_DESTROY, virtio_gpu_ctx_destroy),
    SHAPE(CTX_ATTACH_RESOURCE, virtio_gpu_ctx_resource),
    SHAPE(CTX_DETACH_RESOURCE, virtio_gpu_ctx_resource),
    SHAPE(RESOURCE_CREATE_3D, virtio_gpu_resource_create_3d),
    SHAPE(TRANSFER_TO_HOST_3D, virtio_gpu_transfer_host_3d),
    SHAPE(TRANSFER_FROM_HOST_3D, virtio_gpu_transfer_host_3d),
    SHAPE(SUBMIT_3D, virtio_gpu_cmd_submit),
    SHAPE(RESOURCE_MAP_BLOB, virtio_gpu_resource_map_blob),
    SHAPE(RESOURCE_UNMAP_BLOB, virtio_gpu_resource_unmap_blob),
};

/* For the seed writer: which shape, and how many body words it has */
int fuzz_shape_index(uint32_t type, uint32_t *words)
{
    int i;

    for (i = 0; i < ARRAY_SIZE(shapes); i++) {
        if (shapes[i].type == type) {
            *words = (shapes[i].size - sizeof(struct virtio_gpu_ctrl_hdr)) / 4;
            return i;
        }
    }
    g_assert_not_reached();
}

static void put32(uint8_t *buf, size_t off, uint32_t v)
{
    stl_le_p(buf + off, v);
}

/* Memory entries after the fixed part; the count field says how many. */
static size_t add_entries(Input *in, uint8_t *buf, size_t len,
                          size_t count_off)
{
    uint32_t n = take8(in) % 9, i;

    if (take8(in) % 4) {
        put32(buf, count_off, n);
    }
    for (i = 0; i < n && len + 16 <= MAX_CMD_BYTES; i++) {
        stq_le_p(buf + len, pick_addr(in));
        put32(buf, len + 8, pick32(in));
        put32(buf, len + 12, 0);
        len += 16;
    }
    return len;
}

/* A command stream after SUBMIT_3D; its size field agrees mostly. */
static size_t add_stream(Input *in, uint8_t *buf, size_t len)
{
    uint32_t words = take8(in) % 32, i;

    if (take8(in) % 4) {
        put32(buf, offsetof(struct virtio_gpu_cmd_submit, size), words * 4);
    }
    for (i = 0; i < words; i++) {
        put32(buf, len, take8(in) % 2 ? pick32(in) : take32(in));
        len += 4;
    }
    return len;
}

static size_t build_command(Input *in, uint8_t *buf)
{
    const CmdShape *s = &shapes[take8(in) % ARRAY_SIZE(shapes)];
    struct virtio_gpu_ctrl_hdr *h = (struct virtio_gpu_ctrl_hdr *)buf;
    uint8_t flags = take8(in);
    size_t off;

    memset(buf, 0, s->size);
    h->type = cpu_to_le32(s->type);
    h->flags = cpu_to_le32(flags & 3);
    h->fence_id = cpu_to_le64(flags & 4 ? pick64(in) : take8(in));
    h->ctx_id = cpu_to_le32(flags & 8 ? pick32(in) : take8(in) % 4);
    h->ring_idx = flags & 16 ? take8(in) : take8(in) % 2;
    for (off = sizeof(*h); off + 4 <= s->size; off += 4) {
        put32(buf, off, pick32(in));
    }
    switch (s->type) {
    case VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING:
        return add_entries(in, buf, s->size,
            offsetof(struct virtio_gpu_resource_attach_backing, nr_entries));
    case VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB:
        stq_le_p(buf + offsetof(struct virtio_gpu_resource_create_blob,
                                size), pick64(in));
        return add_entries(in, buf, s->size,
            offsetof(struct virtio_gpu_resource_create_blob, nr_entries));
    case VIRTIO_GPU_CMD_RESOURCE_MAP_BLOB:
        stq_le_p(buf + offsetof(struct virtio_gpu_resource_map_blob, offset),
                 pick64(in));
        return s->size;
    case VIRTIO_GPU_CMD_SUBMIT_3D:
        return add_stream(in, buf, s->size);
    default:
        return s->size;
    }
}

static size_t build_raw(Input *in, uint8_t *buf)
{
    size_t len = MIN(take8(in) * 4, in->left);

    memcpy(buf, in->p, len);
    in->p += len;
    in->left -= len;
    return len;
}

/*
 * One request as virtqueue_pop() hands it over: the request split over
 * up to three descriptors, and a response buffer of the guest's size.
 */
static VirtQueueElement *make_elem(Input *in, const uint8_t *req, size_t len)
{
    struct {
        VirtQueueElement elem;
        struct iovec out[MAX_OUT_IOVS], in[1];
        uint8_t req[MAX_CMD_BYTES], resp[RESP_BYTES];
    } *e = g_malloc0(sizeof(*e));
    size_t at = 0, cut;
    unsigned int n;

    memcpy(e->req, req, len);
    for (n = 0; n < MAX_OUT_IOVS - 1 && take8(in) % 4 == 0; n++) {
        cut = len - at ? take8(in) % (len - at + 1) : 0;
        e->out[n] = (struct iovec) { e->req + at, cut };
        at += cut;
    }
    e->out[n++] = (struct iovec) { e->req + at, len - at };
    e->in[0] = (struct iovec) {
        e->resp, take8(in) % 8 ? RESP_BYTES : take8(in) % 64
    };
    e->elem.out_sg = e->out;
    e->elem.out_num = n;
    e->elem.in_sg = e->in;
    e->elem.in_num = 1;
    return &e->elem;
}

static void write_ram(Input *in)
{
    uint32_t off = take32(in) % FUZZ_RAM_SIZE;
    size_t len = MIN(MIN(take8(in), in->left), FUZZ_RAM_SIZE - off);

    memcpy(fuzz_ram + off, in->p, len);
    in->p += len;
    in->left -= len;
}

static void run_op(VGpuDevice *g, Input *in, uint8_t *buf)
{
    size_t len;

    switch (take8(in) % OP_COUNT) {
    case OP_COMMAND:
        len = build_command(in, buf);
        fuzz_queue_add(g->ctrl_vq, make_elem(in, buf, len));
        break;
    case OP_RAW:
        len = build_raw(in, buf);
        fuzz_queue_add(take8(in) % 4 ? g->ctrl_vq : g->cursor_vq,
                       make_elem(in, buf, len));
        break;
    case OP_CURSOR: {
        struct virtio_gpu_update_cursor c = {
            .hdr.type = cpu_to_le32(take8(in) % 2 ?
                                    VIRTIO_GPU_CMD_UPDATE_CURSOR :
                                    VIRTIO_GPU_CMD_MOVE_CURSOR),
            .pos.scanout_id = cpu_to_le32(pick32(in)),
            .pos.x = cpu_to_le32(pick32(in)),
            .pos.y = cpu_to_le32(pick32(in)),
            .resource_id = cpu_to_le32(pick32(in)),
        };

        fuzz_queue_add(g->cursor_vq, make_elem(in, (uint8_t *)&c,
                                               sizeof(c)));
        break;
    }
    case OP_RESET:
        /* What vgpu_reset() leaves for the render thread */
        fuzz_queues_drop(g);
        vgpu_fence_reset(g);
        g->reset_pending = true;
        g->reset_count++;
        break;
    case OP_HOLD_REGION:
        fuzz_hold_region(g, take8(in) % 4);
        break;
    case OP_RELEASE_REGION:
        fuzz_release_region(take8(in));
        break;
    case OP_WRITE_RAM:
        write_ram(in);
        break;
    case OP_REFRESH:
        fuzz_console_has_gl = take8(in) % 2;
        fuzz_run_bottom_halves();
        break;
    }
    /* The render thread serves the queues after each kick. */
    vgpu_serve_queues(g);
}

/* VGPU_FUZZ_SEEDS=DIR: write the seed corpus there, check it, and stop */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = getenv("VGPU_FUZZ_SEEDS");

    if (dir) {
        exit(fuzz_check_seeds(dir) ? 1 : 0);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[MAX_CMD_BYTES];
    Input in = { data, size };
    uint8_t conf = take8(&in);
    VGpuDevice *g = fuzz_device_new(conf & CONF_BLOB,
                                    conf & CONF_CONTEXT_INIT);
    int ops;

    fuzz_console_has_gl = conf & CONF_GL_DISPLAY;
    fuzz_num_answers = 0;
    memset(fuzz_ram, 0, FUZZ_RAM_SIZE);
    for (ops = 0; in.left && ops < MAX_OPS; ops++) {
        run_op(g, &in, buf);
    }
    fuzz_device_free(g);
    return 0;
}
