# SPDX-License-Identifier: GPL-2.0-or-later
"""DRM native context on real hardware: the guest sees the DRM capset.

virglrenderer drives a host GPU natively only for some kernel drivers
(msm, amdgpu, i915/xe, asahi) and only when it was built with them
(1.2 or newer).  Where no such render node exists the test says so and
skips; the device's side of the contract is covered anyway by the qtest
cases under drm-contract/, against the recording stand-in renderer.
"""

import glob
import os
import unittest

from vgpu.testcase import VgpuTest, parse_probe

NATIVE_DRIVERS = ('msm', 'amdgpu', 'i915', 'xe', 'asahi')
DRM_OPTS = 'blob=on,hostmem=512M,drm_native_context=on'


def native_render_node():
    """A render node whose kernel driver virglrenderer can drive, or
    None, with what was found."""
    seen = []
    for node in sorted(glob.glob('/dev/dri/renderD*')):
        link = f'/sys/class/drm/{os.path.basename(node)}/device/driver'
        driver = os.path.basename(os.path.realpath(link))
        seen.append(f'{node} ({driver})')
        if driver in NATIVE_DRIVERS:
            return node, seen
    return None, seen


class Aarch64DrmNativeTest(VgpuTest):
    arch = 'aarch64'

    def test_probe_reports_drm_capset(self):
        node, seen = native_render_node()
        if not node:
            raise unittest.SkipTest(
                'DRM native context needs a render node of a GPU that '
                'virglrenderer drives natively (' + ', '.join(NATIVE_DRIVERS)
                + '); this machine has ' +
                (', '.join(seen) if seen else 'no render node (no /dev/dri)'))
        with self.guest(device_opts=DRM_OPTS) as g:
            out = self.run_ok(g, 'vgpu-probe')
        self.save_artifact('probe-drm.txt', out)
        self.assertIn('DRM', parse_probe(out)['capsets'], out)


if __name__ == '__main__':
    unittest.main()
