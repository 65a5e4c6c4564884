# SPDX-License-Identifier: GPL-2.0-or-later
"""Device properties a user gets wrong: QEMU must refuse to start and say
what to change, not start a device that cannot work."""

import json
import os
import subprocess
import unittest

from test_modules import start_and_quit
from vgpu import env


class PropertyErrorTest(unittest.TestCase):

    arch = 'aarch64'

    def refused(self, opts, *wanted):
        status, out = start_and_quit(self.arch, env.module_dir(),
                                     device_opts=opts)
        self.assertNotEqual(status, 0, f'QEMU started with {opts}:\n{out}')
        for text in wanted:
            self.assertIn(text, out)

    def test_venus_without_blob(self):
        self.refused('venus=on', 'blob=on', 'hostmem=')

    def test_venus_without_hostmem(self):
        self.refused('blob=on,venus=on', 'hostmem=')

    def test_hostmem_not_power_of_two(self):
        self.refused('blob=on,hostmem=300M', 'power of two')

    def test_drm_without_renderer_support(self):
        self.refused('blob=on,hostmem=256M,drm_native_context=on',
                     'DRM native context')

    def test_no_contexts(self):
        self.refused('max_contexts=0', 'max_contexts=0', '1 to 1023')

    def test_frame_budget_below_the_mode(self):
        self.refused('xres=1920,yres=1080,max_frame_bytes=8M',
                     'max_frame_bytes=', 'use at least 16588800')

    def test_no_resource_bytes(self):
        self.refused('max_resource_bytes=0',
                     'leaves no room for any resource')

    def test_venus_nudge_out_of_range(self):
        self.refused('blob=on,hostmem=256M,venus=on,x-venus-nudge-ms=5',
                     'x-venus-nudge-ms=5', 'use 0', '10 to 10000')

    def test_good_modern_options_start(self):
        status, out = start_and_quit(self.arch, env.module_dir(),
                                     device_opts='blob=on,hostmem=256M,'
                                                 'venus=on')
        self.assertEqual(status, 0, out)

    def test_ioeventfd_as_upstream_names_it(self):
        # A command line written for upstream's device must start ours.
        for value in ('on', 'off'):
            status, out = start_and_quit(self.arch, env.module_dir(),
                                         device_opts=f'ioeventfd={value}')
            self.assertEqual(status, 0, f'ioeventfd={value}:\n{out}')

    def test_big_endian_framebuffer_as_upstream_names_it(self):
        # virtio-vga-gl's byte-order switch, set and read back over QMP
        # as pSeries firmware flips it on upstream's device.
        cmds = [{'execute': 'qmp_capabilities'}]
        for value in (True, False):
            cmds += [{'execute': 'qom-set',
                      'arguments': {'path': '/machine/peripheral/vga',
                                    'property': 'big-endian-framebuffer',
                                    'value': value}},
                     {'execute': 'qom-get',
                      'arguments': {'path': '/machine/peripheral/vga',
                                    'property': 'big-endian-framebuffer'}}]
        cmds.append({'execute': 'quit'})
        run = subprocess.run(
            [env.qemu_binary('x86_64'), '-M', 'q35', '-vga', 'none',
             '-display', env.gl_display(), '-device', 'virtio-vga-gl,id=vga',
             '-S', '-qmp', 'stdio'],
            input=''.join(json.dumps(c) for c in cmds), capture_output=True,
            text=True, timeout=60,
            env=dict(os.environ, QEMU_MODULE_DIR=env.module_dir()))
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        answers = [json.loads(line) for line in run.stdout.splitlines()
                   if line.startswith('{"return"')]
        got = [a['return'] for a in answers if a['return'] != {}]
        self.assertEqual(got, [True, False], run.stdout)


if __name__ == '__main__':
    unittest.main()
