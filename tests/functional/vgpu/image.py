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
    if (bpp, byte_order, red_mask, green_mask, blue_mask) == \
            (32, 0, 0xff0000, 0xff00, 0xff):
        return _bgrx_picture(data[start:], width, height, bytes_per_line)
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


def _bgrx_picture(data, width, height, bytes_per_line):
    """Rows of little-endian XRGB words (Xvfb's usual layout), quickly."""
    rgb = bytearray(width * height * 3)
    for y in range(height):
        row = data[y * bytes_per_line:y * bytes_per_line + width * 4]
        out = y * width * 3
        rgb[out:out + width * 3:3] = row[2::4]
        rgb[out + 1:out + width * 3:3] = row[1::4]
        rgb[out + 2:out + width * 3:3] = row[0::4]
    return Picture(width, height, bytes(rgb))


def _unfilter_png(raw, width, height, bpp):
    """Undo PNG's per-row filters (None, Sub, Up, Average, Paeth)."""
    stride = width * bpp
    out = bytearray(stride * height)
    prev = bytearray(stride)
    pos = 0
    for y in range(height):
        kind = raw[pos]
        row = bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        for i in range(stride):
            a = row[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                row[i] = (row[i] + a) & 0xff
            elif kind == 2:
                row[i] = (row[i] + b) & 0xff
            elif kind == 3:
                row[i] = (row[i] + (a + b) // 2) & 0xff
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                row[i] = (row[i] + pred) & 0xff
        out[y * stride:(y + 1) * stride] = row
        prev = row
    return out


def read_png(path):
    """Read an 8-bit RGB or RGBA, non-interlaced PNG (what gdk-pixbuf
    writes for VNC captures)."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError(f'{path}: not a PNG')
    pos, idat = 8, b''
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b'IHDR':
            width, height, depth, colour, _c, _f, interlace = \
                struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat += body
        pos += 12 + length
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError(f'{path}: unsupported PNG (depth {depth}, colour '
                         f'type {colour}, interlace {interlace})')
    bpp = 3 if colour == 2 else 4
    pixels = _unfilter_png(zlib.decompress(idat), width, height, bpp)
    if bpp == 4:
        rgb = bytearray(width * height * 3)
        rgb[0::3] = pixels[0::4]
        rgb[1::3] = pixels[1::4]
        rgb[2::3] = pixels[2::4]
        pixels = rgb
    return Picture(width, height, bytes(pixels))


def bounding_box(pic, rgb, tolerance=8, step=2):
    """(x0, y0, x1, y1) around the pixels within `tolerance` of rgb, or
    None; exclusive upper bounds, exact to `step` pixels."""
    xs, ys = [], []
    for y in range(0, pic.height, step):
        row = pic.rgb[y * pic.width * 3:(y + 1) * pic.width * 3]
        for x in range(0, pic.width, step):
            p = row[x * 3:x * 3 + 3]
            if all(abs(p[i] - rgb[i]) <= tolerance for i in range(3)):
                xs.append(x)
                ys.append(y)
    if not xs:
        return None
    return min(xs), min(ys), max(xs) + step, max(ys) + step
