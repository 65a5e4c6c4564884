# SPDX-License-Identifier: GPL-2.0-or-later
"""The module directory under test is the one QEMU loads, QEMU refuses a
module whose stamp is not its own, and the virglrenderer QEMU runs with
is the one the label names (VGPU_RENDERER_LIBDIR: ours-virgl13 runs
sid's, beside Debian 13's)."""

import os
import re
import selectors
import shutil
import subprocess
import tempfile
import unittest

from vgpu import env

DEVICE_MODULE = 'hw-display-virtio-gpu-gl.so'


def start_and_quit(arch, module_dir, *args, device_opts=''):
    """Start QEMU with a virtio-gpu-gl-pci device, stopped, and quit it
    over QMP; return (exit status, everything it printed)."""
    qmp = '{"execute":"qmp_capabilities"}{"execute":"quit"}'
    machine = 'virt' if arch == 'aarch64' else 'q35'
    device = 'virtio-gpu-gl-pci' + (',' + device_opts if device_opts else '')
    cmd = [env.qemu_binary(arch), '-M', machine,
           '-display', env.gl_display(), '-device', device,
           '-S', '-qmp', 'stdio', *args]
    run = subprocess.run(cmd, input=qmp, capture_output=True, text=True,
                         timeout=60,
                         env=dict(os.environ, QEMU_MODULE_DIR=module_dir))
    return run.returncode, run.stdout + run.stderr


QMP_WAIT_S = 60


def mapped_renderer(pid):
    """The libvirglrenderer files process pid has mapped, as real paths."""
    with open(f'/proc/{pid}/maps') as f:
        return sorted({os.path.realpath(line.split(maxsplit=5)[5].strip()
                                        .removesuffix(' (deleted)'))
                       for line in f if 'libvirglrenderer.so' in line})


def child_executables(pid):
    """What the processes pid started run, by their /proc entries."""
    found = []
    for entry in os.listdir('/proc'):
        try:
            with open(f'/proc/{entry}/stat') as f:
                ppid = int(f.read().rsplit(')', 1)[1].split()[1])
            if ppid == pid:
                found.append(os.readlink(f'/proc/{entry}/exe'))
        except (OSError, ValueError, IndexError):
            continue
    return found


def qmp_line(proc, errlog):
    """The next line QEMU prints on its QMP stdio, within QMP_WAIT_S, or
    fails saying why."""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout=QMP_WAIT_S):
            raise AssertionError(f'QEMU said nothing on QMP in {QMP_WAIT_S}'
                                 f' s: {read_log(errlog)}')
    line = proc.stdout.readline()
    if not line:
        raise AssertionError(f'QEMU exited: {read_log(errlog)}')
    return line


def read_log(f):
    f.flush()
    f.seek(0)
    return f.read()


def quit_qemu(proc):
    """Ask QEMU to quit over QMP; kill it if it has not in QMP_WAIT_S."""
    try:
        proc.stdin.write('{"execute":"quit"}\n')
        proc.stdin.close()
        proc.wait(timeout=QMP_WAIT_S)
    except (OSError, subprocess.TimeoutExpired):
        proc.kill()
        proc.wait()


class ModuleLoadTest(unittest.TestCase):

    arch = 'aarch64'

    def test_module_under_test_is_loaded(self):
        status, out = start_and_quit(self.arch, env.module_dir(),
                                     '-trace', 'module_load_module')
        loaded = re.findall(r'module_load_module file (\S+)', out)
        want = os.path.join(env.module_dir(), DEVICE_MODULE)
        self.assertIn(os.path.realpath(want),
                      [os.path.realpath(p) for p in loaded],
                      f'QEMU loaded {loaded}, not {want}:\n{out}')
        self.assertEqual(status, 0, out)

    def test_renderer_library(self):
        libdir = os.environ.get('VGPU_RENDERER_LIBDIR')
        machine = 'virt' if self.arch == 'aarch64' else 'q35'
        cmd = [env.qemu_binary(self.arch), '-M', machine,
               '-display', env.gl_display(), '-device',
               'virtio-gpu-gl-pci,blob=on,hostmem=64M,venus=on',
               '-S', '-qmp', 'stdio']
        with tempfile.TemporaryFile('w+') as errlog:
            proc = subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=errlog, text=True,
                env=dict(os.environ, QEMU_MODULE_DIR=env.module_dir()))
            try:
                qmp_line(proc, errlog)
                proc.stdin.write('{"execute":"qmp_capabilities"}\n')
                proc.stdin.flush()
                qmp_line(proc, errlog)
                libs = mapped_renderer(proc.pid)
                children = child_executables(proc.pid)
            finally:
                quit_qemu(proc)
        self.assertEqual(len(libs), 1, f'QEMU maps {libs}, not one '
                                       f'libvirglrenderer')
        if not libdir:
            return
        libdir = os.path.realpath(libdir)
        self.assertTrue(libs[0].startswith(libdir + '/'),
                        f'QEMU runs {libs[0]}, not the one in {libdir}')
        # Ours starts the renderer at realize: Venus's server is up.
        servers = [c for c in children if 'virgl_render_server' in c]
        self.assertTrue(servers, f'no render server among {children}')
        prefix = os.path.dirname(os.path.dirname(os.path.dirname(libdir)))
        for server in servers:
            self.assertTrue(server.startswith(prefix + '/'),
                            f'the render server is {server}, not the one '
                            f'under {prefix}')

    def test_foreign_stamp_is_refused(self):
        foreign = tempfile.mkdtemp(prefix='vgpu-foreign-',
                                   dir=env.output_dir())
        src = os.path.join(env.module_dir(), DEVICE_MODULE)
        dst = os.path.join(foreign, DEVICE_MODULE)
        shutil.copy(src, dst)
        with open(dst, 'rb') as f:
            data = f.read()
        stamp = re.search(rb'qemu_stamp_([0-9a-f]{40})', data)
        self.assertIsNotNone(stamp, f'{src} carries no QEMU module stamp')
        data = data.replace(stamp.group(1), b'0' * 40)
        with open(dst, 'wb') as f:
            f.write(data)
        status, out = start_and_quit(self.arch, foreign)
        self.assertNotEqual(status, 0, f'QEMU accepted a foreign module:\n'
                                       f'{out}')
        self.assertIn(f'failed to initialize module: {dst}', out)


if __name__ == '__main__':
    unittest.main()
