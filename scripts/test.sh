#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# All tests, from a fresh machine: provision the build root, fetch and
# configure Debian's QEMU, build qos-test, the guest images and programs,
# then run the qtest suite, the functional tests and the benchmark against
# a module directory and compare every outcome with its baseline.
#
# Usage: scripts/test.sh [tests/run-tests.sh options]

set -euo pipefail
. "$(dirname "$0")/common.sh"

"$VGPU_SRC/scripts/setup-root.sh"
"$VGPU_SRC/scripts/in-root.sh" "$VGPU_SRC/scripts/prepare-rig.sh"
"$VGPU_SRC/scripts/in-root.sh" "$VGPU_SRC/tests/run-tests.sh" "$@"
