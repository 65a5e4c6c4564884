/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command fuzzer's seed corpus, written from the qtest cases: each
 * seed is a scenario of tests/qtest/virtio-gpu-gl-test.c in the fuzzer's
 * input encoding, with the responses the qtest case expects.  Writing
 * them also runs them, so a seed that no longer does what its case does
 * (the encoding or a handler changed) fails here instead of silently
 * seeding nothing useful.
 */

#include "qemu/osdep.h"
#include "vgpu-fuzz.h"

#define SEED_MAX            4096
#define RES_A               1
#define RES_B               2
#define CTX_A               1
#define SCANOUT_BYTES       (64 * 64 * 4)
#define FORMAT_BGRA         VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM
#define TARGET_2D           2
#define BIND_TEXTURE        ((1 << 1) | (1 << 3))
#define OK                  VIRTIO_GPU_RESP_OK_NODATA

typedef struct Seed {
    uint8_t bytes[SEED_MAX];
    size_t len;
    uint32_t want[FUZZ_MAX_ANSWERS];
    unsigned int num_want;
} Seed;

static void put8(Seed *s, uint8_t v)
{
    g_assert(s->len < SEED_MAX);
    s->bytes[s->len++] = v;
}

static void put32_raw(Seed *s, uint32_t v)
{
    int i;

    for (i = 0; i < 4; i++) {
        put8(s, v >> (8 * i));
    }
}

static void pick32(Seed *s, uint32_t v)
{
    put8(s, PICK_RAW);
    put32_raw(s, v);
}

static void pick64(Seed *s, uint64_t v)
{
    put8(s, PICK_RAW);
    put32_raw(s, v);
    put32_raw(s, v >> 32);
}

static void expect(Seed *s, uint32_t resp)
{
    g_assert(s->num_want < FUZZ_MAX_ANSWERS);
    s->want[s->num_want++] = resp;
}

/* A request in one descriptor, with room for any response */
static void whole_request(Seed *s)
{
    put8(s, 1);
    put8(s, 1);
}

/*
 * One command: header, body words (the rest zero), then what follows
 * the fixed part.  @entries pages of RAM, from page @page, for backing.
 */
static void command(Seed *s, uint32_t type, uint32_t ctx, uint32_t flags,
                    const uint32_t *body, unsigned int n, uint32_t resp)
{
    uint32_t words, i;

    put8(s, OP_COMMAND);
    put8(s, fuzz_shape_index(type, &words));
    put8(s, flags | 4 | 8 | 16);    /* fence, context and ring taken raw */
    pick64(s, flags ? 0x100 + s->num_want : 0);
    pick32(s, ctx);
    put8(s, 0);
    g_assert(n <= words);
    for (i = 0; i < words; i++) {
        pick32(s, i < n ? body[i] : 0);
    }
    if (resp) {
        expect(s, resp);
    }
}

static void entries(Seed *s, uint8_t page, uint32_t len)
{
    put8(s, 1);             /* one entry */
    put8(s, 1);             /* and the count field says so */
    put8(s, page);
    put8(s, ADDR_IN_RAM);
    pick32(s, len);
}

#define CMD(s, type, ctx, resp, ...) do { \
        const uint32_t body_[] = { __VA_ARGS__ }; \
        command(s, VIRTIO_GPU_CMD_##type, ctx, 0, body_, \
                ARRAY_SIZE(body_), resp); \
        whole_request(s); \
    } while (0)

static void create_2d(Seed *s, uint32_t id)
{
    CMD(s, RESOURCE_CREATE_2D, 0, OK, id, FORMAT_BGRA, 64, 64);
}

static void attach_ram(Seed *s, uint32_t id, uint8_t page, uint32_t len)
{
    const uint32_t body[] = { id, 1 };

    command(s, VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, 0, 0, body, 2, OK);
    entries(s, page, len);
    whole_request(s);
}

/* display-info, capsets, EDID */
static void seed_queries(Seed *s)
{
    put8(s, 0);
    CMD(s, GET_DISPLAY_INFO, 0, VIRTIO_GPU_RESP_OK_DISPLAY_INFO);
    CMD(s, GET_CAPSET_INFO, 0, VIRTIO_GPU_RESP_OK_CAPSET_INFO, 0);
    CMD(s, GET_CAPSET, 0, VIRTIO_GPU_RESP_OK_CAPSET,
        VIRTIO_GPU_CAPSET_VIRGL, 1);
    CMD(s, GET_EDID, 0, VIRTIO_GPU_RESP_OK_EDID, 0);
    CMD(s, GET_CAPSET_INFO, 0, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER, 9);
}

/* transfer-to-host-2d/ok, set-scanout/ok, resource-flush/ok */
static void seed_2d_scanout(Seed *s)
{
    put8(s, CONF_GL_DISPLAY);
    create_2d(s, RES_A);
    attach_ram(s, RES_A, 0, SCANOUT_BYTES);
    CMD(s, TRANSFER_TO_HOST_2D, 0, OK, 0, 0, 64, 64, 0, 0, RES_A);
    CMD(s, SET_SCANOUT, 0, OK, 0, 0, 64, 64, 0, RES_A);
    CMD(s, RESOURCE_FLUSH, 0, OK, 0, 0, 64, 64, RES_A);
    put8(s, OP_REFRESH);
    put8(s, 0);
    CMD(s, RESOURCE_DETACH_BACKING, 0, OK, RES_A);
    CMD(s, RESOURCE_UNREF, 0, OK, RES_A);
    CMD(s, SET_SCANOUT, 0, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID,
        0, 0, 64, 64, 0, RES_A);
}

/* cursor/update: a 64x64 cursor image */
static void seed_cursor(Seed *s)
{
    put8(s, 0);
    create_2d(s, RES_A);
    attach_ram(s, RES_A, 0, SCANOUT_BYTES);
    CMD(s, TRANSFER_TO_HOST_2D, 0, OK, 0, 0, 64, 64, 0, 0, RES_A);
    put8(s, OP_CURSOR);
    put8(s, 1);             /* UPDATE_CURSOR */
    pick32(s, 0);
    pick32(s, 10);
    pick32(s, 20);
    pick32(s, RES_A);
    whole_request(s);
    put8(s, OP_REFRESH);
    put8(s, 0);
}

/* transfer-3d/roundtrip-texture, fence/submit-3d */
static void seed_3d(Seed *s)
{
    static const uint32_t stream[] = { 0, 0 };

    put8(s, 0);
    CMD(s, CTX_CREATE, CTX_A, OK, 0, 0);
    CMD(s, RESOURCE_CREATE_3D, 0, OK, RES_B, TARGET_2D, FORMAT_BGRA,
        BIND_TEXTURE, 16, 16, 1, 1, 0, 0, 0);
    CMD(s, CTX_ATTACH_RESOURCE, CTX_A, OK, RES_B);
    attach_ram(s, RES_B, 1, 16 * 16 * 4);
    command(s, VIRTIO_GPU_CMD_TRANSFER_TO_HOST_3D, CTX_A,
            VIRTIO_GPU_FLAG_FENCE, (const uint32_t[]) {
                0, 0, 0, 16, 16, 1, 0, 0, RES_B, 0, 64, 0 }, 12, OK);
    whole_request(s);
    command(s, VIRTIO_GPU_CMD_TRANSFER_FROM_HOST_3D, CTX_A,
            VIRTIO_GPU_FLAG_FENCE, (const uint32_t[]) {
                0, 0, 0, 16, 16, 1, 0, 0, RES_B, 0, 64, 0 }, 12, OK);
    whole_request(s);
    command(s, VIRTIO_GPU_CMD_SUBMIT_3D, CTX_A, VIRTIO_GPU_FLAG_FENCE,
            (const uint32_t[]) { sizeof(stream) }, 1, OK);
    put8(s, ARRAY_SIZE(stream));
    put8(s, 1);
    put8(s, 1);
    pick32(s, stream[0]);
    put8(s, 1);
    pick32(s, stream[1]);
    whole_request(s);
    CMD(s, CTX_DETACH_RESOURCE, CTX_A, OK, RES_B);
    CMD(s, CTX_DESTROY, CTX_A, OK);
}

/* A host3d blob RES_A of @size with @flags, mapped at @offset */
static void mapped_blob(Seed *s, uint32_t flags, uint64_t size,
                        uint64_t offset)
{
    const uint32_t blob[] = {
        RES_A, VIRTIO_GPU_BLOB_MEM_HOST3D, flags, 0, 1, 0,
    };
    const uint32_t map[] = { RES_A };

    put8(s, CONF_BLOB | CONF_CONTEXT_INIT);
    CMD(s, CTX_CREATE, CTX_A, OK, 0, 0);
    command(s, VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB, CTX_A, 0, blob,
            ARRAY_SIZE(blob), OK);
    pick64(s, size);
    put8(s, 0);             /* no entries */
    put8(s, 1);
    whole_request(s);
    command(s, VIRTIO_GPU_CMD_RESOURCE_MAP_BLOB, 0, 0, map, 1,
            VIRTIO_GPU_RESP_OK_MAP_INFO);
    pick64(s, offset);
    whole_request(s);
}

/* RES_B, its backing refused at page @page of the host-visible region */
static void backing_in_hostmem(Seed *s, uint8_t page)
{
    create_2d(s, RES_B);
    command(s, VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, 0, 0,
            (const uint32_t[]) { RES_B, 1 }, 2,
            VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
    put8(s, 1);
    put8(s, 1);
    put8(s, page);
    put8(s, 3);             /* pick_addr: the host-visible region */
    pick32(s, 4096);
    whole_request(s);
}

/*
 * map-blob/ok, then finding 1 of issue 11: a region someone still holds
 * keeps its resource alive, and the region cannot become backing.
 */
static void seed_blob_map(Seed *s)
{
    mapped_blob(s, VIRTIO_GPU_BLOB_FLAG_USE_MAPPABLE, 4096, 0);
    put8(s, OP_HOLD_REGION);
    put8(s, 0);
    backing_in_hostmem(s, 0);
    CMD(s, RESOURCE_UNMAP_BLOB, 0, OK, RES_A);
    /* Waits for the region; answered once it is let go */
    CMD(s, RESOURCE_UNREF, 0, OK, RES_A);
    put8(s, OP_RELEASE_REGION);
    put8(s, 0);
    CMD(s, RESOURCE_UNREF, 0, OK, RES_B);
}

/*
 * drm-contract/blob: a shareable blob, which the stand-in renderer gives
 * as a file, placed in the window; the window as backing is refused
 * there too, and UNMAP_BLOB and UNREF wait for nothing.
 */
static void seed_blob_placed(Seed *s)
{
    mapped_blob(s, VIRTIO_GPU_BLOB_FLAG_USE_MAPPABLE |
                VIRTIO_GPU_BLOB_FLAG_USE_SHAREABLE, 8192, 4096);
    backing_in_hostmem(s, 1);
    CMD(s, RESOURCE_UNMAP_BLOB, 0, OK, RES_A);
    CMD(s, RESOURCE_UNREF, 0, OK, RES_A);
    CMD(s, RESOURCE_UNREF, 0, OK, RES_B);
}

/* resource-create-blob/guest, set-scanout-blob/ok, assign-uuid/ok */
static void seed_blob_guest(Seed *s)
{
    const uint32_t blob[] = {
        RES_A, VIRTIO_GPU_BLOB_MEM_GUEST, 0, 1, 0, 0,
    };

    put8(s, CONF_BLOB);
    command(s, VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB, 0, 0, blob,
            ARRAY_SIZE(blob), OK);
    pick64(s, SCANOUT_BYTES);
    entries(s, 2, SCANOUT_BYTES);
    whole_request(s);
    CMD(s, SET_SCANOUT_BLOB, 0, OK, 0, 0, 64, 64, 0, RES_A, 64, 64,
        FORMAT_BGRA, 0, 256, 0, 0, 0, 0, 0, 0, 0);
    CMD(s, RESOURCE_FLUSH, 0, OK, 0, 0, 64, 64, RES_A);
    put8(s, OP_REFRESH);
    put8(s, 0);
    CMD(s, RESOURCE_ASSIGN_UUID, 0, VIRTIO_GPU_RESP_OK_RESOURCE_UUID, RES_A);
    CMD(s, SET_SCANOUT_BLOB, 0, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
        0, 0, 64, 64, 0, RES_A, 64, 65, FORMAT_BGRA, 0, 256);
}

/* fence/ring on a CONTEXT_INIT context, then a guest reset */
static void seed_rings_and_reset(Seed *s)
{
    put8(s, CONF_BLOB | CONF_CONTEXT_INIT);
    CMD(s, CTX_CREATE, CTX_A, OK, 0, VIRTIO_GPU_CAPSET_VIRGL);
    command(s, VIRTIO_GPU_CMD_SUBMIT_3D, CTX_A,
            VIRTIO_GPU_FLAG_FENCE | VIRTIO_GPU_FLAG_INFO_RING_IDX,
            (const uint32_t[]) { 0 }, 1, OK);
    put8(s, 0);
    put8(s, 1);
    whole_request(s);
    create_2d(s, RES_A);
    attach_ram(s, RES_A, 0, SCANOUT_BYTES);
    put8(s, OP_RESET);
    CMD(s, GET_DISPLAY_INFO, 0, VIRTIO_GPU_RESP_OK_DISPLAY_INFO);
    create_2d(s, RES_A);
}

static const struct {
    const char *name;
    void (*write)(Seed *s);
} seeds[] = {
    { "queries", seed_queries },
    { "2d-scanout", seed_2d_scanout },
    { "cursor", seed_cursor },
    { "3d-transfer-submit", seed_3d },
    { "blob-map-held-region", seed_blob_map },
    { "blob-placed", seed_blob_placed },
    { "blob-guest-scanout", seed_blob_guest },
    { "rings-and-reset", seed_rings_and_reset },
};

static bool seed_answers_match(const char *name, const Seed *s)
{
    unsigned int i;

    if (fuzz_num_answers != s->num_want) {
        printf("SEED %s: FAIL %u answers, expected %u\n", name,
               fuzz_num_answers, s->num_want);
        return false;
    }
    for (i = 0; i < s->num_want; i++) {
        if (fuzz_answers[i] != s->want[i]) {
            printf("SEED %s: FAIL answer %u is 0x%x, expected 0x%x\n", name,
                   i, fuzz_answers[i], s->want[i]);
            return false;
        }
    }
    printf("SEED %s: PASS (%u answers as the qtest case expects)\n", name,
           s->num_want);
    return true;
}

/* Write every seed into @dir and run it; false when one misbehaves. */
int fuzz_check_seeds(const char *dir)
{
    unsigned int i, failed = 0;

    g_mkdir_with_parents(dir, 0755);
    for (i = 0; i < ARRAY_SIZE(seeds); i++) {
        g_autofree char *path = g_build_filename(dir, seeds[i].name, NULL);
        g_autofree Seed *s = g_new0(Seed, 1);

        seeds[i].write(s);
        g_assert(g_file_set_contents(path, (const char *)s->bytes, s->len,
                                     NULL));
        LLVMFuzzerTestOneInput(s->bytes, s->len);
        failed += !seed_answers_match(seeds[i].name, s);
    }
    printf("%u passed, %u failed, 0 skipped\n", i - failed, failed);
    return failed;
}
