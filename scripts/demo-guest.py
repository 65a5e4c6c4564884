#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The demo: boot the aarch64 guest with a virtio-gpu-gl device (blob
resources and Venus on), show what the guest's probe reports, run kmscube
on the scanout, save a screenshot, and run a Vulkan workload through
Venus whose result the guest checks.  Runs inside the build root after scripts/prepare-rig.sh,
with DISPLAY pointing at an X server (Xvfb) for the windowed GL display.

Usage: demo-guest.py OUTPUT_DIR
"""

import os
import subprocess
import sys
import re
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'tests', 'functional'))

from vgpu import env  # noqa: E402
from vgpu.guest import Guest  # noqa: E402
from vgpu.image import read_xwd  # noqa: E402
from vgpu.testcase import parse_probe  # noqa: E402


DEVICE_OPTS = 'blob=on,hostmem=512M,venus=on'


def x_screenshot(path_png):
    """The Xvfb screen, where the SDL window shows the scanout."""
    xwd = path_png[:-4] + '.xwd'
    subprocess.run(['xwd', '-root', '-silent', '-out', xwd], check=True)
    return read_xwd(xwd)


def screendump_of_cube(g, seconds=30):
    """A screendump once the cube is up (a shaded cube has many colours;
    the console before it, few), or the last one tried.  Its start-up
    time under TCG varies with the host's load, so poll, not sleep."""
    deadline = time.monotonic() + seconds
    while True:
        pic = g.screendump('demo')
        if len(pic.colours()) >= 4 or time.monotonic() > deadline:
            return pic
        time.sleep(1)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    os.environ['VGPU_OUTPUT'] = out
    print(f'== booting the aarch64 guest (TCG) with virtio-gpu-gl-pci, '
          f'modules from {env.module_dir()}, -display {env.gl_display()}',
          flush=True)
    with Guest('aarch64', root='mesa', device_opts=DEVICE_OPTS) as g:
        status, probe = g.run('vgpu-probe')
        print('== what the guest sees (vgpu-probe):')
        print(probe.strip())
        caps = parse_probe(probe)
        print('== running kmscube on the scanout', flush=True)
        # Screenshot while it draws: when it exits, the text console
        # takes the scanout back.  kmscube quits on any input, so its
        # stdin is a terminal nobody types on.
        g.run('kmscube -c 1200 < /dev/tty0 > /tmp/kmscube.log 2>&1 &')
        shot = os.path.join(out, 'demo-screendump.png')
        try:
            pic = screendump_of_cube(g)
            how = 'QMP screendump'
        except Exception as e:  # pylint: disable=broad-except
            print(f'   QMP screendump failed: {e}')
            shot = os.path.join(out, 'demo-xvfb.png')
            pic = x_screenshot(shot)
            how = 'X screenshot of the Xvfb screen'
        pic.save_png(shot)
        colours = len(pic.colours())
        if colours < 4:
            how += (f'; only {colours} colour(s): the picture did not '
                    f'reach this path')
        kstatus, kms = g.run('wait; tail -n 3 /tmp/kmscube.log', timeout=300)
        print('== running a Vulkan workload through Venus (vgpu-vkcheck)',
              flush=True)
        vstatus, vk = g.run('vgpu-vkcheck Venus 2>&1', timeout=180)
        print(vk.strip())
    print('== report')
    print(f'   device     : virtio-gpu-gl-pci,{DEVICE_OPTS} on -M virt '
          f'(aarch64, TCG), '
          f'modules {env.module_dir()}')
    print(f'   probe      : {"ok" if status == 0 else "failed"}, 3D='
          f'{caps["params"].get("3D_FEATURES", "?")}, capsets: '
          f'{", ".join(sorted(caps["capsets"])) or "none"}')
    print(f'   kmscube    : {"ok" if kstatus == 0 else "failed"}: '
          f'{kms.strip().splitlines()[-1] if kms.strip() else "no output"}')
    print(f'   screenshot : {shot} ({how})')
    device = re.search(r'VKCHECK device: (.*)', vk)
    print(f'   vulkan     : {"ok" if vstatus == 0 else "failed"}: '
          f'{device.group(1).strip() if device else "no Venus device"}, '
          f'{len(re.findall(r"VKCHECK [a-z_]+: PASS", vk))} checks passed')
    return 0 if status == 0 and kstatus == 0 and vstatus == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
