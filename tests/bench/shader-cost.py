#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What the form of a fragment shader costs on the host's own GPU.

Through virgl a guest's GLSL does not reach the host's driver as written:
the guest's Mesa compiles it to TGSI, and virglrenderer writes GLSL back
from the TGSI.  That GLSL keeps TGSI's untyped registers (every value a
vec4 of floats, integers carried in its bits) and its loops (a
do/while(true) left by a break on a computed flag).  Through Venus the
host's driver gets SPIR-V instead.  This probe runs, on the host alone and
with no guest, vgpu-glwork's full-screen integer-hash pass with each form
of its fragment shader, so the time a form costs is seen apart from the
device, the guest and TCG:

  native       the shader vgpu-glwork compiles, read from its source
  NAME=FILE    the same picture in another form, e.g. the GLSL that
               virglrenderer gave the host for it (capture-virgl-shader.py
               writes that file)

A FILE's shader takes the uniform array virglrenderer declares,
``uniform uvec4 fsconst0[3]``: slot 0 x the frame, slot 1 x the
iterations, slot 2 z and w the scale and offset that turn gl_FragCoord's
upper-left y into the lower-left y the native shader sees.

Each form draws --frames frames (after two unmeasured ones) into a
WIDTHxHEIGHT RGBA8 framebuffer, glFinish() after each; a sample is a
frame's wall time.  The last frame is read back and hashed: a form whose
picture differs from native's fails the run, however fast it was.

Prints, per form:
  SHADERCOST form=NAME width=W height=H iters=N median_us=... p99_us=...
             picture=SHA256-PREFIX
and the time of each form over native's.  With --output, a JSON record.

Usage: shader-cost.py [--size WxH]... [--iters N] [--frames N]
                      [--form NAME=FILE]... [--output FILE]
"""

import argparse
import ctypes
import hashlib
import json
import os
import re
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GLWORK_SOURCE = os.path.join(HERE, '..', 'workload', 'vgpu-glwork.c')

EGL_PLATFORM_SURFACELESS_MESA = 0x31DD
EGL_OPENGL_API = 0x30A2
EGL_CONTEXT_MAJOR_VERSION = 0x3098
EGL_CONTEXT_MINOR_VERSION = 0x30FB
EGL_CONTEXT_OPENGL_PROFILE_MASK = 0x30FD
EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT = 0x1
EGL_NONE = 0x3038
GL_VENDOR, GL_RENDERER, GL_VERSION = 0x1F00, 0x1F01, 0x1F02
GL_FRAGMENT_SHADER, GL_VERTEX_SHADER = 0x8B30, 0x8B31
GL_COMPILE_STATUS, GL_LINK_STATUS = 0x8B81, 0x8B82
GL_TEXTURE_2D, GL_RGBA8, GL_RGBA = 0x0DE1, 0x8058, 0x1908
GL_UNSIGNED_BYTE, GL_FRAMEBUFFER = 0x1401, 0x8D40
GL_COLOR_ATTACHMENT0, GL_FRAMEBUFFER_COMPLETE = 0x8CE0, 0x8CD5
GL_TRIANGLES = 0x0004
WARMUP_FRAMES = 2

# A full-screen triangle for desktop GLSL forms: an ES vertex shader
# cannot be linked with a desktop fragment shader.
VERTEX_DESKTOP = '''#version 140
void main() {
    vec2 p = vec2(float((gl_VertexID & 1) << 2),
                  float((gl_VertexID & 2) << 1)) - 1.0;
    gl_Position = vec4(p, 0.0, 1.0);
}
'''

vp = ctypes.c_void_p
u32 = ctypes.c_uint
egl = ctypes.CDLL('libEGL.so.1')
egl.eglGetProcAddress.restype = vp
egl.eglGetProcAddress.argtypes = [ctypes.c_char_p]
egl.eglInitialize.argtypes = [vp, vp, vp]
egl.eglCreateContext.restype = vp
egl.eglCreateContext.argtypes = [vp, vp, vp, vp]
egl.eglMakeCurrent.argtypes = [vp, vp, vp, vp]
egl.eglGetError.restype = ctypes.c_int


class GL:
    """The GL entry points this probe calls, from eglGetProcAddress."""
    SIGNATURES = {
        'glGetString': (ctypes.c_char_p, u32),
        'glCreateShader': (u32, u32),
        'glShaderSource': (None, u32, ctypes.c_int, vp, vp),
        'glCompileShader': (None, u32),
        'glGetShaderiv': (None, u32, u32, vp),
        'glGetShaderInfoLog': (None, u32, ctypes.c_int, vp, vp),
        'glCreateProgram': (u32,),
        'glAttachShader': (None, u32, u32),
        'glLinkProgram': (None, u32),
        'glGetProgramiv': (None, u32, u32, vp),
        'glGetProgramInfoLog': (None, u32, ctypes.c_int, vp, vp),
        'glUseProgram': (None, u32),
        'glGetUniformLocation': (ctypes.c_int, u32, ctypes.c_char_p),
        'glUniform1ui': (None, ctypes.c_int, u32),
        'glUniform1i': (None, ctypes.c_int, ctypes.c_int),
        'glUniform4uiv': (None, ctypes.c_int, ctypes.c_int, vp),
        'glGenTextures': (None, ctypes.c_int, vp),
        'glBindTexture': (None, u32, u32),
        'glTexStorage2D': (None, u32, ctypes.c_int, u32, ctypes.c_int,
                           ctypes.c_int),
        'glGenFramebuffers': (None, ctypes.c_int, vp),
        'glBindFramebuffer': (None, u32, u32),
        'glFramebufferTexture2D': (None, u32, u32, u32, u32, ctypes.c_int),
        'glCheckFramebufferStatus': (u32, u32),
        'glGenVertexArrays': (None, ctypes.c_int, vp),
        'glBindVertexArray': (None, u32),
        'glViewport': (None, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                       ctypes.c_int),
        'glDrawArrays': (None, u32, ctypes.c_int, ctypes.c_int),
        'glReadPixels': (None, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                         ctypes.c_int, u32, u32, vp),
        'glFinish': (None,),
    }

    def __init__(self):
        for name, (ret, *args) in self.SIGNATURES.items():
            addr = egl.eglGetProcAddress(name.encode())
            if not addr:
                sys.exit(f'shader-cost: the driver has no {name}')
            setattr(self, name[2:], ctypes.CFUNCTYPE(ret, *args)(addr))


def attribs(*values):
    return (ctypes.c_int * len(values))(*values)


def make_context():
    """A desktop GL core context on the surfaceless platform: what
    virglrenderer asks of NVIDIA's EGL and of Mesa's here."""
    get_platform = ctypes.CFUNCTYPE(vp, ctypes.c_int, vp, vp)(
        egl.eglGetProcAddress(b'eglGetPlatformDisplayEXT'))
    dpy = get_platform(EGL_PLATFORM_SURFACELESS_MESA, None, None)
    if not dpy or not egl.eglInitialize(dpy, None, None):
        sys.exit(f'shader-cost: no surfaceless EGL display '
                 f'(0x{egl.eglGetError():x})')
    egl.eglBindAPI(EGL_OPENGL_API)
    ctx = egl.eglCreateContext(dpy, None, None, attribs(
        EGL_CONTEXT_MAJOR_VERSION, 4, EGL_CONTEXT_MINOR_VERSION, 3,
        EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
        EGL_NONE))
    if not ctx or not egl.eglMakeCurrent(dpy, None, None, ctx):
        sys.exit(f'shader-cost: no GL 4.3 core context '
                 f'(0x{egl.eglGetError():x})')
    return GL()


def c_string_literal(source, name):
    """The concatenated C string literal assigned to @name in @source."""
    m = re.search(r'\b' + name + r'\s*=\s*((?:\s*"(?:[^"\\]|\\.)*")+)\s*;',
                  source)
    if not m:
        sys.exit(f'shader-cost: no string {name} in {GLWORK_SOURCE}')
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))
    return ''.join(parts).encode().decode('unicode_escape')


def check_status(get, get_log, obj, status, step, text):
    """Stop with the driver's log if @step of @obj did not succeed."""
    ok = ctypes.c_int(0)
    get(obj, status, ctypes.byref(ok))
    if not ok.value:
        log = ctypes.create_string_buffer(4096)
        get_log(obj, 4096, None, log)
        sys.exit(f'shader-cost: {step} failed:\n{log.value.decode()}\n'
                 f'{text}')


def compile_shader(gl, kind, text):
    shader = gl.CreateShader(kind)
    src = ctypes.c_char_p(text.encode())
    gl.ShaderSource(shader, 1, ctypes.byref(src), None)
    gl.CompileShader(shader)
    check_status(gl.GetShaderiv, gl.GetShaderInfoLog, shader,
                 GL_COMPILE_STATUS, 'compile', text)
    return shader


def link_program(gl, vertex, fragment):
    prog = gl.CreateProgram()
    gl.AttachShader(prog, compile_shader(gl, GL_VERTEX_SHADER, vertex))
    gl.AttachShader(prog, compile_shader(gl, GL_FRAGMENT_SHADER, fragment))
    gl.LinkProgram(prog)
    check_status(gl.GetProgramiv, gl.GetProgramInfoLog, prog,
                 GL_LINK_STATUS, 'link', '')
    return prog


def make_target(gl, width, height):
    tex, fbo, vao = u32(), u32(), u32()
    gl.GenTextures(1, ctypes.byref(tex))
    gl.BindTexture(GL_TEXTURE_2D, tex.value)
    gl.TexStorage2D(GL_TEXTURE_2D, 1, GL_RGBA8, width, height)
    gl.GenFramebuffers(1, ctypes.byref(fbo))
    gl.BindFramebuffer(GL_FRAMEBUFFER, fbo.value)
    gl.FramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0,
                            GL_TEXTURE_2D, tex.value, 0)
    if gl.CheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE:
        sys.exit('shader-cost: framebuffer incomplete')
    # A core profile draws nothing without a vertex array bound.
    gl.GenVertexArrays(1, ctypes.byref(vao))
    gl.BindVertexArray(vao.value)
    gl.Viewport(0, 0, width, height)


def float_bits(value):
    return ctypes.c_uint.from_buffer(ctypes.c_float(value)).value


def uniform_setter(gl, prog, native, height, iters):
    """A function(frame) that sets the form's uniforms for one frame."""
    if native:
        gl.Uniform1i(gl.GetUniformLocation(prog, b'u_iters'), iters)
        where = gl.GetUniformLocation(prog, b'u_frame')
        return lambda frame: gl.Uniform1ui(where, frame)
    where = gl.GetUniformLocation(prog, b'fsconst0')
    if where < 0:
        sys.exit('shader-cost: the form has no uniform fsconst0')
    slots = (u32 * 12)(0, 0, 0, 0, iters, 0, 0, 0,
                       0, 0, float_bits(-1.0), float_bits(float(height)))

    def set_frame(frame):
        slots[0] = frame
        gl.Uniform4uiv(where, 3, slots)
    return set_frame


def run_form(gl, name, vertex, fragment, size, iters, frames):
    width, height = size
    prog = link_program(gl, vertex, fragment)
    gl.UseProgram(prog)
    set_frame = uniform_setter(gl, prog, name == 'native', height, iters)
    samples = []
    for frame in range(WARMUP_FRAMES + frames):
        start = time.perf_counter()
        set_frame(frame)
        gl.DrawArrays(GL_TRIANGLES, 0, 3)
        gl.Finish()
        if frame >= WARMUP_FRAMES:
            samples.append((time.perf_counter() - start) * 1e6)
    pixels = ctypes.create_string_buffer(width * height * 4)
    gl.ReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, pixels)
    samples.sort()
    return {'form': name, 'width': width, 'height': height, 'iters': iters,
            'frames': frames, 'median_us': statistics.median(samples),
            'p99_us': samples[min(len(samples) - 1,
                                  int(len(samples) * 0.99))],
            'picture': hashlib.sha256(pixels.raw).hexdigest()[:16]}


def parse_size(text):
    m = re.fullmatch(r'(\d+)x(\d+)', text)
    if not m:
        raise argparse.ArgumentTypeError(f'{text!r}: want WIDTHxHEIGHT')
    return int(m.group(1)), int(m.group(2))


def parse_form(text):
    name, sep, path = text.partition('=')
    if not sep or name == 'native' or not os.path.isfile(path):
        raise argparse.ArgumentTypeError(f'{text!r}: want NAME=FILE, an '
                                         'existing file, NAME not native')
    with open(path, encoding='utf-8') as f:
        return name, f.read()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', type=parse_size, action='append')
    parser.add_argument('--iters', type=int, default=256)
    parser.add_argument('--frames', type=int, default=20)
    parser.add_argument('--form', type=parse_form, action='append',
                        default=[])
    parser.add_argument('--output')
    args = parser.parse_args()
    gl = make_context()
    device = {k: gl.GetString(v).decode() for k, v in
              (('vendor', GL_VENDOR), ('renderer', GL_RENDERER),
               ('version', GL_VERSION))}
    print(f'SHADERCOST device={device["renderer"]!r} '
          f'version={device["version"]!r}', flush=True)
    with open(GLWORK_SOURCE, encoding='utf-8') as f:
        source = f.read()
    native = ('native', c_string_literal(source, 'vertex_fullscreen'),
              c_string_literal(source, 'fragment_hash'))
    forms = [native] + [(n, VERTEX_DESKTOP, t) for n, t in args.form]
    results, failed = [], False
    for size in args.size or [(1920, 1080), (3840, 2160)]:
        make_target(gl, *size)
        base = None
        for name, vertex, fragment in forms:
            r = run_form(gl, name, vertex, fragment, size, args.iters,
                         args.frames)
            base = base or r
            r['over_native'] = r['median_us'] / base['median_us']
            wrong = r['picture'] != base['picture']
            failed |= wrong
            print(f'SHADERCOST form={name} width={size[0]} '
                  f'height={size[1]} iters={args.iters} '
                  f'median_us={r["median_us"]:.1f} '
                  f'p99_us={r["p99_us"]:.1f} picture={r["picture"]} '
                  f'over_native={r["over_native"]:.3f}'
                  + (' WRONG-PICTURE' if wrong else ''), flush=True)
            results.append(r)
    if args.output:
        with open(args.output, 'w', encoding='utf-8') as f:
            json.dump({'device': device, 'results': results}, f, indent=1)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
