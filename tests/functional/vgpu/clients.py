# SPDX-License-Identifier: GPL-2.0-or-later
"""Real display clients from Debian's packages, as a user would point
them at QEMU: they fetch the picture a display backend serves, so a test
can check it by pixels beside QMP's screendump."""

import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time

from .image import read_png, read_ppm, read_xwd
from .rfb import rfb_capture


class ClientError(Exception):
    """The client could not fetch a picture; the message says why."""


def _run(argv, timeout=60, env=None):
    try:
        proc = subprocess.run(argv, capture_output=True, text=True,
                              timeout=timeout, env=env, check=False)
    except FileNotFoundError as e:
        raise ClientError(f'{argv[0]} is not installed (scripts/'
                          f'setup-root.sh installs it)') from e
    except subprocess.TimeoutExpired as e:
        raise ClientError(f'{" ".join(argv)} timed out after {timeout} s'
                          ) from e
    if proc.returncode != 0:
        raise ClientError(f'{" ".join(argv)} failed ({proc.returncode}): '
                          f'{proc.stdout}{proc.stderr}')
    return proc.stdout


def _port_free(port):
    with socket.socket() as s:
        try:
            s.bind(('127.0.0.1', port))
        except OSError:
            return False
        return True


def free_vnc_display(count=1):
    """A VNC display number N such that N..N+count-1 have free TCP ports
    on 127.0.0.1 now."""
    for n in range(100, 400, count):
        if all(_port_free(5900 + n + i) for i in range(count)):
            return n
    raise ClientError('no free VNC port between 6000 and 6299')


def vnc_capture(display, workdir):
    """The framebuffer gvnccapture (gtk-vnc) receives from 127.0.0.1:N;
    where gtk-vnc is not installed (a GPU host's bundle), the one our own
    RFB client receives."""
    if not shutil.which('gvnccapture'):
        return rfb_capture('127.0.0.1', 5900 + display)
    path = os.path.join(workdir, f'vnc-{display}.png')
    _run(['gvnccapture', f'127.0.0.1:{display}', path])
    return read_png(path)


def spice_capture(socket_path, workdir):
    """The primary surface spicy-screenshot (spice-gtk) receives."""
    path = os.path.join(workdir, 'spice.ppm')
    _run(['spicy-screenshot', f'--uri=spice+unix://{socket_path}',
          f'--out-file={path}'])
    return read_ppm(path)


def x_screenshot(workdir):
    """The whole Xvfb screen, as xwd dumps it."""
    path = os.path.join(workdir, 'x-screen.xwd')
    _run(['xwd', '-root', '-silent', '-out', path])
    return read_xwd(path)


def x_resize_window(name, width, height):
    """Resize the X window whose title contains `name` (the user dragging
    its corner, done by xdotool)."""
    ids = _run(['xdotool', 'search', '--name', name]).split()
    if not ids:
        raise ClientError(f'no X window named like {name!r}')
    for wid in ids:
        _run(['xdotool', 'windowsize', wid, str(width), str(height)])


class SessionBus:
    """A private D-Bus session bus for one test (dbus-daemon)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='vgpu-dbus-')
        self.address = f'unix:path={self.dir}/bus'
        try:
            self.proc = subprocess.Popen(
                ['dbus-daemon', '--session', '--nofork', '--nopidfile',
                 f'--address={self.address}', '--print-address'],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        except FileNotFoundError as e:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise ClientError('dbus-daemon is not installed') from e
        line = self.proc.stdout.readline()
        if not line.startswith('unix:'):
            self.close()
            raise ClientError(f'dbus-daemon did not start: {line}')

    def gdbus(self, *args):
        """gdbus on this bus."""
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=self.address)
        return _run(['gdbus', *args], env=env)

    def introspect(self, dest, path):
        return self.gdbus('introspect', '--session', '--dest', dest,
                          '--object-path', path)

    def call(self, dest, path, method, *args):
        return self.gdbus('call', '--session', '--dest', dest,
                          '--object-path', path, '--method', method,
                          *[str(a) for a in args])

    def close(self):
        self.proc.kill()
        self.proc.wait()


RFB_ALPHA_CURSOR = -314         # QEMU's VNC: RGBA cursor pseudo-encoding
RFB_RAW = 0


def _recv_exact(sock, n):
    data = b''
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ClientError('the VNC server closed the connection')
        data += chunk
    return data


def _rfb_handshake(sock):
    """RFB 3.8 without authentication; returns the framebuffer size."""
    version = _recv_exact(sock, 12)
    if not version.startswith(b'RFB 003.'):
        raise ClientError(f'not a VNC server: {version!r}')
    sock.sendall(b'RFB 003.008\n')
    types = _recv_exact(sock, _recv_exact(sock, 1)[0])
    if 1 not in types:
        raise ClientError(f'VNC server wants authentication ({list(types)})')
    sock.sendall(b'\x01')
    if struct.unpack('>I', _recv_exact(sock, 4))[0] != 0:
        raise ClientError('VNC security handshake failed')
    sock.sendall(b'\x01')                      # shared
    width, height = struct.unpack('>HH', _recv_exact(sock, 4))
    _recv_exact(sock, 16)                       # server pixel format
    _recv_exact(sock, struct.unpack('>I', _recv_exact(sock, 4))[0])
    # 32-bit little-endian BGRX pixels, so raw rectangles are easy to skip.
    sock.sendall(struct.pack('>B3xBBBBHHHBBB3x', 0, 32, 24, 0, 1, 255, 255,
                             255, 16, 8, 0))
    return width, height


def vnc_cursor(port, timeout=20):
    """The cursor QEMU's VNC server sends a client that asks for RGBA
    cursors (AlphaCursor pseudo-encoding): (hot_x, hot_y, width, height,
    RGBA bytes).  gtk-vnc has no command to dump a cursor, so this is a
    minimal RFB client of our own."""
    with socket.create_connection(('127.0.0.1', port), timeout=timeout) as s:
        width, height = _rfb_handshake(s)
        s.sendall(struct.pack('>BxHii', 2, 2, RFB_ALPHA_CURSOR, RFB_RAW))
        s.sendall(struct.pack('>BBHHHH', 3, 0, 0, 0, width, height))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            kind = _recv_exact(s, 1)[0]
            if kind != 0:
                raise ClientError(f'unexpected VNC message type {kind}')
            _recv_exact(s, 1)
            for _ in range(struct.unpack('>H', _recv_exact(s, 2))[0]):
                x, y, w, h, enc = struct.unpack('>HHHHi', _recv_exact(s, 12))
                if enc == RFB_ALPHA_CURSOR:
                    _recv_exact(s, 4)           # the pixels' encoding: raw
                    return x, y, w, h, _recv_exact(s, w * h * 4)
                if enc != RFB_RAW:
                    raise ClientError(f'unexpected VNC encoding {enc}')
                _recv_exact(s, w * h * 4)
            s.sendall(struct.pack('>BBHHHH', 3, 1, 0, 0, width, height))
    raise ClientError('the VNC server sent no cursor')


def x_pointer():
    """Where the X pointer is on the Xvfb screen (xdotool)."""
    out = _run(['xdotool', 'getmouselocation', '--shell'])
    pos = dict(line.split('=', 1) for line in out.split())
    return int(pos['X']), int(pos['Y'])
