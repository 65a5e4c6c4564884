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

import unittest

from vgpu.clients import (free_vnc_display, spice_capture, vnc_capture,
                          x_screenshot)
from vgpu.guest import GuestError
from vgpu.pictures import KINDS, ScanoutPictures
from vgpu.testcase import VgpuTest

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
        picture by screendump and by the backend's client, if any;
        returns the (stopped) guest, whose QEMU log stays readable."""
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
        return g

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
        our ui-opengl's surfaceless fallback here) and serves it by VNC.
        The display could import a dmabuf, but the renderer cannot export
        one without a render node: the trace says the scanouts were read
        back, and why."""
        n = free_vnc_display()
        g = self.pictures('egl-headless', extra_args=[
            '-vnc', f'127.0.0.1:{n}', '-trace', 'vgpu_scanout_pat*'],
            client=lambda g, _: vnc_capture(n, g.workdir))
        log = g.qemu_log(tail=None)
        self.assertRegex(log, r'path=readback \(renderer cannot export it\)',
                         log[-2000:])
        self.assertIn('path=blob copy', log)

    def test_dbus_gl_on(self):
        """The D-Bus display on a private session bus; its console object
        must report the scanout's size to D-Bus clients."""
        bus = self.session_bus()

        def console_object(_, size):
            text = bus.introspect('org.qemu', '/org/qemu/Display1/Console_0')
            for prop, value in zip(('Width', 'Height'), size):
                self.assertIn(f'readonly u {prop} = {value};', text)
            return None
        self.pictures('dbus,gl=on', client=console_object)

    def spice_pictures(self, extra_args, client=None):
        """pictures() with -spice; a QEMU built or installed without
        SPICE (a GPU host's bundle has no qemu-system-modules-spice)
        cannot run the test, and says so."""
        try:
            self.pictures('none', extra_args=extra_args, client=client)
        except GuestError as e:
            if "no option group 'spice'" in str(e):
                raise unittest.SkipTest('this QEMU has no SPICE support '
                                        '(qemu-system-modules-spice)') from e
            raise

    def test_spice(self):
        path = self.unix_socket('spice')
        self.spice_pictures(extra_args=[
            '-spice', f'unix=on,addr={path},disable-ticketing=on'],
            client=lambda g, _: spice_capture(path, g.workdir))

    def test_spice_gl_on(self):
        """SPICE in GL mode hands scanouts to a local client by dmabuf;
        without a render node nothing can export one, so only the console
        (screendump) is checked here."""
        path = self.unix_socket('spice-gl')
        self.spice_pictures(extra_args=[
            '-spice', f'unix=on,addr={path},disable-ticketing=on,gl=on'])


class Aarch64DisplayTest(DisplayChecks, VgpuTest):
    arch = 'aarch64'


if __name__ == '__main__':
    unittest.main()
