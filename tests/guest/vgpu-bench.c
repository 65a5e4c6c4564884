/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpu-bench: micro-benchmarks of a virtio-gpu device from inside the
 * guest.  Output lines:
 *   BENCH fence_rtt_us median=X p99=Y n=N
 *   BENCH submit_per_s value=X n=N
 *   BENCH transfer_to_host_mib_s value=X size_mib=S reps=R
 *   BENCH transfer_from_host_mib_s value=X size_mib=S reps=R
 *   BENCH done
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
    ok = bench_fence_rtt(&b) && bench_submit_rate(&b) && bench_transfers(&b);
    close(b.fd);
    if (!ok) {
        return 1;
    }
    vgpu_line("BENCH", "done");
    return 0;
}
