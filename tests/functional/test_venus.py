# SPDX-License-Identifier: GPL-2.0-or-later
"""Vulkan in the guest through Venus (blob resources, host-visible
memory), served by virglrenderer's render server on lavapipe."""

import unittest

from vgpu.testcase import VgpuTest, parse_probe, tester_steps

VENUS_OPTS = 'blob=true,hostmem=512M,venus=true'


class VenusChecks:

    def test_probe_reports_venus(self):
        with self.guest(device_opts=VENUS_OPTS) as g:
            out = self.run_ok(g, 'vgpu-probe')
        probe = parse_probe(out)
        self.assertEqual(probe['params'].get('RESOURCE_BLOB'), '1', out)
        self.assertEqual(probe['params'].get('HOST_VISIBLE'), '1', out)
        self.assertIn('VENUS', probe['capsets'], out)

    def test_tester_blob_steps(self):
        with self.guest(device_opts=VENUS_OPTS) as g:
            _, out = g.run('vgpu-tester', timeout=180)
        self.save_artifact('tester-blob.txt', out)
        steps = tester_steps(out)
        for step in ('resource_create_blob', 'blob_host3d_map'):
            self.assertEqual(steps.get(step, ('missing',))[0], 'PASS',
                             f'{step}: {steps.get(step)}')

    def test_vulkaninfo_lists_venus(self):
        with self.guest(root='mesa', device_opts=VENUS_OPTS) as g:
            out = self.run_ok(g, 'vulkaninfo --summary 2>&1', timeout=180)
        self.save_artifact('vulkaninfo.txt', out)
        self.assertIn('Virtio-GPU Venus', out, out)

    def test_vulkan_workload_checked(self):
        """Clear an image, copy it to a buffer, fill another, on the
        host's lavapipe through Venus; every byte is checked."""
        with self.guest(root='mesa', device_opts=VENUS_OPTS) as g:
            status, out = g.run('vgpu-vkcheck Venus 2>&1', timeout=180)
        self.save_artifact('vkcheck.txt', out)
        self.assertRegex(out, r'VKCHECK device: Virtio-GPU Venus', out)
        self.assertIn('VKCHECK clear_copy: PASS', out, out)
        self.assertIn('VKCHECK fill: PASS', out, out)
        self.assertEqual(status, 0, out)


class Aarch64VenusTest(VenusChecks, VgpuTest):
    arch = 'aarch64'


class X86_64VenusTest(VenusChecks, VgpuTest):
    arch = 'x86_64'


if __name__ == '__main__':
    unittest.main()
