# SPDX-License-Identifier: GPL-2.0-or-later
"""The device with each QEMU display backend a user picks by habit.

Each test boots the aarch64 guest with one -display, writes text on the
guest's console (the kernel's fbcon draws it into a scanout resource and
flushes it) and checks the scanout by pixels through QMP screendump.
Windowed backends draw on the Xvfb server the test driver starts.
"""

import unittest

from vgpu.testcase import VgpuTest


class DisplayChecks:

    def console_shows_text(self, display, windowed=False):
        if windowed:
            self.need_x(f'-display {display}')
        with self.guest(display=display) as g:
            self.run_ok(g, 'for i in 1 2 3 4 5 6 7 8; do '
                        'echo VGPU-CONSOLE-TEXT > /dev/tty0; done')
            pic = self.screendump_until(
                g, 'console', lambda p: p.fraction(lambda c: max(c) > 128)
                > 0.001)
            self.run_ok(g, 'vgpu-probe')
        name = display.replace(',', '-').replace('=', '-').split(':')[0]
        pic.save_png(self.save_artifact(f'display-{name}.png', ''))
        lit = pic.fraction(lambda p: max(p) > 128)
        self.assertGreater(lit, 0.001, 'no text visible on the scanout')
        self.assertLess(lit, 0.5, 'scanout is mostly bright, not a console')

    def test_none(self):
        self.console_shows_text('none')

    def test_vnc(self):
        self.console_shows_text('vnc=unix:' + self.unix_socket('vnc'))

    def test_sdl_gl_off(self):
        self.console_shows_text('sdl,gl=off', windowed=True)

    def test_sdl_gl_on(self):
        self.console_shows_text('sdl,gl=on', windowed=True)

    def test_gtk_gl_off(self):
        self.console_shows_text('gtk,gl=off', windowed=True)

    def test_gtk_gl_on(self):
        self.console_shows_text('gtk,gl=on', windowed=True)


class Aarch64DisplayTest(DisplayChecks, VgpuTest):
    arch = 'aarch64'


if __name__ == '__main__':
    unittest.main()
