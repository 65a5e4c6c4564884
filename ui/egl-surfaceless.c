/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * EGL for QEMU's GL displays on a machine without a DRM render node.
 *
 * egl-headless, dbus,gl=on and -spice gl=on all start their GL through
 * egl_init() and egl_rendernode_init(), which need a render node and a
 * GBM device for it.  A machine without a GPU (a cloud VM, a CI runner)
 * has neither, yet Mesa can still render there with llvmpipe through
 * EGL's surfaceless platform.  So: with a render node, or when the user
 * named one, keep the render node path (it can export dmabufs); without
 * one, fall back to surfaceless EGL.
 *
 * The surfaceless display cannot export dmabufs (no
 * EGL_MESA_image_dma_buf_export), which SPICE and D-Bus use to hand GL
 * scanouts to a local client; egl_get_fd_for_texture() then fails
 * cleanly instead of calling a function the driver does not have.
 *
 * QEMU's egl-helpers.c keeps the render node versions of these
 * functions, under the names declared in egl-surfaceless.h.
 */

#include "qemu/osdep.h"
#include "qemu/drm.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "system/system.h"
#include "ui/egl-helpers.h"
#include "ui/egl-surfaceless.h"

#ifdef CONFIG_GBM

static bool egl_have_rendernode(const char *rendernode)
{
    int fd;

    if (rendernode) {
        /* Named by the user: their choice, errors and all. */
        return true;
    }
    fd = qemu_drm_rendernode_open(NULL);
    if (fd < 0) {
        return false;
    }
    close(fd);
    return true;
}

static EGLConfig egl_surfaceless_config(bool gles)
{
    /* No window surfaces here: any config renders into our FBOs. */
    const EGLint attribs[] = {
        EGL_SURFACE_TYPE, EGL_PBUFFER_BIT,
        EGL_RENDERABLE_TYPE, gles ? EGL_OPENGL_ES2_BIT : EGL_OPENGL_BIT,
        EGL_RED_SIZE, 5,
        EGL_GREEN_SIZE, 5,
        EGL_BLUE_SIZE, 5,
        EGL_NONE,
    };
    EGLConfig config = NULL;
    EGLint n = 0;

    if (!eglChooseConfig(qemu_egl_display, attribs, &config, 1, &n) ||
        n != 1) {
        return NULL;
    }
    return config;
}

/* Why there is no GL, and what the user can do about it. */
static void egl_surfaceless_unavailable(Error **errp, const char *why)
{
    ERRP_GUARD();   /* hints would be lost on &error_fatal otherwise */

    error_setg(errp, "egl: no DRM render node, and EGL on the surfaceless "
               "platform failed (%s)", why);
    error_append_hint(errp, "Install Mesa's EGL driver (Debian: "
                      "libegl-mesa0) to render in software, or use a "
                      "display without OpenGL (-display vnc, sdl,gl=off, "
                      "gtk,gl=off, spice without gl=on).\n");
}

static bool egl_surfaceless_init(DisplayGLMode mode, Error **errp)
{
    bool gles = mode == DISPLAY_GL_MODE_ES;
    EGLint major, minor;

    if (!epoxy_has_egl_extension(NULL, "EGL_MESA_platform_surfaceless")) {
        egl_surfaceless_unavailable(errp, "no EGL_MESA_platform_surfaceless");
        return false;
    }
    qemu_egl_display = eglGetPlatformDisplayEXT(EGL_PLATFORM_SURFACELESS_MESA,
                                                EGL_DEFAULT_DISPLAY, NULL);
    if (qemu_egl_display == EGL_NO_DISPLAY ||
        !eglInitialize(qemu_egl_display, &major, &minor)) {
        egl_surfaceless_unavailable(errp, "eglInitialize failed");
        return false;
    }
    if (!epoxy_has_egl_extension(qemu_egl_display,
                                 "EGL_KHR_surfaceless_context")) {
        egl_surfaceless_unavailable(errp, "no EGL_KHR_surfaceless_context");
        return false;
    }
    if (!eglBindAPI(gles ? EGL_OPENGL_ES_API : EGL_OPENGL_API)) {
        egl_surfaceless_unavailable(errp, gles ? "no OpenGL ES" : "no OpenGL");
        return false;
    }
    qemu_egl_config = egl_surfaceless_config(gles);
    if (!qemu_egl_config) {
        egl_surfaceless_unavailable(errp, "no matching EGL config");
        return false;
    }
    qemu_egl_mode = gles ? DISPLAY_GL_MODE_ES : DISPLAY_GL_MODE_CORE;
    qemu_egl_rn_fd = -1;
    qemu_egl_rn_gbm_dev = NULL;
    qemu_egl_rn_ctx = qemu_egl_init_ctx();
    if (!qemu_egl_rn_ctx) {
        egl_surfaceless_unavailable(errp, "no GL context");
        return false;
    }
    info_report("egl: no DRM render node; rendering with %s on the "
                "surfaceless platform (no dmabuf export)",
                (const char *)glGetString(GL_RENDERER));
    return true;
}

int egl_rendernode_init(const char *rendernode, DisplayGLMode mode)
{
    Error *err = NULL;

    if (egl_have_rendernode(rendernode)) {
        return egl_rendernode_init_drm(rendernode, mode);
    }
    if (!egl_surfaceless_init(mode, &err)) {
        error_report_err(err);
        return -1;
    }
    return 0;
}

bool egl_init(const char *rendernode, DisplayGLMode mode, Error **errp)
{
    if (mode == DISPLAY_GL_MODE_OFF || egl_have_rendernode(rendernode)) {
        return egl_init_drm(rendernode, mode, errp);
    }
    if (!egl_surfaceless_init(mode, errp)) {
        return false;
    }
    display_opengl = 1;
    return true;
}

int egl_get_fd_for_texture(uint32_t tex_id, EGLint *stride, EGLint *fourcc,
                           EGLuint64KHR *modifier)
{
    /* A GL scanout then stays local; the console keeps the picture. */
    if (!epoxy_has_egl_extension(qemu_egl_display,
                                 "EGL_MESA_image_dma_buf_export")) {
        return -1;
    }
    return egl_get_fd_for_texture_drm(tex_id, stride, fourcc, modifier);
}

#else

/* Without GBM (Windows, macOS) there is no render node to fall back from. */
bool egl_init(const char *rendernode, DisplayGLMode mode, Error **errp)
{
    return egl_init_drm(rendernode, mode, errp);
}

#endif
