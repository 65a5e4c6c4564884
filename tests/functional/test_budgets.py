# SPDX-License-Identifier: GPL-2.0-or-later
"""A real guest tries to exhaust the device's budgets.

vgpu-tester's budget steps run in the guest against a device with small
budgets: buffers until past max_resource_bytes, DRM files (one context
each) until past max_contexts.  The guest counts what the host really
holds, and a fresh context must work afterwards.  On the host, QEMU's
resident memory may grow by no more than the guest memory the buffers
take, plus the budget, plus a stated slack; QEMU warns once, naming the
property to raise.
"""

from vgpu.testcase import VgpuTest, tester_steps

RESOURCE_BUDGET_MIB = 64
CONTEXT_BUDGET = 4
# vgpu-tester's buffers and how many it makes past the budget
BUFFER_MIB = 4
EXTRA_BUFFERS = 24
# Host memory that is neither the guest's nor the renderer's storage:
# Mesa's and virglrenderer's own state, QEMU's caches (ours measured
# 25 MiB of it).  A device with no budget would hold every buffer: 96 MiB
# past the budget, half again this.
SLACK_MIB = 64


def kib(pid, field):
    with open(f'/proc/{pid}/status', encoding='ascii') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    raise AssertionError(f'no {field} in /proc/{pid}/status')


class BudgetChecks:
    """The checks, shared by the per-architecture classes below."""

    def run_tester(self, g, args, name):
        status, out = g.run(f'vgpu-tester {args}', timeout=600)
        self.save_artifact(name, out)
        steps = tester_steps(out)
        failed = [f'{k}: {v[1]}' for k, v in steps.items() if v[0] != 'PASS']
        if failed:
            self.fail('budget steps failed: ' + '; '.join(failed))
        self.assertEqual(status, 0, out)
        return steps

    def test_guest_exhausts_resource_bytes(self):
        opts = f'max_resource_bytes={RESOURCE_BUDGET_MIB}M'
        with self.guest(device_opts=opts) as g:
            pid = g.vm.get_pid()
            before = kib(pid, 'VmRSS')
            steps = self.run_tester(g, f'-b {RESOURCE_BUDGET_MIB}',
                                    'tester-budget-bytes.txt')
            peak = kib(pid, 'VmHWM')
        self.assertIn('budget_resource_bytes_recovers', steps)
        buffers = RESOURCE_BUDGET_MIB // BUFFER_MIB + EXTRA_BUFFERS
        limit = (buffers * BUFFER_MIB + RESOURCE_BUDGET_MIB +
                 SLACK_MIB) * 1024
        self.save_artifact('budget-rss.txt',
                           f'VmRSS before {before} KiB, VmHWM after {peak} '
                           f'KiB: grew {peak - before} KiB, limit {limit} '
                           f'KiB\n')
        self.assertLessEqual(peak - before, limit,
                             f'QEMU grew by {peak - before} KiB for '
                             f'{buffers} buffers of {BUFFER_MIB} MiB')
        self.assertIn('the guest reached max_resource_bytes', g.qemu_log())

    def test_guest_exhausts_contexts(self):
        opts = f'max_contexts={CONTEXT_BUDGET}'
        with self.guest(device_opts=opts) as g:
            steps = self.run_tester(g, f'-c {CONTEXT_BUDGET}',
                                    'tester-budget-contexts.txt')
        self.assertIn('budget_contexts_recovers', steps)
        self.assertIn('the guest reached max_contexts', g.qemu_log())


class Aarch64BudgetTest(BudgetChecks, VgpuTest):
    arch = 'aarch64'
