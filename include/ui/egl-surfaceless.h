/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The render node versions of egl_init(), egl_rendernode_init() and
 * egl_get_fd_for_texture(), in egl-helpers.c; ui/egl-surfaceless.c
 * wraps them with a fallback for machines without a render node.
 */

#ifndef UI_EGL_SURFACELESS_H
#define UI_EGL_SURFACELESS_H

/* egl-helpers.c's own egl_init(): on Windows (ANGLE) the only one. */
bool egl_init_drm(const char *rendernode, DisplayGLMode mode, Error **errp);

#ifdef CONFIG_GBM
int egl_rendernode_init_drm(const char *rendernode, DisplayGLMode mode);
int egl_get_fd_for_texture_drm(uint32_t tex_id, EGLint *stride,
                               EGLint *fourcc, EGLuint64KHR *modifier);
#endif

#endif
