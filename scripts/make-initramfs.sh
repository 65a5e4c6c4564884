#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Assemble a test initramfs from a guest image directory (kernel modules,
# busybox) and a directory of our static guest programs.
#
# Usage: scripts/make-initramfs.sh IMAGE_DIR PROGRAM_DIR OUTPUT

set -euo pipefail
. "$(dirname "$0")/common.sh"

[ $# -eq 3 ] || vgpu_die "usage: scripts/make-initramfs.sh IMAGE_DIR" \
    "PROGRAM_DIR OUTPUT"
IMAGE=$1 PROGRAMS=$2 OUT=$3
vgpu_need_dir "guest image directory" "$IMAGE"
vgpu_need_dir "guest program directory" "$PROGRAMS"
[ -f "$IMAGE/.complete" ] || vgpu_die "guest image $IMAGE is incomplete;" \
    "run scripts/build-guest-image.sh again"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/lib/modules" "$tmp/opt/vgpu/bin" \
    "$tmp/proc" "$tmp/sys" "$tmp/dev" "$tmp/newroot"
cp "$IMAGE/busybox" "$tmp/bin/busybox"
cp "$IMAGE"/modules/* "$tmp/lib/modules/"
cp "$VGPU_SRC/tests/guest/image/initramfs-init" "$tmp/init"
cp "$VGPU_SRC/tests/guest/image/guest-init" "$tmp/opt/vgpu/guest-init"
cp "$PROGRAMS"/* "$tmp/opt/vgpu/bin/"
chmod 755 "$tmp/init" "$tmp/opt/vgpu/guest-init" "$tmp"/opt/vgpu/bin/*
(cd "$tmp" && find . | LC_ALL=C sort | cpio --quiet -o -H newc --owner=0:0) |
    gzip -1 > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
