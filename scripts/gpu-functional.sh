#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The functional display, virgl and Venus tests, and the zero-copy checks
# of tests/functional/gpu_dmabuf.py, on a GPU host, inside the bundle's
# root (scripts/gpu-bundle.sh run).  The bundle carries QEMU and the
# guest for x86_64 only, so every test boots x86_64 (VGPU_GUEST_ARCH);
# there is no X server, so SDL and GTK tests say so and skip.
#
# Usage: scripts/gpu-functional.sh OUTDIR LABEL=DIR@DISPLAY...
#   DISPLAY is the -display of tests that need a GL display (stock's
#   device needs one even where a test shows nothing).
#   Writes OUTDIR/LABEL.tsv and OUTDIR/LABEL-gpu.tsv per module.

set -euo pipefail
. "$(dirname "$0")/common.sh"

[ $# -ge 2 ] || vgpu_die "usage: scripts/gpu-functional.sh OUTDIR" \
    "LABEL=DIR@DISPLAY..."
[ -n "${VGPU_IMAGE_X86_64:-}" ] || vgpu_die "no VGPU_IMAGE_X86_64: run" \
    "inside the bundle root (scripts/gpu-bundle.sh run)"
OUTDIR=$1
shift
mkdir -p "$OUTDIR"

run_module() {
    local spec=$1 label dir display
    label=${spec%%=*}
    dir=${spec#*=}
    display=${dir#*@}
    dir=${dir%@*}
    vgpu_need_dir "module directory of $label" "$dir"
    vgpu_log "$label: the zero-copy scanout path"
    VGPU_GUEST_ARCH=x86_64 VGPU_MODULE_DIR=$dir VGPU_MODULE_LABEL=$label \
        VGPU_DISPLAY=$display VGPU_OUTPUT=$OUTDIR/$label \
        python3 tests/functional/run.py "$OUTDIR/$label-gpu.tsv" \
        --pattern 'gpu_*.py'
    vgpu_log "$label: display, virgl and Venus tests (x86_64 guests," \
        "-display $display where a test needs GL)"
    VGPU_GUEST_ARCH=x86_64 VGPU_MODULE_DIR=$dir VGPU_MODULE_LABEL=$label \
        VGPU_DISPLAY=$display VGPU_OUTPUT=$OUTDIR/$label \
        python3 tests/functional/run.py "$OUTDIR/$label.tsv" \
        -k test_displays. -k test_virtio_gpu_gl. -k test_venus.
}

for spec in "$@"; do
    run_module "$spec"
done
