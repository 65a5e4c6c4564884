#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Which EGL displays of this host can export a GL texture as a dmabuf.

The zero-copy scanout path needs the renderer's EGL display to turn a
texture into an EGLImage and export it (EGL_MESA_image_dma_buf_export).
virglrenderer opens its display on a render node through GBM, or on the
surfaceless platform; NVIDIA's driver has no render node, so there it is
the surfaceless one.  For the surfaceless display and each EGL device
(EGL_EXT_platform_device), this prints the vendor, whether the extension
is listed, and what each step of a real export of a 64x64 RGBA texture
returns, the steps virglrenderer takes:

  PROBE <display> vendor=<...> export_ext=yes|no image=ok|fail(0x...)
        query=ok fourcc=... planes=... export=ok fd=... stride=... offset=...

Usage: egl-export-probe.py  (no arguments; needs libEGL and libGLESv2)
"""

import ctypes
import os
import sys

EGL_EXTENSIONS = 0x3055
EGL_VENDOR = 0x3053
EGL_PLATFORM_SURFACELESS_MESA = 0x31DD
EGL_PLATFORM_DEVICE_EXT = 0x313F
EGL_OPENGL_ES_API = 0x30A0
EGL_RENDERABLE_TYPE = 0x3040
EGL_OPENGL_ES3_BIT = 0x40
EGL_CONTEXT_MAJOR_VERSION = 0x3098
EGL_NONE = 0x3038
EGL_GL_TEXTURE_2D_KHR = 0x30B1
GL_TEXTURE_2D = 0x0DE1
GL_RGBA = 0x1908
GL_UNSIGNED_BYTE = 0x1401

vp = ctypes.c_void_p
egl = ctypes.CDLL('libEGL.so.1')
gles = ctypes.CDLL('libGLESv2.so.2')
egl.eglGetProcAddress.restype = vp
egl.eglGetProcAddress.argtypes = [ctypes.c_char_p]
egl.eglQueryString.restype = ctypes.c_char_p
egl.eglQueryString.argtypes = [vp, ctypes.c_int]
egl.eglInitialize.argtypes = [vp, vp, vp]
egl.eglChooseConfig.argtypes = [vp, vp, vp, ctypes.c_int, vp]
egl.eglCreateContext.restype = vp
egl.eglCreateContext.argtypes = [vp, vp, vp, vp]
egl.eglMakeCurrent.argtypes = [vp, vp, vp, vp]
egl.eglTerminate.argtypes = [vp]


def proc(name, restype, *argtypes):
    addr = egl.eglGetProcAddress(name.encode())
    return ctypes.CFUNCTYPE(restype, *argtypes)(addr) if addr else None


def attribs(*values):
    return (ctypes.c_int * len(values))(*values)


def displays():
    """(name, display) for the surfaceless platform and each device."""
    get_platform = proc('eglGetPlatformDisplayEXT', vp, ctypes.c_int, vp, vp)
    if not get_platform:
        return
    yield 'surfaceless', get_platform(EGL_PLATFORM_SURFACELESS_MESA, None,
                                      None)
    query_devices = proc('eglQueryDevicesEXT', ctypes.c_uint, ctypes.c_int,
                         vp, vp)
    if not query_devices:
        return
    devs = (vp * 16)()
    count = ctypes.c_int(0)
    query_devices(16, devs, ctypes.byref(count))
    for i in range(count.value):
        yield f'device{i}', get_platform(EGL_PLATFORM_DEVICE_EXT, devs[i],
                                         None)


def texture():
    tex = ctypes.c_uint(0)
    gles.glGenTextures(1, ctypes.byref(tex))
    gles.glBindTexture(GL_TEXTURE_2D, tex)
    gles.glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, 64, 64, 0, GL_RGBA,
                      GL_UNSIGNED_BYTE, None)
    gles.glFinish()
    return tex.value


def export_steps(dpy):
    """What each step of virglrenderer's texture export returns."""
    config, n = vp(), ctypes.c_int(0)
    egl.eglBindAPI(EGL_OPENGL_ES_API)
    egl.eglChooseConfig(dpy, attribs(EGL_RENDERABLE_TYPE, EGL_OPENGL_ES3_BIT,
                                     EGL_NONE), ctypes.byref(config), 1,
                        ctypes.byref(n))
    ctx = egl.eglCreateContext(dpy, config if n.value else None, None,
                               attribs(EGL_CONTEXT_MAJOR_VERSION, 3, EGL_NONE))
    if not ctx or not egl.eglMakeCurrent(dpy, None, None, ctx):
        return f'context=fail(0x{egl.eglGetError():x})'
    create_image = proc('eglCreateImageKHR', vp, vp, vp, ctypes.c_uint, vp,
                        vp)
    image = create_image(dpy, ctx, EGL_GL_TEXTURE_2D_KHR, vp(texture()),
                         None) if create_image else None
    if not image:
        return f'image=fail(0x{egl.eglGetError():x})'
    out = ['image=ok']
    query = proc('eglExportDMABUFImageQueryMESA', ctypes.c_uint, vp, vp, vp,
                 vp, vp)
    fourcc, planes, modifier = ctypes.c_int(), ctypes.c_int(), ctypes.c_uint64()
    if not query or not query(dpy, image, ctypes.byref(fourcc),
                              ctypes.byref(planes), ctypes.byref(modifier)):
        out.append(f'query=fail(0x{egl.eglGetError():x})')
        return ' '.join(out)
    out.append(f'query=ok fourcc=0x{fourcc.value:08x} planes={planes.value} '
               f'modifier=0x{modifier.value:x}')
    export = proc('eglExportDMABUFImageMESA', ctypes.c_uint, vp, vp, vp, vp,
                  vp)
    fd, stride, offset = ctypes.c_int(-1), ctypes.c_int(), ctypes.c_int()
    if not export or not export(dpy, image, ctypes.byref(fd),
                                ctypes.byref(stride), ctypes.byref(offset)):
        out.append(f'export=fail(0x{egl.eglGetError():x})')
    elif fd.value < 0:
        out.append('export=fail(returned no fd)')
    else:
        out.append(f'export=ok fd={fd.value} stride={stride.value} '
                   f'offset={offset.value}')
        os.close(fd.value)
    return ' '.join(out)


def main():
    egl.eglGetError.restype = ctypes.c_int
    seen = 0
    for name, dpy in displays():
        if not dpy or not egl.eglInitialize(dpy, None, None):
            print(f'PROBE {name} init=fail(0x{egl.eglGetError():x})')
            continue
        seen += 1
        vendor = (egl.eglQueryString(dpy, EGL_VENDOR) or b'?').decode()
        exts = (egl.eglQueryString(dpy, EGL_EXTENSIONS) or b'').decode()
        has = 'EGL_MESA_image_dma_buf_export' in exts.split()
        print(f'PROBE {name} vendor={vendor!r} '
              f'export_ext={"yes" if has else "no"} {export_steps(dpy)}',
              flush=True)
        egl.eglMakeCurrent(dpy, None, None, None)
    return 0 if seen else 1


if __name__ == '__main__':
    sys.exit(main())
