#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Lay our in-tree files (the ones the patch series adds to QEMU) over the
# configured QEMU source and hook them into its meson files, so QEMU's own
# build compiles them.  Files are copied only when they changed, so ninja
# rebuilds just what we touched.  Idempotent.
#
# Usage: scripts/sync-qemu-overlay.sh QEMU_SOURCE_DIR

set -euo pipefail
. "$(dirname "$0")/common.sh"

[ $# -eq 1 ] || vgpu_die "usage: scripts/sync-qemu-overlay.sh QEMU_SOURCE_DIR"
QSRC=$1
vgpu_need_dir "QEMU source directory" "$QSRC"
[ -f "$QSRC/tests/qtest/meson.build" ] || vgpu_die "'$QSRC' is not a QEMU" \
    "source tree (no tests/qtest/meson.build)"

# Our files that live in QEMU's tree, relative to both roots.
OVERLAY_FILES=(
    tests/qtest/libqos/virtio-gpu-gl.c
    tests/qtest/libqos/virtio-gpu-gl.h
    tests/qtest/virtio-gpu-gl-test.c
)

copy_if_changed() {
    local f=$1
    [ -f "$VGPU_SRC/$f" ] || vgpu_die "overlay file $f is missing"
    cmp -s "$VGPU_SRC/$f" "$QSRC/$f" || cp "$VGPU_SRC/$f" "$QSRC/$f"
}

# Insert LINE before the first line matching ANCHOR, once.
insert_once() {
    local file=$1 anchor=$2 line=$3
    grep -qxF "$line" "$file" && return 0
    grep -q "$anchor" "$file" || vgpu_die "cannot find '$anchor' in $file"
    sed -i "0,/$anchor/s//$line\n&/" "$file"
}

for f in "${OVERLAY_FILES[@]}"; do
    copy_if_changed "$f"
done
insert_once "$QSRC/tests/qtest/libqos/meson.build" \
    "^libqos = static_library" "libqos_srcs += files('virtio-gpu-gl.c')"
insert_once "$QSRC/tests/qtest/meson.build" \
    "^qtests = {" "qos_test_ss.add(files('virtio-gpu-gl-test.c'))"
