/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpu-glwork: fixed GL work in several shapes, the same program on the
 * host and in a guest, so the two can be set side by side.
 *
 * EGL on the surfaceless platform and an OpenGL ES 3.0 context, drawing
 * into framebuffer objects: no window system on either side.  Shapes:
 *   frag-1080p, frag-2160p  a full-screen integer-hash shader
 *   draws                   many small draws into a 256x256 target
 *   upload                  a 1920x1080 texture from the CPU per frame
 *   readback                a 1920x1080 frame read back per frame
 *   fence                   fence round trips
 *   cpu                     upload's and readback's CPU work alone, no
 *                           GL: in a TCG guest, what emulation costs
 * Each frame ends by waiting on a fence, and its wall time is one sample.
 * The pictures are checked against the CPU's own computation and
 * summed, so a wrong picture cannot pass for a fast one (the line format
 * is in work-common.h).
 *
 * EGL and GLES are reached with dlopen(), so the program builds for any
 * guest with the C library alone.
 *
 * Usage: vgpu-glwork [-n FRAMES] [-i ITERS] [-D DRAWS] [-f FENCES]
 *                    [-s SHAPE[,SHAPE...]]
 */

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "work-common.h"

/* The few EGL and GL names and values we need, from the Khronos specs. */
typedef void *EGLDisplay, *EGLContext, *EGLConfig, *EGLSurface;
typedef int32_t EGLint;
typedef unsigned int EGLBoolean, EGLenum;
typedef unsigned int GLenum, GLuint, GLbitfield;
typedef int GLint, GLsizei;
typedef float GLfloat;
typedef char GLchar;
typedef unsigned char GLubyte;
typedef struct __GLsync *GLsync;
typedef uint64_t GLuint64;

#define EGL_PLATFORM_SURFACELESS_MESA   0x31DD
#define EGL_NONE                        0x3038
#define EGL_OPENGL_ES_API               0x30A0
#define EGL_CONTEXT_MAJOR_VERSION       0x3098
#define EGL_RENDERABLE_TYPE             0x3040
#define EGL_OPENGL_ES3_BIT              0x0040
#define EGL_SURFACE_TYPE                0x3033
#define EGL_PBUFFER_BIT                 0x0001

#define GL_RENDERER                 0x1F01
#define GL_VERSION                  0x1F02
#define GL_FRAGMENT_SHADER          0x8B30
#define GL_VERTEX_SHADER            0x8B31
#define GL_COMPILE_STATUS           0x8B81
#define GL_LINK_STATUS              0x8B82
#define GL_TEXTURE_2D               0x0DE1
#define GL_RGBA                     0x1908
#define GL_RGBA8                    0x8058
#define GL_UNSIGNED_BYTE            0x1401
#define GL_FRAMEBUFFER              0x8D40
#define GL_COLOR_ATTACHMENT0        0x8CE0
#define GL_FRAMEBUFFER_COMPLETE     0x8CD5
#define GL_COLOR_BUFFER_BIT         0x4000
#define GL_TRIANGLES                0x0004
#define GL_TRIANGLE_STRIP           0x0005
#define GL_SYNC_GPU_COMMANDS_COMPLETE 0x9117
#define GL_SYNC_FLUSH_COMMANDS_BIT  0x0001
#define GL_TIMEOUT_EXPIRED          0x911B
#define GL_WAIT_FAILED              0x911D
#define GL_PACK_ALIGNMENT           0x0D05
#define GL_UNPACK_ALIGNMENT         0x0CF5
#define GL_TEXTURE_MIN_FILTER       0x2801
#define GL_TEXTURE_MAG_FILTER       0x2800
#define GL_NEAREST                  0x2600

#define FENCE_TIMEOUT_NS    (30ull * 1000 * 1000 * 1000)
#define DRAW_SIDE           256
#define DRAW_CELL           16
#define DRAW_CELLS          ((DRAW_SIDE / DRAW_CELL) * (DRAW_SIDE / DRAW_CELL))
#define FRAG_SAMPLE_STRIDE  97

#define EGL_FUNCS(X) \
    X(EGLDisplay, GetPlatformDisplay, (EGLenum, void *, const intptr_t *)) \
    X(EGLDisplay, GetDisplay, (void *)) \
    X(EGLBoolean, Initialize, (EGLDisplay, EGLint *, EGLint *)) \
    X(EGLBoolean, BindAPI, (EGLenum)) \
    X(EGLBoolean, ChooseConfig, (EGLDisplay, const EGLint *, EGLConfig *, \
                                 EGLint, EGLint *)) \
    X(EGLContext, CreateContext, (EGLDisplay, EGLConfig, EGLContext, \
                                  const EGLint *)) \
    X(EGLBoolean, MakeCurrent, (EGLDisplay, EGLSurface, EGLSurface, \
                                EGLContext)) \
    X(EGLBoolean, DestroyContext, (EGLDisplay, EGLContext)) \
    X(EGLBoolean, Terminate, (EGLDisplay)) \
    X(EGLint, GetError, (void))

#define GL_FUNCS(X) \
    X(const GLubyte *, GetString, (GLenum)) \
    X(GLenum, GetError, (void)) \
    X(GLuint, CreateShader, (GLenum)) \
    X(void, ShaderSource, (GLuint, GLsizei, const GLchar *const *, \
                           const GLint *)) \
    X(void, CompileShader, (GLuint)) \
    X(void, GetShaderiv, (GLuint, GLenum, GLint *)) \
    X(void, GetShaderInfoLog, (GLuint, GLsizei, GLsizei *, GLchar *)) \
    X(GLuint, CreateProgram, (void)) \
    X(void, AttachShader, (GLuint, GLuint)) \
    X(void, LinkProgram, (GLuint)) \
    X(void, GetProgramiv, (GLuint, GLenum, GLint *)) \
    X(void, GetProgramInfoLog, (GLuint, GLsizei, GLsizei *, GLchar *)) \
    X(void, UseProgram, (GLuint)) \
    X(void, DeleteProgram, (GLuint)) \
    X(void, DeleteShader, (GLuint)) \
    X(GLint, GetUniformLocation, (GLuint, const GLchar *)) \
    X(void, Uniform1ui, (GLint, GLuint)) \
    X(void, Uniform1i, (GLint, GLint)) \
    X(void, Uniform4f, (GLint, GLfloat, GLfloat, GLfloat, GLfloat)) \
    X(void, GenTextures, (GLsizei, GLuint *)) \
    X(void, DeleteTextures, (GLsizei, const GLuint *)) \
    X(void, BindTexture, (GLenum, GLuint)) \
    X(void, TexParameteri, (GLenum, GLenum, GLint)) \
    X(void, TexStorage2D, (GLenum, GLsizei, GLenum, GLsizei, GLsizei)) \
    X(void, TexSubImage2D, (GLenum, GLint, GLint, GLint, GLsizei, GLsizei, \
                            GLenum, GLenum, const void *)) \
    X(void, GenFramebuffers, (GLsizei, GLuint *)) \
    X(void, DeleteFramebuffers, (GLsizei, const GLuint *)) \
    X(void, BindFramebuffer, (GLenum, GLuint)) \
    X(void, FramebufferTexture2D, (GLenum, GLenum, GLenum, GLuint, GLint)) \
    X(GLenum, CheckFramebufferStatus, (GLenum)) \
    X(void, Viewport, (GLint, GLint, GLsizei, GLsizei)) \
    X(void, ClearColor, (GLfloat, GLfloat, GLfloat, GLfloat)) \
    X(void, Clear, (GLbitfield)) \
    X(void, DrawArrays, (GLenum, GLint, GLsizei)) \
    X(void, PixelStorei, (GLenum, GLint)) \
    X(void, ReadPixels, (GLint, GLint, GLsizei, GLsizei, GLenum, GLenum, \
                         void *)) \
    X(GLsync, FenceSync, (GLenum, GLbitfield)) \
    X(GLenum, ClientWaitSync, (GLsync, GLbitfield, GLuint64)) \
    X(void, DeleteSync, (GLsync))

#define DECLARE_EGL(ret, name, args) static ret (*egl##name) args;
#define DECLARE_GL(ret, name, args) static ret (*gl##name) args;
EGL_FUNCS(DECLARE_EGL)
GL_FUNCS(DECLARE_GL)

/* A colour texture with a framebuffer object around it. */
typedef struct Target {
    GLuint tex;
    GLuint fbo;
    int width;
    int height;
} Target;

static const char *vertex_fullscreen =
    "#version 300 es\n"
    "void main() {\n"
    "    vec2 p = vec2(float((gl_VertexID & 1) << 2),\n"
    "                  float((gl_VertexID & 2) << 1)) - 1.0;\n"
    "    gl_Position = vec4(p, 0.0, 1.0);\n"
    "}\n";

/* Must compute what work_hash_seed/work_hash_step compute. */
static const char *fragment_hash =
    "#version 300 es\n"
    "precision highp float;\n"
    "precision highp int;\n"
    "uniform uint u_frame;\n"
    "uniform int u_iters;\n"
    "out vec4 o;\n"
    "void main() {\n"
    "    uvec2 p = uvec2(gl_FragCoord.xy);\n"
    "    uint s = (p.x * 73856093u) ^ (p.y * 19349663u) ^ u_frame;\n"
    "    for (int i = 0; i < u_iters; i++) {\n"
    "        s = s * 1664525u + 1013904223u;\n"
    "        s ^= s >> 13;\n"
    "    }\n"
    "    o = vec4(uvec4(s, s >> 8, s >> 16, s >> 24) & 0xffu) / 255.0;\n"
    "}\n";

/* A quad given in clip space by u_rect (x0, y0, x1, y1). */
static const char *vertex_rect =
    "#version 300 es\n"
    "uniform vec4 u_rect;\n"
    "void main() {\n"
    "    vec2 p = vec2((gl_VertexID & 1) != 0 ? u_rect.z : u_rect.x,\n"
    "                  (gl_VertexID & 2) != 0 ? u_rect.w : u_rect.y);\n"
    "    gl_Position = vec4(p, 0.0, 1.0);\n"
    "}\n";

static const char *fragment_colour =
    "#version 300 es\n"
    "precision highp float;\n"
    "uniform vec4 u_colour;\n"
    "out vec4 o;\n"
    "void main() { o = u_colour; }\n";

/* Copies the uploaded texture to the target, texel for pixel. */
static const char *fragment_texel =
    "#version 300 es\n"
    "precision highp float;\n"
    "uniform highp sampler2D u_tex;\n"
    "out vec4 o;\n"
    "void main() { o = texelFetch(u_tex, ivec2(gl_FragCoord.xy), 0); }\n";

static void *lookup(void *lib, void *(*proc)(const char *), const char *name)
{
    void *fn = dlsym(lib, name);

    if (!fn && proc) {
        fn = proc(name);
    }
    return fn;
}

static void load_entry_points(void)
{
    void *egl = dlopen("libEGL.so.1", RTLD_NOW | RTLD_GLOBAL);
    void *gles = dlopen("libGLESv2.so.2", RTLD_NOW | RTLD_GLOBAL);
    void *(*proc)(const char *);

    if (!egl || !gles) {
        work_fail("dlopen libEGL.so.1 / libGLESv2.so.2: %s", dlerror());
    }
    proc = (void *(*)(const char *))dlsym(egl, "eglGetProcAddress");
#define LOAD_EGL(ret, name, args) \
    egl##name = (ret (*) args)lookup(egl, proc, "egl" #name);
#define LOAD_GL(ret, name, args) \
    gl##name = (ret (*) args)lookup(gles, proc, "gl" #name); \
    if (!gl##name) { \
        work_fail("no gl" #name); \
    }
    EGL_FUNCS(LOAD_EGL)
    GL_FUNCS(LOAD_GL)
}

/* A display on the surfaceless platform, else the default one. */
static EGLDisplay open_display(void)
{
    EGLDisplay dpy = NULL;

    if (eglGetPlatformDisplay) {
        dpy = eglGetPlatformDisplay(EGL_PLATFORM_SURFACELESS_MESA, NULL,
                                    NULL);
    }
    if (!dpy && eglGetDisplay) {
        dpy = eglGetDisplay(NULL);
    }
    if (!dpy || !eglInitialize(dpy, NULL, NULL)) {
        work_fail("no EGL display (EGL error 0x%x)",
                  eglGetError ? eglGetError() : 0);
    }
    return dpy;
}

static EGLContext make_context(EGLDisplay dpy)
{
    static const EGLint config_attrs[] = {
        EGL_RENDERABLE_TYPE, EGL_OPENGL_ES3_BIT,
        EGL_SURFACE_TYPE, EGL_PBUFFER_BIT, EGL_NONE
    };
    static const EGLint context_attrs[] = {
        EGL_CONTEXT_MAJOR_VERSION, 3, EGL_NONE
    };
    EGLConfig config = NULL;
    EGLContext ctx;
    EGLint n = 0;

    if (!eglBindAPI(EGL_OPENGL_ES_API) ||
        !eglChooseConfig(dpy, config_attrs, &config, 1, &n) || n < 1) {
        work_fail("no EGL config for OpenGL ES 3 (EGL error 0x%x)",
                  eglGetError());
    }
    ctx = eglCreateContext(dpy, config, NULL, context_attrs);
    if (!ctx || !eglMakeCurrent(dpy, NULL, NULL, ctx)) {
        work_fail("no surfaceless OpenGL ES 3 context (EGL error 0x%x)",
                  eglGetError());
    }
    return ctx;
}

static GLuint compile(GLenum type, const char *source)
{
    GLuint shader = glCreateShader(type);
    char log[1024] = "";
    GLint ok = 0;

    glShaderSource(shader, 1, &source, NULL);
    glCompileShader(shader);
    glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        glGetShaderInfoLog(shader, sizeof(log), NULL, log);
        work_fail("shader does not compile: %s", log);
    }
    return shader;
}

static GLuint make_program(const char *vs_source, const char *fs_source)
{
    GLuint vs = compile(GL_VERTEX_SHADER, vs_source);
    GLuint fs = compile(GL_FRAGMENT_SHADER, fs_source);
    GLuint prog = glCreateProgram();
    char log[1024] = "";
    GLint ok = 0;

    glAttachShader(prog, vs);
    glAttachShader(prog, fs);
    glLinkProgram(prog);
    glGetProgramiv(prog, GL_LINK_STATUS, &ok);
    if (!ok) {
        glGetProgramInfoLog(prog, sizeof(log), NULL, log);
        work_fail("program does not link: %s", log);
    }
    glDeleteShader(vs);
    glDeleteShader(fs);
    return prog;
}

static void make_texture(GLuint *tex, int width, int height)
{
    glGenTextures(1, tex);
    glBindTexture(GL_TEXTURE_2D, *tex);
    glTexStorage2D(GL_TEXTURE_2D, 1, GL_RGBA8, width, height);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
}

static Target make_target(int width, int height)
{
    Target t = { .width = width, .height = height };

    make_texture(&t.tex, width, height);
    glGenFramebuffers(1, &t.fbo);
    glBindFramebuffer(GL_FRAMEBUFFER, t.fbo);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0,
                           GL_TEXTURE_2D, t.tex, 0);
    if (glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE) {
        work_fail("%dx%d RGBA8 framebuffer incomplete", width, height);
    }
    glViewport(0, 0, width, height);
    return t;
}

static void free_target(Target *t)
{
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    glDeleteFramebuffers(1, &t->fbo);
    glDeleteTextures(1, &t->tex);
}

/* Waits until the GPU has done everything submitted so far. */
static void wait_gpu(void)
{
    GLsync sync = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
    GLenum r;

    if (!sync) {
        work_fail("glFenceSync (GL error 0x%x)", glGetError());
    }
    r = glClientWaitSync(sync, GL_SYNC_FLUSH_COMMANDS_BIT, FENCE_TIMEOUT_NS);
    glDeleteSync(sync);
    if (r == GL_TIMEOUT_EXPIRED || r == GL_WAIT_FAILED) {
        work_fail("glClientWaitSync: %s",
                  r == GL_TIMEOUT_EXPIRED ? "timed out" : "failed");
    }
}

/* The whole target, read back as RGBA8 words into a new buffer. */
static uint32_t *read_target(const Target *t)
{
    uint32_t *pixels = malloc((size_t)t->width * t->height * 4);

    if (!pixels) {
        work_fail("out of memory for a %dx%d readback", t->width, t->height);
    }
    glPixelStorei(GL_PACK_ALIGNMENT, 4);
    glReadPixels(0, 0, t->width, t->height, GL_RGBA, GL_UNSIGNED_BYTE,
                 pixels);
    return pixels;
}

static uint32_t hash_pixel(uint32_t x, uint32_t y, uint32_t frame, int iters)
{
    return work_hash_steps(work_hash_seed(x, y, frame), iters);
}

static void check_frag_picture(const Target *t, const uint32_t *pixels,
                               uint32_t frame, int iters)
{
    size_t n = (size_t)t->width * t->height, i;

    for (i = 0; i < n; i += FRAG_SAMPLE_STRIDE) {
        uint32_t x = i % t->width, y = i / t->width;
        uint32_t want = word_as_pixel(hash_pixel(x, y, frame, iters));

        if (pixels[i] != want) {
            work_fail("frag: pixel (%u,%u) is %08x, not %08x", x, y,
                      pixels[i], want);
        }
    }
}

static void shape_frag(const char *shape, int width, int height,
                       const Options *o)
{
    GLuint prog = make_program(vertex_fullscreen, fragment_hash);
    Target t = make_target(width, height);
    double *samples = new_samples(o->frames);
    uint32_t *pixels;
    int f, last = WARMUP_FRAMES + o->frames - 1;

    glUseProgram(prog);
    glUniform1i(glGetUniformLocation(prog, "u_iters"), o->iters);
    for (f = 0; f <= last; f++) {
        double start = work_now_us();

        glUniform1ui(glGetUniformLocation(prog, "u_frame"), f);
        glDrawArrays(GL_TRIANGLES, 0, 3);
        wait_gpu();
        take_sample(samples, f, start);
    }
    pixels = read_target(&t);
    check_frag_picture(&t, pixels, last, o->iters);
    work_report(shape, samples, o->frames, o->iters,
                work_checksum(pixels, (size_t)width * height * 4));
    free(pixels);
    free(samples);
    free_target(&t);
    glDeleteProgram(prog);
}

/* Draw @i of frame @frame: which cell it covers, in which colour. */
static int draw_cell(int i, int frame)
{
    return (i + frame * 7) % DRAW_CELLS;
}

static uint32_t draw_colour(int i, int frame)
{
    return work_hash_seed(i, frame, 0) | 0xff000000u;
}

static void draw_one(GLuint prog, int i, int frame)
{
    int per_row = DRAW_SIDE / DRAW_CELL, cell = draw_cell(i, frame);
    float step = 2.0f * DRAW_CELL / DRAW_SIDE;
    float x0 = -1.0f + (cell % per_row) * step;
    float y0 = -1.0f + (cell / per_row) * step;
    uint32_t c = draw_colour(i, frame);

    glUniform4f(glGetUniformLocation(prog, "u_rect"), x0, y0, x0 + step,
                y0 + step);
    glUniform4f(glGetUniformLocation(prog, "u_colour"),
                (c & 0xff) / 255.0f, ((c >> 8) & 0xff) / 255.0f,
                ((c >> 16) & 0xff) / 255.0f, (c >> 24) / 255.0f);
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
}

/* Every pixel of the last frame: the colour of its cell's last draw. */
static void check_draws_picture(const uint32_t *pixels, int draws, int frame)
{
    uint32_t want[DRAW_CELLS] = { 0 };
    int per_row = DRAW_SIDE / DRAW_CELL, i, x, y;

    for (i = 0; i < draws; i++) {
        want[draw_cell(i, frame)] = word_as_pixel(draw_colour(i, frame));
    }
    for (y = 0; y < DRAW_SIDE; y++) {
        for (x = 0; x < DRAW_SIDE; x++) {
            int cell = (y / DRAW_CELL) * per_row + x / DRAW_CELL;

            if (pixels[y * DRAW_SIDE + x] != want[cell]) {
                work_fail("draws: pixel (%d,%d) is %08x, not %08x", x, y,
                          pixels[y * DRAW_SIDE + x], want[cell]);
            }
        }
    }
}

static void shape_draws(const Options *o)
{
    GLuint prog = make_program(vertex_rect, fragment_colour);
    Target t = make_target(DRAW_SIDE, DRAW_SIDE);
    double *samples = new_samples(o->frames);
    uint32_t *pixels;
    int f, i, last = WARMUP_FRAMES + o->frames - 1;

    glUseProgram(prog);
    glClearColor(0, 0, 0, 0);
    for (f = 0; f <= last; f++) {
        double start = work_now_us();

        glClear(GL_COLOR_BUFFER_BIT);
        for (i = 0; i < o->draws; i++) {
            draw_one(prog, i, f);
        }
        wait_gpu();
        take_sample(samples, f, start);
    }
    pixels = read_target(&t);
    check_draws_picture(pixels, o->draws, last);
    work_report("draws", samples, o->frames, o->draws,
                work_checksum(pixels, DRAW_SIDE * DRAW_SIDE * 4));
    free(pixels);
    free(samples);
    free_target(&t);
    glDeleteProgram(prog);
}

static void shape_upload(const Options *o)
{
    const int width = 1920, height = 1080;
    GLuint prog = make_program(vertex_fullscreen, fragment_texel), tex;
    Target t = make_target(width, height);
    double *samples = new_samples(o->frames);
    uint32_t *words = malloc((size_t)width * height * 4), *pixels;
    int f, last = WARMUP_FRAMES + o->frames - 1;

    if (!words) {
        work_fail("out of memory for the upload");
    }
    make_texture(&tex, width, height);
    glUseProgram(prog);
    glUniform1i(glGetUniformLocation(prog, "u_tex"), 0);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    for (f = 0; f <= last; f++) {
        double start = work_now_us();

        fill_pattern(words, width, height, f);
        glBindTexture(GL_TEXTURE_2D, tex);
        glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, width, height, GL_RGBA,
                        GL_UNSIGNED_BYTE, words);
        glDrawArrays(GL_TRIANGLES, 0, 3);
        wait_gpu();
        take_sample(samples, f, start);
    }
    pixels = read_target(&t);
    if (memcmp(pixels, words, (size_t)width * height * 4)) {
        work_fail("upload: the picture is not the last frame's texture");
    }
    work_report("upload", samples, o->frames, 1,
                work_checksum(pixels, (size_t)width * height * 4));
    free(pixels);
    free(words);
    free(samples);
    glDeleteTextures(1, &tex);
    free_target(&t);
    glDeleteProgram(prog);
}

static void shape_readback(const Options *o)
{
    const int width = 1920, height = 1080;
    Target t = make_target(width, height);
    double *samples = new_samples(o->frames);
    uint32_t sum = 0, *pixels = NULL;
    int f, last = WARMUP_FRAMES + o->frames - 1;
    uint8_t want[4];

    for (f = 0; f <= last; f++) {
        double start = work_now_us();

        want[0] = f;
        want[1] = f * 3;
        want[2] = f * 7;
        want[3] = 255;
        glClearColor(want[0] / 255.0f, want[1] / 255.0f, want[2] / 255.0f,
                     1.0f);
        glClear(GL_COLOR_BUFFER_BIT);
        free(pixels);
        pixels = read_target(&t);
        sum = work_checksum(pixels, (size_t)width * height * 4);
        take_sample(samples, f, start);
    }
    if (memcmp(pixels, want, 4)) {
        work_fail("readback: first pixel %08x is not the clear colour",
                  pixels[0]);
    }
    work_report("readback", samples, o->frames, 1, sum);
    free(pixels);
    free(samples);
    free_target(&t);
}

static void shape_fence(const Options *o)
{
    Target t = make_target(DRAW_CELL, DRAW_CELL);
    double *samples = new_samples(o->fences);
    uint32_t done = 0;
    int i;

    for (i = 0; i < WARMUP_FRAMES + o->fences; i++) {
        double start = work_now_us();

        glClear(GL_COLOR_BUFFER_BIT);
        wait_gpu();
        if (i >= WARMUP_FRAMES) {
            samples[i - WARMUP_FRAMES] = work_now_us() - start;
            done++;
        }
    }
    work_report("fence", samples, o->fences, 1,
                work_checksum(&done, sizeof(done)));
    free(samples);
    free_target(&t);
}

/* The CPU side of upload and readback, without GL. */
static void shape_cpu(const Options *o)
{
    const int width = 1920, height = 1080;
    double *samples = new_samples(o->frames);
    uint32_t *words = malloc((size_t)width * height * 4), sum = 0;
    int f;

    if (!words) {
        work_fail("out of memory for the cpu shape");
    }
    for (f = 0; f < WARMUP_FRAMES + o->frames; f++) {
        double start = work_now_us();

        fill_pattern(words, width, height, f);
        sum = work_checksum(words, (size_t)width * height * 4);
        take_sample(samples, f, start);
    }
    work_report("cpu", samples, o->frames, 1, sum);
    free(words);
    free(samples);
}

int main(int argc, char **argv)
{
    Options o = work_parse_options(argc, argv, false);
    EGLDisplay dpy;
    EGLContext ctx;

    load_entry_points();
    dpy = open_display();
    ctx = make_context(dpy);
    printf("WORK api=gles device=%s version=%s\n",
           (const char *)glGetString(GL_RENDERER),
           (const char *)glGetString(GL_VERSION));
    if (work_wanted(o.shapes, "frag-1080p")) {
        shape_frag("frag-1080p", 1920, 1080, &o);
    }
    if (work_wanted(o.shapes, "frag-2160p")) {
        shape_frag("frag-2160p", 3840, 2160, &o);
    }
    if (work_wanted(o.shapes, "draws")) {
        shape_draws(&o);
    }
    if (work_wanted(o.shapes, "upload")) {
        shape_upload(&o);
    }
    if (work_wanted(o.shapes, "readback")) {
        shape_readback(&o);
    }
    if (work_wanted(o.shapes, "fence")) {
        shape_fence(&o);
    }
    if (work_wanted(o.shapes, "cpu")) {
        shape_cpu(&o);
    }
    if (glGetError()) {
        work_fail("GL error 0x%x at the end", glGetError());
    }
    eglMakeCurrent(dpy, NULL, NULL, NULL);
    eglDestroyContext(dpy, ctx);
    eglTerminate(dpy);
    printf("WORK done\n");
    return 0;
}
