# SPDX-License-Identifier: GPL-2.0-or-later
"""Several outputs, their EDID, resizing from the display, and the cursor.

The guest runs the real virtio-gpu kernel driver; what it sees of its
monitors is read from sysfs (connectors, status, modes, EDID).  Outputs
are plugged and resized the way a display does it: the D-Bus display's
SetUIInfo (what a D-Bus client such as a desktop viewer calls when its
window changes) and an SDL window resized on the Xvfb screen (xdotool).
The cursor is read back from QEMU's VNC server (its RGBA cursor
pseudo-encoding) and, for its position, from the X pointer that the GTK
display warps to where the guest puts the cursor.
"""

import re
import time
import unittest

from vgpu.clients import (free_vnc_display, vnc_cursor, x_pointer,
                          x_resize_window)
from vgpu.pictures import ScanoutPictures
from vgpu.testcase import VgpuTest

CONSOLE = '/org/qemu/Display1/Console_{}'
SET_UI_INFO = 'org.qemu.Display1.Console.SetUIInfo'
MAGENTA, YELLOW = 0xffff00ff, 0xffffff00     # vgpu-scanout's cursor


def parse_edid(data):
    """The facts a guest takes from an EDID block: preferred mode, size in
    cm, and the monitor's serial string."""
    if data[:8] != bytes([0, 255, 255, 255, 255, 255, 255, 0]):
        raise ValueError(f'not an EDID: {data[:8].hex()}')
    dtd = data[54:72]
    mode = (dtd[2] | (dtd[4] & 0xf0) << 4, dtd[5] | (dtd[7] & 0xf0) << 4)
    # The serial's text descriptor may sit in the extension block.
    at = data.find(b'\0\0\0\xff\0')
    serial = (data[at + 5:at + 18].split(b'\n')[0].decode().strip()
              if at >= 0 else None)
    return {'mode': mode, 'size_cm': (data[21], data[22]), 'serial': serial,
            'serial_nr': int.from_bytes(data[12:16], 'little')}


class OutputChecks(ScanoutPictures):

    def connector(self, n):
        return f'/sys/class/drm/card0-Virtual-{n + 1}'

    def wait_connector(self, g, n, status, mode=None, timeout=30):
        """Wait until output n's connector has `status` (and, if given,
        `mode` as its first, preferred mode)."""
        path = self.connector(n)
        deadline = time.monotonic() + timeout
        while True:
            out = g.run(f'cat {path}/status; head -n1 {path}/modes')[1]
            # A long command's echo wraps: keep only the answer's lines.
            lines = [ln for ln in out.splitlines()
                     if re.fullmatch(r'(dis)?connected|unknown|\d+x\d+', ln)]
            ok = lines[:1] == [status] and (
                mode is None or lines[1:2] == [f'{mode[0]}x{mode[1]}'])
            if ok or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        self.assertTrue(ok, f'output {n}: {out!r}, expected {status} '
                        f'{mode or ""}')

    def edid(self, g, n):
        out = self.run_ok(g, f'od -An -v -tx1 {self.connector(n)}/edid')
        rows = [ln for ln in out.splitlines()
                if re.fullmatch(r'( [0-9a-f]{2})+', ln)]
        return parse_edid(bytes.fromhex(''.join(''.join(rows).split())))

    def set_ui_info(self, bus, n, width, height, mm=(0, 0)):
        bus.call('org.qemu', CONSOLE.format(n), SET_UI_INFO, mm[0], mm[1],
                 0, 0, width, height)

    def test_sixteen_outputs(self):
        """max_outputs=16: sixteen connectors, each with its own EDID; a
        D-Bus client plugs in output 15 at 1024x768 (30x19 cm), the guest
        shows a picture on it, and the client unplugs it again."""
        bus = self.session_bus()
        with self.guest(display='dbus',
                        device_opts='max_outputs=16,id=vgpu') as g:
            out = self.run_ok(g, 'ls -d /sys/class/drm/card0-Virtual-*')
            names = set(re.findall(r'card0-Virtual-\d+', out))
            self.assertEqual(len(names), 16, out)
            self.wait_connector(g, 0, 'connected')
            self.wait_connector(g, 15, 'disconnected')
            self.assertIn('readonly u Head = 15;',
                          bus.introspect('org.qemu', CONSOLE.format(15)))

            self.set_ui_info(bus, 15, 1024, 768, mm=(300, 190))
            self.wait_connector(g, 15, 'connected', (1024, 768))
            edid = self.edid(g, 15)
            self.assertEqual(edid['mode'], (1024, 768), edid)
            self.assertEqual(edid['size_cm'], (30, 19), edid)
            self.assertEqual((edid['serial'], edid['serial_nr']), ('16', 16),
                             edid)
            self.assertEqual(self.edid(g, 0)['serial'], '1')

            size = self.show(g, '2d', '-o 15')
            self.assertEqual(size, (1024, 768))
            pic = self.screendump_until(
                g, 'head15', lambda p: p.pixel(8, 8) == (255, 0, 0),
                device='vgpu', head=15)
            self.assertEqual((pic.width, pic.height), size)
            self.assert_fills(pic, '2d', 'output 15')
            self.hide(g)

            self.set_ui_info(bus, 15, 0, 0)
            self.wait_connector(g, 15, 'disconnected')

    def test_resize_from_dbus(self):
        """A D-Bus client's window changes size: output 0's preferred mode
        follows, and a new picture fills the new size."""
        bus = self.session_bus()
        with self.guest(display='dbus', device_opts='id=vgpu') as g:
            self.wait_connector(g, 0, 'connected', (1280, 800))
            self.set_ui_info(bus, 0, 800, 600)
            self.wait_connector(g, 0, 'connected', (800, 600))
            self.assertEqual(self.edid(g, 0)['mode'], (800, 600))
            size = self.show(g, '2d')
            self.assertEqual(size, (800, 600))
            pic = self.screendump_until(
                g, 'resized', lambda p: (p.width, p.height) == size)
            self.assert_fills(pic, '2d', 'resized output')
            self.hide(g)

    def test_resize_sdl_window(self):
        """The user resizes the SDL window: the guest's monitor follows."""
        self.need_x('-display sdl')
        with self.guest(display='sdl,gl=off') as g:
            self.wait_connector(g, 0, 'connected', (1280, 800))
            x_resize_window('QEMU', 1024, 640)
            self.wait_connector(g, 0, 'connected', (1024, 640))

    def check_vnc_cursor(self, port):
        hot_x, hot_y, w, h, rgba = vnc_cursor(port)
        self.assertEqual((hot_x, hot_y, w, h), (0, 0, 64, 64))
        words = [int.from_bytes(rgba[i:i + 4], 'little')
                 for i in range(0, len(rgba), 4)]
        for y in (0, 31, 63):
            self.assertEqual(words[y * 64 + 5], MAGENTA, f'row {y}')
            self.assertEqual(words[y * 64 + 60], YELLOW, f'row {y}')

    def test_cursor_vnc(self):
        """The guest's cursor image reaches VNC clients on output 0 and,
        through a second VNC server bound to head 1, on output 1."""
        bus = self.session_bus()
        n0 = free_vnc_display(2)
        n1 = n0 + 1
        with self.guest(display='dbus', device_opts='max_outputs=2,id=vgpu',
                        extra_args=[
                            '-vnc', f'127.0.0.1:{n0},id=head0',
                            '-vnc', f'127.0.0.1:{n1},id=head1,display=vgpu,'
                            'head=1']) as g:
            self.show(g, '2d', '-c 100,80')
            self.check_vnc_cursor(5900 + n0)
            self.hide(g)
            self.set_ui_info(bus, 1, 800, 600)
            self.wait_connector(g, 1, 'connected', (800, 600))
            self.show(g, '2d', '-o 1 -c 10,10')
            self.check_vnc_cursor(5900 + n1)
            self.hide(g)

    def test_cursor_position_gtk(self):
        """Moving the guest's cursor moves the X pointer by as much: GTK
        warps the pointer to where the guest puts its cursor."""
        self.need_x('-display gtk')
        with self.guest(display='gtk,gl=off') as g:
            self.show(g, '2d', '-c 100,80 -m 400,300')
            first = x_pointer()
            self.wait_scanout_log(g, 'SCANOUT cursor moved')
            time.sleep(1)
            second = x_pointer()
            self.hide(g)
        self.assertEqual((second[0] - first[0], second[1] - first[1]),
                         (300, 220), f'pointer {first} then {second}')


class Aarch64OutputTest(OutputChecks, VgpuTest):
    arch = 'aarch64'


if __name__ == '__main__':
    unittest.main()
