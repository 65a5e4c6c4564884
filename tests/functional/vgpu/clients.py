# SPDX-License-Identifier: GPL-2.0-or-later
"""Real display clients from Debian's packages, as a user would point
them at QEMU: they fetch the picture a display backend serves, so a test
can check it by pixels beside QMP's screendump."""

import os
import socket
import subprocess
import tempfile

from .image import read_png, read_ppm, read_xwd


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


def free_vnc_display():
    """A VNC display number whose TCP port on 127.0.0.1 is free now."""
    for n in range(100, 400):
        with socket.socket() as s:
            try:
                s.bind(('127.0.0.1', 5900 + n))
            except OSError:
                continue
            return n
    raise ClientError('no free VNC port between 6000 and 6299')


def vnc_capture(display, workdir):
    """The framebuffer gvnccapture (gtk-vnc) receives from 127.0.0.1:N."""
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
        self.proc = subprocess.Popen(
            ['dbus-daemon', '--session', '--nofork', '--nopidfile',
             f'--address={self.address}', '--print-address'],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith('unix:'):
            self.close()
            raise ClientError(f'dbus-daemon did not start: {line}')

    def introspect(self, dest, path):
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=self.address)
        return _run(['gdbus', 'introspect', '--session', '--dest', dest,
                     '--object-path', path], env=env)

    def close(self):
        self.proc.kill()
        self.proc.wait()
