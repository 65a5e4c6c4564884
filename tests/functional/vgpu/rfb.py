# SPDX-License-Identifier: GPL-2.0-or-later
"""A VNC client of our own, for hosts without gtk-vnc (the GPU host's
bundle carries no GTK): RFB 3.8 without authentication, one full
framebuffer update in raw 32-bit pixels.  It reads what a VNC user
would see, straight from QEMU's VNC server."""

import socket
import struct
import time

from .image import _bgrx_picture

# 32 bits a pixel, depth 24, little-endian, true colour, 8 bits a
# channel, red at bit 16, green at 8, blue at 0: bytes B, G, R, X.
PIXEL_FORMAT = struct.pack('>BBBBHHHBBB3x', 32, 24, 0, 1, 255, 255, 255,
                           16, 8, 0)
RAW_ENCODING = 0


class RfbError(Exception):
    """The server did not speak RFB as expected."""


def _read(sock, count):
    data = bytearray()
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise RfbError(f'server closed after {len(data)} of {count} '
                           'bytes')
        data += chunk
    return bytes(data)


def _handshake(sock):
    """Version, no security, shared session; returns (width, height)."""
    version = _read(sock, 12)
    if not version.startswith(b'RFB 003.'):
        raise RfbError(f'not an RFB server: {version!r}')
    sock.sendall(b'RFB 003.008\n')
    count = _read(sock, 1)[0]
    if count == 0:
        reason = _read(sock, struct.unpack('>I', _read(sock, 4))[0])
        raise RfbError(f'server refused: {reason.decode(errors="replace")}')
    types = _read(sock, count)
    if 1 not in types:
        raise RfbError(f'server wants authentication (types {list(types)})')
    sock.sendall(b'\x01')
    if struct.unpack('>I', _read(sock, 4))[0] != 0:
        raise RfbError('security handshake failed')
    sock.sendall(b'\x01')
    width, height = struct.unpack('>HH', _read(sock, 4))
    _read(sock, 16)
    _read(sock, struct.unpack('>I', _read(sock, 4))[0])
    return width, height


def _skip_message(sock, kind):
    """Messages other than a framebuffer update: colour map, bell, text."""
    if kind == 1:
        _, count = struct.unpack('>xHH', _read(sock, 5))
        _read(sock, count * 6)
    elif kind == 3:
        _read(sock, struct.unpack('>3xI', _read(sock, 7))[0])
    elif kind != 2:
        raise RfbError(f'unexpected server message {kind}')


def _update(sock, width, height, frame):
    """Paint one framebuffer update's raw rectangles into frame."""
    count = struct.unpack('>xH', _read(sock, 3))[0]
    for _ in range(count):
        x, y, w, h, enc = struct.unpack('>HHHHi', _read(sock, 12))
        if enc == -223:             # DesktopSize: the output was resized
            raise RfbError(f'framebuffer resized to {w}x{h}')
        if enc != RAW_ENCODING:
            raise RfbError(f'unexpected encoding {enc}')
        data = _read(sock, w * h * 4)
        for row in range(h):
            start = ((y + row) * width + x) * 4
            frame[start:start + w * 4] = data[row * w * 4:(row + 1) * w * 4]
    return count


def rfb_capture(host, port, timeout=20):
    """The whole framebuffer the VNC server at host:port sends."""
    deadline = time.monotonic() + timeout
    with socket.create_connection((host, port), timeout=timeout) as sock:
        width, height = _handshake(sock)
        sock.sendall(b'\x00\x00\x00\x00' + PIXEL_FORMAT)
        sock.sendall(struct.pack('>BxHi', 2, 1, RAW_ENCODING))
        sock.sendall(struct.pack('>BBHHHH', 3, 0, 0, 0, width, height))
        frame = bytearray(width * height * 4)
        while time.monotonic() < deadline:
            kind = _read(sock, 1)[0]
            if kind == 0:
                _update(sock, width, height, frame)
                return _bgrx_picture(bytes(frame), width, height, width * 4)
            _skip_message(sock, kind)
    raise RfbError(f'no framebuffer update within {timeout} s')
