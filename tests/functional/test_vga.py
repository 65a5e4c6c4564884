# SPDX-License-Identifier: GPL-2.0-or-later
"""virtio-vga-gl: a VGA adapter for the firmware, then virtio-gpu-gl.

On x86_64 the firmware (SeaBIOS with the virtio VGA BIOS) writes on the
VGA text screen before any kernel runs; once the guest's virtio-gpu
driver sets a scanout, the same console shows the virtio picture.  Both
phases are checked by screendump: the first by its VGA text-mode size,
the second by the device's scanout size and the console text on it.

virtio-vga-gl exists for x86 only: QEMU builds VIRTIO_VGA into no Arm
binary, so Debian's qemu-system-aarch64 cannot load it.
"""

import time
import unittest

from vgpu.testcase import VgpuTest

VGA_TEXT_MODE = (720, 400)
SCANOUT = (1280, 800)       # the device's default xres, yres


class VgaChecks:

    def vga_guest(self, **kwargs):
        # One VGA adapter per machine: the board's own goes.
        return self.guest(device='virtio-vga-gl', extra_args=['-vga', 'none'],
                          **kwargs)

    def test_virtio_takes_over_console(self):
        with self.vga_guest() as g:
            self.assert_probe_virgl(self.run_ok(g, 'vgpu-probe'))
            self.run_ok(g, 'for i in 1 2 3 4 5 6 7 8; do '
                        'echo VGPU-CONSOLE-TEXT > /dev/tty0; done')
            pic = self.screendump_until(
                g, 'virtio', lambda p: (p.width, p.height) == SCANOUT and
                p.fraction(lambda c: max(c) > 128) > 0.001)
        pic.save_png(self.save_artifact('vga-virtio.png', ''))
        self.assertEqual((pic.width, pic.height), SCANOUT)
        self.assertGreater(pic.fraction(lambda c: max(c) > 128), 0.001,
                           'no console text on the virtio scanout')


class X86_64VgaTest(VgaChecks, VgpuTest):
    arch = 'x86_64'

    def test_firmware_draws_on_vga(self):
        """Before the kernel: the BIOS text screen, through VGA."""
        g = self.vga_guest()
        g.vm.add_args('-S')
        try:
            g.launch(wait_boot=False)
            g.vm.cmd('cont')
            deadline = time.monotonic() + 20
            while True:
                pic = g.screendump('firmware')
                text = (pic.width, pic.height) == VGA_TEXT_MODE and \
                    pic.fraction(lambda c: max(c) > 128) > 0.001
                if text or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
        finally:
            g.shutdown()
        pic.save_png(self.save_artifact('vga-firmware.png', ''))
        self.assertEqual((pic.width, pic.height), VGA_TEXT_MODE,
                         'the firmware screen is not VGA text mode')
        self.assertGreater(pic.fraction(lambda c: max(c) > 128), 0.001,
                           'no firmware text on the VGA screen')


if __name__ == '__main__':
    unittest.main()
