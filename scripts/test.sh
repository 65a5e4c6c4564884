#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# All tests, from a fresh machine: provision the build root, fetch and
# configure Debian's QEMU, build qos-test, the guest images and programs,
# our modules, and a sid root with upstream's QEMU 11.1.3, then run the
# qtest suite, the functional tests and the benchmark against Debian 13's
# stock module, against upstream's and against ours; the qtest suite once
# more with ours built against sid's virglrenderer 1.3 (its functional
# suite runs by hand, to keep inside CI's time); make and check the patch
# series for upstream QEMU, build QEMU as released with it and run the
# qtest suite and the device's functional tests against that binary.  Every outcome is compared with that
# module's baseline.  Each module and benchmark prints its closing count,
# and the last line is their sum:
# "N passed, N failed, N skipped".
#
# Usage: scripts/test.sh [tests/run-tests.sh options]
#        (with options: one run of tests/run-tests.sh with them)

set -euo pipefail
. "$(dirname "$0")/common.sh"

TOTAL_PASSED=0
TOTAL_FAILED=0
TOTAL_SKIPPED=0
# Each failure by name, repeated under the totals: the end of a long log
# is what a reader (or CI's excerpt) sees first.
FAILURES=()

# add_count LINE: add one "N passed, N failed, N skipped" line to the totals.
add_count() {
    local p f s
    read -r p _ f _ s _ <<<"${1//,/}"
    TOTAL_PASSED=$((TOTAL_PASSED + p))
    TOTAL_FAILED=$((TOTAL_FAILED + f))
    TOTAL_SKIPPED=$((TOTAL_SKIPPED + s))
}

# run_module NAME COMMAND...: run one module's tests, showing their
# output, and add the closing count they print last to the totals.  A run
# that printed none, or that failed with no failure counted, adds one.
run_module() {
    local name=$1 log status line
    shift
    log=$(mktemp)
    set +e
    "$@" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    set -e
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" |
        tail -n 1 || true)
    mapfile -t -O ${#FAILURES[@]} FAILURES < <(grep '^BASELINE MISMATCH' \
        "$log" | sed "s/^BASELINE MISMATCH /$name: /" || true)
    rm -f "$log"
    if [ -z "$line" ]; then
        vgpu_log "$name printed no closing count (exit status $status):" \
            "counted as one failure"
        FAILURES+=("$name: no closing count (exit status $status)")
        line="0 passed, 1 failed, 0 skipped"
    elif [ "$status" -ne 0 ] && [[ $line == *" 0 failed,"* ]]; then
        vgpu_log "$name exited with status $status: counted as one failure"
        FAILURES+=("$name: exit status $status")
        add_count "0 passed, 1 failed, 0 skipped"
    fi
    add_count "$line"
}

# run_benchmark NAME JSON COMMAND...: one check, that the benchmark ran
# and wrote its figures to JSON; prints its closing count.
run_benchmark() {
    local name=$1 json=$2 line="1 passed, 0 failed, 0 skipped"
    shift 2
    rm -f "$json"
    if ! "$@"; then
        vgpu_log "benchmark $name failed (its output above says why)"
        line="0 passed, 1 failed, 0 skipped"
        FAILURES+=("benchmark $name: failed")
    elif ! vgpu_bench_has_figures "$json"; then
        vgpu_log "benchmark $name wrote no figures to $json"
        line="0 passed, 1 failed, 0 skipped"
        FAILURES+=("benchmark $name: no figures in $json")
    fi
    echo "benchmark $name: $line"
    add_count "$line"
}

# sid's virglrenderer is a second version, not the rig: without it the
# rest runs, and its absence counts as one failure.
VIRGL13=yes
ROOT=yes
"$VGPU_SRC/scripts/setup-root.sh" || ROOT=no
if [ $ROOT = yes ] && ! "$VGPU_SRC/scripts/in-root.sh" \
        "$VGPU_SRC/scripts/setup-virglrenderer.sh"; then
    vgpu_log "no second virglrenderer (the lines above say why): the" \
        "ours-virgl13 runs are left out"
    VIRGL13=no
fi
if [ $ROOT = no ] ||
        ! "$VGPU_SRC/scripts/in-root.sh" \
            "$VGPU_SRC/scripts/setup-upstream-root.sh" ||
        ! "$VGPU_SRC/scripts/in-root.sh" "$VGPU_SRC/scripts/prepare-rig.sh"; then
    vgpu_log "setting up the rig failed (the lines above say why); no test ran"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi
if [ $# -gt 0 ]; then
    exec "$VGPU_SRC/scripts/in-root.sh" "$VGPU_SRC/tests/run-tests.sh" "$@"
fi
mkdir -p "$VGPU_CACHE/results"
for module in stock upstream ours; do
    run_module "module $module" "$VGPU_SRC/scripts/in-root.sh" \
        "$VGPU_SRC/tests/run-tests.sh" --module "$module"
done
# Ours once more, built against and run with sid's virglrenderer 1.3:
# the qtest suite reaches the renderer with every command (and the
# micro-benchmark below has it as a column).
if [ $VIRGL13 = yes ]; then
    run_module "module ours-virgl13" "$VGPU_SRC/scripts/in-root.sh" \
        "$VGPU_SRC/tests/run-tests.sh" --module ours-virgl13 --only qtest
else
    FAILURES+=("module ours-virgl13: sid's virglrenderer could not be set up")
    add_count "0 passed, 1 failed, 0 skipped"
fi
# The patch series: made and checked, QEMU as released built with it, and
# against that binary (the device built in) our qtest suite and the
# functional tests of the device itself: GL, Venus, VGA and its
# properties in real guests.  The display, output and budget tests run
# against ours above, whose code is the same byte for byte.
run_module "module in-tree (QEMU with the patch series)" \
    "$VGPU_SRC/scripts/in-root.sh" "$VGPU_SRC/tests/run-tests.sh" \
    --module in-tree --only series --only qtest --only functional \
    --filter virtio_gpu_gl. --filter venus. --filter vga. \
    --filter properties.
vgpu_log "benchmark, stock, upstream and ours (virglrenderer 1.1 and 1.3)" \
    "side by side in one run"
# A guest that stops answering is recorded as a stall (run.py): for the
# reference modules one of their defects, for ours a failure.
run_benchmark side-by-side "$VGPU_CACHE/results/bench-side-by-side.json" \
    "$VGPU_SRC/scripts/in-root.sh" bash -c '
    set -a; . "$1/rig.env"; set +a
    export VGPU_OUTPUT=$1/results/bench-side-by-side VGPU_DISPLAY=sdl,gl=on
    virgl13=()
    [ -z "${VGPU_VIRGL13_BINDIR:-}" ] || virgl13=(--module \
        "ours-virgl13=$VGPU_OUR_MODULES_VIRGL13@none@$VGPU_VIRGL13_BINDIR")
    exec "$2/scripts/with-xvfb.sh" python3 "$2/tests/bench/run.py" \
        --module stock="$VGPU_STOCK_MODULES@sdl,gl=on" \
        --module upstream="$VGPU_UPSTREAM_MODULES@sdl,gl=on@$VGPU_UPSTREAM_BINDIR" \
        --module ours="$VGPU_OUR_MODULES@none" "${virgl13[@]}" \
        --reference stock --reference upstream \
        --known-stall stock --known-stall upstream \
        --repeat 5 --output "$1/results/bench-side-by-side.json"
' bench "$VGPU_CACHE" "$VGPU_SRC"
vgpu_log "scanout benchmark: 1920x1080 flushes per display path, side by side"
run_benchmark scanout "$VGPU_CACHE/results/bench-scanout.json" \
    "$VGPU_SRC/scripts/in-root.sh" bash -c '
    set -a; . "$1/rig.env"; set +a
    export VGPU_OUTPUT=$1/results/bench-scanout
    exec "$2/scripts/with-xvfb.sh" python3 "$2/tests/bench/run.py" \
        --workload scanout \
        --module stock-sdl-gl="$VGPU_STOCK_MODULES@sdl,gl=on" \
        --module upstream-sdl-gl="$VGPU_UPSTREAM_MODULES@sdl,gl=on@$VGPU_UPSTREAM_BINDIR" \
        --module ours-sdl-gl="$VGPU_OUR_MODULES@sdl,gl=on" \
        --module stock-egl-headless="$VGPU_STOCK_UI_MODULES@egl-headless" \
        --module ours-egl-headless="$VGPU_OUR_MODULES@egl-headless" \
        --module ours-none="$VGPU_OUR_MODULES@none" \
        --reference stock-sdl-gl --reference upstream-sdl-gl \
        --known-stall stock-sdl-gl --known-stall upstream-sdl-gl \
        --known-stall stock-egl-headless \
        --repeat 2 --output "$1/results/bench-scanout.json"
' bench "$VGPU_CACHE" "$VGPU_SRC"
vgpu_log "all modules and benchmarks: the totals"
for failure in "${FAILURES[@]}"; do
    echo "FAILED $failure"
done
echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed, $TOTAL_SKIPPED skipped"
[ "$TOTAL_FAILED" -eq 0 ] || exit 1
