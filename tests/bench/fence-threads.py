#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Which host threads work while a guest's Venus fence loop runs, boot by
boot, module by module.

The Venus fence loop sends no command through the device: the guest's
driver writes the ring and polls a fence in shared memory, and the render
server's ring thread answers.  Yet on an H100 some of our device's boots
ran it at half speed (docs/abstraction.rst).  This boots a guest per
module in turn, --boots times, starts ``vgpu-vkwork -d Venus -s fence``
for a few seconds in it, and while it runs samples for one second the
CPU time of every thread of QEMU and of the processes under it (QEMU's
threads named, ``debug-threads=on``), and the CPU each last ran on.
Prints per boot:

  FENCE <label> boot=N median_us=... p99_us=... clock=<guest clocksource>
        busy=<thread>:<ticks>@cpu<N>... guest=cpu<N>:u<user>/s<system>/
        si<softirq>/irq<irq>,...

so a slow boot can be set beside a fast one.  --device-opts LABEL=OPTS
adds device properties to one module's boots: the same module under two
labels, one with x-venus-nudge-ms=0, tells what the repair of lost ring
wake-ups costs.  Never a timed test.

Usage: fence-threads.py --module LABEL=DIR@DISPLAY[@BINDIR]... [--boots N]
                        [--arch aarch64|x86_64] [--fences N]
                        [--device-opts LABEL=OPTS]...
"""

import argparse
import glob
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'functional'))

# The same --module parsing and set-up as the cost-of-abstraction run.
from abstraction import parse_modules, use_module  # noqa: E402

DEVICE_OPTS = 'blob=on,hostmem=256M,venus=on'
START_S = 4.0        # the guest program's start-up under TCG
SAMPLE_S = 1.0
TICKS_SHOWN = 2      # threads that used less CPU than this are left out


def parent_of(pid):
    try:
        with open(f'/proc/{pid}/stat', encoding='utf-8') as f:
            return int(f.read().rsplit(')', 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def process_tree(root):
    """@root and every process below it."""
    parents = {int(p.split('/')[-1]): parent_of(p.split('/')[-1])
               for p in glob.glob('/proc/[0-9]*')}
    tree, grew = {root}, True
    while grew:
        below = {p for p, parent in parents.items() if parent in tree}
        grew = not below <= tree
        tree |= below
    return tree


def thread_times(pids):
    """{tid: (name, user+system ticks, last CPU)} of every thread."""
    out = {}
    for pid in pids:
        for task in glob.glob(f'/proc/{pid}/task/*'):
            try:
                with open(task + '/comm', encoding='utf-8') as f:
                    name = f.read().strip()
                with open(task + '/stat', encoding='utf-8') as f:
                    fields = f.read().rsplit(')', 1)[1].split()
            except OSError:
                continue
            out[task] = (name, int(fields[11]) + int(fields[12]),
                         int(fields[36]))
    return out


def busy_threads(before, after):
    busy = []
    for task, (name, ticks, cpu) in sorted(after.items()):
        used = ticks - before.get(task, (name, 0, cpu))[1]
        if used >= TICKS_SHOWN:
            busy.append(f'{name.replace(" ", "_")}:{used}@cpu{cpu}')
    return ' '.join(busy)


def one_boot(arch, module, fences, device_opts):
    from vgpu.guest import Guest
    display = use_module(module)
    with Guest(arch, root='mesa', display=display, device_opts=device_opts,
               extra_args=('-name', 'vgpu,debug-threads=on')) as g:
        # A guest whose kernel gave up on the TSC reads its clock from
        # an emulated device: every poll of a fence then exits to QEMU.
        _, clock = g.run('cat /sys/devices/system/clocksource/clocksource0/'
                         'current_clocksource', timeout=60)
        g.run(f'(vgpu-vkwork -d Venus -s fence -f {fences} > /tmp/fence.out'
              ' 2>&1 &)', timeout=60)
        time.sleep(START_S)
        before = thread_times(process_tree(g.vm.get_pid()))
        time.sleep(SAMPLE_S)
        busy = busy_threads(before,
                            thread_times(process_tree(g.vm.get_pid())))
        _, stat = g.run('grep "^cpu[0-9]" /proc/stat; sleep 1; '
                        'grep "^cpu[0-9]" /proc/stat', timeout=60)
        _, out = g.run('while ! grep -q "WORK done\\|WORK error" '
                       '/tmp/fence.out; do sleep 0.5; done; '
                       'cat /tmp/fence.out', timeout=600)
        g.power_off()
    m = re.search(r'median_us=([\d.]+) p99_us=([\d.]+)', out)
    if not m:
        raise RuntimeError(f'vgpu-vkwork gave no fence figures:\n{out}')
    return (m.group(1), m.group(2), (clock.split() or ['unknown'])[-1],
            busy + ' guest=' + guest_cpu_use(stat))


def guest_cpu_use(stat):
    """Each guest CPU's user, system, softirq and irq ticks over a second
    of the loop, from two readings of its /proc/stat."""
    rows = [line.split() for line in stat.splitlines()
            if re.match(r'cpu\d+ ', line)]
    half = len(rows) // 2
    out = []
    for a, b in zip(rows[:half], rows[half:]):
        d = [int(y) - int(x) for x, y in zip(a[1:8], b[1:8])]
        out.append(f'{a[0]}:u{d[0]}/s{d[2]}/si{d[6]}/irq{d[5]}')
    return ','.join(out)


def parse_device_opts(parser, specs, modules):
    """{label: device options} for every module, DEVICE_OPTS plus what
    --device-opts adds to it."""
    opts = {m[0]: DEVICE_OPTS for m in modules}
    for spec in specs:
        label, sep, extra = spec.partition('=')
        if not sep or label not in opts or not extra:
            parser.error(f'--device-opts {spec!r}: want LABEL=OPTS for one '
                         f'of the --module labels')
        opts[label] += ',' + extra
    return opts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--module', action='append', required=True)
    parser.add_argument('--boots', type=int, default=6)
    parser.add_argument('--arch', default='aarch64',
                        choices=['aarch64', 'x86_64'])
    parser.add_argument('--fences', type=int, default=200000)
    parser.add_argument('--device-opts', action='append', default=[])
    args = parser.parse_args()
    modules = parse_modules(parser, args.module)
    device_opts = parse_device_opts(parser, args.device_opts, modules)
    for boot in range(args.boots):
        for module in modules:
            median, p99, clock, busy = one_boot(args.arch, module,
                                                args.fences,
                                                device_opts[module[0]])
            print(f'FENCE {module[0]} boot={boot} median_us={median} '
                  f'p99_us={p99} clock={clock} busy={busy}', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
