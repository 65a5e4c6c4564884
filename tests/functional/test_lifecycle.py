# SPDX-License-Identifier: GPL-2.0-or-later
"""The device's life around the guest's work: resets, driver reloads and
QEMU quitting while commands are in flight, migration refused with a
clear message, and the device's trace events reaching the user.

The busy guest runs vgpu-bench, whose fenced submissions and transfers
keep commands queued and parked on fences the whole time; the power-off
test leaves the GL and Vulkan workloads running in the Mesa guest.
"""

import time
import unittest

from vgpu.guest import RENDER_BUSY, RENDER_OPTS
from vgpu.testcase import VgpuTest, tester_steps

BUSY = 'vgpu-bench -b 30 -n 100000 > /tmp/bench.log 2>&1 &'


class LifecycleChecks:
    """Shared by the per-architecture classes below."""

    def start_busy(self, g):
        self.run_ok(g, BUSY)
        time.sleep(3)
        # Still at work when the test pulls the rug.
        self.run_ok(g, 'pidof vgpu-bench')

    def check_probe(self, g):
        self.assert_probe_virgl(self.run_ok(g, 'vgpu-probe'))

    def check_tester(self, g):
        status, out = g.run('vgpu-tester', timeout=180)
        failed = [k for k, v in tester_steps(out).items() if v[0] == 'FAIL']
        self.assertEqual((status, failed), (0, []), out)

    def test_reset_while_busy(self):
        """A guest reset in the middle of fenced work: the device comes
        back whole and serves the next boot."""
        with self.guest() as g:
            self.start_busy(g)
            g.vm.cmd('system_reset')
            g.wait_for_boot()
            self.check_probe(g)
            self.check_tester(g)
            self.assertTrue(g.vm.is_running())

    def test_driver_reload_while_busy(self):
        """Unbind the guest driver under load (a device reset from the
        guest's side), bind it again, and use the device."""
        with self.guest() as g:
            drv = '/sys/bus/virtio/drivers/virtio_gpu'
            # The last line: a long command's echo may wrap.
            dev = self.run_ok(g, f'ls {drv} | grep ^virtio').split()[-1]
            self.assertRegex(dev, r'^virtio\d+$')
            self.start_busy(g)
            self.run_ok(g, f'echo {dev} > {drv}/unbind', timeout=60)
            self.run_ok(g, 'wait')
            self.run_ok(g, f'echo {dev} > {drv}/bind', timeout=60)
            self.run_ok(g, 'for i in $(seq 50); do [ -e /dev/dri/card0 ] '
                        '&& break; sleep 0.1; done; [ -e /dev/dri/card0 ]')
            self.check_probe(g)
            self.check_tester(g)

    def test_quit_while_busy(self):
        """QMP quit with commands in flight: QEMU exits cleanly."""
        g = self.guest()
        with g:
            self.start_busy(g)
            g.vm.cmd('quit')
            g.vm.wait(timeout=30)
        self.assertEqual(g.vm.exitcode(), 0, g.qemu_log())
        self.assertNotRegex(g.qemu_log(None),
                            r'(?i)assert|segmentation|aborted|core dumped')

    def test_poweroff_while_rendering(self):
        """The guest powers itself off with GL and Venus work in flight:
        QEMU exits with status 0 and no crash (on NVIDIA's driver ours
        once died with SIGSEGV at this point)."""
        g = self.guest(root='mesa', device_opts=RENDER_OPTS)
        with g:
            self.run_ok(g, RENDER_BUSY, timeout=120)
            self.run_ok(g, 'pidof vgpu-glwork && pidof vgpu-vkwork')
            g.power_off()
        self.assertEqual(g.vm.exitcode(), 0, g.qemu_log())
        self.assertNotRegex(g.qemu_log(None),
                            r'(?i)assert|segmentation|aborted|core dumped')

    def test_migration_is_refused(self):
        """Migration fails at once with the device's own blocker message,
        and the guest goes on running."""
        with self.guest() as g:
            with self.assertRaises(Exception) as ctx:
                g.vm.cmd('migrate', uri='exec:cat > /dev/null')
            msg = str(ctx.exception)
            self.assertRegex(msg, r'virtio-gpu|virgl', msg)
            self.save_artifact('migration-refused.txt', msg)
            self.check_probe(g)

    def test_trace_events(self):
        """-trace enables the device's events, with the module loaded
        after the command line was read."""
        g = self.guest(extra_args=['-trace', 'vgpu_cmd',
                                   '-trace', 'enable=vgpu_fence_retire'])
        with g:
            self.check_tester(g)
        log = g.qemu_log(None)
        self.save_artifact('trace.txt', log)
        self.assertRegex(log, r'vgpu_cmd CTX_CREATE ctx=\d+', log[-2000:])
        self.assertRegex(log, r'vgpu_cmd SUBMIT_3D ctx=\d+ flags=0x1',
                         log[-2000:])
        self.assertRegex(log, r'vgpu_fence_retire fence=\d+ seq=\d+',
                         log[-2000:])
        # Events nobody asked for stay off.
        self.assertNotIn('vgpu_resource_create', log)


class Aarch64LifecycleTest(LifecycleChecks, VgpuTest):
    arch = 'aarch64'


class X86_64LifecycleTest(LifecycleChecks, VgpuTest):
    arch = 'x86_64'


if __name__ == '__main__':
    unittest.main()
