/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpu-bench: micro-benchmarks of a virtio-gpu device from inside the
 * guest.  Output lines:
 *   BENCH fence_rtt_us median=X p99=Y n=N
 *   BENCH submit_per_s value=X n=N
 *   BENCH transfer_to_host_mib_s value=X size_mib=S reps=R
 *   BENCH transfer_from_host_mib_s value=X size_mib=S reps=R
 *   BENCH blob_map_cycle_us median=X p99=Y n=N
 *   BENCH blob_write_mib_s value=X ram_mib_s=Y ratio=Z size_mib=S
 *   BENCH venus_rtt_us median=X p99=Y n=N
 *   BENCH venus_blob_map_cycle_us median=X p99=Y n=N
 *   BENCH done
 * The blob phases need RESOURCE_BLOB and HOST_VISIBLE, the Venus phase
 * the VENUS capset; without them each says "BENCH skip <phase>: <why>".
 * or "BENCH error ..." and exit status 1.  n and reps are the counts that
 * actually ran: each phase stops early once it has used its time budget,
 * so that a very slow (TCG) guest still finishes in bounded time.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "virtgpu.h"

#define DEFAULT_COUNT       200
#define DEFAULT_SIZE_MIB    4
#define DEFAULT_REPS        8
#define DEFAULT_BUDGET_S    4       /* per phase; four phases */
#define DEFAULT_TIMEOUT_MS  5000
#define WARMUP              5       /* first submits also create the context */
#define MIB                 (1024 * 1024)

struct bench {
    const char *dev;
    int fd;
    unsigned count;             /* -n */
    unsigned size_mib;          /* -s */
    unsigned reps;              /* -r */
    unsigned budget_s;          /* -b */
    unsigned timeout_ms;        /* -t */
};

static void usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s [-d DEVICE] [-n COUNT] [-s MIB] [-r REPS] "
            "[-b SECONDS] [-t TIMEOUT_MS]\n"
            "  -d DEVICE      DRM device node (default %s)\n"
            "  -n COUNT       fence round trips and submissions (default %d)\n"
            "  -s MIB         transfer buffer size in MiB (default %d)\n"
            "  -r REPS        transfers per direction (default %d)\n"
            "  -b SECONDS     time budget per phase (default %d)\n"
            "  -t TIMEOUT_MS  fence timeout (default %d)\n",
            prog, VGPU_DEFAULT_DEVICE, DEFAULT_COUNT, DEFAULT_SIZE_MIB,
            DEFAULT_REPS, DEFAULT_BUDGET_S, DEFAULT_TIMEOUT_MS);
}

/* Positive integer option value, or 0 when it is not one. */
static unsigned parse_count(const char *s)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *s == '\0' || *end != '\0' || v == 0 || v > 1000000) {
        return 0;
    }
    return (unsigned)v;
}

static bool parse_args(int argc, char **argv, struct bench *b, int *status)
{
    unsigned *target;
    int opt;

    while ((opt = getopt(argc, argv, "d:n:s:r:b:t:h")) != -1) {
        switch (opt) {
        case 'd':
            b->dev = optarg;
            continue;
        case 'n':
            target = &b->count;
            break;
        case 's':
            target = &b->size_mib;
            break;
        case 'r':
            target = &b->reps;
            break;
        case 'b':
            target = &b->budget_s;
            break;
        case 't':
            target = &b->timeout_ms;
            break;
        case 'h':
            usage(argv[0]);
            *status = 0;
            return false;
        default:
            usage(argv[0]);
            *status = 2;
            return false;
        }
        *target = parse_count(optarg);
        if (*target == 0) {
            fprintf(stderr, "%s: bad value '%s' for -%c\n", argv[0], optarg,
                    opt);
            *status = 2;
            return false;
        }
    }
    /* The transfer box width is a 32-bit byte count. */
    if (b->size_mib > 2048) {
        fprintf(stderr, "%s: -s is at most 2048\n", argv[0]);
        *status = 2;
        return false;
    }
    return true;
}

static bool over_budget(const struct bench *b, uint64_t start_ns)
{
    return vgpu_now_ns() - start_ns > (uint64_t)b->budget_s * 1000000000u;
}

/* One no-op submission with an out-fence, waited for; 0 or -errno. */
static int fence_round_trip(const struct bench *b)
{
    uint32_t cmd[4];
    size_t ndw = vgpu_virgl_noop(cmd, 4);
    int fence = -1;
    int ret;

    ret = vgpu_execbuffer(b->fd, cmd, ndw, -1, &fence);
    if (ret) {
        return ret;
    }
    ret = vgpu_fence_wait(fence, (int)b->timeout_ms);
    close(fence);
    return ret;
}

static bool bench_fence_rtt(const struct bench *b)
{
    uint64_t *ns = calloc(b->count, sizeof(*ns));
    uint64_t start;
    unsigned i, n = 0;
    int ret = 0;

    if (!ns) {
        vgpu_line("BENCH", "error fence_rtt: out of memory");
        return false;
    }
    /* Keep context creation and first-use costs out of the samples. */
    for (i = 0; i < WARMUP && ret == 0; i++) {
        ret = fence_round_trip(b);
    }
    start = vgpu_now_ns();
    while (ret == 0 && n < b->count && !over_budget(b, start)) {
        uint64_t t0 = vgpu_now_ns();

        ret = fence_round_trip(b);
        ns[n++] = vgpu_now_ns() - t0;
    }
    if (ret) {
        vgpu_line("BENCH", "error fence_rtt: %s", strerror(-ret));
        free(ns);
        return false;
    }
    vgpu_sort_u64(ns, n);
    vgpu_line("BENCH", "fence_rtt_us median=%.1f p99=%.1f n=%u",
              vgpu_percentile(ns, n, 50) / 1000.0,
              vgpu_percentile(ns, n, 99) / 1000.0, n);
    free(ns);
    return true;
}

/*
 * Queue submissions back to back and wait only for the last fence: fences
 * of one context signal in order, so that covers all of them.
 */
static bool bench_submit_rate(const struct bench *b)
{
    uint32_t cmd[4];
    size_t ndw = vgpu_virgl_noop(cmd, 4);
    uint64_t start = vgpu_now_ns();
    uint64_t elapsed;
    unsigned n = 0;
    int fence = -1;
    int ret = 0;

    while (ret == 0 && n + 1 < b->count && !over_budget(b, start)) {
        ret = vgpu_execbuffer(b->fd, cmd, ndw, -1, NULL);
        n++;
    }
    if (ret == 0) {
        ret = vgpu_execbuffer(b->fd, cmd, ndw, -1, &fence);
        n++;
    }
    if (ret == 0) {
        ret = vgpu_fence_wait(fence, (int)b->timeout_ms);
        close(fence);
    }
    elapsed = vgpu_now_ns() - start;
    if (ret) {
        vgpu_line("BENCH", "error submit_per_s: %s", strerror(-ret));
        return false;
    }
    vgpu_line("BENCH", "submit_per_s value=%.1f n=%u",
              n * 1e9 / (double)(elapsed ? elapsed : 1), n);
    return true;
}

/* Repeat whole-buffer transfers in one direction; false on error. */
static bool bench_transfer(const struct bench *b, struct vgpu_bo *bo,
                           bool to_host)
{
    const char *name = to_host ? "transfer_to_host_mib_s"
                               : "transfer_from_host_mib_s";
    uint32_t size = b->size_mib * MIB;
    uint64_t start = vgpu_now_ns();
    uint64_t elapsed;
    unsigned reps = 0;
    int ret = 0;

    while (ret == 0 && reps < b->reps && !over_budget(b, start)) {
        ret = vgpu_transfer_buffer(b->fd, bo, to_host, 0, size);
        if (ret == 0) {
            ret = vgpu_wait(b->fd, bo->bo_handle, false);
        }
        reps++;
    }
    elapsed = vgpu_now_ns() - start;
    if (ret) {
        vgpu_line("BENCH", "error %s: %s", name, strerror(-ret));
        return false;
    }
    vgpu_line("BENCH", "%s value=%.1f size_mib=%u reps=%u", name,
              (double)reps * b->size_mib * 1e9 /
              (double)(elapsed ? elapsed : 1),
              b->size_mib, reps);
    return true;
}

static bool bench_transfers(const struct bench *b)
{
    struct vgpu_bo bo;
    bool ok;
    int ret;

    ret = vgpu_buffer_create(b->fd, b->size_mib * MIB, &bo);
    if (ret) {
        vgpu_line("BENCH", "error transfer buffer of %u MiB: %s",
                  b->size_mib, strerror(-ret));
        return false;
    }
    ok = bench_transfer(b, &bo, true) && bench_transfer(b, &bo, false);
    vgpu_bo_destroy(b->fd, &bo);
    return ok;
}

/* Per-sample timings in ns: sorted, printed as median and p99. */
static void report_us(const char *name, uint64_t *ns, unsigned n)
{
    vgpu_sort_u64(ns, n);
    vgpu_line("BENCH", "%s median=%.1f p99=%.1f n=%u", name,
              vgpu_percentile(ns, n, 50) / 1000.0,
              vgpu_percentile(ns, n, 99) / 1000.0, n);
}

static bool has_param(const struct bench *b, uint64_t param)
{
    int value = 0;

    return vgpu_getparam(b->fd, param, &value) == 0 && value;
}

/*
 * One blob's life as a guest driver lives it: create a mappable host3d
 * blob (the kernel maps it into the host-visible region), mmap it, touch
 * it, unmap and free it (the region is unmapped).
 */
static int blob_map_cycle(const struct bench *b, uint64_t blob_id)
{
    struct vgpu_bo bo;
    int ret = vgpu_host3d_blob(b->fd, 64 * 1024, blob_id, &bo);

    if (ret) {
        return ret;
    }
    ret = vgpu_bo_map(b->fd, &bo);
    if (ret == 0) {
        ((volatile uint8_t *)bo.map)[0] = 1;
    }
    vgpu_bo_destroy(b->fd, &bo);
    return ret;
}

static bool bench_blob_map(const struct bench *b)
{
    uint64_t *ns = calloc(b->count, sizeof(*ns));
    uint64_t start = vgpu_now_ns(), blob_id = 1000;
    unsigned n = 0;
    int ret = 0;

    if (!ns) {
        return false;
    }
    while (ret == 0 && n < b->count && !over_budget(b, start)) {
        uint64_t t0 = vgpu_now_ns();

        ret = blob_map_cycle(b, blob_id++);
        ns[n++] = vgpu_now_ns() - t0;
    }
    if (ret) {
        vgpu_line("BENCH", "error blob_map_cycle: %s", strerror(-ret));
    } else {
        report_us("blob_map_cycle_us", ns, n);
    }
    free(ns);
    return ret == 0;
}

/* MiB/s of memset() over dst for about budget/2 seconds. */
static double write_rate(const struct bench *b, void *dst, size_t size)
{
    uint64_t start = vgpu_now_ns(), elapsed;
    unsigned reps = 0;

    do {
        memset(dst, (int)reps, size);
        reps++;
        elapsed = vgpu_now_ns() - start;
    } while (elapsed < (uint64_t)b->budget_s * 500000000u && reps < 1000);
    return (double)reps * size / MIB * 1e9 / (double)elapsed;
}

/* Guest writes into a mapped host blob, against writes into guest RAM. */
static bool bench_blob_write(const struct bench *b)
{
    size_t size = (size_t)b->size_mib * MIB;
    struct vgpu_bo bo;
    double blob, ram;
    void *buf;
    int ret = vgpu_host3d_blob(b->fd, size, 1, &bo);

    if (ret == 0) {
        ret = vgpu_bo_map(b->fd, &bo);
    }
    buf = malloc(size);
    if (ret || !buf) {
        vgpu_line("BENCH", "error blob_write: %s",
                  ret ? strerror(-ret) : "out of memory");
        vgpu_bo_destroy(b->fd, &bo);
        free(buf);
        return false;
    }
    memset(buf, 0, size);       /* fault the pages in first */
    memset(bo.map, 0, size);
    ram = write_rate(b, buf, size);
    blob = write_rate(b, bo.map, size);
    vgpu_line("BENCH", "blob_write_mib_s value=%.1f ram_mib_s=%.1f "
              "ratio=%.3f size_mib=%u", blob, ram, blob / ram, b->size_mib);
    vgpu_bo_destroy(b->fd, &bo);
    free(buf);
    return true;
}

/*
 * An empty submission on ring 0 of a Venus context, with a fence, waited
 * for: the round trip through the device and virglrenderer's render
 * server.  Venus contexts need their own DRM file (one context each).
 */
static bool bench_venus_rtt(const struct bench *b)
{
    uint64_t *ns = calloc(b->count, sizeof(*ns));
    uint64_t start;
    unsigned n = 0;
    int fd = vgpu_open(b->dev);
    int ret = fd < 0 ? fd : vgpu_context_init(fd, VGPU_CAPSET_VENUS, 1);

    while (ns && ret == 0 && n < b->count + WARMUP) {
        int fence = -1;
        uint64_t t0 = vgpu_now_ns();

        ret = vgpu_execbuffer(fd, NULL, 0, 0, &fence);
        if (ret == 0) {
            ret = vgpu_fence_wait(fence, (int)b->timeout_ms);
            close(fence);
        }
        if (n == WARMUP) {
            start = t0;
        }
        ns[n >= WARMUP ? n - WARMUP : 0] = vgpu_now_ns() - t0;
        n++;
        if (n > WARMUP && over_budget(b, start)) {
            break;
        }
    }
    if (fd >= 0) {
        close(fd);
    }
    if (ret || !ns || n <= WARMUP) {
        vgpu_line("BENCH", "error venus_rtt: %s",
                  ret ? strerror(-ret) : "no samples");
        free(ns);
        return false;
    }
    report_us("venus_rtt_us", ns, n - WARMUP);
    free(ns);
    return true;
}

/*
 * blob_map_cycle with a Venus shared-memory blob (blob_id 0, what Mesa's
 * Venus driver makes its rings and replies of): memory the render
 * server gives as a file, not the GL renderer's buffer.
 */
static int venus_blob_map_cycle(int fd)
{
    struct drm_virtgpu_resource_create_blob rb = {
        .blob_mem = VIRTGPU_BLOB_MEM_HOST3D,
        .blob_flags = VIRTGPU_BLOB_FLAG_USE_MAPPABLE,
        .size = 64 * 1024,
    };
    struct vgpu_bo bo;
    int ret = vgpu_resource_create_blob(fd, &rb, &bo);

    if (ret) {
        return ret;
    }
    ret = vgpu_bo_map(fd, &bo);
    if (ret == 0) {
        /* volatile: the store must reach the mapping, as a driver's does */
        ((volatile uint8_t *)bo.map)[0] = 1;
    }
    vgpu_bo_destroy(fd, &bo);
    return ret;
}

static bool bench_venus_blob_map(const struct bench *b)
{
    uint64_t *ns = calloc(b->count, sizeof(*ns));
    uint64_t start = vgpu_now_ns();
    unsigned n = 0;
    int fd = vgpu_open(b->dev);
    int ret = fd < 0 ? fd : vgpu_context_init(fd, VGPU_CAPSET_VENUS, 1);

    while (ns && ret == 0 && n < b->count && !over_budget(b, start)) {
        uint64_t t0 = vgpu_now_ns();

        ret = venus_blob_map_cycle(fd);
        ns[n++] = vgpu_now_ns() - t0;
    }
    if (fd >= 0) {
        close(fd);
    }
    if (ret || !ns || !n) {
        vgpu_line("BENCH", "error venus_blob_map_cycle: %s",
                  ret ? strerror(-ret) : "no samples");
    } else {
        report_us("venus_blob_map_cycle_us", ns, n);
    }
    free(ns);
    return ret == 0 && n;
}

/* The phases that need blob resources and Venus, when the device has them. */
static bool bench_modern(const struct bench *b)
{
    int capsets = 0;
    bool ok = true;

    if (!has_param(b, VIRTGPU_PARAM_RESOURCE_BLOB) ||
        !has_param(b, VIRTGPU_PARAM_HOST_VISIBLE)) {
        vgpu_line("BENCH", "skip blob_map_cycle_us: no RESOURCE_BLOB and "
                  "HOST_VISIBLE (blob=on,hostmem=...)");
        vgpu_line("BENCH", "skip blob_write_mib_s: no RESOURCE_BLOB and "
                  "HOST_VISIBLE (blob=on,hostmem=...)");
    } else {
        ok = bench_blob_map(b) && bench_blob_write(b);
    }
    if (!has_param(b, VIRTGPU_PARAM_CONTEXT_INIT) ||
        vgpu_getparam(b->fd, VIRTGPU_PARAM_SUPPORTED_CAPSET_IDs, &capsets) ||
        !(capsets & (1 << VGPU_CAPSET_VENUS))) {
        vgpu_line("BENCH", "skip venus_rtt_us: no Venus capset (venus=on)");
        vgpu_line("BENCH", "skip venus_blob_map_cycle_us: no Venus capset "
                  "(venus=on)");
    } else {
        ok = bench_venus_rtt(b) && ok;
        ok = bench_venus_blob_map(b) && ok;
    }
    return ok;
}

/* Open the device and insist on virgl 3D, which every phase needs. */
static bool open_device(struct bench *b)
{
    int value = 0;
    int ret;

    b->fd = vgpu_open(b->dev);
    if (b->fd < 0) {
        vgpu_line("BENCH", "error open %s: %s", b->dev, strerror(-b->fd));
        return false;
    }
    ret = vgpu_getparam(b->fd, VIRTGPU_PARAM_3D_FEATURES, &value);
    if (ret || value != 1) {
        vgpu_line("BENCH", "error %s has no virgl 3D: %s", b->dev,
                  ret ? strerror(-ret) : "3D_FEATURES=0");
        close(b->fd);
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    struct bench b = {
        .dev = VGPU_DEFAULT_DEVICE,
        .count = DEFAULT_COUNT,
        .size_mib = DEFAULT_SIZE_MIB,
        .reps = DEFAULT_REPS,
        .budget_s = DEFAULT_BUDGET_S,
        .timeout_ms = DEFAULT_TIMEOUT_MS,
    };
    bool ok;
    int status;

    if (!parse_args(argc, argv, &b, &status)) {
        return status;
    }
    if (!open_device(&b)) {
        return 1;
    }
    ok = bench_fence_rtt(&b) && bench_submit_rate(&b) && bench_transfers(&b)
         && bench_modern(&b);
    close(b.fd);
    if (!ok) {
        return 1;
    }
    vgpu_line("BENCH", "done");
    return 0;
}
