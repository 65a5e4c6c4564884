# SPDX-License-Identifier: GPL-2.0-or-later
"""The dmabuf scanout path, against the recording stand-in renderer.

virglrenderer cannot export a dmabuf on a machine without a render node,
so the dmabuf path runs here against our device built with the recording
stand-in (tests/stand-in/), which exports every 2D or 3D resource as a
memfd painted 0x40c080.  egl-headless (our ui-opengl on llvmpipe)
imports it as it would a GPU's dmabuf and reads it back for its VNC
server.  The run-tests.sh contract phase runs this
file; the normal functional runs do not load it.
"""

import os
import unittest

from vgpu.clients import free_vnc_display, vnc_capture
from vgpu.pictures import ScanoutPictures
from vgpu.testcase import VgpuTest

STAND_IN_RGB = (0x40, 0xc0, 0x80)


class DmabufPathChecks(ScanoutPictures):

    def test_dmabuf_path(self):
        """A 3D resource on the output goes by dmabuf: the trace says
        so, the stand-in exported it, and a VNC client shows the exported
        pixels over the whole output.  (QMP screendump has no surface to
        read for a dmabuf scanout in QEMU 10.)"""
        n = free_vnc_display()
        g = self.guest(display='egl-headless', extra_args=[
            '-vnc', f'127.0.0.1:{n}', '-trace', 'vgpu_scanout_pat*'])
        with g:
            self.run_ok(g, 'vgpu-scanout -t 600 gl >/tmp/scanout.log 2>&1 &')
            client = self.picture_until(
                lambda: vnc_capture(n, g.workdir),
                lambda p: p.fraction(lambda c: c == STAND_IN_RGB) == 1.0,
                timeout=30, pause=1)
            out = g.run('cat /tmp/scanout.log')[1]
        self.assertIn('SCANOUT ready gl', out)
        self.assertEqual((client.width, client.height), (1280, 800))
        self.assertEqual(client.fraction(lambda c: c == STAND_IN_RGB), 1.0,
                         'VNC client: not all the exported colour')
        log = g.qemu_log(tail=None)
        self.assertRegex(log, r'vgpu_scanout_path scanout=0 resource=\d+ '
                         r'path=dmabuf \(zero copy\)', log[-2000:])
        with open(os.environ['VGPU_RECORDING'], encoding='utf-8') as f:
            self.assertIn('export_scanout', f.read())

    def test_dmabuf_off_reads_back(self):
        """dmabuf=off: the same display gets the readback path, and QMP
        screendump sees the (stand-in's empty, black) frame."""
        g = self.guest(display='egl-headless', device_opts='dmabuf=off',
                       extra_args=['-trace', 'vgpu_scanout_pat*'])
        with g:
            self.run_ok(g, 'vgpu-scanout -t 600 gl >/tmp/scanout.log 2>&1 &')
            self.wait_scanout_log(g, 'SCANOUT ready')
            pic = g.screendump('readback')
        self.assertEqual((pic.width, pic.height), (1280, 800))
        self.assertRegex(g.qemu_log(tail=None),
                         r'path=readback \(dmabuf=off\)')

    def test_sdl_reads_back(self):
        """SDL's GL display cannot import a dmabuf: though the renderer
        could export one, the device reads the scanout back for it."""
        g = self.guest(display='sdl,gl=on',
                       extra_args=['-trace', 'vgpu_scanout_pat*'])
        with g:
            self.run_ok(g, 'vgpu-scanout -t 600 gl >/tmp/scanout.log 2>&1 &')
            self.wait_scanout_log(g, 'SCANOUT ready')
        self.assertRegex(g.qemu_log(tail=None),
                         r'path=readback \(the display cannot import a '
                         r'dmabuf\)')

    def test_no_gl_display_reads_back(self):
        """Without a GL display nothing asks the renderer to export."""
        g = self.guest(display='none', extra_args=[
            '-trace', 'vgpu_scanout_pat*'])
        with g:
            self.run_ok(g, 'vgpu-scanout -t 0 gl')
        self.assertRegex(g.qemu_log(tail=None),
                         r'path=readback \(display without a GL context\)')


class Aarch64DmabufPathTest(DmabufPathChecks, VgpuTest):
    arch = 'aarch64'


if __name__ == '__main__':
    unittest.main()
