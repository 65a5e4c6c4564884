# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot a test guest with a virtio-gpu device and talk to it.

A Guest wraps QEMU's own QEMUMachine (QMP, console socket) with the
command lines our images need on aarch64 and x86_64, a shell on the serial
console, and helpers to run a command and take a screendump.
"""

import os
import re
import tempfile
import time

from . import env
from .image import read_ppm

env.qemu_python()
from qemu.machine import QEMUMachine  # noqa: E402  pylint: disable=C0413

# Per architecture: machine, CPU, serial console name, default devices.
ARCH_SETUP = {
    'aarch64': {
        'machine': 'virt',
        'args': ['-cpu', 'max', '-smp', '2', '-m', '2048'],
        'console': 'ttyAMA0',
        'blk': 'virtio-blk-pci',
    },
    'x86_64': {
        'machine': 'q35',
        'args': ['-cpu', 'max', '-smp', '2', '-m', '2048'],
        'console': 'ttyS0',
        'blk': 'virtio-blk-pci',
    },
}

PROMPT = '/ # '
# GL through virgl and Vulkan through Venus left running in a Mesa
# guest: the renderer holds contexts, and fences are pending.
RENDER_BUSY = ('(vgpu-glwork -n 1000 -s fence,draws >/dev/null 2>&1 &); '
               '(vgpu-vkwork -d Venus -f 100000 -s fence >/dev/null 2>&1 &); '
               'sleep 2')
RENDER_OPTS = 'blob=on,hostmem=256M,venus=on'


class GuestError(Exception):
    """The guest did not do what the test expected in time."""


class GuestTimeout(GuestError):
    """The guest's console did not show what was awaited in time: QEMU is
    still running, the guest has stopped answering."""


class Guest:
    """One booted guest: use as a context manager."""

    def __init__(self, arch, device='virtio-gpu-gl-pci', device_opts='',
                 root='initrd', display=None, extra_args=(), name=None):
        if arch not in ARCH_SETUP:
            raise ValueError(f'unknown architecture {arch!r}')
        self.arch = arch
        setup = ARCH_SETUP[arch]
        self.workdir = tempfile.mkdtemp(prefix='vgpu-', dir=env.output_dir())
        self.console_log = os.path.join(self.workdir, 'console.log')
        # setpriv makes the kernel kill QEMU when the test process dies,
        # so a crashed or interrupted run leaves no guest behind.
        self.vm = QEMUMachine(env.qemu_binary(arch), name=name or arch,
                              wrapper=['setpriv', '--pdeathsig', 'KILL',
                                       'env', *env.qemu_env()],
                              base_temp_dir=self.workdir,
                              log_dir=self.workdir)
        self.vm.set_machine(setup['machine'])
        self.vm.set_console()
        self.vm.add_args(*setup['args'])
        # More vCPUs where the host has the cores (a GPU host's TCG).
        if os.environ.get('VGPU_GUEST_SMP'):
            self.vm.add_args('-smp', os.environ['VGPU_GUEST_SMP'])
        image = env.image_dir(arch)
        append = f'console=tty0 console={setup["console"]} quiet loglevel=4'
        if device.endswith('-device'):
            # Modern virtio-mmio, or the guest driver will not bind.
            self.vm.add_args('-global', 'virtio-mmio.force-legacy=false')
        self.vm.add_args('-device',
                         device + (',' + device_opts if device_opts else ''))
        if root == 'mesa':
            self.vm.add_args(
                '-drive', f'file={image}/mesa.ext4,if=none,format=raw,'
                'id=root,snapshot=on',
                '-device', f'{setup["blk"]},drive=root')
            append += ' vgpu.root=/dev/vda'
        self.vm.add_args('-kernel', f'{image}/vmlinuz',
                         '-initrd', env.initrd(arch), '-append', append)
        self.vm.add_args('-display', display or env.gl_display())
        self.vm.add_args(*extra_args)
        self._seen = ''
        self._marker = 0

    def __enter__(self):
        try:
            self.launch()
        except BaseException:
            # __exit__ does not run when __enter__ fails: stop QEMU here.
            self.shutdown()
            raise
        return self

    def __exit__(self, *exc):
        self.shutdown()

    def launch(self, timeout=120, wait_boot=True):
        """Start QEMU and (unless wait_boot is false) wait for the shell
        on the console."""
        os.environ['QEMU_MODULE_DIR'] = env.module_dir()
        try:
            self.vm.launch()
        except Exception as e:
            # QEMUMachine reads QEMU's output only once it is shut down.
            self.shutdown()
            raise GuestError(f'QEMU did not start: {self.start_error() or e}'
                             ) from e
        if wait_boot:
            self.wait_for_boot(timeout)

    def shutdown(self):
        try:
            self.vm.shutdown(timeout=15)
        except Exception:  # pylint: disable=broad-except
            self.vm.kill()

    def start_error(self):
        """QEMU's log without its warning (QEMU 11 on) that the -mon
        option QEMU's Python gives it is deprecated: the reason it did
        not start comes first."""
        return '\n'.join(line for line in self.qemu_log().splitlines()
                         if "'-mon' is deprecated" not in line)

    def qemu_log(self, tail=2000):
        """What QEMU printed (stderr), the last `tail` characters, or all
        with tail=None; complete only once QEMU has exited."""
        try:
            log = (self.vm.get_log() or '').strip()
        except Exception:  # pylint: disable=broad-except
            return ''
        return log if tail is None else log[-tail:]

    def wait_for_boot(self, timeout=120):
        """After a reset: wait for the guest's shell again."""
        self.wait_for('VGPU-GUEST-READY', timeout)
        self.wait_for(PROMPT, 30)

    def _read_console(self, timeout):
        sock = self.vm.console_socket
        sock.settimeout(timeout)
        try:
            data = sock.recv(4096)
        except OSError:
            return ''
        if not data and not self.vm.is_running():
            raise GuestError('QEMU exited: ' + self.qemu_log())
        # Our own log: QEMUMachine's would make recv() wait for full buffers.
        with open(self.console_log, 'ab') as log:
            log.write(data)
        return data.decode('utf-8', 'replace')

    def wait_for(self, pattern, timeout):
        """Read the console until `pattern` (a string) appears; return the
        text before it and consume it."""
        deadline = time.monotonic() + timeout
        while pattern not in self._seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise GuestTimeout(f'timed out after {timeout}s waiting for '
                                 f'{pattern!r}; console tail: '
                                 f'{self._seen[-800:]!r}')
            if not self.vm.is_running():
                raise GuestError(f'QEMU exited while waiting for {pattern!r}:'
                                 f' {self.qemu_log()}')
            self._seen += self._read_console(min(left, 1.0))
        before, _, self._seen = self._seen.partition(pattern)
        return before

    def run(self, command, timeout=120):
        """Run a shell command in the guest; return (status, output)."""
        self._marker += 1
        tag = f'VGPU-END-{self._marker}'
        sock = self.vm.console_socket
        # The marker is split so the echoed command line never matches it.
        sep = ' ' if command.rstrip().endswith('&') else '; '
        line = f'{command}{sep}echo "VGPU-""END-{self._marker}:$?"\n'
        sock.sendall(line.encode())
        out = self.wait_for(tag + ':', timeout)
        status_text = self.wait_for('\n', 10).strip()
        out = out.replace('\r', '')
        # Drop the echoed command line.
        out = out.split('\n', 1)[1] if '\n' in out else ''
        status = int(re.sub(r'\D', '', status_text) or '255')
        return status, out

    def power_off(self, timeout=60):
        """The guest powers itself off (busybox's reboot system call, no
        init system to ask); returns once QEMU has exited."""
        try:
            self.run('busybox poweroff -f', timeout=timeout)
        except GuestError:
            pass  # QEMU exited before the shell could answer
        self.vm.wait(timeout=timeout)

    def screendump(self, name='screen', device=None, head=None):
        """QMP screendump of the primary console, or of a device's head;
        returns a Picture."""
        path = os.path.join(self.workdir, name + '.ppm')
        args = {'filename': path}
        if device is not None:
            args.update(device=device, head=head or 0)
        self.vm.cmd('screendump', **args)
        return read_ppm(path)
