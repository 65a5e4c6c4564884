#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The demo, from a fresh machine: provision the build root, fetch and
# configure Debian's QEMU, build the guest image and programs, then boot
# the aarch64 guest with virtio-gpu-gl and report what it sees and draws.
#
# Usage: scripts/demo.sh [--module LABEL=DIR]   (default: Debian's modules)

set -euo pipefail
. "$(dirname "$0")/common.sh"

module=stock
case "${1:-}" in
--module) [ $# -eq 2 ] || vgpu_die "--module needs LABEL=DIR"; module=$2 ;;
"") ;;
*) vgpu_die "unknown option '$1' (only --module LABEL=DIR is known)" ;;
esac

"$VGPU_SRC/scripts/setup-root.sh"
"$VGPU_SRC/scripts/in-root.sh" "$VGPU_SRC/scripts/prepare-rig.sh" aarch64
out="$VGPU_CACHE/demo"
"$VGPU_SRC/scripts/in-root.sh" bash -c '
    set -a; . "$1/rig.env"; set +a
    export VGPU_MODULE_DIR=$VGPU_STOCK_MODULES
    if [ "$3" != stock ]; then export VGPU_MODULE_DIR=${3#*=}; fi
    exec "$2/scripts/with-xvfb.sh" python3 "$2/scripts/demo-guest.py" "$4"
' demo "$VGPU_CACHE" "$VGPU_SRC" "$module" "$out"
