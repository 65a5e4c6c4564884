# SPDX-License-Identifier: GPL-2.0-or-later
"""Base class of the functional tests."""

import glob
import json
import os
import shutil
import tempfile
import time
import unittest

from . import env
from .guest import Guest


class VgpuTest(unittest.TestCase):
    """A test that boots guests; `arch` is set by each subclass."""

    arch = 'aarch64'
    timeout_scale = 1

    def setUp(self):
        super().setUp()
        self.arch = env.guest_arch(self.arch)

    def need_machine(self, machine, what):
        if self.arch != 'aarch64':
            raise unittest.SkipTest(f'{what} needs -M {machine} of aarch64; '
                                    f'this run boots {self.arch} guests '
                                    f'(VGPU_GUEST_ARCH)')

    def guest(self, **kwargs):
        return Guest(self.arch, **kwargs)

    def need_render_node(self, what):
        if not glob.glob('/dev/dri/renderD*'):
            raise unittest.SkipTest(f'{what} needs a DRM render node and '
                                    f'this machine has none (no /dev/dri)')

    def need_x(self, what):
        if not env.x_display():
            raise unittest.SkipTest(f'{what} needs an X server (DISPLAY '
                                    f'is not set)')

    def session_bus(self):
        """A private D-Bus session bus for the QEMUs this test starts (the
        D-Bus display registers on it); skips when dbus-daemon cannot
        run here."""
        from .clients import ClientError, SessionBus
        try:
            bus = SessionBus()
        except ClientError as e:
            raise unittest.SkipTest(f'no D-Bus session bus: {e}') from e
        self.addCleanup(bus.close)
        old = os.environ.get('DBUS_SESSION_BUS_ADDRESS')
        os.environ['DBUS_SESSION_BUS_ADDRESS'] = bus.address
        if old is None:
            self.addCleanup(os.environ.pop, 'DBUS_SESSION_BUS_ADDRESS', None)
        else:
            self.addCleanup(os.environ.__setitem__,
                            'DBUS_SESSION_BUS_ADDRESS', old)
        return bus

    @staticmethod
    def picture_until(fetch, predicate, timeout=20, pause=0.5):
        """Pictures from fetch() until predicate(picture) holds or time
        runs out; displays update asynchronously (the guest's flush, then
        ours, then the display's), so one look right after a guest command
        can be too early.  Returns the last picture."""
        deadline = time.monotonic() + timeout
        while True:
            pic = fetch()
            if predicate(pic) or time.monotonic() > deadline:
                return pic
            time.sleep(pause)

    def screendump_until(self, g, name, predicate, timeout=20, **where):
        """QMP screendumps until predicate(picture) holds (picture_until)."""
        return self.picture_until(lambda: g.screendump(name, **where),
                                  predicate, timeout)

    def unix_socket(self, name):
        """A fresh path for a UNIX socket (short: sun_path is 108 bytes)."""
        path = tempfile.mkdtemp(prefix='vgpu-sock-') + '/' + name
        self.addCleanup(shutil.rmtree, os.path.dirname(path), True)
        return path

    def assert_probe_virgl(self, out):
        """vgpu-probe's output shows 3D and the VIRGL2 capset; returns
        the parsed probe for further checks."""
        probe = parse_probe(out)
        self.assertEqual(probe['params'].get('3D_FEATURES'), '1', out)
        self.assertIn('VIRGL2', probe['capsets'], out)
        return probe

    def run_ok(self, g, command, timeout=120):
        status, out = g.run(command, timeout)
        self.assertEqual(status, 0, f'{command!r} failed ({status}):\n{out}')
        return out

    def save_artifact(self, name, data):
        """Keep a result beside the test output (json for dicts)."""
        path = os.path.join(env.output_dir(), f'{self.arch}-{name}')
        with open(path, 'w', encoding='utf-8') as f:
            if isinstance(data, (dict, list)):
                json.dump(data, f, indent=2, sort_keys=True)
            else:
                f.write(data)
        return path


def parse_probe(text):
    """Map the probe's `PROBE param NAME=VALUE` and `PROBE capset NAME ...`
    lines to a dict: {'params': {...}, 'capsets': {...}}."""
    params, capsets = {}, {}
    for line in text.splitlines():
        parts = line.strip().split()
        if len(parts) < 3 or parts[0] != 'PROBE':
            continue
        if parts[1] == 'param' and '=' in parts[2]:
            name, value = parts[2].split('=', 1)
            params[name] = value
        elif parts[1] == 'capset':
            capsets[parts[2]] = dict(p.split('=', 1) for p in parts[3:]
                                     if '=' in p)
    return {'params': params, 'capsets': capsets}


def tester_steps(text):
    """Map the tester's `TEST step: OUTCOME why` lines to
    {step: (outcome, why)}."""
    steps = {}
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith('TEST ') or ': ' not in line:
            continue
        step, _, rest = line[5:].partition(': ')
        outcome, _, why = rest.partition(' ')
        steps[step] = (outcome, why)
    return steps


def parse_bench(text):
    """Map `BENCH name key=value ...` lines to {name: {key: float}}."""
    result = {}
    for line in text.splitlines():
        parts = line.strip().split()
        if len(parts) < 3 or parts[0] != 'BENCH' or \
                parts[1] in ('skip', 'error'):
            continue
        values = {}
        for p in parts[2:]:
            key, _, value = p.partition('=')
            try:
                values[key] = float(value)
            except ValueError:
                continue
        result[parts[1]] = values
    return result
