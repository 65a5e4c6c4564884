# SPDX-License-Identifier: GPL-2.0-or-later
"""The pictures the guest program vgpu-scanout puts on an output, and
checks that a picture (a screendump, a display client's frame, an X
screen) shows one of them."""

import time

from .image import bounding_box

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
        out = self.wait_scanout_log(g, 'SCANOUT ready')
        words = out.split('SCANOUT ready', 1)[1].split()
        width, height = (int(v) for v in words[3].split('x'))
        return width, height

    def wait_scanout_log(self, g, text, timeout=60):
        """vgpu-scanout's output once it holds `text` (or an error)."""
        deadline = time.monotonic() + timeout
        out = ''
        while text not in out and 'SCANOUT error' not in out and \
                time.monotonic() < deadline:
            time.sleep(0.5)
            out = g.run('cat /tmp/scanout.log')[1]
        self.assertIn(text, out, f'vgpu-scanout: {out}')
        return out

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
