#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Judge LeakSanitizer's reports: fail on leaks our device made.

QEMU, GLib and Mesa as Debian builds them are not instrumented, and they
leave small leaks of their own at exit; only leaks whose allocation site
is in our sources count.  The allocation site is the first frame of a
leak's stack outside the sanitizer runtime, GLib and libc (their
allocators: g_malloc, g_strdup and the like); it is ours when it names a
source file of this project.  Any AddressSanitizer error in the logs
fails too, since the leak runs use exitcode=0 and would not stop on one.

Usage: tests/check-leaks.py LOG_DIR NAME RESULT_TSV
LOG_DIR holds the files ASAN_OPTIONS=log_path=LOG_DIR/log wrote (one per
process).  Prints each leak of ours with its stack, then one line
"LEAKS NAME: PASS|FAIL why", which it also appends to RESULT_TSV.
"""

import os
import re
import sys

OUR_SOURCE = re.compile(r'(?:^|/)(hw/display/vgpu-[a-z-]+\.c|'
                        r'ui/egl-surfaceless\.c):\d+')
ALLOCATOR = re.compile(r'libsanitizer|libglib-2\.0|/libc\.so|'
                       r'\.\./sysdeps/|\.\./csu/')
FRAME = re.compile(r'^\s+#\d+ 0x[0-9a-f]+ (.*)$')
LEAK = re.compile(r'^(Direct|Indirect) leak of (\d+) byte')


def leaks_in(text):
    """Yield (kind, bytes, frames) for each leak report in text."""
    kind = None
    for line in text.splitlines() + ['']:
        m = LEAK.match(line)
        if m:
            kind, size, frames = m.group(1), int(m.group(2)), []
            continue
        f = FRAME.match(line)
        if kind and f:
            frames.append(f.group(1))
        elif kind and not line.strip():
            yield kind, size, frames
            kind = None


def allocation_site(frames):
    for frame in frames:
        if not ALLOCATOR.search(frame):
            return frame
    return ''


def judge(log_dir):
    ours, others, processes, errors = [], 0, 0, []
    for name in sorted(os.listdir(log_dir)):
        with open(os.path.join(log_dir, name), errors='replace') as f:
            text = f.read()
        if 'ERROR: LeakSanitizer' in text:
            processes += 1
        if 'ERROR: AddressSanitizer' in text:
            errors.append(name)
        for kind, size, frames in leaks_in(text):
            if OUR_SOURCE.search(allocation_site(frames)):
                ours.append((name, kind, size, frames))
            else:
                others += 1
    return ours, others, processes, errors


def main():
    if len(sys.argv) != 4:
        sys.exit('usage: tests/check-leaks.py LOG_DIR NAME RESULT_TSV')
    log_dir, name, result = sys.argv[1:]
    ours, others, processes, errors = judge(log_dir)
    for log, kind, size, frames in ours:
        print(f'{kind} leak of {size} bytes by our device ({log}):')
        print('\n'.join('    ' + f for f in frames))
    if errors:
        verdict, why = 'FAIL', ('AddressSanitizer errors in ' +
                                ', '.join(errors))
    elif ours:
        verdict = 'FAIL'
        why = (f'{len(ours)} leaks by our device, '
               f'{sum(s for _, _, s, _ in ours)} bytes')
    elif not processes:
        verdict, why = 'FAIL', ('no process reported leaks of any kind: '
                                'was LeakSanitizer on?')
    else:
        verdict = 'PASS'
        why = (f'no leak by our device; {others} leaks of QEMU, GLib or '
               f'Mesa left aside, from {processes} processes')
    print(f'LEAKS {name}: {verdict} {why}')
    with open(result, 'a', encoding='utf-8') as f:
        f.write(f'{name}\t{verdict}\t{why}\n')


if __name__ == '__main__':
    main()
