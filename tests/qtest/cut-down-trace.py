#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Cut a failing fuzz/random-commands run down to the commands that matter.

TRACE holds the commands a run printed with VGPU_QTEST_FUZZ_TRACE=1 (its
"# command ..." lines, or the words alone).  Each candidate is replayed
with VGPU_QTEST_FUZZ_REPLAY through run-suite.sh, and kept while the case
still fails; the smallest trace that fails (by delta debugging: halves,
then quarters, and so on) goes to OUTPUT.  Run it where run-suite.sh
runs, e.g. inside scripts/in-root.sh scripts/with-xvfb.sh.

Usage: cut-down-trace.py TRACE OUTPUT QOS_TEST QEMU MODULE_DIR [MATCH]
MATCH (default: the PCI variant of fuzz/random-commands) picks the case.
"""

import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MATCH = 'pci-bus.*virtio-gpu-gl-hostile.*fuzz/random-commands'


def read_trace(path):
    commands = []
    with open(path, encoding='ascii') as f:
        for line in f:
            words = line.split('command', 1)[-1].split()
            if words:
                commands.append(' '.join(words))
    return commands


class Replay:
    """Runs one candidate trace; true when the case still fails."""

    def __init__(self, qos_test, qemu, module_dir, match):
        self.argv = ['bash', os.path.join(HERE, 'run-suite.sh'), qos_test,
                     qemu, module_dir]
        self.match = match
        self.runs = 0

    def fails(self, commands):
        self.runs += 1
        with tempfile.TemporaryDirectory() as tmp:
            trace = os.path.join(tmp, 'trace.txt')
            with open(trace, 'w', encoding='ascii') as f:
                f.write('\n'.join(commands) + '\n')
            env = dict(os.environ, VGPU_QTEST_FUZZ_REPLAY=trace,
                       VGPU_QTEST_MATCH=self.match)
            out = subprocess.run(self.argv + [os.path.join(tmp, 'r.tsv')],
                                 env=env, capture_output=True, text=True,
                                 check=False).stdout
        if ' passed, ' not in out:
            sys.exit(f'cut-down-trace.py: error: run-suite.sh did not run:\n'
                     f'{out[-2000:]}')
        return ': FAIL' in out


def cut_down(commands, replay):
    parts = 2
    while len(commands) >= 2:
        size = len(commands) // parts
        for i in range(parts):
            end = len(commands) if i == parts - 1 else (i + 1) * size
            rest = commands[:i * size] + commands[end:]
            if rest and replay.fails(rest):
                commands = rest
                parts = max(parts - 1, 2)
                print(f'{len(commands)} commands still fail', flush=True)
                break
        else:
            if parts >= len(commands):
                break
            parts = min(len(commands), parts * 2)
    return commands


def main():
    if len(sys.argv) not in (6, 7):
        sys.exit(__doc__.strip().split('\n\n')[-1])
    trace, output, qos_test, qemu, module_dir = sys.argv[1:6]
    match = sys.argv[6] if len(sys.argv) == 7 else DEFAULT_MATCH
    commands = read_trace(trace)
    if not commands:
        sys.exit(f'cut-down-trace.py: error: no commands in {trace}')
    replay = Replay(qos_test, qemu, module_dir, match)
    if not replay.fails(commands):
        sys.exit(f'cut-down-trace.py: error: the {len(commands)} commands '
                 f'of {trace} do not fail: nothing to cut down')
    commands = cut_down(commands, replay)
    with open(output, 'w', encoding='ascii') as f:
        f.write('\n'.join(commands) + '\n')
    print(f'{len(commands)} commands, after {replay.runs} replays: {output}')


if __name__ == '__main__':
    main()
