#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Provide a Debian sid root with QEMU's newest release as Debian builds
# it (11.1.3: its binaries, its own virtio-gpu-gl modules and qtest
# accelerator), virglrenderer 1.3 with its render server, and Mesa's
# llvmpipe and lavapipe, cached under $VGPU_CACHE/root-<key>.  The tests
# run that QEMU inside this root (scripts/upstream-qemu.sh) as the
# `upstream` module, beside Debian 13's stock device and ours.
#
# sid's Release file may have expired on the mirror, and its sources are
# not served: only binary packages are taken, with the validity check
# off.  Run inside the trixie root (scripts/in-root.sh), whose keyring
# knows sid's signing keys.
#
# Usage: scripts/setup-upstream-root.sh [--force]

set -euo pipefail
. "$(dirname "$0")/common.sh"

UPSTREAM_PACKAGES=(
    # the QEMU under comparison, with its GL, GUI and SPICE modules
    qemu-system-arm qemu-system-x86 qemu-system-modules-opengl
    qemu-system-modules-spice qemu-system-gui
    # its renderer, and host GL/Vulkan without a GPU
    virgl-server libvirglrenderer1 libegl-mesa0 libgl1-mesa-dri libgles2
    libegl1 libgbm1 mesa-vulkan-drivers
)

build_root() {
    local mirror tmp
    mirror=$(vgpu_mirror)
    tmp="$VGPU_UPSTREAM_ROOT.tmp.$$"
    rm -rf "$tmp"
    # Remove a half-made root on any failure so the cache stays usable
    # (the path is expanded now: tmp is gone by the time the trap runs).
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp'" EXIT
    vgpu_log "creating the sid root for upstream's QEMU in" \
        "$VGPU_UPSTREAM_ROOT (under a minute here: download and unpack of" \
        "${#UPSTREAM_PACKAGES[@]} packages and their dependencies)"
    mmdebstrap --quiet --variant=apt --mode=root \
        --include="$(IFS=,; echo "${UPSTREAM_PACKAGES[*]}")" \
        --aptopt='APT::Install-Recommends "false"' \
        --aptopt='Acquire::Check-Valid-Until "false"' \
        --customize-hook='chroot "$1" apt-get clean' \
        sid "$tmp" "deb $mirror sid main"
    touch "$tmp/.complete"
    mv "$tmp" "$VGPU_UPSTREAM_ROOT"
    trap - EXIT
}

main() {
    local force
    force=$(vgpu_force_option "$@")
    if [ $force = no ] && [ -f "$VGPU_UPSTREAM_ROOT/.complete" ]; then
        vgpu_log "upstream QEMU root $VGPU_UPSTREAM_ROOT is ready (cached)"
        return 0
    fi
    command -v mmdebstrap >/dev/null ||
        vgpu_die "mmdebstrap is missing: run this inside the build root" \
            "(scripts/in-root.sh scripts/setup-upstream-root.sh)"
    rm -rf "$VGPU_UPSTREAM_ROOT"
    build_root
    vgpu_log "upstream QEMU root ready: $VGPU_UPSTREAM_ROOT ($(chroot \
        "$VGPU_UPSTREAM_ROOT" dpkg-query -W -f='qemu ${Version}' \
        qemu-system-arm), $(chroot "$VGPU_UPSTREAM_ROOT" dpkg-query -W \
        -f='virglrenderer ${Version}' libvirglrenderer1))"
}

main "$@"
