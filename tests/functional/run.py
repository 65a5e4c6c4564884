#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run the functional tests and record each outcome.

Usage: run.py RESULT_TSV [-k SUBSTRING ...]

Prints `FUNC <test>: PASS|FAIL <why>|SKIP <why>` per test, writes the
same as TSV, and ends with `N passed, N failed, N skipped`.  Exits 0 when
it ran (the caller compares outcomes with the baseline), 2 when it could
not run at all.
"""

import argparse
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def one_line(text, limit=300):
    """Last meaningful line of a traceback, on one line."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    for ln in reversed(lines):
        if 'Error' in ln or 'Exception' in ln or ln.startswith('AssertionError'):
            return ln[:limit].replace('\t', ' ')
    return (lines[-1] if lines else '?')[:limit].replace('\t', ' ')


class RecordingResult(unittest.TestResult):
    """Prints and collects one outcome per test."""

    def __init__(self):
        super().__init__()
        self.rows = []
        self._start = 0.0
        self._sub_failures = []

    def startTest(self, test):
        super().startTest(test)
        self._start = time.monotonic()
        print(f'FUNC {self.name(test)}: running', flush=True)

    @staticmethod
    def name(test):
        return test.id().replace('test_', '', 1)

    def _record(self, test, outcome, why=''):
        secs = time.monotonic() - self._start
        self.rows.append((self.name(test), outcome, why, secs))
        print(f'FUNC {self.name(test)}: {outcome} {why} ({secs:.0f}s)'.rstrip(),
              flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._record(test, 'PASS')

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._record(test, 'FAIL', one_line(self.failures[-1][1]))

    def addError(self, test, err):
        super().addError(test, err)
        self._record(test, 'FAIL', one_line(self.errors[-1][1]))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._record(test, 'SKIP', reason)

    def addSubTest(self, test, subtest, err):
        # unittest reports neither success nor failure of a test whose
        # subtests failed: collect them, and record the test at its end.
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._sub_failures.append(
                f'{subtest._subDescription()}: '
                f'{one_line(self._exc_info_to_string(err, test))}')

    def stopTest(self, test):
        recorded = self.rows and self.rows[-1][0] == self.name(test)
        if self._sub_failures and not recorded:
            self._record(test, 'FAIL', one_line(' | '.join(
                self._sub_failures), 600))
            self._sub_failures = []
        super().stopTest(test)


def selected(suite, keys):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from selected(item, keys)
        elif not keys or any(k in item.id() for k in keys):
            yield item


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('results')
    parser.add_argument('-k', action='append', default=[],
                        help='run tests whose id contains this')
    parser.add_argument('--pattern', default='test_*.py',
                        help='test files to load (contract_*.py: the ones '
                        'for the recording stand-in renderer)')
    args = parser.parse_args()
    loader = unittest.TestLoader()
    try:
        tests = list(selected(loader.discover(HERE, pattern=args.pattern),
                              args.k))
    except Exception as e:  # pylint: disable=broad-except
        print(f'error: cannot load the functional tests: {e}')
        return 2
    for t in tests:
        if isinstance(t, unittest.loader._FailedTest):  # noqa
            print(f'error: cannot import {t.id()}')
            return 2
    result = RecordingResult()
    for test in tests:
        test(result)
    with open(args.results, 'w', encoding='utf-8') as f:
        for name, outcome, why, _ in result.rows:
            f.write(f'{name}\t{outcome}\t{why}\n')
    counts = {k: sum(1 for r in result.rows if r[1] == k)
              for k in ('PASS', 'FAIL', 'SKIP')}
    print(f'{counts["PASS"]} passed, {counts["FAIL"]} failed, '
          f'{counts["SKIP"]} skipped')
    return 0


if __name__ == '__main__':
    sys.exit(main())
