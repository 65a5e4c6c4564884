# SPDX-License-Identifier: GPL-2.0-or-later
"""What the device writes into guest memory, the guest's CPU sees.

TRANSFER_FROM_HOST_3D has the renderer write a resource's backing through
a host pointer, behind QEMU's back.  vgpu-tester's code step runs code
from a buffer, then has a transfer put different code there: under TCG
the guest runs stale translated code unless the device tells QEMU which
guest pages it wrote (the same notice keeps dirty logging right).
"""

from vgpu.testcase import VgpuTest, tester_steps


class Aarch64TransferTest(VgpuTest):
    arch = 'aarch64'

    def test_transfer_replaces_run_code(self):
        with self.guest() as g:
            status, out = g.run('vgpu-tester -x', timeout=180)
        self.save_artifact('tester-code.txt', out)
        steps = tester_steps(out)
        self.assertIn('transfer_replaces_code', steps, out)
        verdict, why = steps['transfer_replaces_code']
        if verdict != 'PASS':
            self.fail(f'transfer_replaces_code: {verdict} {why}')
        self.assertEqual(status, 0, out)
