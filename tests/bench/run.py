#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Micro-benchmark of virtio-gpu modules, side by side in one run.

Boots the same aarch64 guest once per module directory and runs
vgpu-bench in it: fence round trip, submissions per second, transfer
bandwidth, blob map/unmap cycle, guest writes into a mapped blob against
guest RAM, and the Venus submission round trip (the device gets
--device-opts, blob and Venus on by default).  With two or more modules
each module gets its ratio to every reference (--reference, repeatable;
by default the first module).  Never a timed test: the figures are
recorded, not judged.

A guest whose workload has not answered in GUEST_RUN_LIMIT_S is a stall:
it is recorded (``stalls`` in the JSON, a ``STALL`` line), the module's
figures come from its other runs, and the run fails unless the module is
named with --known-stall (Debian's device can stop answering in the
Venus blob cycle, one of its recorded defects).

With --workload scanout it runs vgpu-scanout instead: 200 whole
1920x1080 frames redrawn and flushed for each kind of scanout resource
(2D, virgl 3D, guest blob), giving the flush rate and each flush's
latency (DIRTYFB to the device's answer) for the display path that the
module and its -display take.

Usage: run.py --module LABEL=DIR[@DISPLAY[@BINDIR]] [--module ...]
              --output FILE [--reference LABEL]...
              [--arch aarch64|x86_64] [--repeat N] [--device-opts OPTS]
              [--workload bench|scanout] [--known-stall LABEL]...

DISPLAY is the -display for that module (default: $VGPU_DISPLAY): the
stock and upstream devices need a GL display, ours runs with none.
BINDIR holds the qemu-system-* to run it with (default: $VGPU_QEMU_BINDIR
or /usr/bin; upstream's QEMU has wrappers of its own).
"""

import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'functional'))

from vgpu.guest import Guest, GuestTimeout  # noqa: E402
from vgpu.testcase import parse_bench  # noqa: E402


DEVICE_OPTS = 'blob=on,hostmem=256M,venus=on'
# The QEMU binaries of a module that names none: each module sets its
# own, so one that names a directory must not leave it to the next.
DEFAULT_BINDIR = os.environ.get('VGPU_QEMU_BINDIR', '/usr/bin')
# Every workload here answers within a minute under TCG.
GUEST_RUN_LIMIT_S = 120


# The scanout workload: whole 1920x1080 frames redrawn and flushed, one
# run per kind of scanout resource (2D, virgl 3D, guest blob).
SCANOUT_OPTS = 'xres=1920,yres=1080,blob=on'
SCANOUT_FLUSHES = 200
SCANOUT_KINDS = ('2d', 'gl', 'blob')


def workload_commands(workload):
    if workload == 'scanout':
        return [f'vgpu-scanout -t 0 -f {SCANOUT_FLUSHES} {kind}'
                for kind in SCANOUT_KINDS]
    return ['vgpu-bench']


def bench_once(arch, module, device_opts, workload):
    """The figures of one boot, or the GuestTimeout of a stalled one."""
    _, module_dir, display, bindir = module
    os.environ['VGPU_MODULE_DIR'] = module_dir
    os.environ['VGPU_QEMU_BINDIR'] = bindir or DEFAULT_BINDIR
    figures = {}
    with Guest(arch, display=display, device_opts=device_opts) as g:
        for command in workload_commands(workload):
            try:
                status, out = g.run(command, timeout=GUEST_RUN_LIMIT_S)
            except GuestTimeout as e:
                return e
            if status != 0:
                raise RuntimeError(f'{command} failed ({status}):\n{out}')
            figures.update(parse_bench(out))
    return figures


def merge(runs):
    """Median over repeated runs of every figure."""
    merged = {}
    for name in (runs[0] if runs else {}):
        merged[name] = {}
        for key in runs[0][name]:
            values = [r[name][key] for r in runs if key in r.get(name, {})]
            merged[name][key] = statistics.median(values)
    return merged


def ratios(reference, other):
    out = {}
    for name, values in other.items():
        ref = reference.get(name, {})
        for key in ('median', 'value', 'p99'):
            if key in values and ref.get(key):
                out[f'{name}.{key}'] = values[key] / ref[key]
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--module', action='append', required=True)
    parser.add_argument('--reference', action='append', default=[])
    parser.add_argument('--output', required=True)
    parser.add_argument('--arch', default='aarch64',
                        choices=['aarch64', 'x86_64'])
    parser.add_argument('--repeat', type=int, default=1)
    parser.add_argument('--device-opts')
    parser.add_argument('--workload', default='bench',
                        choices=['bench', 'scanout'])
    parser.add_argument('--known-stall', action='append', default=[])
    args = parser.parse_args()
    if args.device_opts is None:
        args.device_opts = (SCANOUT_OPTS if args.workload == 'scanout'
                            else DEVICE_OPTS)
    modules = []
    for m in args.module:
        label, sep, path = m.partition('=')
        path, _, display = path.partition('@')
        display, _, bindir = display.partition('@')
        if not sep or not os.path.isdir(path):
            parser.error(f'--module {m!r}: want LABEL=DIR[@DISPLAY[@BINDIR]]'
                         f' with an existing directory')
        modules.append((label, path, display or None, bindir or None))
    labels = [m[0] for m in modules]
    references = args.reference or labels[:1]
    for ref in references:
        if ref not in labels:
            parser.error(f'--reference {ref!r}: no such --module label')
    result = {'arch': args.arch, 'device_opts': args.device_opts,
              'workload': args.workload, 'modules': {}, 'ratios': {},
              'stalls': {label: [] for label in labels}}
    # Round robin, so a drift in the machine's load over the run (another
    # job, a warming cache) falls on every module alike.
    runs = {label: [] for label in labels}
    for run in range(args.repeat):
        for module in modules:
            got = bench_once(args.arch, module, args.device_opts,
                             args.workload)
            if isinstance(got, GuestTimeout):
                result['stalls'][module[0]].append(
                    {'run': run, 'error': str(got)[-600:]})
            else:
                runs[module[0]].append(got)
    for label, path, display, bindir in modules:
        result['modules'][label] = {'dir': path, 'display': display,
                                    'qemu': bindir or DEFAULT_BINDIR,
                                    'figures': merge(runs[label])}
        for name, values in result['modules'][label]['figures'].items():
            shown = ' '.join(f'{k}={v:g}' for k, v in values.items())
            print(f'BENCH {label} {name} {shown}')
    # Each module against each reference, a pair of references once.
    for i, ref in enumerate(references):
        for label in labels:
            if label in references[:i + 1]:
                continue
            result['ratios'][f'{label}/{ref}'] = ratios(
                result['modules'][ref]['figures'],
                result['modules'][label]['figures'])
    for pair, values in result['ratios'].items():
        for key, value in sorted(values.items()):
            print(f'RATIO {pair} {key} {value:.3f}')
    with open(args.output, 'w', encoding='utf-8') as f:
        json.dump(result, f, indent=2, sort_keys=True)
    print(f'benchmark figures written to {args.output}')
    failed = False
    for label, found in result['stalls'].items():
        known = label in args.known_stall
        failed |= bool(found) and not known
        for stall in found:
            print(f'STALL {label} run {stall["run"]}: no answer in '
                  f'{GUEST_RUN_LIMIT_S} s'
                  f'{" (a known defect of this module)" if known else ""}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
