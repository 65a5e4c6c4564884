#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Capture the GLSL that virglrenderer gives the host's driver for
vgpu-glwork's hash shader, for shader-cost.py to time on a GPU host.

Boots a guest with the Mesa root on our device, with Mesa's
MESA_SHADER_CAPTURE_PATH set for QEMU (so the host's Mesa, which
virglrenderer renders with here, writes every program it links), runs
``vgpu-glwork -s frag-1080p`` in it, and keeps the fragment shader that
carries the hash's multiplier.  Writes to DIR:

  virgl.frag             that shader as the host's driver got it
  virgl-typed-loop.frag  the same, with the loop's counter kept in a
                         typed int and tested in the loop's header,
                         instead of TGSI's counter in a float register
                         and a break on a computed flag; the body is
                         untouched, so it isolates what the loop's form
                         costs

Needs a Mesa host driver (llvmpipe here): NVIDIA's does not capture.
Run inside the build root with the rig's environment (rig.env).

Usage: capture-virgl-shader.py DIR
"""

import glob
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'functional'))

HASH_MULTIPLIER = '1664525'


def fragment_shaders(capture_dir):
    """The [fragment shader] section of every captured program."""
    for path in sorted(glob.glob(os.path.join(capture_dir, '*.shader_test'))):
        with open(path, encoding='utf-8') as f:
            text = f.read()
        m = re.search(r'^\[fragment shader\]\n(.*?)(?=^\[|\Z)', text,
                      re.S | re.M)
        if m:
            yield m.group(1).strip() + '\n'


def capture(capture_dir):
    from vgpu.guest import Guest
    os.environ['MESA_SHADER_CAPTURE_PATH'] = capture_dir
    os.environ['VGPU_MODULE_DIR'] = os.environ['VGPU_OUR_MODULES']
    with Guest('aarch64', root='mesa', display='egl-headless',
               device_opts='blob=on,hostmem=256M') as g:
        status, out = g.run('vgpu-glwork -n 2 -i 16 -s frag-1080p 2>&1',
                            timeout=300)
        if status != 0:
            sys.exit(f'capture: vgpu-glwork failed ({status}):\n{out}')
        g.power_off()


def typed_loop(text):
    """@text with TGSI's loop rewritten as a counted for loop."""
    loop = re.search(
        r'^do \{\n'
        r'\s*(temp\d+)\.x = [^\n]*greaterThanEqual\(ivec4\(floatBitsToInt\('
        r'vec4\((temp\d+)\)\.xxxx\)\), ivec4\(ivec4\((fsconst0\[\d+\])'
        r'\.xxxx\)\)\)[^\n]*\n'
        r'\s*if \(bool\(floatBitsToUint\(vec4\(\1\)[^\n]*\n'
        r'\s*break;\n\s*\}\n'
        r'(?P<body>.*?)'
        r'^\s*\2\.x = [^\n]*\+ uvec4\(\(uvec4\(1U,1U,1U,1U\)\)\)\)\.x\);\n'
        r'\} while\(true\);\n', text, re.S | re.M)
    if not loop:
        sys.exit('capture: the loop is not in the form this script knows:\n'
                 + text)
    counted = (f'for (int i = 0; i < int({loop.group(3)}.x); i++) {{\n'
               f'{loop.group("body")}}}\n')
    return text[:loop.start()] + counted + text[loop.end():]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as capture_dir:
        capture(capture_dir)
        found = [s for s in fragment_shaders(capture_dir)
                 if HASH_MULTIPLIER in s]
    if len(set(found)) != 1:
        sys.exit(f'capture: {len(set(found))} distinct hash shaders '
                 'captured, want 1')
    forms = {'virgl.frag': found[0], 'virgl-typed-loop.frag':
             typed_loop(found[0])}
    for name, text in forms.items():
        with open(os.path.join(out_dir, name), 'w', encoding='utf-8') as f:
            f.write(text)
        print(f'capture: wrote {os.path.join(out_dir, name)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
