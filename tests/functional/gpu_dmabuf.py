# SPDX-License-Identifier: GPL-2.0-or-later
"""The zero-copy scanout path on a real GPU, checked by pixels.

Where virglrenderer can export a texture as a dmabuf (a GPU's EGL with
EGL_MESA_image_dma_buf_export), our device hands GL scanouts to a GL
display by dmabuf.  Each test boots a guest with one GL display, puts
vgpu-scanout's three pictures on the output and checks what the
display's user sees, and which path the trace says each took.  Only
scripts/gpu-functional.sh loads this file: on a machine without a GPU
the renderer cannot export, which test_displays.py checks.
"""

import os
import re
import subprocess
import sys
import unittest

from vgpu.clients import free_vnc_display
from vgpu.pictures import KINDS, ScanoutPictures
from vgpu.rfb import rfb_capture
from vgpu.testcase import VgpuTest

PATH_RE = r'vgpu_scanout_path scanout=0 resource=\d+ path=(.*)'


def export_refused():
    """The surfaceless display's line of tests/bench/egl-export-probe.py
    when its export of a texture fails, else None."""
    probe = os.path.join(os.path.dirname(__file__), '..', 'bench',
                         'egl-export-probe.py')
    out = subprocess.run([sys.executable, probe], capture_output=True,
                         text=True, timeout=60, check=False).stdout
    for line in out.splitlines():
        if line.startswith('PROBE surfaceless') and 'export=ok' not in line:
            return line.split(' ', 2)[2]
    return None


class GpuDmabufChecks(ScanoutPictures):

    def vnc_pictures(self, display, device_opts):
        """Boot with `display` and a VNC server; each picture as a VNC
        client receives it must fill the output.  Returns the paths the
        trace gave, in order."""
        n = free_vnc_display()
        g = self.guest(display=display, device_opts=device_opts,
                       extra_args=['-vnc', f'127.0.0.1:{n}',
                                   '-trace', 'vgpu_scanout_pat*'])
        with g:
            # No subTest: a wrong picture must end the test, never be
            # left behind by the skip below.
            for kind in KINDS:
                self.show(g, kind)
                try:
                    pic = self.picture_until(
                        lambda: rfb_capture('127.0.0.1', 5900 + n),
                        lambda p, k=kind: p.pixel(
                            p.width // 4, p.height // 4) ==
                        self.expected(k)[0], timeout=30, pause=1)
                    pic.save_png(self.save_artifact(
                        f'vnc-{display}-{kind}.png', ''))
                    self.assert_fills(pic, kind, 'VNC client')
                finally:
                    self.hide(g)
        return re.findall(PATH_RE, g.qemu_log(tail=None))

    def test_egl_headless_dmabuf(self):
        """egl-headless imports the exported texture; its VNC server
        reads the imported picture back for the client."""
        paths = self.vnc_pictures('egl-headless', 'blob=on')
        if 'dmabuf (zero copy)' not in paths:
            refused = export_refused()
            if refused:
                raise unittest.SkipTest('the pictures were right, by '
                                        'readback: this host\'s EGL refuses '
                                        f'to export a texture ({refused})')
        self.assertIn('dmabuf (zero copy)', paths,
                      f'no scanout took the dmabuf path: {paths}')

    def test_egl_headless_dmabuf_off(self):
        """The same with dmabuf=off: every scanout is read back."""
        paths = self.vnc_pictures('egl-headless', 'blob=on,dmabuf=off')
        self.assertNotIn('dmabuf (zero copy)', paths, paths)


class GpuDmabufTest(GpuDmabufChecks, VgpuTest):
    arch = 'x86_64'


if __name__ == '__main__':
    unittest.main()
