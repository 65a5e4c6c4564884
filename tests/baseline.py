#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Compare a run's outcomes with a module's recorded baseline.

A baseline (tests/bench/baseline/LABEL.tsv) records, per test, whether it
passed, failed (and why) or was skipped (and why) for one module
directory.  `check` fails when any test's outcome differs from the record,
so a change in behaviour, better or worse, is always seen; `update`
rewrites the record from a run.

Usage: baseline.py check|update BASELINE.tsv OUTCOMES.tsv [--only SUITE]
                   [--partial]
--partial: the run chose some tests only; tests that did not run are
neither checked nor dropped from the record.
Rows: suite <TAB> test <TAB> PASS|FAIL|SKIP <TAB> reason
"""

import argparse
import sys


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


def check(baseline, outcomes, suites, partial=False):
    matched = skipped = 0
    mismatches = []
    for key in sorted(set(baseline) | set(outcomes)):
        if key[0] not in suites or (partial and key not in outcomes):
            continue
        want = baseline.get(key)
        got = outcomes.get(key)
        name = f'{key[0]} {key[1]}'
        if want is None:
            mismatches.append(f'{name}: not in the baseline (got {got[0]}); '
                              f'record it with --update-baseline')
        elif got is None:
            mismatches.append(f'{name}: in the baseline ({want[0]}) but '
                              f'did not run')
        elif want[0] == got[0] or (want[0] == 'SKIP' and got[0] == 'PASS'):
            if got[0] == 'SKIP':
                skipped += 1
                print(f'BASELINE {name}: SKIP as recorded: {got[1]}')
            else:
                matched += 1
                print(f'BASELINE {name}: {got[0]} as recorded')
        else:
            mismatches.append(f'{name}: expected {want[0]}, got {got[0]}: '
                              f'{got[1]}')
    for m in mismatches:
        print(f'BASELINE MISMATCH {m}')
    print(f'{matched} passed, {len(mismatches)} failed, {skipped} skipped')
    return 1 if mismatches else 0


def update(path, baseline, outcomes, suites, partial=False):
    kept = {k: v for k, v in baseline.items()
            if partial or k[0] not in suites}
    kept.update({k: v for k, v in outcomes.items() if k[0] in suites})
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
    parser.add_argument('--only')
    parser.add_argument('--partial', action='store_true')
    args = parser.parse_args()
    baseline = load(args.baseline)
    outcomes = load(args.outcomes)
    if args.only:
        # The scripts phase also runs the style check.
        suites = {args.only} | ({'style'} if args.only == 'scripts' else set())
    else:
        suites = {k[0] for k in outcomes} | {k[0] for k in baseline}
    if args.action == 'update':
        return update(args.baseline, baseline, outcomes, suites,
                      args.partial)
    return check(baseline, outcomes, suites, args.partial)


if __name__ == '__main__':
    sys.exit(main())
