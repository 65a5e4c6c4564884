#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the guest test programs into OUTDIR/ARCH/: vgpu-probe, vgpu-tester
# and vgpu-bench static, because the initramfs guest has no libc of its
# own beyond busybox; vgpu-vkcheck dynamic, for the Mesa root, where it
# finds the Vulkan loader with dlopen() (so only Vulkan's headers are
# needed here).  The workload programs (tests/workload) are dynamic the
# same way, and are built for the host too, into OUTDIR/host/, so the same
# source runs on both sides.  Warnings are errors, so a sloppy change
# fails here and not inside a slow guest boot.
#
# Usage: tests/guest/build.sh OUTDIR [ARCH...]
#   ARCH is aarch64 or x86_64; the default is both.

set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../../scripts/common.sh
. "$(dirname "$0")/../../scripts/common.sh"

GUEST_DIR=$(cd "$(dirname "$0")" && pwd)
PROGRAMS=(vgpu-probe vgpu-tester vgpu-bench vgpu-scanout)
CFLAGS=(-std=gnu11 -static -O2 -Wall -Wextra -Werror)
VULKAN_PROGRAM=vgpu-vkcheck
VULKAN_HEADERS=/usr/include/vulkan/vulkan.h
WORKLOAD_DIR=$GUEST_DIR/../workload
WORKLOAD_PROGRAMS=(vgpu-glwork vgpu-vkwork)

usage() {
    echo "usage: $0 OUTDIR [ARCH...]   (ARCH: aarch64, x86_64; default both)"
}

# The Debian packages that provide a compiler and static libc for ARCH.
cross_packages() {
    case "$1" in
    aarch64) echo "gcc-aarch64-linux-gnu libc6-dev-arm64-cross" ;;
    x86_64) echo "gcc-x86-64-linux-gnu libc6-dev-amd64-cross" ;;
    esac
}

# The compiler for ARCH: its cross gcc, else the native gcc when the host
# is that architecture already.  Empty when there is none.
guest_cc() {
    local arch=$1

    if command -v "$arch-linux-gnu-gcc" >/dev/null; then
        echo "$arch-linux-gnu-gcc"
    elif [ "$(uname -m)" = "$arch" ] && command -v gcc >/dev/null; then
        echo gcc
    fi
}

# Fail early, naming the package to install, rather than with a link error.
check_compiler() {
    local arch=$1 cc=$2 libc_pkg

    [ -n "$cc" ] || vgpu_die "no C compiler for $arch: install the" \
        "Debian packages $(cross_packages "$arch")"
    if [ "$cc" = gcc ]; then
        libc_pkg=libc6-dev
    else
        libc_pkg=$(cross_packages "$arch" | cut -d' ' -f2)
    fi
    # gcc echoes the bare name back when it cannot find the file.
    case "$("$cc" -print-file-name=libc.a)" in
    /*) ;;
    *) vgpu_die "$cc has no static C library: install the Debian" \
           "package $libc_pkg" ;;
    esac
}

build_arch() {
    local arch=$1 out=$2/$1 cc prog

    cc=$(guest_cc "$arch")
    mkdir -p "$out"
    for prog in "${PROGRAMS[@]}"; do
        vgpu_log "building $out/$prog with $cc"
        "$cc" "${CFLAGS[@]}" -o "$out/$prog" \
            "$GUEST_DIR/$prog.c" "$GUEST_DIR/virtgpu.c"
    done
    # Vulkan's headers are the same for every architecture; give the
    # cross compiler just them, not the host's whole /usr/include.
    mkdir -p "$2/vulkan-include"
    ln -sfn /usr/include/vulkan "$2/vulkan-include/vulkan"
    ln -sfn /usr/include/vk_video "$2/vulkan-include/vk_video"
    vgpu_log "building $out/$VULKAN_PROGRAM with $cc (dynamic)"
    "$cc" -std=gnu11 -O2 -Wall -Wextra -Werror -I"$2/vulkan-include" \
        -o "$out/$VULKAN_PROGRAM" "$GUEST_DIR/$VULKAN_PROGRAM.c" -ldl
    build_workloads "$cc" "$out" "$2"
    vgpu_log "built $((${#PROGRAMS[@]} + 1 + ${#WORKLOAD_PROGRAMS[@]}))" \
        "programs for $arch in $out"
}

# The workload programs into OUT with CC; their SPIR-V headers and the
# Vulkan headers lie under TOP.
build_workloads() {
    local cc=$1 out=$2 top=$3 prog

    for prog in "${WORKLOAD_PROGRAMS[@]}"; do
        vgpu_log "building $out/$prog with $cc (dynamic)"
        "$cc" -std=gnu11 -O2 -Wall -Wextra -Werror -I"$top/vulkan-include" \
            -I"$top/shaders" -o "$out/$prog" "$WORKLOAD_DIR/$prog.c" -ldl
    done
}

# SPIR-V for the Vulkan workload, compiled once for every architecture.
build_shaders() {
    command -v glslangValidator >/dev/null || vgpu_die "no glslangValidator:" \
        "install the Debian package glslang-tools"
    vgpu_log "compiling the workload's shaders into $1/shaders"
    mkdir -p "$1/shaders"
    bash "$WORKLOAD_DIR/build-shaders.sh" "$1/shaders"
}

main() {
    local outdir arch
    local -a arches

    case "${1:-}" in
    "") usage >&2; exit 1 ;;
    -h|--help) usage; exit 0 ;;
    esac
    outdir=$1
    shift
    arches=("$@")
    [ ${#arches[@]} -gt 0 ] || arches=(aarch64 x86_64)
    # Reject a bad name or a missing toolchain before building anything.
    for arch in "${arches[@]}"; do
        vgpu_check_arch "$arch"
        check_compiler "$arch" "$(guest_cc "$arch")"
    done
    [ -f "$VULKAN_HEADERS" ] || vgpu_die "no $VULKAN_HEADERS: install the" \
        "Debian package libvulkan-dev"
    build_shaders "$outdir"
    for arch in "${arches[@]}"; do
        build_arch "$arch" "$outdir"
    done
    mkdir -p "$outdir/host"
    build_workloads gcc "$outdir/host" "$outdir"
}

main "$@"
