# SPDX-License-Identifier: GPL-2.0-or-later
"""The device with each QEMU display backend a user picks by habit.

Each test boots the aarch64 guest with one display backend and has the
guest program vgpu-scanout put three known pictures on the scanout
through KMS, one after the other:

  2d    a dumb buffer (a 2D resource): quadrants red, green, blue, white;
  gl    a 3D resource cleared by virgl on the host: one colour;
  blob  a guest-memory blob resource (SET_SCANOUT_BLOB): the quadrants.

Every picture is checked by pixels in QMP's screendump, and also where
the backend's own users look: the Xvfb screen for windowed backends
(xwd), a real VNC client (gvnccapture) for VNC, a real SPICE client
(spicy-screenshot) for SPICE, the D-Bus display's console object
(gdbus) for D-Bus.  The console's text comes first, as a smoke check
that the kernel's console reaches the display.
"""

import os
import time
import unittest

from vgpu.clients import (ClientError, SessionBus, free_vnc_display,
                          spice_capture, vnc_capture, x_screenshot)
from vgpu.image import bounding_box
from vgpu.testcase import VgpuTest

QUADRANTS = ((255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255))
GL_RGB = (0x20, 0xa0, 0xe0)       # vgpu-scanout's VGPU_GL_RGB
KINDS = ('2d', 'gl', 'blob')
TOLERANCE = 8                     # per channel; VNC and X are exact here


class ScanoutPictures:
    """What vgpu-scanout draws, and checks that a picture shows it."""

    def show(self, g, kind, args=''):
        """Start vgpu-scanout in the guest's background and wait until its
        picture is flushed; returns its (width, height)."""
        self.run_ok(g, f'vgpu-scanout {args} -t 600 {kind} '
                    '>/tmp/scanout.log 2>&1 &')
        deadline = time.monotonic() + 60
        out = ''
        while 'SCANOUT ' not in out and time.monotonic() < deadline:
            time.sleep(0.5)
            out = g.run('cat /tmp/scanout.log')[1]
        self.assertIn('SCANOUT ready', out, f'vgpu-scanout {kind}: {out}')
        words = out.split('SCANOUT ready', 1)[1].split()
        width, height = (int(v) for v in words[3].split('x'))
        return width, height

    def hide(self, g):
        g.run('kill $(pidof vgpu-scanout) 2>/dev/null; sleep 0.5')

    def expected(self, kind):
        return [GL_RGB] if kind == 'gl' else list(QUADRANTS)

    def assert_fills(self, pic, kind, where):
        """The picture is exactly the scanout: quadrants (or the GL colour)
        at their places."""
        w, h = pic.width, pic.height
        if kind == 'gl':
            points = [(w // 2, h // 2, GL_RGB), (5, 5, GL_RGB),
                      (w - 5, h - 5, GL_RGB)]
        else:
            points = [(w // 4, h // 4, QUADRANTS[0]),
                      (3 * w // 4, h // 4, QUADRANTS[1]),
                      (w // 4, 3 * h // 4, QUADRANTS[2]),
                      (3 * w // 4, 3 * h // 4, QUADRANTS[3])]
        for x, y, want in points:
            got = pic.pixel(x, y)
            self.assertTrue(all(abs(got[i] - want[i]) <= TOLERANCE
                                for i in range(3)),
                            f'{where}, {kind}: pixel {x},{y} is {got}, '
                            f'expected {want}')

    def assert_contains(self, pic, kind, size, where):
        """The picture (a whole X screen) holds the scanout at 1:1
        somewhere: each colour's box has the size the pattern gives it."""
        width, height = size
        if kind == 'gl':
            boxes = {GL_RGB: (width, height)}
        else:
            boxes = {c: (width // 2, height // 2) for c in QUADRANTS}
        found = {}
        for colour, (bw, bh) in boxes.items():
            box = bounding_box(pic, colour, TOLERANCE)
            self.assertIsNotNone(box, f'{where}, {kind}: no {colour} pixels')
            found[colour] = box
            got = (box[2] - box[0], box[3] - box[1])
            self.assertTrue(abs(got[0] - bw) <= 4 and abs(got[1] - bh) <= 4,
                            f'{where}, {kind}: {colour} covers {got}, '
                            f'expected {bw}x{bh} (box {box})')
        if kind != 'gl':
            red, white = found[QUADRANTS[0]], found[QUADRANTS[3]]
            self.assertLess(abs(white[0] - red[2]), 4, f'{where}: layout')
            self.assertLess(abs(white[1] - red[3]), 4, f'{where}: layout')


class DisplayChecks(ScanoutPictures):

    device_opts = 'blob=on'

    def console_text(self, g, display):
        self.run_ok(g, 'for i in 1 2 3 4 5 6 7 8; do '
                    'echo VGPU-CONSOLE-TEXT > /dev/tty0; done')
        pic = self.screendump_until(
            g, 'console', lambda p: p.fraction(lambda c: max(c) > 128)
            > 0.001)
        name = display.replace(',', '-').replace('=', '-').split(':')[0]
        pic.save_png(self.save_artifact(f'display-{name}.png', ''))
        lit = pic.fraction(lambda p: max(p) > 128)
        self.assertGreater(lit, 0.001, 'no text visible on the scanout')
        self.assertLess(lit, 0.5, 'scanout is mostly bright, not a console')

    def pictures(self, display, extra_args=(), client=None, windowed=False):
        """Boot with the backend, check the console text, then each
        picture by screendump and by the backend's client, if any."""
        if windowed:
            self.need_x(f'-display {display}')
        with self.guest(display=display, extra_args=extra_args,
                        device_opts=self.device_opts) as g:
            self.console_text(g, display)
            for kind in KINDS:
                with self.subTest(kind=kind):
                    size = self.show(g, kind)
                    try:
                        self.check_picture(g, kind, size, client, windowed)
                    finally:
                        self.hide(g)

    def check_picture(self, g, kind, size, client, windowed):
        want = self.expected(kind)
        pic = self.screendump_until(
            g, f'screendump-{kind}',
            lambda p: p.pixel(p.width // 4, p.height // 4) == want[0])
        self.assertEqual((pic.width, pic.height), size, 'screendump size')
        self.assert_fills(pic, kind, 'screendump')
        cpic = client(g, size) if client else None
        if cpic:
            self.assertEqual((cpic.width, cpic.height), size,
                             'client picture size')
            self.assert_fills(cpic, kind, 'display client')
        if windowed:
            xpic = x_screenshot(g.workdir)
            xpic.save_png(self.save_artifact(f'x-{kind}.png', ''))
            self.assert_contains(xpic, kind, size, 'X screen')

    def test_none(self):
        self.pictures('none')

    def test_vnc(self):
        n = free_vnc_display()
        self.pictures(f'vnc=127.0.0.1:{n}',
                      client=lambda g, _: vnc_capture(n, g.workdir))

    def test_sdl_gl_off(self):
        self.pictures('sdl,gl=off', windowed=True)

    def test_sdl_gl_on(self):
        self.pictures('sdl,gl=on', windowed=True)

    def test_gtk_gl_off(self):
        self.pictures('gtk,gl=off', windowed=True)

    def test_gtk_gl_on(self):
        self.pictures('gtk,gl=on', windowed=True)

    def test_egl_headless_vnc(self):
        """egl-headless renders the console in GL (on llvmpipe through
        our ui-opengl's surfaceless fallback here) and serves it by VNC."""
        n = free_vnc_display()
        self.pictures('egl-headless', extra_args=['-vnc', f'127.0.0.1:{n}'],
                      client=lambda g, _: vnc_capture(n, g.workdir))

    def test_dbus_gl_on(self):
        """The D-Bus display on a private session bus; its console object
        must report the scanout's size to D-Bus clients."""
        try:
            bus = SessionBus()
        except ClientError as e:
            raise unittest.SkipTest(f'no D-Bus session bus: {e}') from e
        self.addCleanup(bus.close)
        old = os.environ.get('DBUS_SESSION_BUS_ADDRESS')
        os.environ['DBUS_SESSION_BUS_ADDRESS'] = bus.address
        self.addCleanup(self.restore_env, 'DBUS_SESSION_BUS_ADDRESS', old)

        def console_object(_, size):
            text = bus.introspect('org.qemu', '/org/qemu/Display1/Console_0')
            for prop, value in zip(('Width', 'Height'), size):
                self.assertIn(f'readonly u {prop} = {value};', text)
            return None
        self.pictures('dbus,gl=on', client=console_object)

    def test_spice(self):
        path = self.unix_socket('spice')
        self.pictures('none', extra_args=[
            '-spice', f'unix=on,addr={path},disable-ticketing=on'],
            client=lambda g, _: spice_capture(path, g.workdir))

    def test_spice_gl_on(self):
        """SPICE in GL mode hands scanouts to a local client by dmabuf;
        without a render node nothing can export one, so only the console
        (screendump) is checked here."""
        path = self.unix_socket('spice-gl')
        self.pictures('none', extra_args=[
            '-spice', f'unix=on,addr={path},disable-ticketing=on,gl=on'])

    @staticmethod
    def restore_env(name, value):
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


class Aarch64DisplayTest(DisplayChecks, VgpuTest):
    arch = 'aarch64'


if __name__ == '__main__':
    unittest.main()
