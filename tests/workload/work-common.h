/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the GL and Vulkan workload programs share: the clock, the
 * per-frame statistics, the output checksum and the line format, so the
 * host and every guest print figures a single parser reads.
 *
 * One result line per shape:
 *   WORK shape=NAME frames=N iters=I median_us=M p99_us=P mean_us=A
 *        checksum=XXXXXXXX
 * and, around them, "WORK api=... device=..." first and "WORK done"
 * last, or "WORK error WHAT" and exit status 1.
 */

#ifndef VGPU_WORK_COMMON_H
#define VGPU_WORK_COMMON_H

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The per-pixel integer hash both APIs' shaders compute, on the CPU. */
#define WORK_HASH_MUL   1664525u
#define WORK_HASH_ADD   1013904223u

static inline uint32_t work_hash_step(uint32_t s)
{
    s = s * WORK_HASH_MUL + WORK_HASH_ADD;
    return s ^ (s >> 13);
}

static inline uint32_t work_hash_seed(uint32_t x, uint32_t y, uint32_t frame)
{
    return (x * 73856093u) ^ (y * 19349663u) ^ frame;
}

/* Frames run before the timed ones, so start-up costs stay out. */
#define WARMUP_FRAMES   2

static inline uint32_t work_hash_steps(uint32_t s, int steps)
{
    int i;

    for (i = 0; i < steps; i++) {
        s = work_hash_step(s);
    }
    return s;
}

/* The RGBA8 bytes of @word, little end first, as a target holds them. */
static inline uint32_t word_as_pixel(uint32_t word)
{
    uint8_t b[4] = { word, word >> 8, word >> 16, word >> 24 };
    uint32_t pixel;

    memcpy(&pixel, b, 4);
    return pixel;
}

/* The upload pattern of @frame: each pixel's hash seed. */
static inline void fill_pattern(uint32_t *words, int width, int height,
                                int frame)
{
    int i, n = width * height;

    for (i = 0; i < n; i++) {
        words[i] = word_as_pixel(work_hash_seed(i % width, i / width, frame));
    }
}

static inline double work_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* FNV-1a, 32 bits: a wrong picture changes it, a fast one does not. */
static inline uint32_t work_checksum(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t h = 2166136261u;
    size_t i;

    for (i = 0; i < len; i++) {
        h = (h ^ p[i]) * 16777619u;
    }
    return h;
}

static inline void work_fail(const char *fmt, ...)
{
    va_list ap;

    printf("WORK error ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    exit(1);
}

static inline double *new_samples(int n)
{
    double *samples = calloc(n, sizeof(*samples));

    if (!samples) {
        work_fail("out of memory for %d samples", n);
    }
    return samples;
}

/* Frame @f's time from @start, unless it is a warm-up frame. */
static inline void take_sample(double *samples, int f, double start)
{
    if (f >= WARMUP_FRAMES) {
        samples[f - WARMUP_FRAMES] = work_now_us() - start;
    }
}

static int work_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* Sorts @frame_us in place; the median, p99 and mean of @n frames. */
static inline void work_report(const char *shape, double *frame_us, int n,
                               int iters, uint32_t checksum)
{
    double sum = 0, median;
    int i, p99;

    qsort(frame_us, n, sizeof(*frame_us), work_cmp_double);
    for (i = 0; i < n; i++) {
        sum += frame_us[i];
    }
    median = n % 2 ? frame_us[n / 2]
                   : (frame_us[n / 2 - 1] + frame_us[n / 2]) / 2;
    p99 = (n * 99 + 99) / 100 - 1;
    printf("WORK shape=%s frames=%d iters=%d median_us=%.1f p99_us=%.1f "
           "mean_us=%.1f checksum=%08x\n", shape, n, iters, median,
           frame_us[p99 < n ? p99 : n - 1], sum / n, checksum);
    fflush(stdout);
}

/* True when @shape is named in the comma-separated @list (NULL: all). */
static inline int work_wanted(const char *list, const char *shape)
{
    size_t len = strlen(shape);
    const char *p = list;

    if (!list) {
        return 1;
    }
    while ((p = strstr(p, shape))) {
        if ((p == list || p[-1] == ',') && (p[len] == ',' || !p[len])) {
            return 1;
        }
        p += len;
    }
    return 0;
}

/* The command line both programs take; -d (a device name) is Vulkan's. */
typedef struct Options {
    int frames;
    int iters;
    int draws;
    int fences;
    const char *shapes;
    const char *device;
} Options;

static inline int work_positive(const char *arg, char opt)
{
    char *end;
    long v = strtol(arg, &end, 10);

    if (*end || v < 1 || v > 1000000) {
        fprintf(stderr, "-%c wants a number from 1 to 1000000\n", opt);
        exit(2);
    }
    return v;
}

static inline Options work_parse_options(int argc, char **argv,
                                         bool with_device)
{
    Options o = { .frames = 30, .iters = 64, .draws = 500, .fences = 500 };
    int c;

    while ((c = getopt(argc, argv, with_device ? "d:n:i:D:f:s:"
                                               : "n:i:D:f:s:")) != -1) {
        switch (c) {
        case 'd':
            o.device = optarg;
            break;
        case 'n':
            o.frames = work_positive(optarg, c);
            break;
        case 'i':
            o.iters = work_positive(optarg, c);
            break;
        case 'D':
            o.draws = work_positive(optarg, c);
            break;
        case 'f':
            o.fences = work_positive(optarg, c);
            break;
        case 's':
            o.shapes = optarg;
            break;
        default:
            fprintf(stderr, "usage: %s %s[-n FRAMES] [-i ITERS] [-D DRAWS] "
                    "[-f FENCES] [-s SHAPE,...]\n", argv[0],
                    with_device ? "[-d NAME] " : "");
            exit(2);
        }
    }
    return o;
}

#endif
