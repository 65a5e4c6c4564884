#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the guest images for one architecture from Debian trixie packages,
# without booting anything:
#   $VGPU_CACHE/guest-<arch>-<key>/vmlinuz     the Debian 6.12 kernel
#   $VGPU_CACHE/guest-<arch>-<key>/mesa.ext4   Mesa, kmscube, eglinfo,
#                                              vulkaninfo, benchmarks
#   $VGPU_CACHE/guest-<arch>-<key>/modules/    virtio-gpu stack, in load order
#   $VGPU_CACHE/guest-<arch>-<key>/busybox     static busybox for the init
# The key is a hash of the package list and this recipe, so a change to
# either rebuilds.  The initramfs, which carries our own guest programs, is
# assembled separately by make-initramfs.sh in seconds.
#
# Usage: scripts/build-guest-image.sh ARCH   (aarch64 or x86_64)
# Prints the image directory on stdout.

set -euo pipefail
. "$(dirname "$0")/common.sh"

[ $# -eq 1 ] || vgpu_die "usage: scripts/build-guest-image.sh aarch64|x86_64"
ARCH=$1
vgpu_check_arch "$ARCH"
DEBARCH=$(vgpu_deb_arch "$ARCH")

GUEST_PACKAGES=(
    "linux-image-$DEBARCH" busybox-static libc6 libdrm2
    libgl1-mesa-dri libegl-mesa0 libegl1 libgles2 libgbm1
    mesa-vulkan-drivers libvulkan1 vulkan-tools mesa-utils kmscube
    glmark2-es2-drm vkmark
)
# Modules the guests need, with their dependencies resolved by modprobe.
GUEST_MODULES=(virtio_pci virtio_mmio virtio_gpu virtio_blk ext4)

image_key() {
    { printf '%s\n' "${GUEST_PACKAGES[@]}" "${GUEST_MODULES[@]}"
      cat "$0"; } | sha256sum | cut -c1-12
}

# Debian 13 packages install under /usr; extraction alone does not make
# the /bin, /lib, ... aliases that base-files would.
merge_usr() {
    local root=$1 d
    for d in bin sbin lib lib64; do
        if [ -d "$root/$d" ] && [ ! -L "$root/$d" ]; then
            mkdir -p "$root/usr/$d"
            cp -a "$root/$d/." "$root/usr/$d/"
            rm -rf "${root:?}/$d"
        fi
        if [ -d "$root/usr/$d" ] && [ ! -e "$root/$d" ]; then
            ln -s "usr/$d" "$root/$d"
        fi
    done
}

extract_packages() {
    local root=$1 mirror mode=root
    mirror=$(vgpu_mirror)
    [ "$(id -u)" = 0 ] || mode=unshare
    vgpu_log "$ARCH: downloading and extracting ${#GUEST_PACKAGES[@]}" \
        "packages with their dependencies (about 2 minutes)"
    mmdebstrap --quiet --variant=extract --mode=$mode --arch="$DEBARCH" \
        --aptopt='APT::Install-Recommends "false"' \
        --include="$(IFS=,; echo "${GUEST_PACKAGES[*]}")" \
        "$VGPU_SUITE" "$root" "deb $mirror $VGPU_SUITE main"
    merge_usr "$root"
}

# Copy the wanted modules, decompressed (busybox insmod cannot read .xz),
# and write their load order.
collect_modules() {
    local root=$1 out=$2 kver list m
    kver=$(ls "$root/usr/lib/modules" | head -n1)
    [ -n "$kver" ] || vgpu_die "$ARCH: no kernel modules in the packages"
    depmod -b "$root" "$kver"
    mkdir -p "$out/modules"
    : > "$out/modules/load-order"
    for m in "${GUEST_MODULES[@]}"; do
        modprobe -d "$root" -S "$kver" --show-depends "$m"
    done | awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' |
    while read -r list; do
        m=$(basename "$list")
        case "$m" in
        *.xz) xz -dc "$list" > "$out/modules/${m%.xz}"; m=${m%.xz} ;;
        *.zst) zstd -qdc "$list" > "$out/modules/${m%.zst}"; m=${m%.zst} ;;
        *) cp "$list" "$out/modules/$m" ;;
        esac
        echo "$m" >> "$out/modules/load-order"
    done
    echo "$kver" > "$out/kernel-version"
}

make_ext4() {
    local root=$1 img=$2 mb
    # Kernel and modules live outside the root file system (initramfs).
    rm -rf "$root/boot" "$root/usr/lib/modules"
    mkdir -p "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/run" \
        "$root/opt/vgpu" "$root/root"
    mb=$(du -sm "$root" | cut -f1)
    mb=$((mb + mb / 4 + 64))
    vgpu_log "$ARCH: writing the Mesa root file system (${mb} MiB ext4)"
    mke2fs -q -t ext4 -L vgpu-mesa -E root_owner=0:0 -d "$root" "$img" "${mb}M"
}

# Images of an older recipe or package list are never used again.
prune_old_images() {
    local keep=$1 old
    for old in "$VGPU_CACHE/guest-$ARCH-"*; do
        [ "$old" = "$keep" ] || [ ! -f "$old/.complete" ] || {
            vgpu_log "$ARCH: removing the outdated image $old"
            rm -rf "$old"
        }
    done
}

main() {
    local dir
    dir="$VGPU_CACHE/guest-$ARCH-$(image_key)"
    if [ -f "$dir/.complete" ]; then
        vgpu_log "$ARCH: guest image $dir is ready (cached)"
        echo "$dir"
        return 0
    fi
    mkdir -p "$VGPU_CACHE"
    # Global, so the exit trap still sees it: a failed or interrupted run
    # leaves nothing behind.
    tmp="$dir.tmp.$$"
    rm -rf "$tmp"
    trap 'rm -rf "$tmp"' EXIT
    mkdir -p "$tmp"
    extract_packages "$tmp/root"
    cp "$(ls "$tmp"/root/boot/vmlinuz-* | head -n1)" "$tmp/vmlinuz"
    cp "$tmp/root/usr/bin/busybox" "$tmp/busybox"
    collect_modules "$tmp/root" "$tmp"
    make_ext4 "$tmp/root" "$tmp/mesa.ext4"
    rm -rf "$tmp/root"
    touch "$tmp/.complete"
    rm -rf "$dir"
    mv "$tmp" "$dir"
    trap - EXIT
    prune_old_images "$dir"
    vgpu_log "$ARCH: guest image ready: $dir"
    echo "$dir"
}

main
