#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Provide a Debian 13 (trixie) root with Debian's QEMU, virglrenderer,
# Mesa (llvmpipe, lavapipe), QEMU's build dependencies, Xvfb and the
# cross compilers, cached under $VGPU_CACHE/root-<key>.  Hosts that
# already have everything skip it (scripts/in-root.sh then runs natively).
#
# Usage: scripts/setup-root.sh [--force]

set -euo pipefail
. "$(dirname "$0")/common.sh"

VGPU_ROOT_PACKAGES=(
    # the QEMU under test and its stock modules (our baseline)
    qemu-system-arm qemu-system-x86 qemu-system-modules-opengl
    qemu-system-gui qemu-system-modules-spice
    # renderer and host GL/Vulkan without a GPU
    virgl-server libvirglrenderer-dev libegl-mesa0 libgl1-mesa-dri
    libgles2 libegl1 libgbm1 mesa-vulkan-drivers mesa-utils vulkan-tools
    # windowed display backends, screenshots
    xvfb x11-utils x11-apps xauth
    # building QEMU pieces, our modules and the guest programs
    dpkg-dev build-essential meson ninja-build pkg-config python3 git
    # the pristine QEMU tree of the patch series: its configure wants
    # pycotap (Debian's own build patches that out)
    python3-pycotap
    gcc-aarch64-linux-gnu libc6-dev-arm64-cross linux-libc-dev
    libvulkan-dev glslang-tools
    # guest images
    e2fsprogs cpio xz-utils zstd kmod busybox-static mmdebstrap
    # tests; clang's libFuzzer for the command fuzzer; the report's plots
    valgrind clang libclang-rt-19-dev python3-matplotlib
    # display clients the display tests check pictures with: a VNC
    # client, a SPICE client, a D-Bus session bus, window resizing
    gvncviewer spice-client-gtk dbus-daemon xdotool
)

root_is_usable() {
    [ -f "$VGPU_ROOT/.complete" ]
}

# The packages of VGPU_ROOT_PACKAGES a usable root still lacks.
missing_packages() {
    local pkg
    for pkg in "${VGPU_ROOT_PACKAGES[@]}"; do
        chroot "$VGPU_ROOT" dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null |
            grep -q 'install ok installed' || echo "$pkg"
    done
}

# A package added to the list later is installed into the cached root,
# rather than building the whole root again.
top_up_root() {
    local -a missing
    mapfile -t missing < <(missing_packages)
    [ ${#missing[@]} -gt 0 ] || return 0
    vgpu_log "installing ${missing[*]} into the cached build root"
    "$VGPU_SRC/scripts/in-root.sh" apt-get update -q >/dev/null
    "$VGPU_SRC/scripts/in-root.sh" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}" \
        >/dev/null
    "$VGPU_SRC/scripts/in-root.sh" apt-get clean
}

build_root() {
    local mirror
    mirror=$(vgpu_mirror)
    tmp="$VGPU_ROOT.tmp.$$"
    rm -rf "$tmp"
    # Remove a half-made root on any failure so the cache stays usable.
    trap 'rm -rf "$tmp"' EXIT
    vgpu_log "creating the $VGPU_SUITE root in $VGPU_ROOT (about 5 minutes:" \
        "download and unpack of ${#VGPU_ROOT_PACKAGES[@]} packages plus" \
        "QEMU's build dependencies)"
    mmdebstrap --variant=apt --mode=root \
        --include="$(IFS=,; echo "${VGPU_ROOT_PACKAGES[*]}")" \
        --aptopt='APT::Install-Recommends "false"' \
        --customize-hook='chroot "$1" apt-get -y -q build-dep qemu' \
        --customize-hook='chroot "$1" apt-get clean' \
        "$VGPU_SUITE" "$tmp" \
        "deb $mirror $VGPU_SUITE main" \
        "deb-src $mirror $VGPU_SUITE main"
    touch "$tmp/.complete"
    mv "$tmp" "$VGPU_ROOT"
    trap - EXIT
}

main() {
    local force
    force=$(vgpu_force_option "$@")

    VGPU_ROOT="$VGPU_CACHE/root-$VGPU_ROOT_KEY"
    if [ $force = no ] && vgpu_host_is_enough && [ ! -d "$VGPU_ROOT" ]; then
        vgpu_log "host has QEMU, virglrenderer >= 1.1 and its render server:" \
            "no build root needed"
        return 0
    fi
    mkdir -p "$VGPU_CACHE"
    if [ $force = no ] && root_is_usable; then
        top_up_root
        vgpu_log "build root $VGPU_ROOT is ready (cached)"
        return 0
    fi
    command -v mmdebstrap >/dev/null || {
        vgpu_log "installing mmdebstrap on the host"
        apt-get install -y -q mmdebstrap >/dev/null
    }
    rm -rf "$VGPU_ROOT"
    build_root
    vgpu_log "build root ready: $VGPU_ROOT"
}

main "$@"
