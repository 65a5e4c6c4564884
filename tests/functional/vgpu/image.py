# SPDX-License-Identifier: GPL-2.0-or-later
"""Pictures for the display tests: read QEMU's PPM screendumps and X
window dumps (xwd), write PNG, and measure what a test needs to know."""

import struct
import zlib


class Picture:
    """An RGB picture: width, height and rows of packed RGB bytes."""

    def __init__(self, width, height, rgb):
        if len(rgb) != width * height * 3:
            raise ValueError('picture data does not match its size')
        self.width = width
        self.height = height
        self.rgb = rgb

    def pixel(self, x, y):
        off = (y * self.width + x) * 3
        return tuple(self.rgb[off:off + 3])

    def region(self, x0, y0, x1, y1, step=1):
        """Pixels of a rectangle, sampled every `step` pixels."""
        for y in range(max(0, y0), min(self.height, y1), step):
            for x in range(max(0, x0), min(self.width, x1), step):
                yield self.pixel(x, y)

    def colours(self, step=4):
        """Distinct colours, sampled over the whole picture."""
        return set(self.region(0, 0, self.width, self.height, step))

    def fraction(self, predicate, step=4):
        """Share of sampled pixels for which predicate(rgb) holds."""
        total = hits = 0
        for p in self.region(0, 0, self.width, self.height, step):
            total += 1
            hits += bool(predicate(p))
        return hits / total if total else 0.0

    def save_png(self, path):
        raw = b''.join(b'\0' + self.rgb[y * self.width * 3:
                                         (y + 1) * self.width * 3]
                       for y in range(self.height))

        def chunk(kind, data):
            body = kind + data
            return (struct.pack('>I', len(data)) + body +
                    struct.pack('>I', zlib.crc32(body) & 0xffffffff))
        header = struct.pack('>IIBBBBB', self.width, self.height, 8, 2, 0, 0, 0)
        with open(path, 'wb') as f:
            f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', header) +
                    chunk(b'IDAT', zlib.compress(raw, 6)) +
                    chunk(b'IEND', b''))


def _ppm_tokens(data, count):
    """The first `count` header fields of a PPM and where pixels start."""
    fields, pos = [], 0
    while len(fields) < count:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b'#':
            pos = data.index(b'\n', pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    return fields, pos + 1


def read_ppm(path):
    """Read a binary (P6, 8-bit) PPM as QEMU's screendump writes it."""
    with open(path, 'rb') as f:
        data = f.read()
    fields, start = _ppm_tokens(data, 4)
    if fields[0] != b'P6' or int(fields[3]) != 255:
        raise ValueError(f'{path}: not an 8-bit binary PPM')
    width, height = int(fields[1]), int(fields[2])
    return Picture(width, height, data[start:start + width * height * 3])


def read_xwd(path):
    """Read a ZPixmap xwd dump of a 24/32-bit TrueColor screen (Xvfb)."""
    with open(path, 'rb') as f:
        data = f.read()
    (header_size, version, pixmap_format, depth, width, height, _xoff,
     byte_order, _unit, _unit_order, _pad, bpp, bytes_per_line,
     _visual_class, red_mask, green_mask, blue_mask, _bits_rgb,
     _cmap_entries, ncolors, _ww, _wh, _wx, _wy,
     _border) = struct.unpack('>25I', data[:100])
    if version != 7 or pixmap_format != 2 or bpp not in (24, 32):
        raise ValueError(f'{path}: unsupported xwd (format {pixmap_format},'
                         f' {bpp} bpp)')
    start = header_size + ncolors * 12
    order = 'little' if byte_order == 0 else 'big'
    step = bpp // 8
    shifts = [(m & -m).bit_length() - 1
              for m in (red_mask, green_mask, blue_mask)]
    rgb = bytearray(width * height * 3)
    out = 0
    for y in range(height):
        row = start + y * bytes_per_line
        for x in range(width):
            value = int.from_bytes(data[row + x * step:row + (x + 1) * step],
                                   order)
            rgb[out] = (value >> shifts[0]) & 0xff
            rgb[out + 1] = (value >> shifts[1]) & 0xff
            rgb[out + 2] = (value >> shifts[2]) & 0xff
            out += 3
    del depth
    return Picture(width, height, bytes(rgb))
