#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Guest power-offs, counted: how often QEMU exits other than cleanly.

Boots the Mesa guest --cycles times per module, has it render (GL
through virgl and Vulkan through Venus, so the renderer holds contexts
and fences) and power itself off with work still in flight, and records
QEMU's exit status.  A status other than 0, or QEMU printing a crash, is
a failure.  On NVIDIA's driver our QEMU once exited with SIGSEGV at this
point; this is how to show that gone.

Usage: poweroff.py --module LABEL=DIR@DISPLAY[@BINDIR]... [--cycles N]
                   [--arch aarch64|x86_64] [--output FILE]
"""

import argparse
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'functional'))

from vgpu.guest import RENDER_BUSY, RENDER_OPTS, Guest  # noqa: E402

DEFAULT_BINDIR = os.environ.get('VGPU_QEMU_BINDIR', '/usr/bin')
CRASH = re.compile(r'(?i)segmentation|assert|aborted|core dumped')


def one_cycle(arch, module):
    """(exit status, crash line or '') of one boot and power-off."""
    _, module_dir, display, bindir = module
    os.environ['VGPU_MODULE_DIR'] = module_dir
    os.environ['VGPU_QEMU_BINDIR'] = bindir or DEFAULT_BINDIR
    g = Guest(arch, root='mesa', display=display, device_opts=RENDER_OPTS)
    with g:
        g.run(RENDER_BUSY, timeout=120)
        g.power_off()
    log = g.qemu_log(None)
    crash = next((line for line in log.splitlines() if CRASH.search(line)),
                 '')
    return g.vm.exitcode(), crash


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--module', action='append', required=True)
    parser.add_argument('--cycles', type=int, default=20)
    parser.add_argument('--arch', default='aarch64',
                        choices=['aarch64', 'x86_64'])
    parser.add_argument('--output')
    args = parser.parse_args()
    result, bad = {}, 0
    for spec in args.module:
        label, _, rest = spec.partition('=')
        path, _, display = rest.partition('@')
        display, _, bindir = display.partition('@')
        module = (label, path, display or None, bindir or None)
        statuses = []
        for i in range(args.cycles):
            status, crash = one_cycle(args.arch, module)
            statuses.append(status)
            ok = status == 0 and not crash
            bad += not ok
            print(f'POWEROFF {label} {i + 1}/{args.cycles}: exit {status}'
                  f'{"" if ok else " FAIL " + crash}', flush=True)
        result[label] = {'exits': statuses,
                         'clean': sum(1 for s in statuses if s == 0)}
        print(f'POWEROFF {label}: {result[label]["clean"]} of {args.cycles}'
              ' clean exits')
    if args.output:
        with open(args.output, 'w', encoding='utf-8') as f:
            json.dump(result, f, indent=2)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
