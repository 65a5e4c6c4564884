# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot real guests with virtio-gpu-gl and check what they see and draw.

Each test runs on aarch64 (-M virt) and x86_64 (-M q35) under TCG against
the module directory under test (VGPU_MODULE_DIR): the probe and tester
from tests/guest, Mesa's eglinfo and kmscube, and a QMP screendump
checked by pixels.
"""

import glob
import os
import subprocess
import time
import unittest

from vgpu import env as vgpu_env
from vgpu.testcase import VgpuTest, tester_steps


class GuestChecks:
    """The checks, shared by the per-architecture classes below."""

    def test_probe_reports_virgl(self):
        with self.guest() as g:
            out = self.run_ok(g, 'vgpu-probe')
        self.save_artifact('probe.txt', out)
        probe = self.assert_probe_virgl(out)
        self.assertIn('VIRGL', probe['capsets'], out)

    def test_tester_passes(self):
        with self.guest() as g:
            status, out = g.run('vgpu-tester', timeout=180)
        self.save_artifact('tester.txt', out)
        steps = tester_steps(out)
        self.assertIn('transfer_roundtrip', steps, out)
        failed = [f'{k}: {v[1]}' for k, v in steps.items() if v[0] == 'FAIL']
        if failed:
            self.fail('tester steps failed: ' + '; '.join(failed))
        self.assertEqual(status, 0, out)

    def test_eglinfo_shows_virgl(self):
        with self.guest(root='mesa') as g:
            out = self.run_ok(g, 'eglinfo -B -p surfaceless 2>&1 || '
                              'EGL_PLATFORM=surfaceless eglinfo -B 2>&1',
                              timeout=120)
        self.save_artifact('eglinfo.txt', out)
        self.assertRegex(out, r'(?i)virgl', out)

    def test_kmscube_on_scanout(self):
        with self.guest(root='mesa') as g:
            # Look while it draws: on exit the text console comes back.
            # kmscube quits on any input, so its stdin is a terminal that
            # nobody types on.
            self.run_ok(g, 'kmscube -c 1200 < /dev/tty0 '
                        '> /tmp/kmscube.log 2>&1 &')
            pic = self.screendump_until(
                g, 'kmscube', lambda p: len(p.colours(step=8)) > 16)
            pic.save_png(self.save_artifact('kmscube.png', ''))
            out = self.run_ok(g, 'wait; tail -n 3 /tmp/kmscube.log',
                              timeout=300)
            self.save_artifact('kmscube.txt', out)
        self.assertIn('Rendered', out)
        # A shaded, coloured cube on a plain background: many colours.
        colours = pic.colours(step=8)
        self.assertGreater(len(colours), 16,
                           f'screendump looks flat: {len(colours)} colours')

    def test_console_on_scanout(self):
        with self.guest() as g:
            self.run_ok(g, 'for i in 1 2 3 4 5 6 7 8; do '
                        'echo VGPU-CONSOLE-TEXT > /dev/tty0; done')
            pic = self.screendump_until(
                g, 'console', lambda p: p.fraction(lambda c: max(c) > 128)
                > 0.001)
        pic.save_png(self.save_artifact('console.png', ''))
        lit = pic.fraction(lambda p: max(p) > 128)
        self.assertGreater(lit, 0.001, 'no text visible on the scanout')
        self.assertLess(lit, 0.5, 'scanout is mostly bright, not a console')


class Aarch64PciTest(GuestChecks, VgpuTest):
    arch = 'aarch64'


class X86_64PciTest(GuestChecks, VgpuTest):
    arch = 'x86_64'


class Aarch64MmioTest(VgpuTest):
    """virtio-gpu-gl-device on the virtio-mmio transport of -M virt."""

    arch = 'aarch64'

    def test_probe_reports_virgl(self):
        self.need_machine('virt', 'the virtio-mmio transport')
        with self.guest(device='virtio-gpu-gl-device') as g:
            out = self.run_ok(g, 'vgpu-probe')
        self.assert_probe_virgl(out)


class EglWithoutRenderNodeTest(VgpuTest):
    """GL displays on a machine without a render node: our ui-opengl
    falls back to EGL on the surfaceless platform, and says so; with no
    EGL at all, QEMU stops with a message saying what to install."""

    arch = 'aarch64'

    def test_egl_headless_falls_back(self):
        if glob.glob('/dev/dri/renderD*'):
            raise unittest.SkipTest('this machine has a render node, so '
                                    'ui-opengl does not fall back')
        with self.guest(display='egl-headless') as g:
            self.assert_probe_virgl(self.run_ok(g, 'vgpu-probe'))
        self.assertRegex(g.qemu_log(tail=None),
                         r'egl: no DRM render node; rendering with .* on the '
                         r'surfaceless platform')

    def test_no_egl_says_what_to_install(self):
        """glvnd finding no EGL vendor is a machine without Mesa's EGL."""
        self.need_machine('virt', 'this check')
        env = dict(os.environ, QEMU_MODULE_DIR=vgpu_env.module_dir(),
                   __EGL_VENDOR_LIBRARY_FILENAMES='/nonexistent.json')
        proc = subprocess.run(
            [vgpu_env.qemu_binary('aarch64'), '-M', 'virt', '-S',
             '-display', 'egl-headless', '-device', 'virtio-gpu-gl-pci',
             '-nodefaults'],
            env=env, capture_output=True, text=True, timeout=60,
            check=False)
        self.assertNotEqual(proc.returncode, 0, proc.stderr)
        self.assertIn('libegl-mesa0', proc.stderr)
        self.assertIn('-display vnc', proc.stderr)


if __name__ == '__main__':
    unittest.main()
