#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run a command inside the trixie build root made by setup-root.sh, or
# natively when the host needs no root.  The root gets /proc, /sys, /dev,
# the source tree and the cache bind-mounted at the same paths, inside a
# private mount namespace: the mounts vanish with the command, whether it
# succeeds, fails or is interrupted.
#
# Usage: scripts/in-root.sh COMMAND [ARGS...]

set -euo pipefail
. "$(dirname "$0")/common.sh"

[ $# -gt 0 ] || vgpu_die "usage: scripts/in-root.sh COMMAND [ARGS...]"

VGPU_ROOT="$VGPU_CACHE/root-$VGPU_ROOT_KEY"

if [ -n "${VGPU_IN_ROOT:-}" ]; then
    exec "$@"
fi
if [ ! -d "$VGPU_ROOT" ]; then
    vgpu_host_is_enough || vgpu_die "no build root at $VGPU_ROOT and the" \
        "host lacks QEMU 10 or virglrenderer 1.1; run scripts/setup-root.sh"
    exec "$@"
fi
[ -f "$VGPU_ROOT/.complete" ] || vgpu_die "build root $VGPU_ROOT is" \
    "incomplete; run scripts/setup-root.sh again"

bind_and_enter() {
    local root=$1 src=$2 cache=$3 cwd=$4
    shift 4
    # The root's / must be a mount point, or tools that remount it
    # (mmdebstrap) complain.
    mount --bind "$root" "$root"
    for d in /proc /sys /dev /dev/pts /dev/shm /tmp; do
        mount --rbind "$d" "$root$d"
    done
    for d in "$src" "$cache"; do
        mkdir -p "$root$d"
        mount --bind "$d" "$root$d"
    done
    cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
    exec chroot "$root" /usr/bin/env VGPU_IN_ROOT=1 \
        HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        /bin/bash -c 'cd "$0" && exec "$@"' "$cwd" "$@"
}

# The namespace is private: nothing mounted here is seen by the host, and
# the kernel drops it all when the last process inside exits.
exec unshare --mount --propagation private -- /bin/bash -c \
    "$(declare -f bind_and_enter); bind_and_enter \"\$@\"" bash \
    "$VGPU_ROOT" "$VGPU_SRC" "$VGPU_CACHE" "$PWD" "$@"
