#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# All tests, from a fresh machine: provision the build root, fetch and
# configure Debian's QEMU, build qos-test, the guest images and programs,
# our modules, then run the qtest suite, the functional tests and the
# benchmark against Debian's stock module and against ours, and compare
# every outcome with that module's baseline.
#
# Usage: scripts/test.sh [tests/run-tests.sh options]
#        (with options: one run of tests/run-tests.sh with them)

set -euo pipefail
. "$(dirname "$0")/common.sh"

"$VGPU_SRC/scripts/setup-root.sh"
"$VGPU_SRC/scripts/in-root.sh" "$VGPU_SRC/scripts/prepare-rig.sh"
if [ $# -gt 0 ]; then
    exec "$VGPU_SRC/scripts/in-root.sh" "$VGPU_SRC/tests/run-tests.sh" "$@"
fi
status=0
for module in stock ours; do
    "$VGPU_SRC/scripts/in-root.sh" "$VGPU_SRC/tests/run-tests.sh" \
        --module "$module" || status=1
done
vgpu_log "benchmark, stock and ours side by side in one run"
"$VGPU_SRC/scripts/in-root.sh" bash -c '
    set -a; . "$1/rig.env"; set +a
    export VGPU_OUTPUT=$1/results/bench-side-by-side VGPU_DISPLAY=sdl,gl=on
    exec "$2/scripts/with-xvfb.sh" python3 "$2/tests/bench/run.py" \
        --module stock="$VGPU_STOCK_MODULES@sdl,gl=on" \
        --module ours="$VGPU_OUR_MODULES@none" \
        --repeat 5 --output "$1/results/bench-stock-vs-ours.json"
' bench "$VGPU_CACHE" "$VGPU_SRC" || status=1
vgpu_log "scanout benchmark: 1920x1080 flushes per display path, side by side"
"$VGPU_SRC/scripts/in-root.sh" bash -c '
    set -a; . "$1/rig.env"; set +a
    export VGPU_OUTPUT=$1/results/bench-scanout
    exec "$2/scripts/with-xvfb.sh" python3 "$2/tests/bench/run.py" \
        --workload scanout \
        --module stock-sdl-gl="$VGPU_STOCK_MODULES@sdl,gl=on" \
        --module ours-sdl-gl="$VGPU_OUR_MODULES@sdl,gl=on" \
        --module stock-egl-headless="$VGPU_STOCK_UI_MODULES@egl-headless" \
        --module ours-egl-headless="$VGPU_OUR_MODULES@egl-headless" \
        --module ours-none="$VGPU_OUR_MODULES@none" \
        --repeat 3 --output "$1/results/bench-scanout.json"
' bench "$VGPU_CACHE" "$VGPU_SRC" || status=1
exit $status
