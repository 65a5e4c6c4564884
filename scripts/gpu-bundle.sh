#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# On a GPU host with no package registry: collect the pieces that
# scripts/make-gpu-bundle.sh made (one arrives per call, in .gpu-bundle/
# of the source tree), unpack them once all are there, and run a command
# inside the bundle's root with the host's GPU driver bound in.
#
# The root gets /dev, /proc, /sys, this source tree (at /src), $OUT when
# the caller sets it (at the same path) and the driver's directory (NVIDIA's /usr/local/nvidia, at the same path); the
# driver's Vulkan ICD and EGL vendor files are copied in, its libraries
# made known to the root's loader.  QEMU, virglrenderer and the guests
# run inside it as on the machine that built them.
#
# Usage: scripts/gpu-bundle.sh receive
#        scripts/gpu-bundle.sh run COMMAND [ARGS...]
#   receive keeps this call's piece; run does the same, then needs every
#   piece, and runs COMMAND in the root, from /src, with the rig's paths
#   (/rig/rig.env) in its environment.

set -euo pipefail
. "$(dirname "$0")/common.sh"

PIECES=${VGPU_GPU_PIECES:-/tmp/vgpu-gpu-pieces}
UNPACKED=${VGPU_GPU_ROOT:-/tmp/vgpu-gpu}
ROOT=$UNPACKED/root
NVIDIA=/usr/local/nvidia
STAGED=$VGPU_SRC/.gpu-bundle

receive() {
    mkdir -p "$PIECES"
    [ -d "$STAGED" ] || { vgpu_log "no piece in this call ($STAGED)"; return; }
    cp "$STAGED"/piece-* "$STAGED"/SHA256SUMS "$PIECES/"
    vgpu_log "have $(cd "$PIECES" && ls piece-* | tr '\n' ' ')of" \
        "$(wc -l < "$PIECES/SHA256SUMS") pieces"
}

unpack() {
    [ -f "$UNPACKED/.complete" ] && return 0
    (cd "$PIECES" && sha256sum --quiet -c SHA256SUMS) ||
        vgpu_die "pieces missing or damaged in $PIECES: stage each with" \
            "scripts/make-gpu-bundle.sh --stage N and call 'receive'"
    vgpu_log "unpacking the bundle into $UNPACKED"
    rm -rf "$UNPACKED"
    mkdir -p "$UNPACKED"
    cat "$PIECES"/piece-* | xz -dc | tar -C "$UNPACKED" -xf -
    mv "$UNPACKED/rig" "$ROOT/rig"
    write_rig_env > "$ROOT/rig/rig.env"
    make_guest_disk
    touch "$UNPACKED/.complete"
}

# The same names as scripts/prepare-rig.sh writes, for this layout.
write_rig_env() {
    cat <<EOF
VGPU_QEMU_PYTHON=/rig/python
VGPU_OUR_MODULES=/rig/modules
VGPU_STOCK_UI_MODULES=/rig/stock-ui
VGPU_STOCK_MODULES=/usr/lib/x86_64-linux-gnu/qemu
VGPU_PROGRAMS=/rig/programs
VGPU_IMAGE_X86_64=/rig/guest
VGPU_INITRD_X86_64=/rig/guest/initrd-x86_64.gz
VGPU_VIRGLRENDERER=$(cat "$ROOT/.virglrenderer-version")
EOF
}

make_guest_disk() {
    local mb
    mb=$(du -sm "$ROOT/rig/guest/mesa-root" | cut -f1)
    chroot "$ROOT" mke2fs -q -t ext4 -E root_owner=0:0 \
        -d /rig/guest/mesa-root /rig/guest/mesa.ext4 "$((mb + mb / 4 + 64))M"
    rm -rf "$ROOT/rig/guest/mesa-root"
}

# The first of each driver file the host has, copied into the root.
copy_driver_file() {
    local dest=$1 f
    shift
    for f in "$@"; do
        if [ -f "$f" ]; then
            mkdir -p "$ROOT$(dirname "$dest")"
            cp "$f" "$ROOT$dest"
            return 0
        fi
    done
    vgpu_log "no $(basename "$dest") on this host: looked at $*"
}

bind_driver() {
    [ -d "$NVIDIA" ] || { vgpu_log "no $NVIDIA: running without NVIDIA's" \
        "driver (a render node in /dev/dri is used if there is one)"; return; }
    copy_driver_file /usr/share/vulkan/icd.d/nvidia_icd.json \
        /usr/share/vulkan/icd.d/nvidia_icd.json \
        "$NVIDIA/share/vulkan/icd.d/nvidia_icd.json"
    copy_driver_file /usr/share/glvnd/egl_vendor.d/10_nvidia.json \
        /usr/share/glvnd/egl_vendor.d/10_nvidia.json \
        "$NVIDIA/share/glvnd/egl_vendor.d/10_nvidia.json"
    echo "$NVIDIA/lib64" > "$ROOT/etc/ld.so.conf.d/gpu-driver.conf"
    chroot "$ROOT" ldconfig
}

enter() {
    local root=$1 src=$2 nvidia=$3 d
    shift 3
    for d in /dev /dev/pts /dev/shm /proc /sys; do
        mkdir -p "$root$d"
        mount --rbind "$d" "$root$d"
    done
    mkdir -p "$root/src"
    mount --bind "$src" "$root/src"
    # Where the caller collects results, at the same path.
    if [ -n "${OUT:-}" ] && [ -d "$OUT" ]; then
        mkdir -p "$root$OUT"
        mount --bind "$OUT" "$root$OUT"
    fi
    if [ -d "$nvidia" ]; then
        mkdir -p "$root$nvidia"
        mount --rbind "$nvidia" "$root$nvidia"
    fi
    exec chroot "$root" /bin/bash -c \
        'set -a; . /rig/rig.env; set +a; cd /src; exec "$@"' gpu-run "$@"
}

run() {
    receive
    unpack
    bind_driver
    exec unshare --mount --propagation private -- /bin/bash -c \
        "$(declare -f enter); enter \"\$@\"" gpu-bundle \
        "$ROOT" "$VGPU_SRC" "$NVIDIA" "$@"
}

case "${1:-}" in
receive) receive ;;
run) shift; [ $# -gt 0 ] || vgpu_die "usage: $0 run COMMAND [ARGS...]"
    run "$@" ;;
*) vgpu_die "usage: $0 receive | run COMMAND [ARGS...]" ;;
esac
