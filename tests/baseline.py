#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Compare a run's outcomes with a module's recorded baseline.

A baseline (tests/bench/baseline/LABEL.tsv) records, per test, whether it
passed, failed (and why) or was skipped (and why) for one module
directory.  `check` fails when any test's outcome differs from the record,
so a change in behaviour, better or worse, is always seen; `update`
rewrites the record from a run.

Usage: baseline.py check|update BASELINE.tsv OUTCOMES.tsv --suites S,S...
                   [--partial] [--title TITLE] [--counts FILE]
--suites: the suites (first column) the run was meant to produce; each
must have produced at least one outcome, or the check fails.
--partial: the run chose some tests only; tests that did not run are
neither checked nor dropped from the record.
--title: how the closing count line names what was checked.
--counts: append "PASSED FAILED SKIPPED" to FILE, for the caller's total.
Rows: suite <TAB> test <TAB> PASS|FAIL|SKIP <TAB> reason
A row whose test is `phase-error` says a phase stopped before it had
recorded its outcomes; it is always a failure.

The closing count counts checks: a test passes its check when its outcome
is the recorded one.  For a baseline module (Debian's stock device) a
recorded failure is a known defect, and seeing it again passes the check;
the closing line says how many of those there were.
"""

import argparse
import sys

PHASE_ERROR = 'phase-error'


def load(path):
    rows = {}
    try:
        with open(path, encoding='utf-8') as f:
            for line in f:
                if not line.strip() or line.startswith('#'):
                    continue
                parts = line.rstrip('\n').split('\t')
                parts += [''] * (4 - len(parts))
                rows[(parts[0], parts[1])] = (parts[2], parts[3])
    except FileNotFoundError:
        pass
    return rows


def verdict(name, want, got):
    """(kind, line) for one test: kind is pass, known, skip or mismatch."""
    if name.endswith(' ' + PHASE_ERROR):
        return 'mismatch', f'{name}: {got[1]}'
    if want is None:
        return 'mismatch', (f'{name}: not in the baseline (got {got[0]}); '
                            f'record it with --update-baseline')
    if got is None:
        return 'mismatch', f'{name}: in the baseline ({want[0]}) but did not run'
    if want[0] == got[0] or (want[0] == 'SKIP' and got[0] == 'PASS'):
        if got[0] == 'SKIP':
            return 'skip', f'{name}: SKIP as recorded: {got[1]}'
        if got[0] == 'FAIL':
            return 'known', f'{name}: FAIL as recorded: {got[1]}'
        return 'pass', f'{name}: PASS as recorded'
    return 'mismatch', f'{name}: expected {want[0]}, got {got[0]}: {got[1]}'


def check(baseline, outcomes, suites, partial, title, counts_file):
    kinds = {'pass': 0, 'known': 0, 'skip': 0, 'mismatch': 0}
    mismatches = []
    for key in sorted(set(baseline) | set(outcomes)):
        if key[0] not in suites or (partial and key not in outcomes):
            continue
        kind, line = verdict(f'{key[0]} {key[1]}', baseline.get(key),
                             outcomes.get(key))
        kinds[kind] += 1
        if kind == 'mismatch':
            mismatches.append(line)
        else:
            print(f'BASELINE {line}')
    for suite in sorted(suites):
        if not any(k[0] == suite for k in outcomes):
            kinds['mismatch'] += 1
            mismatches.append(f'{suite}: ran no test')
    for m in mismatches:
        print(f'BASELINE MISMATCH {m}')
    passed = kinds['pass'] + kinds['known']
    failed = kinds['mismatch']
    skipped = kinds['skip']
    note = ''
    if kinds['known']:
        note = (f' ({kinds["known"]} of the passed are failures the '
                f'baseline records: known defects of that module)')
    print(f'{title}{passed} passed, {failed} failed, {skipped} skipped{note}')
    if counts_file:
        with open(counts_file, 'a', encoding='utf-8') as f:
            f.write(f'{passed} {failed} {skipped}\n')
    return 1 if failed else 0


def update(path, baseline, outcomes, suites, partial=False):
    kept = {k: v for k, v in baseline.items()
            if partial or k[0] not in suites}
    kept.update({k: v for k, v in outcomes.items()
                 if k[0] in suites and k[1] != PHASE_ERROR})
    with open(path, 'w', encoding='utf-8') as f:
        f.write('# suite\ttest\toutcome\treason (see tests/baseline.py)\n')
        for key in sorted(kept):
            outcome, reason = kept[key]
            f.write(f'{key[0]}\t{key[1]}\t{outcome}\t{reason}\n')
    print(f'recorded {len(kept)} outcomes in {path}')
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('action', choices=['check', 'update'])
    parser.add_argument('baseline')
    parser.add_argument('outcomes')
    parser.add_argument('--suites', required=True,
                        help='comma-separated suites the run produced')
    parser.add_argument('--partial', action='store_true')
    parser.add_argument('--title', default='')
    parser.add_argument('--counts')
    args = parser.parse_args()
    baseline = load(args.baseline)
    outcomes = load(args.outcomes)
    suites = {s for s in args.suites.split(',') if s}
    if not suites:
        parser.error('--suites names no suite')
    if args.action == 'update':
        return update(args.baseline, baseline, outcomes, suites,
                      args.partial)
    title = f'{args.title}: ' if args.title else ''
    return check(baseline, outcomes, suites, args.partial, title,
                 args.counts)


if __name__ == '__main__':
    sys.exit(main())
