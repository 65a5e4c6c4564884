/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpu-scanout: put a known picture on one of the device's outputs
 * through the kernel's KMS interface, the way a compositor would, so the
 * host can check the picture by pixels on every display backend.
 *
 *   vgpu-scanout [-o OUTPUT] [-t SECONDS] [-c X,Y [-m X,Y]] [-f COUNT] KIND
 *
 * KIND says which kind of resource the scanout shows:
 *   2d    a dumb buffer (RESOURCE_CREATE_2D, transfers, flush), four
 *         quadrants: red, green, blue, white;
 *   gl    a virgl 3D resource cleared by the host GPU (virgl CLEAR), one
 *         colour: VGPU_GL_RGB;
 *   blob  a guest-memory blob resource (SET_SCANOUT_BLOB), the four
 *         quadrants again, written through the guest's own mapping.
 * -c shows a 64x64 cursor (left half magenta, right half yellow, hot
 * spot 0,0) at X,Y; -m moves it to another X,Y 3 s after "SCANOUT ready"
 * and says "SCANOUT cursor moved".  -f COUNT then redraws and flushes the whole frame
 * COUNT times and reports the flush rate and latency.  The program holds
 * the output for SECONDS (default 60) after printing "SCANOUT ready",
 * since closing the device takes the picture down again.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "virtgpu.h"
#include <drm/drm_mode.h>

#define CURSOR_SIZE 64
#define DRM_FORMAT_XRGB8888 0x34325258u   /* 'XR24' */
#define VGPU_GL_RGB 0x20a0e0u

/* virgl values for a render target that can be scanned out. */
#define VIRGL_TEXTURE_2D            2
#define VIRGL_FORMAT_B8G8R8X8_UNORM 2
#define VIRGL_BIND_RENDER_TARGET    (1u << 1)
#define VIRGL_BIND_SCANOUT          (1u << 18)
#define VIRGL_CCMD_CREATE_OBJECT    1
#define VIRGL_CCMD_SET_FRAMEBUFFER  5
#define VIRGL_CCMD_CLEAR            7
#define VIRGL_OBJECT_SURFACE        8
#define PIPE_CLEAR_COLOR0           (1u << 2)

struct output {
    uint32_t connector, crtc;
    struct drm_mode_modeinfo mode;
};

struct frame {
    uint32_t width, height, pitch;
    uint32_t bo_handle, fb;
    uint8_t *pixels;            /* NULL for a GL frame */
    size_t size;
};

static void die(const char *what, int err)
{
    vgpu_line("SCANOUT", "error %s: %s", what, strerror(-err));
    exit(1);
}

/* Connector and CRTC of output N (virtio-gpu pairs them by index). */
static void find_output(int fd, unsigned n, struct output *o)
{
    uint32_t conns[16], crtcs[16];
    struct drm_mode_card_res res = { 0 };
    struct drm_mode_get_connector gc = { 0 };
    struct drm_mode_modeinfo *modes;
    int ret = vgpu_ioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res);

    if (ret) {
        die("GETRESOURCES", ret);
    }
    if (n >= res.count_connectors || n >= res.count_crtcs || n >= 16) {
        vgpu_line("SCANOUT", "error output %u: the device has %u", n,
                  res.count_connectors);
        exit(1);
    }
    res.count_fbs = res.count_encoders = 0;
    res.count_connectors = res.count_connectors > 16 ? 16
                                                     : res.count_connectors;
    res.count_crtcs = res.count_crtcs > 16 ? 16 : res.count_crtcs;
    res.connector_id_ptr = (uintptr_t)conns;
    res.crtc_id_ptr = (uintptr_t)crtcs;
    ret = vgpu_ioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res);
    if (ret) {
        die("GETRESOURCES", ret);
    }
    gc.connector_id = conns[n];
    ret = vgpu_ioctl(fd, DRM_IOCTL_MODE_GETCONNECTOR, &gc);
    if (ret || gc.count_modes == 0) {
        vgpu_line("SCANOUT", "error output %u has no modes", n);
        exit(1);
    }
    modes = calloc(gc.count_modes, sizeof(*modes));
    gc.modes_ptr = (uintptr_t)modes;
    gc.count_props = gc.count_encoders = 0;
    ret = vgpu_ioctl(fd, DRM_IOCTL_MODE_GETCONNECTOR, &gc);
    if (ret) {
        die("GETCONNECTOR", ret);
    }
    o->connector = conns[n];
    o->crtc = crtcs[n];
    o->mode = modes[0];         /* the preferred mode comes first */
    free(modes);
}

/* Four quadrants: red, green / blue, white, in XRGB8888. */
static void draw_quadrants(struct frame *f, uint32_t shade)
{
    static const uint32_t colour[4] = {
        0xff0000, 0x00ff00, 0x0000ff, 0xffffff,
    };
    uint32_t x, y;

    for (y = 0; y < f->height; y++) {
        uint32_t *row = (uint32_t *)(f->pixels + (size_t)y * f->pitch);

        for (x = 0; x < f->width; x++) {
            unsigned q = (y >= f->height / 2) * 2 + (x >= f->width / 2);

            row[x] = colour[q] ^ shade;
        }
    }
}

static void dumb_frame(int fd, struct frame *f, uint32_t w, uint32_t h)
{
    struct drm_mode_create_dumb cd = { .width = w, .height = h, .bpp = 32 };
    struct drm_mode_map_dumb md = { 0 };
    int ret = vgpu_ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &cd);

    if (ret) {
        die("CREATE_DUMB", ret);
    }
    md.handle = cd.handle;
    ret = vgpu_ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &md);
    if (ret) {
        die("MAP_DUMB", ret);
    }
    f->width = w;
    f->height = h;
    f->pitch = cd.pitch;
    f->bo_handle = cd.handle;
    f->size = cd.size;
    f->pixels = mmap(NULL, cd.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                     (off_t)md.offset);
    if (f->pixels == MAP_FAILED) {
        die("mmap dumb", -errno);
    }
}

static void blob_frame(int fd, struct frame *f, uint32_t w, uint32_t h)
{
    long page = sysconf(_SC_PAGESIZE);
    struct drm_virtgpu_resource_create_blob rb = {
        .blob_mem = VIRTGPU_BLOB_MEM_GUEST,
        .blob_flags = VIRTGPU_BLOB_FLAG_USE_MAPPABLE |
                      VIRTGPU_BLOB_FLAG_USE_SHAREABLE,
        .size = ((uint64_t)w * h * 4 + page - 1) / page * page,
    };
    struct vgpu_bo bo;
    int ret = vgpu_resource_create_blob(fd, &rb, &bo);

    if (ret) {
        die("RESOURCE_CREATE_BLOB (is blob=on set?)", ret);
    }
    ret = vgpu_bo_map(fd, &bo);
    if (ret) {
        die("map blob", ret);
    }
    f->width = w;
    f->height = h;
    f->pitch = w * 4;
    f->bo_handle = bo.bo_handle;
    f->pixels = bo.map;
    f->size = bo.size;
}

/* Submit virgl commands with a fence and wait for it; `what` names them. */
static void submit_and_wait(int fd, const uint32_t *cmd, size_t ndw,
                            const char *what)
{
    char step[64];
    int fence = -1;
    int ret = vgpu_execbuffer(fd, cmd, ndw, -1, &fence);

    if (ret) {
        snprintf(step, sizeof(step), "EXECBUFFER %s", what);
        die(step, ret);
    }
    ret = vgpu_fence_wait(fence, 10000);
    close(fence);
    if (ret) {
        snprintf(step, sizeof(step), "waiting for the %s", what);
        die(step, ret);
    }
}

static uint32_t float_bits(float v)
{
    uint32_t u;

    memcpy(&u, &v, sizeof(u));
    return u;
}

/* Clear the 3D resource to VGPU_GL_RGB on the host GPU and wait for it. */
static void gl_clear(int fd, uint32_t res, uint32_t rgb)
{
    uint32_t cmd[] = {
        VGPU_VIRGL_CMD0(VIRGL_CCMD_CREATE_OBJECT, VIRGL_OBJECT_SURFACE, 5),
        1, res, VIRGL_FORMAT_B8G8R8X8_UNORM, 0, 0,
        VGPU_VIRGL_CMD0(VIRGL_CCMD_SET_FRAMEBUFFER, 0, 3), 1, 0, 1,
        VGPU_VIRGL_CMD0(VIRGL_CCMD_CLEAR, 0, 8), PIPE_CLEAR_COLOR0,
        float_bits(((rgb >> 16) & 0xff) / 255.0f),
        float_bits(((rgb >> 8) & 0xff) / 255.0f),
        float_bits((rgb & 0xff) / 255.0f), float_bits(1.0f),
        0, 0, 0,                /* depth (a double), stencil */
    };

    submit_and_wait(fd, cmd, sizeof(cmd) / 4, "clear");
}

static void gl_frame(int fd, struct frame *f, uint32_t w, uint32_t h)
{
    struct drm_virtgpu_resource_create rc = {
        .target = VIRGL_TEXTURE_2D,
        .format = VIRGL_FORMAT_B8G8R8X8_UNORM,
        .bind = VIRGL_BIND_RENDER_TARGET | VIRGL_BIND_SCANOUT,
        .width = w, .height = h, .depth = 1, .array_size = 1,
        .stride = w * 4, .size = w * h * 4,
    };
    struct vgpu_bo bo;
    int ret = vgpu_resource_create_3d(fd, &rc, &bo);

    if (ret) {
        die("RESOURCE_CREATE (3D; is virgl on?)", ret);
    }
    gl_clear(fd, bo.res_handle, VGPU_GL_RGB);
    f->width = w;
    f->height = h;
    f->pitch = w * 4;
    f->bo_handle = bo.bo_handle;
    f->pixels = NULL;
}

static void add_fb(int fd, struct frame *f)
{
    struct drm_mode_fb_cmd2 fc = {
        .width = f->width, .height = f->height,
        .pixel_format = DRM_FORMAT_XRGB8888,
        .handles = { f->bo_handle }, .pitches = { f->pitch },
    };
    int ret = vgpu_ioctl(fd, DRM_IOCTL_MODE_ADDFB2, &fc);

    if (ret) {
        die("ADDFB2", ret);
    }
    f->fb = fc.fb_id;
}

static void set_crtc(int fd, const struct output *o, const struct frame *f)
{
    struct drm_mode_crtc c = {
        .set_connectors_ptr = (uintptr_t)&o->connector,
        .count_connectors = 1, .crtc_id = o->crtc, .fb_id = f->fb,
        .mode_valid = 1, .mode = o->mode,
    };
    int ret = vgpu_ioctl(fd, DRM_IOCTL_MODE_SETCRTC, &c);

    if (ret) {
        die("SETCRTC (is another program the DRM master?)", ret);
    }
}

/* Transfer (dumb) and flush the whole frame. */
static void flush(int fd, const struct frame *f)
{
    struct drm_mode_fb_dirty_cmd d = { .fb_id = f->fb };
    int ret = vgpu_ioctl(fd, DRM_IOCTL_MODE_DIRTYFB, &d);

    if (ret) {
        die("DIRTYFB", ret);
    }
}

static void move_cursor(int fd, const struct output *o, int x, int y)
{
    struct drm_mode_cursor mc = {
        .flags = DRM_MODE_CURSOR_MOVE, .crtc_id = o->crtc, .x = x, .y = y,
    };
    int ret = vgpu_ioctl(fd, DRM_IOCTL_MODE_CURSOR, &mc);

    if (ret) {
        die("MODE_CURSOR move", ret);
    }
}

static void show_cursor(int fd, const struct output *o, int x, int y)
{
    struct frame c;
    struct drm_mode_cursor mc = {
        .flags = DRM_MODE_CURSOR_BO | DRM_MODE_CURSOR_MOVE,
        .crtc_id = o->crtc, .x = x, .y = y,
        .width = CURSOR_SIZE, .height = CURSOR_SIZE,
    };
    uint32_t i, j;
    int ret;

    dumb_frame(fd, &c, CURSOR_SIZE, CURSOR_SIZE);
    for (j = 0; j < CURSOR_SIZE; j++) {
        uint32_t *row = (uint32_t *)(c.pixels + (size_t)j * c.pitch);

        for (i = 0; i < CURSOR_SIZE; i++) {
            row[i] = i < CURSOR_SIZE / 2 ? 0xffff00ff : 0xffffff00;
        }
    }
    mc.handle = c.bo_handle;
    ret = vgpu_ioctl(fd, DRM_IOCTL_MODE_CURSOR, &mc);
    if (ret) {
        die("MODE_CURSOR", ret);
    }
}

/*
 * Wait until the device has handled everything queued so far: the
 * control queue is served in order, so a fenced no-op submitted after a
 * flush signals once that flush is done (the kernel itself waits for
 * flushes of some resource kinds only).
 */
static void drain(int fd)
{
    uint32_t cmd[2];

    submit_and_wait(fd, cmd, vgpu_virgl_noop(cmd, 2), "drain");
}

/*
 * COUNT whole-frame flushes.  The guest redraws the frame between them
 * (2d and blob), untimed: what is timed is one flush, from DIRTYFB to
 * the device having handled it, so the rate is the display path's and
 * not the guest CPU's.
 */
static void flush_loop(int fd, struct frame *f, unsigned count,
                       const char *kind)
{
    uint64_t *lat = calloc(count, sizeof(*lat));
    uint64_t busy = 0;
    unsigned i;

    drain(fd);
    for (i = 0; i < count; i++) {
        uint64_t t0;

        if (f->pixels) {
            draw_quadrants(f, i & 1 ? 0x010101 : 0);
        }
        t0 = vgpu_now_ns();
        flush(fd, f);
        drain(fd);
        lat[i] = vgpu_now_ns() - t0;
        busy += lat[i];
    }
    vgpu_sort_u64(lat, count);
    vgpu_line("BENCH", "flush_%s_fps value=%.1f unit=frames/s", kind,
              count * 1e9 / (double)busy);
    vgpu_line("BENCH", "flush_%s_us median=%.1f p99=%.1f unit=us", kind,
              vgpu_percentile(lat, count, 50) / 1e3,
              vgpu_percentile(lat, count, 99) / 1e3);
    free(lat);
}

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s [-o OUTPUT] [-t SECONDS] [-c X,Y [-m X,Y]] "
            "[-f COUNT] 2d|gl|blob\n", prog);
}

int main(int argc, char **argv)
{
    unsigned out = 0, hold = 60, flushes = 0;
    int cx = -1, cy = -1, mx = -1, my = -1, opt, fd;
    struct output o;
    struct frame f;
    const char *kind;

    while ((opt = getopt(argc, argv, "o:t:c:m:f:")) != -1) {
        switch (opt) {
        case 'o':
            out = strtoul(optarg, NULL, 0);
            break;
        case 't':
            hold = strtoul(optarg, NULL, 0);
            break;
        case 'c':
            if (sscanf(optarg, "%d,%d", &cx, &cy) != 2) {
                usage(argv[0]);
                return 2;
            }
            break;
        case 'm':
            if (sscanf(optarg, "%d,%d", &mx, &my) != 2) {
                usage(argv[0]);
                return 2;
            }
            break;
        case 'f':
            flushes = strtoul(optarg, NULL, 0);
            break;
        default:
            usage(argv[0]);
            return 2;
        }
    }
    if (optind != argc - 1) {
        usage(argv[0]);
        return 2;
    }
    kind = argv[optind];
    fd = vgpu_open(VGPU_DEFAULT_DEVICE);
    if (fd < 0) {
        die("open " VGPU_DEFAULT_DEVICE, fd);
    }
    find_output(fd, out, &o);
    if (!strcmp(kind, "2d")) {
        dumb_frame(fd, &f, o.mode.hdisplay, o.mode.vdisplay);
        draw_quadrants(&f, 0);
    } else if (!strcmp(kind, "blob")) {
        blob_frame(fd, &f, o.mode.hdisplay, o.mode.vdisplay);
        draw_quadrants(&f, 0);
    } else if (!strcmp(kind, "gl")) {
        gl_frame(fd, &f, o.mode.hdisplay, o.mode.vdisplay);
    } else {
        usage(argv[0]);
        return 2;
    }
    add_fb(fd, &f);
    set_crtc(fd, &o, &f);
    flush(fd, &f);
    if (cx >= 0) {
        show_cursor(fd, &o, cx, cy);
    }
    if (flushes) {
        flush_loop(fd, &f, flushes, kind);
        if (f.pixels) {
            draw_quadrants(&f, 0);
            flush(fd, &f);
        }
    }
    vgpu_line("SCANOUT", "ready %s output %u %ux%u", kind, out, f.width,
              f.height);
    if (cx >= 0 && mx >= 0) {
        sleep(3);
        move_cursor(fd, &o, mx, my);
        vgpu_line("SCANOUT", "cursor moved %d,%d", mx, my);
    }
    sleep(hold);
    return 0;
}
