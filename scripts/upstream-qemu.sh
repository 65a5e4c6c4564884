#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Debian sid's QEMU (upstream 11.1.3), run inside its root
# (scripts/setup-upstream-root.sh) as if it were installed here.  Called
# through a link named qemu-system-ARCH (scripts/prepare-rig.sh makes
# them), since qos-test and QEMU's Python take the architecture from the
# binary's name.
#
# Each QEMU enters a private mount namespace of its own, binds there what
# it reaches (/proc, /sys, /dev, /tmp, /var/tmp, the cache and this
# tree, at the same paths) and runs the root's own binary, which loads
# the root's own modules, virglrenderer and Mesa.  The mounts vanish
# when it exits.  Every step execs, so QEMU keeps the PID its caller
# started (qtest and the tests read /proc/PID).

set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/common.sh"

arch=$(vgpu_link_arch '$VGPU_CACHE/work/upstream-bin')
[ -x "$VGPU_UPSTREAM_ROOT/usr/bin/qemu-system-$arch" ] ||
    vgpu_die "no upstream qemu-system-$arch in $VGPU_UPSTREAM_ROOT; run" \
        "scripts/setup-upstream-root.sh"

enter_root() {
    local root=$1 cwd=$2 src=$3 cache=$4 d
    shift 4
    for d in /proc /sys /dev /tmp /var/tmp; do
        mount --rbind "$d" "$root$d"
    done
    for d in "$cache" "$src"; do
        mkdir -p "$root$d"
        mount --bind "$d" "$root$d"
    done
    exec chroot "$root" /bin/sh -c 'cd "$0" && exec "$@"' "$cwd" "$@"
}

exec unshare --mount --propagation private -- /bin/bash -c \
    "$(declare -f enter_root); enter_root \"\$@\"" upstream-qemu \
    "$VGPU_UPSTREAM_ROOT" "$PWD" "$VGPU_SRC" "$VGPU_CACHE" \
    "/usr/bin/qemu-system-$arch" "$@"
