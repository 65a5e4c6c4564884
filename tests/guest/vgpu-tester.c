/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpu-tester: functional checks of a virtio-gpu device through the guest
 * kernel's virtgpu DRM uapi.  Each step prints one of
 *   TEST <step>: PASS
 *   TEST <step>: FAIL <reason>
 *   TEST <step>: SKIP <reason>
 * possibly preceded by "INFO <step>: <text>" lines that record facts which
 * are neither pass nor fail, and the run ends with the plain line
 *   N passed, N failed, N skipped
 * The exit status is 1 when any step failed.
 *
 * Steps build on each other (a mapping needs a resource, which needs an
 * open device); a step whose prerequisite is missing is skipped, not
 * failed, so that one fault is reported once.
 *
 * With -b MIB or -c N it runs the budget steps instead: it tries to
 * exhaust the device's max_resource_bytes (which the host set to MIB) or
 * max_contexts (N), counts what the host really holds (the guest kernel
 * reports no create errors, so each object is checked by a round trip
 * of data through the host), and checks that a fresh context works once
 * it has let everything go.
 *
 * With -x it runs the code step instead: code that TRANSFER_FROM_HOST
 * writes over code the CPU has already run must be what runs next.
 */

#include <errno.h>
#include <getopt.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "virtgpu.h"

#define BUF_SIZE            (64 * 1024)     /* the 3D buffer resource */
#define BLOB_SIZE           4096            /* one page */
#define OOB_BUF_SIZE        4096            /* target of the bad boxes */
#define NUM_RINGS           2
#define HOST3D_BLOB_ID      1               /* any id unique in the context */
#define DEFAULT_TIMEOUT_MS  5000            /* generous: TCG guests are slow */

struct tester {
    const char *dev;
    int timeout_ms;
    unsigned budget_mib;        /* -b: the host's max_resource_bytes */
    unsigned budget_contexts;   /* -c: the host's max_contexts */
    bool code;                  /* -x: the code step */
    int fd;                     /* -1 unless the open step passed */
    bool has_3d;
    int context_init;           /* device parameters, 0 when unknown */
    int resource_blob;
    int host_visible;
    bool ctx_rings;             /* context made by context_init with rings */
    struct vgpu_bo buf;         /* the resource_create_3d buffer */
    unsigned passed, failed, skipped;
};

/* ---- reporting ---- */

static void report(const char *step, const char *verdict,
                   const char *reason)
{
    vgpu_line("TEST", "%s: %s%s%s", step, verdict, reason ? " " : "",
              reason ? reason : "");
}

static void pass(struct tester *t, const char *step)
{
    t->passed++;
    report(step, "PASS", NULL);
}

static void __attribute__((format(printf, 3, 4)))
fail(struct tester *t, const char *step, const char *fmt, ...)
{
    char reason[256];
    va_list ap;

    t->failed++;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    report(step, "FAIL", reason);
}

static void __attribute__((format(printf, 3, 4)))
skip(struct tester *t, const char *step, const char *fmt, ...)
{
    char reason[256];
    va_list ap;

    t->skipped++;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    report(step, "SKIP", reason);
}

/* ---- mapped memory access that survives a bad mapping ---- */

/*
 * A device that hands out a mapping it cannot back makes the first access
 * raise SIGBUS.  Catch that so the step fails with a reason instead of the
 * whole run dying; outside guarded sections the default action applies.
 */
static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_armed;

static void on_fault(int sig)
{
    if (fault_armed) {
        fault_armed = 0;
        siglongjmp(fault_jmp, sig);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_fault_handlers(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_fault;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
}

enum mem_op { MEM_FILL, MEM_CLEAR, MEM_CHECK };

static uint8_t pattern_byte(size_t i, uint8_t seed)
{
    /* Differs from one 256-byte block to the next: a shift shows up. */
    return (uint8_t)((i * 131 + (i >> 8) * 7 + (i >> 16)) ^ seed);
}

/*
 * Fill, clear or check p[0..n).  Returns 0, or the signal that hit the
 * access; for MEM_CHECK, *bad is the first mismatching offset or n.
 */
static int mem_access(uint8_t *p, size_t n, enum mem_op op, uint8_t seed,
                      size_t *bad)
{
    /* volatile: i must survive the siglongjmp out of a faulting access */
    volatile size_t i = 0;
    int sig;

    sig = sigsetjmp(fault_jmp, 1);
    if (sig) {
        return sig;
    }
    fault_armed = 1;
    for (i = 0; i < n; i++) {
        if (op == MEM_FILL) {
            p[i] = pattern_byte(i, seed);
        } else if (op == MEM_CLEAR) {
            p[i] = 0;
        } else if (p[i] != pattern_byte(i, seed)) {
            break;
        }
    }
    fault_armed = 0;
    if (bad) {
        *bad = i;
    }
    return 0;
}

/* Fill then read back a mapping; returns false after reporting a FAIL. */
static bool map_selftest(struct tester *t, const char *step,
                         uint8_t *p, size_t n, uint8_t seed)
{
    size_t bad;
    int sig = mem_access(p, n, MEM_FILL, seed, NULL);

    if (!sig) {
        sig = mem_access(p, n, MEM_CHECK, seed, &bad);
    }
    if (sig) {
        fail(t, step, "signal %d (%s) touching the mapping", sig,
             strsignal(sig));
        return false;
    }
    if (bad != n) {
        fail(t, step, "read back 0x%02x at offset %zu, wrote 0x%02x",
             p[bad], bad, pattern_byte(bad, seed));
        return false;
    }
    return true;
}

/* ---- prerequisites ---- */

static bool need_fd(struct tester *t, const char *step)
{
    if (t->fd < 0) {
        skip(t, step, "device not open");
        return false;
    }
    return true;
}

static bool need_3d(struct tester *t, const char *step)
{
    if (!need_fd(t, step)) {
        return false;
    }
    if (!t->has_3d) {
        skip(t, step, "device has no 3D support");
        return false;
    }
    return true;
}

static bool need_buf(struct tester *t, const char *step, bool mapped)
{
    if (!need_3d(t, step)) {
        return false;
    }
    if (!t->buf.bo_handle) {
        skip(t, step, "needs resource_create_3d");
        return false;
    }
    if (mapped && !t->buf.map) {
        skip(t, step, "needs map");
        return false;
    }
    return true;
}

/* Submit a no-op with an out-fence and wait; 0 or -errno/-ETIMEDOUT. */
static int submit_and_wait(int fd, int ring, int timeout_ms)
{
    uint32_t cmd[4];
    size_t ndw = vgpu_virgl_noop(cmd, 4);
    int fence = -1;
    int ret;

    ret = vgpu_execbuffer(fd, cmd, ndw, ring, &fence);
    if (ret) {
        return ret;
    }
    ret = vgpu_fence_wait(fence, timeout_ms);
    close(fence);
    return ret;
}

static const char *wait_error(int ret, int timeout_ms, char *buf, size_t len)
{
    if (ret == -ETIMEDOUT) {
        snprintf(buf, len, "fence did not signal within %d ms", timeout_ms);
    } else {
        snprintf(buf, len, "%s", strerror(-ret));
    }
    return buf;
}

/* ---- steps ---- */

static void step_open(struct tester *t)
{
    const char *step = "open";
    char name[64];
    int major, minor, patch;
    int fd = vgpu_open(t->dev);
    int ret;

    if (fd < 0) {
        fail(t, step, "%s: %s", t->dev, strerror(-fd));
        return;
    }
    ret = vgpu_driver_version(fd, name, sizeof(name), &major, &minor, &patch);
    if (ret) {
        fail(t, step, "%s is not a DRM device: %s", t->dev, strerror(-ret));
        close(fd);
        return;
    }
    if (strcmp(name, "virtio_gpu") != 0) {
        fail(t, step, "%s is driven by %s, not virtio_gpu", t->dev, name);
        close(fd);
        return;
    }
    t->fd = fd;
    pass(t, step);
}

static int param_or_zero(int fd, uint64_t param)
{
    int value = 0;

    return vgpu_getparam(fd, param, &value) ? 0 : value;
}

static void step_getparam_3d(struct tester *t)
{
    const char *step = "getparam_3d";
    int value = 0;
    int ret;

    if (!need_fd(t, step)) {
        return;
    }
    ret = vgpu_getparam(t->fd, VIRTGPU_PARAM_3D_FEATURES, &value);
    if (ret) {
        fail(t, step, "GETPARAM 3D_FEATURES: %s", strerror(-ret));
        return;
    }
    /* The parameters that decide later skips, recorded for the reader. */
    t->context_init = param_or_zero(t->fd, VIRTGPU_PARAM_CONTEXT_INIT);
    t->resource_blob = param_or_zero(t->fd, VIRTGPU_PARAM_RESOURCE_BLOB);
    t->host_visible = param_or_zero(t->fd, VIRTGPU_PARAM_HOST_VISIBLE);
    vgpu_line("INFO", "%s: 3D_FEATURES=%d CONTEXT_INIT=%d RESOURCE_BLOB=%d "
              "HOST_VISIBLE=%d", step, value, t->context_init,
              t->resource_blob, t->host_visible);
    if (value != 1) {
        fail(t, step, "3D_FEATURES=%d, device has no virgl 3D", value);
        return;
    }
    t->has_3d = true;
    pass(t, step);
}

static void step_context_init(struct tester *t)
{
    const char *step = "context_init";
    int ret;

    if (!need_3d(t, step)) {
        return;
    }
    if (!t->context_init) {
        skip(t, step, "CONTEXT_INIT=0, the first 3D ioctl creates the "
             "context implicitly");
        return;
    }
    /* Must come before any ioctl that creates the context implicitly. */
    ret = vgpu_context_init(t->fd, VGPU_CAPSET_VIRGL2, NUM_RINGS);
    if (ret) {
        fail(t, step, "CONTEXT_INIT capset=VIRGL2 rings=%d: %s", NUM_RINGS,
             strerror(-ret));
        return;
    }
    t->ctx_rings = true;
    pass(t, step);
}

static void step_resource_create_3d(struct tester *t)
{
    const char *step = "resource_create_3d";
    int ret;

    if (!need_3d(t, step)) {
        return;
    }
    ret = vgpu_buffer_create(t->fd, BUF_SIZE, &t->buf);
    if (ret) {
        fail(t, step, "RESOURCE_CREATE buffer %d bytes: %s", BUF_SIZE,
             strerror(-ret));
        return;
    }
    if (!t->buf.res_handle) {
        fail(t, step, "kernel returned resource id 0");
        vgpu_bo_destroy(t->fd, &t->buf);
        return;
    }
    pass(t, step);
}

static void step_map(struct tester *t)
{
    const char *step = "map";
    int ret;

    if (!need_buf(t, step, false)) {
        return;
    }
    ret = vgpu_bo_map(t->fd, &t->buf);
    if (ret) {
        fail(t, step, "MAP + mmap: %s", strerror(-ret));
        return;
    }
    pass(t, step);
}

/* Transfer the whole buffer one way and wait for the host to finish. */
static int transfer_and_wait(struct tester *t, bool to_host)
{
    int ret = vgpu_transfer_buffer(t->fd, &t->buf, to_host, 0, BUF_SIZE);

    return ret ? ret : vgpu_wait(t->fd, t->buf.bo_handle, false);
}

static void step_transfer_roundtrip(struct tester *t)
{
    const char *step = "transfer_roundtrip";
    uint8_t *p = t->buf.map;
    size_t bad;
    int ret;

    if (!need_buf(t, step, true)) {
        return;
    }
    if (mem_access(p, BUF_SIZE, MEM_FILL, 0x5a, NULL)) {
        fail(t, step, "fault writing the mapping");
        return;
    }
    ret = transfer_and_wait(t, true);
    if (ret) {
        fail(t, step, "TRANSFER_TO_HOST + WAIT: %s", strerror(-ret));
        return;
    }
    /* Forget the guest copy, so only the host can bring the data back. */
    if (mem_access(p, BUF_SIZE, MEM_CLEAR, 0, NULL)) {
        fail(t, step, "fault clearing the mapping");
        return;
    }
    ret = transfer_and_wait(t, false);
    if (ret) {
        fail(t, step, "TRANSFER_FROM_HOST + WAIT: %s", strerror(-ret));
        return;
    }
    if (mem_access(p, BUF_SIZE, MEM_CHECK, 0x5a, &bad)) {
        fail(t, step, "fault reading the mapping");
        return;
    }
    if (bad != BUF_SIZE) {
        fail(t, step, "byte %zu came back 0x%02x, expected 0x%02x", bad,
             p[bad], pattern_byte(bad, 0x5a));
        return;
    }
    pass(t, step);
}

static void step_execbuffer_fence(struct tester *t)
{
    const char *step = "execbuffer_fence";
    char why[96];
    int ret;

    if (!need_3d(t, step)) {
        return;
    }
    ret = submit_and_wait(t->fd, -1, t->timeout_ms);
    if (ret) {
        fail(t, step, "%s", wait_error(ret, t->timeout_ms, why, sizeof(why)));
        return;
    }
    pass(t, step);
}

/* Submit on a ring with an out-fence; the fence fd, or -errno. */
static int submit_on_ring(int fd, int ring)
{
    uint32_t cmd[4];
    size_t ndw = vgpu_virgl_noop(cmd, 4);
    int fence = -1;
    int ret = vgpu_execbuffer(fd, cmd, ndw, ring, &fence);

    return ret ? ret : fence;
}

/* Append "ring N: outcome" to a comma-separated summary. */
static void describe_ring(int ring, int ret, int timeout_ms,
                          char *buf, size_t len)
{
    size_t used = strlen(buf);
    char why[96];

    snprintf(buf + used, len - used, "%sring %d: %s", used ? ", " : "",
             ring, ret ? wait_error(ret, timeout_ms, why, sizeof(why))
                       : "signalled");
}

static void step_execbuffer_rings(struct tester *t)
{
    const char *step = "execbuffer_rings";
    char desc[256] = "";
    int fence[NUM_RINGS];
    bool ok = true;
    int r, ret;

    if (!need_3d(t, step)) {
        return;
    }
    if (!t->ctx_rings) {
        skip(t, step, "no context with rings (context_init did not run)");
        return;
    }
    /* Queue on every ring first, so the rings really run side by side. */
    for (r = 0; r < NUM_RINGS; r++) {
        fence[r] = submit_on_ring(t->fd, r);
    }
    for (r = 0; r < NUM_RINGS; r++) {
        ret = fence[r] < 0 ? fence[r] :
              vgpu_fence_wait(fence[r], t->timeout_ms);
        if (fence[r] >= 0) {
            close(fence[r]);
        }
        describe_ring(r, ret, t->timeout_ms, desc, sizeof(desc));
        ok = ok && ret == 0;
    }
    if (!ok) {
        fail(t, step, "%s", desc);
        return;
    }
    pass(t, step);
}

static void step_execbuffer_ring_oob(struct tester *t)
{
    const char *step = "execbuffer_ring_oob";
    int fence;

    if (!need_3d(t, step)) {
        return;
    }
    if (!t->ctx_rings) {
        skip(t, step, "no context with rings (context_init did not run)");
        return;
    }
    fence = submit_on_ring(t->fd, NUM_RINGS);
    if (fence >= 0) {
        close(fence);
        fail(t, step, "ring %d accepted with only %d rings", NUM_RINGS,
             NUM_RINGS);
        return;
    }
    if (fence != -EINVAL) {
        fail(t, step, "ring %d: expected EINVAL, got %s", NUM_RINGS,
             strerror(-fence));
        return;
    }
    pass(t, step);
}

static void step_wait(struct tester *t)
{
    const char *step = "wait";
    int ret;

    if (!need_buf(t, step, false)) {
        return;
    }
    /* Give the resource a pending host command to wait for. */
    ret = vgpu_transfer_buffer(t->fd, &t->buf, true, 0, BUF_SIZE);
    if (ret) {
        fail(t, step, "TRANSFER_TO_HOST: %s", strerror(-ret));
        return;
    }
    ret = vgpu_wait(t->fd, t->buf.bo_handle, false);
    if (ret) {
        fail(t, step, "blocking WAIT: %s", strerror(-ret));
        return;
    }
    ret = vgpu_wait(t->fd, t->buf.bo_handle, true);
    if (ret) {
        fail(t, step, "NOWAIT after a blocking WAIT: %s", strerror(-ret));
        return;
    }
    ret = vgpu_wait(t->fd, 0x7fffffff, true);
    if (ret != -ENOENT) {
        fail(t, step, "WAIT on an unknown handle gave %s, expected ENOENT",
             ret ? strerror(-ret) : "success");
        return;
    }
    pass(t, step);
}

static void step_resource_create_blob(struct tester *t)
{
    const char *step = "resource_create_blob";
    struct drm_virtgpu_resource_create_blob rb = {
        .blob_mem = VIRTGPU_BLOB_MEM_GUEST,
        .blob_flags = VIRTGPU_BLOB_FLAG_USE_MAPPABLE,
        .size = BLOB_SIZE,
    };
    struct vgpu_bo bo;
    int ret;

    if (!need_fd(t, step)) {
        return;
    }
    if (!t->resource_blob) {
        skip(t, step, "device has no blob support");
        return;
    }
    /* A guest-memory blob: needs blob support, not host-visible memory. */
    ret = vgpu_resource_create_blob(t->fd, &rb, &bo);
    if (ret) {
        fail(t, step, "RESOURCE_CREATE_BLOB guest mappable: %s",
             strerror(-ret));
        return;
    }
    ret = vgpu_bo_map(t->fd, &bo);
    if (ret) {
        fail(t, step, "MAP + mmap: %s", strerror(-ret));
    } else if (map_selftest(t, step, bo.map, BLOB_SIZE, 0xa5)) {
        pass(t, step);
    }
    vgpu_bo_destroy(t->fd, &bo);
}

static void step_blob_host3d_map(struct tester *t)
{
    const char *step = "blob_host3d_map";
    struct vgpu_bo bo;
    int ret;

    if (!need_3d(t, step)) {
        return;
    }
    if (!t->resource_blob || !t->host_visible) {
        skip(t, step, "needs RESOURCE_BLOB and HOST_VISIBLE "
             "(blob=on,hostmem=...)");
        return;
    }
    /*
     * The context is virgl (VIRGL2 or the implicit default), so the blob
     * id names a host buffer created by a virgl command run just before.
     */
    ret = vgpu_host3d_blob(t->fd, BLOB_SIZE, HOST3D_BLOB_ID, &bo);
    if (ret) {
        fail(t, step, "RESOURCE_CREATE_BLOB host3d: %s", strerror(-ret));
        return;
    }
    ret = vgpu_bo_map(t->fd, &bo);
    if (ret) {
        fail(t, step, "MAP + mmap of host memory: %s", strerror(-ret));
    } else if (map_selftest(t, step, bo.map, BLOB_SIZE, 0x3c)) {
        pass(t, step);
    }
    vgpu_bo_destroy(t->fd, &bo);
}

/* One out-of-range transfer on fd; fills *what with what happened. */
static int oob_transfer(int fd, struct vgpu_bo *bo, bool to_host,
                        char *what, size_t len)
{
    const char *dir = to_host ? "TRANSFER_TO_HOST" : "TRANSFER_FROM_HOST";
    int ret;

    /* A box that starts where the buffer ends. */
    ret = vgpu_transfer_buffer(fd, bo, to_host, OOB_BUF_SIZE, OOB_BUF_SIZE);
    if (ret) {
        snprintf(what, len, "%s rejected by the kernel: %s", dir,
                 strerror(-ret));
        return 0;
    }
    ret = vgpu_wait(fd, bo->bo_handle, false);
    if (ret) {
        snprintf(what, len, "%s accepted, WAIT failed: %s", dir,
                 strerror(-ret));
        return ret;
    }
    snprintf(what, len, "%s accepted by the kernel, host fence completed "
             "(any host error is only in the host log)", dir);
    return 0;
}

static void step_transfer_oob(struct tester *t)
{
    const char *step = "transfer_oob";
    char what[160], why[96];
    struct vgpu_bo bo;
    int fd, ret, dir;

    if (!need_3d(t, step)) {
        return;
    }
    /*
     * Use a second open file, hence a second host context: a renderer may
     * put a context into an error state after a bad request, and that must
     * not spoil the other steps.
     */
    fd = vgpu_open(t->dev);
    if (fd < 0) {
        fail(t, step, "second open: %s", strerror(-fd));
        return;
    }
    ret = vgpu_buffer_create(fd, OOB_BUF_SIZE, &bo);
    if (ret) {
        fail(t, step, "RESOURCE_CREATE: %s", strerror(-ret));
        close(fd);
        return;
    }
    for (dir = 0; dir < 2 && ret == 0; dir++) {
        ret = oob_transfer(fd, &bo, dir == 0, what, sizeof(what));
        vgpu_line("INFO", "%s: %s", step, what);
    }
    if (ret) {
        fail(t, step, "%s", what);
    } else {
        /* Whatever the verdict on the box, the device must still work. */
        ret = submit_and_wait(fd, -1, t->timeout_ms);
        if (ret) {
            fail(t, step, "context unusable afterwards: %s",
                 wait_error(ret, t->timeout_ms, why, sizeof(why)));
        } else {
            pass(t, step);
        }
    }
    vgpu_bo_destroy(fd, &bo);
    close(fd);
}

/* ---- budget steps ---- */

#define BUDGET_BUF_MIB      4
#define BUDGET_EXTRA        24      /* objects tried past the budget */
#define BUDGET_PROBE_SIZE   4096
#define BUDGET_MAX_CONTEXTS 1023    /* the device's own bound */

/*
 * Does the host hold bo?  A pattern goes to the host and comes back
 * into a cleared mapping: a resource or context the host refused keeps
 * its transfers from reaching anything.
 */
static bool host_holds(int fd, struct vgpu_bo *bo, uint32_t size,
                       uint8_t seed)
{
    size_t bad = 0;

    if (mem_access(bo->map, size, MEM_FILL, seed, NULL) ||
        vgpu_transfer_buffer(fd, bo, true, 0, size) ||
        vgpu_wait(fd, bo->bo_handle, false) ||
        mem_access(bo->map, size, MEM_CLEAR, 0, NULL) ||
        vgpu_transfer_buffer(fd, bo, false, 0, size) ||
        vgpu_wait(fd, bo->bo_handle, false) ||
        mem_access(bo->map, size, MEM_CHECK, seed, &bad)) {
        return false;
    }
    return bad == size;
}

/* A mapped buffer of size bytes on fd, or false. */
static bool budget_buffer(int fd, uint32_t size, struct vgpu_bo *bo)
{
    if (vgpu_buffer_create(fd, size, bo)) {
        return false;
    }
    if (vgpu_bo_map(fd, bo)) {
        vgpu_bo_destroy(fd, bo);
        return false;
    }
    return true;
}

/* Does fd's context work?  A small buffer of it must round-trip. */
static bool context_works(int fd, uint8_t seed)
{
    struct vgpu_bo bo;
    bool ok = budget_buffer(fd, BUDGET_PROBE_SIZE, &bo);

    if (ok) {
        ok = host_holds(fd, &bo, BUDGET_PROBE_SIZE, seed);
        vgpu_bo_destroy(fd, &bo);
    }
    return ok;
}

/* After a budget step: a new DRM file, context and buffer must work. */
static void step_budget_recovers(struct tester *t, const char *step)
{
    int fd = vgpu_open(t->dev);
    bool ok;

    if (fd < 0) {
        fail(t, step, "%s: %s", t->dev, strerror(-fd));
        return;
    }
    ok = context_works(fd, 0x3c);
    close(fd);
    if (!ok) {
        fail(t, step, "a fresh context's buffer did not round-trip");
        return;
    }
    pass(t, step);
}

/*
 * Buffers of BUDGET_BUF_MIB until past max_resource_bytes.  The host
 * must hold as many as fit, less what the console already uses (its
 * framebuffer counts too): one or two fewer than MIB / BUDGET_BUF_MIB.
 */
static void step_budget_resource_bytes(struct tester *t)
{
    const char *step = "budget_resource_bytes";
    unsigned fit = t->budget_mib / BUDGET_BUF_MIB;
    unsigned tries = fit + BUDGET_EXTRA, made = 0, held = 0, i;
    uint32_t size = BUDGET_BUF_MIB << 20;
    struct vgpu_bo *bos = calloc(tries, sizeof(*bos));

    if (!need_3d(t, step) || !bos) {
        free(bos);
        return;
    }
    for (i = 0; i < tries && budget_buffer(t->fd, size, &bos[made]); i++) {
        made++;
    }
    for (i = 0; i < made; i++) {
        held += host_holds(t->fd, &bos[i], size, (uint8_t)i);
    }
    for (i = 0; i < made; i++) {
        vgpu_bo_destroy(t->fd, &bos[i]);
    }
    free(bos);
    vgpu_line("INFO", "%s: the host holds %u of %u buffers of %u MiB "
              "(max_resource_bytes=%uM)", step, held, made, BUDGET_BUF_MIB,
              t->budget_mib);
    if (made < tries) {
        fail(t, step, "the guest could make only %u of %u buffers", made,
             tries);
    } else if (held > fit || held + 2 < fit) {
        fail(t, step, "the host holds %u buffers, expected %u or one or "
             "two fewer", held, fit);
    } else {
        pass(t, step);
    }
    step_budget_recovers(t, "budget_resource_bytes_recovers");
}

/*
 * A DRM file per context (the kernel makes one context per file) until
 * past max_contexts: exactly N of them must work, less the one of the
 * kernel's framebuffer console when there is one (its DRM client made a
 * context with its framebuffer).
 */
static void step_budget_contexts(struct tester *t)
{
    const char *step = "budget_contexts";
    unsigned tries = t->budget_contexts + BUDGET_EXTRA, held = 0, i;
    bool console = access("/sys/class/graphics/fb0", F_OK) == 0;
    unsigned expected = t->budget_contexts - (console ? 1 : 0);
    int *fds = calloc(tries, sizeof(*fds));
    char which[BUDGET_MAX_CONTEXTS + BUDGET_EXTRA + 1] = "";

    if (!need_3d(t, step) || !fds) {
        free(fds);
        return;
    }
    /* Only the files below may hold contexts of this program's */
    close(t->fd);
    t->fd = -1;
    for (i = 0; i < tries; i++) {
        bool ok;

        fds[i] = vgpu_open(t->dev);
        ok = fds[i] >= 0 && context_works(fds[i], (uint8_t)i);
        held += ok;
        which[i] = ok ? '+' : '-';
    }
    for (i = 0; i < tries; i++) {
        if (fds[i] >= 0) {
            close(fds[i]);
        }
    }
    free(fds);
    vgpu_line("INFO", "%s: %u of %u contexts work (max_contexts=%u%s): %s",
              step, held, tries, t->budget_contexts,
              console ? ", one the console's" : "", which);
    if (held != expected) {
        fail(t, step, "%u contexts work, expected %u", held, expected);
    } else {
        pass(t, step);
    }
    step_budget_recovers(t, "budget_contexts_recovers");
}

/* ---- code step ---- */

#define CODE_SIZE           4096
#define CODE_GUEST_VALUE    0x1234  /* what the guest's own code returns */
#define CODE_HOST_VALUE     0x5678  /* what the host's copy returns */

/* Write a function returning value at p; its size, or 0 on no encoding. */
static size_t put_code(uint8_t *p, uint16_t value)
{
#if defined(__aarch64__)
    uint32_t insn[2] = {
        0x52800000u | ((uint32_t)value << 5),   /* movz w0, #value */
        0xd65f03c0u,                            /* ret */
    };
#elif defined(__x86_64__)
    uint8_t insn[6] = {
        0xb8, value & 0xff, value >> 8, 0, 0,   /* mov eax, value */
        0xc3,                                   /* ret */
    };
#else
    uint8_t insn[1];
    return 0;
#endif
    memcpy(p, insn, sizeof(insn));
    __builtin___clear_cache((char *)p, (char *)p + sizeof(insn));
    return sizeof(insn);
}

static int run_code(const uint8_t *p)
{
    int (*fn)(void);

    /* Data and function pointers share a size on every Linux target. */
    memcpy(&fn, &p, sizeof(fn));
    return fn();
}

/*
 * The host's copy of a buffer holds one function, the guest's mapping
 * another, which the CPU runs.  TRANSFER_FROM_HOST then brings the
 * host's function back into the mapping: the device writes guest memory
 * behind the CPU's back, and unless it tells QEMU so, a TCG guest goes
 * on running the code it translated before.
 */
/* Put code in bo's mapping whose host copy holds other code; why not. */
static const char *replace_code(struct tester *t, struct vgpu_bo *bo,
                                const uint8_t *host_code, size_t len,
                                int *got)
{
    if (mprotect(bo->map, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC)) {
        return "mprotect PROT_EXEC failed";
    }
    put_code(bo->map, CODE_HOST_VALUE);
    if (vgpu_transfer_buffer(t->fd, bo, true, 0, CODE_SIZE) ||
        vgpu_wait(t->fd, bo->bo_handle, false)) {
        return "TRANSFER_TO_HOST + WAIT failed";
    }
    put_code(bo->map, CODE_GUEST_VALUE);
    *got = run_code(bo->map);
    if (*got != CODE_GUEST_VALUE) {
        return "the guest's own code returned the wrong value";
    }
    if (vgpu_transfer_buffer(t->fd, bo, false, 0, CODE_SIZE) ||
        vgpu_wait(t->fd, bo->bo_handle, false)) {
        return "TRANSFER_FROM_HOST + WAIT failed";
    }
    if (memcmp(bo->map, host_code, len)) {
        return "the transfer did not bring the host's code back";
    }
    *got = run_code(bo->map);
    return NULL;
}

/*
 * The host's copy of a buffer holds one function, the guest's mapping
 * another, which the CPU runs.  TRANSFER_FROM_HOST then brings the
 * host's function back into the mapping: the device writes guest memory
 * behind the CPU's back, and unless it tells QEMU so, a TCG guest goes
 * on running the code it translated before.
 */
static void step_transfer_replaces_code(struct tester *t)
{
    const char *step = "transfer_replaces_code";
    uint8_t host_code[16];
    struct vgpu_bo bo;
    const char *why;
    size_t len;
    int got = 0;

    len = put_code(host_code, CODE_HOST_VALUE);
    if (!len) {
        skip(t, step, "no instruction encoding for this architecture");
        return;
    }
    if (!need_3d(t, step)) {
        return;
    }
    if (!budget_buffer(t->fd, CODE_SIZE, &bo)) {
        fail(t, step, "no mapped buffer of %d bytes", CODE_SIZE);
        return;
    }
    why = replace_code(t, &bo, host_code, len, &got);
    if (why) {
        fail(t, step, "%s (got 0x%x)", why, got);
    } else if (got != CODE_HOST_VALUE) {
        fail(t, step, "the transferred code returned 0x%x, not 0x%x: the "
             "CPU ran what it had translated before the transfer", got,
             CODE_HOST_VALUE);
    } else {
        pass(t, step);
    }
    vgpu_bo_destroy(t->fd, &bo);
}

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s [-d DEVICE] [-t TIMEOUT_MS] [-b MIB] "
            "[-c N] [-x]\n"
            "  -d DEVICE      DRM device node (default %s)\n"
            "  -t TIMEOUT_MS  fence timeout (default %d)\n"
            "  -b MIB         budget steps: the host's max_resource_bytes\n"
            "  -c N           budget steps: the host's max_contexts\n"
            "  -x             the code step: a transfer replaces run code\n",
            prog, VGPU_DEFAULT_DEVICE, DEFAULT_TIMEOUT_MS);
}

static bool parse_args(int argc, char **argv, struct tester *t, int *status)
{
    int opt;

    while ((opt = getopt(argc, argv, "d:t:b:c:xh")) != -1) {
        switch (opt) {
        case 'd':
            t->dev = optarg;
            break;
        case 'b':
        case 'c':
            if (atoi(optarg) <= 0 ||
                (opt == 'c' && atoi(optarg) > BUDGET_MAX_CONTEXTS)) {
                fprintf(stderr, "%s: bad budget '%s'\n", argv[0], optarg);
                *status = 2;
                return false;
            }
            *(opt == 'b' ? &t->budget_mib : &t->budget_contexts) =
                atoi(optarg);
            break;
        case 'x':
            t->code = true;
            break;
        case 't':
            t->timeout_ms = atoi(optarg);
            if (t->timeout_ms <= 0) {
                fprintf(stderr, "%s: bad timeout '%s'\n", argv[0], optarg);
                *status = 2;
                return false;
            }
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
    }
    return true;
}

static int finish(struct tester *t)
{
    if (t->fd >= 0) {
        vgpu_bo_destroy(t->fd, &t->buf);
        close(t->fd);
    }
    printf("%u passed, %u failed, %u skipped\n",
           t->passed, t->failed, t->skipped);
    fflush(stdout);
    return t->failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    struct tester t = {
        .dev = VGPU_DEFAULT_DEVICE,
        .timeout_ms = DEFAULT_TIMEOUT_MS,
        .fd = -1,
    };
    int status;

    if (!parse_args(argc, argv, &t, &status)) {
        return status;
    }
    install_fault_handlers();

    step_open(&t);
    step_getparam_3d(&t);
    if (t.code) {
        step_transfer_replaces_code(&t);
        return finish(&t);
    }
    if (t.budget_mib || t.budget_contexts) {
        if (t.budget_mib) {
            step_budget_resource_bytes(&t);
        }
        if (t.budget_contexts) {
            step_budget_contexts(&t);
        }
        return finish(&t);
    }
    step_context_init(&t);
    step_resource_create_3d(&t);
    step_map(&t);
    step_transfer_roundtrip(&t);
    step_execbuffer_fence(&t);
    step_execbuffer_rings(&t);
    step_execbuffer_ring_oob(&t);
    step_wait(&t);
    step_resource_create_blob(&t);
    step_blob_host3d_map(&t);
    step_transfer_oob(&t);
    return finish(&t);
}
