#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The cost of each abstraction: the same work on the host, through virgl
and through Venus, for every module, side by side in one run.

Runs the workload programs (tests/workload: vgpu-glwork, vgpu-vkwork)
--runs times on the host, then --runs times in guests with the Mesa root:
vgpu-glwork through virgl, vgpu-vkwork on the Venus device.  A guest
boots for every --runs-per-boot runs (default 1), the modules in turn,
so no module's figures rest on a single boot.  Each figure is the median
over the runs of each run's median frame time (and of its p99).  Every run's
checksum must equal the host's: a guest that draws a different picture
fails the run, however fast it was.

Writes the figures, the guest/host ratios (host time over guest time: 1.0
means the abstraction costs nothing) and each module's ratio to the
reference module, with the conditions they were measured under, to
--output; with --plots, two PNG charts beside it.  Never a timed test:
the figures are recorded, not judged.

A guest run that has not finished after GUEST_RUN_LIMIT_S is killed in
the guest and recorded as a stall: Debian's device can lose a Venus
ring's wake-up for good (hw/display/vgpu-venus-ring.c says how), and a
stalled run must not hold the rest.  A run that gives up on a Venus fence
the host did not signal in time (the guest's Mesa printed "stuck in fence
wait") is a stall too.  The medians come from the runs that
finished.  A stall fails the run, unless its module is named with
--known-stall (a module whose baseline has that defect).

Usage: abstraction.py --programs DIR --module LABEL=DIR@DISPLAY[@BINDIR]...
                      --output FILE [--plots DIR] [--runs N]
                      [--runs-per-boot N]
                      [--arch aarch64|x86_64] [--reference LABEL]
                      [--work-args ARGS] [--condition KEY=VALUE]...
                      [--known-stall LABEL]...

DIR holds host/ and ARCH/ as tests/guest/build.sh makes them.
"""

import argparse
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'functional'))


DEVICE_OPTS = 'blob=on,hostmem=256M,venus=on'
DEFAULT_BINDIR = os.environ.get('VGPU_QEMU_BINDIR', '/usr/bin')
# Small enough that a TCG guest on two cores runs every shape in minutes.
DEFAULT_WORK_ARGS = '-n 10 -i 16 -D 200 -f 200'
# Each run of that takes under 30 s here; a stalled one never ends.
GUEST_RUN_LIMIT_S = 120
# What the guest's Mesa prints while it waits on a ring that sleeps, and
# while it waits on a fence that the host does not signal in time (the
# program then gives up with VK_TIMEOUT, after FENCE_TIMEOUT_NS).
RING_STALL_SIGN = 'stuck in ring seqno wait'
FENCE_STALL_SIGN = 'stuck in fence wait'
# The API each program drives, and the path it takes in a guest.
PROGRAMS = (('gles', 'vgpu-glwork', 'virgl', ''),
            ('vulkan', 'vgpu-vkwork', 'venus', '-d Venus'))


def parse_work(text):
    """The device line and the {shape: figures} of one program's run."""
    device, shapes, done = None, {}, False
    for line in text.splitlines():
        parts = line.strip().split(' ', 1)
        if parts[0] != 'WORK' or len(parts) < 2:
            continue
        if parts[1].startswith('error'):
            raise RuntimeError(line.strip())
        if parts[1] == 'done':
            done = True
            continue
        fields = dict(p.partition('=')[::2] for p in parts[1].split(' ')
                      if '=' in p)
        if 'shape' in fields:
            shapes[fields['shape']] = {
                'median_us': float(fields['median_us']),
                'p99_us': float(fields['p99_us']),
                'frames': int(fields['frames']),
                'iters': int(fields['iters']),
                'checksum': fields['checksum']}
        elif 'api' in fields:
            # The name has spaces; the driver's fields follow it.
            device = re.split(r' (?:driver|version)=',
                              parts[1].split('device=', 1)[-1])[0]
    if not done:
        raise RuntimeError('the program did not finish:\n' + text[-2000:])
    return device, shapes


def merge(runs):
    """Median over runs; the checksums every run gave, in order."""
    merged = {}
    for shape in runs[0]:
        got = [r[shape] for r in runs if shape in r]
        merged[shape] = {
            'median_us': statistics.median(g['median_us'] for g in got),
            'p99_us': statistics.median(g['p99_us'] for g in got),
            'runs': len(got),
            # Each run's own median, in run order: the spread behind the
            # median of medians, boot by boot.
            'run_medians_us': [g['median_us'] for g in got],
            'frames': got[0]['frames'], 'iters': got[0]['iters'],
            'checksums': sorted({g['checksum'] for g in got})}
    return merged


def run_host(programs, work_args, runs):
    """{api: {'device': ..., 'shapes': ...}} for the host itself."""
    result = {}
    for api, prog, _, _ in PROGRAMS:
        device, collected = None, []
        for _ in range(runs):
            cmd = [os.path.join(programs, 'host', prog),
                   *shlex.split(work_args)]
            out = subprocess.run(cmd, capture_output=True, text=True,
                                 timeout=900, check=False)
            if out.returncode != 0:
                raise RuntimeError(f'host {prog} failed ({out.returncode}):'
                                   f'\n{out.stdout}{out.stderr}')
            device, shapes = parse_work(out.stdout)
            collected.append(shapes)
        result[api] = {'device': device, 'shapes': merge(collected)}
    return result


def use_module(module):
    """Point the guests booted next at @module's directory and QEMU;
    returns its display."""
    _, module_dir, display, bindir = module
    os.environ['VGPU_MODULE_DIR'] = module_dir
    os.environ['VGPU_QEMU_BINDIR'] = bindir or DEFAULT_BINDIR
    return display


def run_boot(arch, module, work_args, runs, collected, stalls):
    """Boot one guest on @module and run each program once for every
    index in @runs, adding each run's shapes to @collected[api] and each
    stalled run to @stalls; returns {api: device line}."""
    # Imported here: the judge's parts work without a rig.
    from vgpu.guest import Guest
    display = use_module(module)
    devices = {}
    with Guest(arch, root='mesa', display=display,
               device_opts=DEVICE_OPTS) as g:
        # Round robin, so a drift over the boot falls on both APIs alike.
        for run in runs:
            for api, prog, _, opts in PROGRAMS:
                status, out = g.run(f'busybox timeout -s KILL '
                                    f'{GUEST_RUN_LIMIT_S} {prog} {opts} '
                                    f'{work_args} 2>&1',
                                    timeout=GUEST_RUN_LIMIT_S + 60)
                if status == 137 or (status != 0 and
                                     FENCE_STALL_SIGN in out):
                    stalls.append({'api': api, 'run': run,
                                   'killed': status == 137,
                                   'ring_wait': RING_STALL_SIGN in out,
                                   'fence_wait': FENCE_STALL_SIGN in out,
                                   'tail': out[-400:]})
                    continue
                if status != 0:
                    raise RuntimeError(f'{prog} failed in the guest '
                                       f'({status}):\n{out[-3000:]}')
                devices[api], shapes = parse_work(out)
                collected[api].append(shapes)
    return devices


def stall_words(stall):
    """How a stalled run ended, and what it waited on."""
    words = (f'killed after {GUEST_RUN_LIMIT_S} s' if stall['killed'] else
             'gave up on a fence')
    if stall['ring_wait']:
        words += ', waiting on its Venus ring'
    elif stall['fence_wait']:
        words += ', waiting on a Venus fence'
    return words


def run_guests(arch, modules, work_args, runs, runs_per_boot):
    """{label: {api: {'device': ..., 'shapes': ...}}} and {label: stalls}.
    Each boot runs @runs_per_boot runs, and the modules boot in turn, so
    what differs from boot to boot (where the vCPU threads land, the
    host's state) falls on every module alike instead of on one."""
    collected = {m[0]: {api: [] for api, _, _, _ in PROGRAMS}
                 for m in modules}
    devices = {m[0]: {} for m in modules}
    stalls = {m[0]: [] for m in modules}
    for first in range(0, runs, runs_per_boot):
        batch = range(first, min(runs, first + runs_per_boot))
        for module in modules:
            label = module[0]
            print(f'{label}: boot for runs {batch.start + 1}-{batch.stop} '
                  f'of {runs}', flush=True)
            devices[label].update(run_boot(arch, module, work_args, batch,
                                           collected[label], stalls[label]))
    # An API whose every run stalled has no figures, only its stalls.
    return ({label: {api: {'device': devices[label].get(api),
                           'shapes': merge(got) if got else {}}
                     for api, got in apis.items()}
             for label, apis in collected.items()}, stalls)


def ratio_table(numerator, denominator):
    """{shape: time of @numerator over time of @denominator}, both keys."""
    out = {}
    for shape, fig in denominator.items():
        ref = numerator.get(shape)
        if ref and fig['median_us'] and fig['p99_us']:
            out[shape] = {'median': ref['median_us'] / fig['median_us'],
                          'p99': ref['p99_us'] / fig['p99_us']}
    return out


def wrong_pictures(host, guests):
    """Lines naming each guest figure whose checksum is not the host's."""
    wrong = []
    for label, apis in guests.items():
        for api, got in apis.items():
            for shape, fig in got['shapes'].items():
                want = host[api]['shapes'].get(shape, {}).get('checksums')
                if fig['checksums'] != want:
                    wrong.append(f'{label} {api} {shape}: checksums '
                                 f'{fig["checksums"]}, host {want}')
    return wrong


def package_version(name):
    out = subprocess.run(['dpkg-query', '-W', '-f', '${Version}', name],
                         capture_output=True, text=True, check=False)
    return out.stdout.strip() or 'unknown'


def conditions(args):
    found = {'guest_arch': args.arch, 'accel': 'tcg',
             'host_cpus': os.cpu_count(), 'host_machine': platform.machine(),
             'work_args': args.work_args, 'runs': args.runs,
             'runs_per_boot': args.runs_per_boot,
             'device_opts': DEVICE_OPTS,
             # A GPU bundle's root carries a newer one than dpkg knows.
             'virglrenderer': (os.environ.get('VGPU_VIRGLRENDERER') or
                               package_version('libvirglrenderer1')),
             'host_mesa': package_version('libgl1-mesa-dri')}
    for c in args.condition:
        key, _, value = c.partition('=')
        found[key] = value
    return found


def print_figures(result):
    for place, apis in result['figures'].items():
        for api, got in apis.items():
            for shape, fig in sorted(got['shapes'].items()):
                print(f'WORKBENCH {place} {api} {shape} '
                      f'median_us={fig["median_us"]:g} '
                      f'p99_us={fig["p99_us"]:g} '
                      f'checksum={",".join(fig["checksums"])}')
    for label, apis in result['guest_over_host'].items():
        for api, shapes in apis.items():
            for shape, r in sorted(shapes.items()):
                print(f'RATIO guest/host {label} {api} {shape} '
                      f'median={r["median"]:.3f} p99={r["p99"]:.3f}')
    for pair, apis in result['module_ratios'].items():
        for api, shapes in apis.items():
            for shape, r in sorted(shapes.items()):
                print(f'RATIO {pair} {api} {shape} '
                      f'median={r["median"]:.3f} p99={r["p99"]:.3f}')


def write_plots_if_possible(result, directory):
    """The charts, or a line saying why not (a GPU bundle's root has no
    matplotlib: abstraction_plots.py makes them from the JSON later)."""
    try:
        from abstraction_plots import write_plots
    except ImportError as e:
        print(f'plots left out: {e}; run tests/bench/abstraction_plots.py '
              'JSON DIR where matplotlib is')
        return
    for path in write_plots(result, directory):
        print(f'plot written to {path}')


def parse_modules(parser, specs):
    modules = []
    for m in specs:
        label, sep, path = m.partition('=')
        path, _, display = path.partition('@')
        display, _, bindir = display.partition('@')
        if not sep or not os.path.isdir(path) or not display:
            parser.error(f'--module {m!r}: want LABEL=DIR@DISPLAY[@BINDIR]'
                         f' with an existing directory')
        modules.append((label, path, display, bindir or None))
    return modules


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--programs', required=True)
    parser.add_argument('--module', action='append', required=True)
    parser.add_argument('--reference')
    parser.add_argument('--output', required=True)
    parser.add_argument('--plots')
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--runs-per-boot', type=int, default=1)
    parser.add_argument('--arch', default='aarch64',
                        choices=['aarch64', 'x86_64'])
    parser.add_argument('--work-args', default=DEFAULT_WORK_ARGS)
    parser.add_argument('--condition', action='append', default=[])
    parser.add_argument('--known-stall', action='append', default=[])
    args = parser.parse_args()
    if args.runs < 1 or args.runs_per_boot < 1:
        parser.error('--runs and --runs-per-boot want 1 or more')
    modules = parse_modules(parser, args.module)
    labels = [m[0] for m in modules]
    reference = args.reference or labels[0]
    if reference not in labels:
        parser.error(f'--reference {reference!r}: no such --module label')

    print(f'host: {args.runs} runs of each workload program', flush=True)
    host = run_host(args.programs, args.work_args, args.runs)
    guests, stalls = run_guests(args.arch, modules, args.work_args,
                                args.runs, args.runs_per_boot)
    # Places: the host, then each module's guest.
    result = {'conditions': conditions(args),
              'figures': {'host': host, **guests},
              'guest_over_host': {}, 'module_ratios': {}, 'stalls': stalls}
    result['conditions']['host_gpu'] = host['gles']['device']
    result['conditions']['host_vulkan'] = host['vulkan']['device']
    for label, apis in guests.items():
        result['guest_over_host'][label] = {
            api: ratio_table(host[api]['shapes'], got['shapes'])
            for api, got in apis.items()}
        if label != reference:
            result['module_ratios'][f'{label}/{reference}'] = {
                api: ratio_table(guests[reference][api]['shapes'],
                                 got['shapes'])
                for api, got in apis.items()}
    result['wrong_pictures'] = wrong_pictures(host, guests)
    print_figures(result)
    with open(args.output, 'w', encoding='utf-8') as f:
        json.dump(result, f, indent=2, sort_keys=True)
    print(f'figures written to {args.output}')
    if args.plots:
        write_plots_if_possible(result, args.plots)
    for line in result['wrong_pictures']:
        print(f'WRONG PICTURE {line}')
    failed = bool(result['wrong_pictures'])
    for label, found in stalls.items():
        for stall in found:
            known = label in args.known_stall
            failed |= not known
            print(f'STALL {label} {stall["api"]} run {stall["run"]}: '
                  f'{stall_words(stall)}'
                  f'{" (a known defect of this module)" if known else ""}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
