# SPDX-License-Identifier: GPL-2.0-or-later
"""Where the functional tests find their parts.

The test driver (tests/run-tests.sh) exports these; each test reads them
here, so the same tests run against any module directory: Debian's stock
modules (the baseline) or ours.
"""

import os
import sys


class MissingPart(Exception):
    """A part of the rig is not there; the message says which and why."""


def _get(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        raise MissingPart(f'{name} is not set (run the tests through '
                          f'tests/run-tests.sh)')
    return value


def qemu_python():
    """Make QEMU's own python/qemu package (QEMUMachine, QMP) importable."""
    path = _get('VGPU_QEMU_PYTHON')
    if path not in sys.path:
        sys.path.insert(0, path)


def qemu_binary(arch):
    """VGPU_QEMU_<ARCH>, else qemu-system-<arch> in VGPU_QEMU_BINDIR
    (upstream's QEMU: wrappers that run it in its root), else /usr/bin."""
    bindir = os.environ.get('VGPU_QEMU_BINDIR', '/usr/bin')
    return _get(f'VGPU_QEMU_{arch.upper()}', f'{bindir}/qemu-system-{arch}')


def qemu_env():
    """NAME=VALUE settings for QEMU's environment only (VGPU_QEMU_ENV,
    space-separated), e.g. libasan preloaded for the sanitizer run."""
    return os.environ.get('VGPU_QEMU_ENV', '').split()


def module_dir():
    return _get('VGPU_MODULE_DIR')


def module_label():
    """Short name of the module under test, for result files."""
    return os.environ.get('VGPU_MODULE_LABEL', 'stock')


def guest_arch(arch):
    """The architecture a test boots: its own, or VGPU_GUEST_ARCH where
    set.  A GPU host's bundle carries QEMU and the guest for its own
    architecture only (scripts/make-gpu-bundle.sh), so there every test
    boots that one."""
    return os.environ.get('VGPU_GUEST_ARCH') or arch


def image_dir(arch):
    return _get(f'VGPU_IMAGE_{arch.upper()}')


def initrd(arch):
    return _get(f'VGPU_INITRD_{arch.upper()}')


def output_dir():
    path = _get('VGPU_OUTPUT')
    os.makedirs(path, exist_ok=True)
    return path


def x_display():
    """The Xvfb display windowed backends draw on, or None."""
    return os.environ.get('DISPLAY')


def gl_display():
    """The -display option for a device that needs a GL display."""
    return os.environ.get('VGPU_DISPLAY', 'sdl,gl=on')
