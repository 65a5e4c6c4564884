# SPDX-License-Identifier: GPL-2.0-or-later
"""The module directory under test is the one QEMU loads, and QEMU
refuses a module whose stamp is not its own."""

import os
import re
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
