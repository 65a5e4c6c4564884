#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The demo, from a fresh machine: provision the build root, fetch and
# configure Debian's QEMU, build our modules, the guest image and
# programs, then boot the aarch64 guest with virtio-gpu-gl-pci, run
# kmscube on its scanout and report what the guest sees and draws.
#
# Usage: scripts/demo.sh [--module ours|stock|upstream|LABEL=DIR]
#        (default: ours; upstream is QEMU 11.1.3 from Debian sid)

set -euo pipefail
. "$(dirname "$0")/common.sh"

module=ours
case "${1:-}" in
--module) [ $# -eq 2 ] || vgpu_die "--module needs ours, stock," \
              "upstream or LABEL=DIR"; module=$2 ;;
"") ;;
*) vgpu_die "unknown option '$1' (only --module is known)" ;;
esac

"$VGPU_SRC/scripts/setup-root.sh"
if [ "$module" = upstream ]; then
    "$VGPU_SRC/scripts/in-root.sh" "$VGPU_SRC/scripts/setup-upstream-root.sh"
fi
"$VGPU_SRC/scripts/in-root.sh" "$VGPU_SRC/scripts/prepare-rig.sh" aarch64
out="$VGPU_CACHE/demo"
"$VGPU_SRC/scripts/in-root.sh" bash -c '
    set -a; . "$1/rig.env"; set +a
    case "$3" in
    ours) VGPU_MODULE_DIR=$VGPU_OUR_MODULES VGPU_DISPLAY=none ;;
    stock) VGPU_MODULE_DIR=$VGPU_STOCK_MODULES VGPU_DISPLAY=sdl,gl=on ;;
    upstream) VGPU_MODULE_DIR=$VGPU_UPSTREAM_MODULES VGPU_DISPLAY=sdl,gl=on
        VGPU_QEMU_BINDIR=$VGPU_UPSTREAM_BINDIR
        export VGPU_QEMU_BINDIR ;;
    *=*) VGPU_MODULE_DIR=${3#*=} VGPU_DISPLAY=none ;;
    *) echo "error: --module takes ours, stock, upstream or LABEL=DIR" >&2
        exit 1 ;;
    esac
    export VGPU_MODULE_DIR VGPU_DISPLAY
    exec "$2/scripts/with-xvfb.sh" python3 "$2/scripts/demo-guest.py" "$4"
' demo "$VGPU_CACHE" "$VGPU_SRC" "$module" "$out"
