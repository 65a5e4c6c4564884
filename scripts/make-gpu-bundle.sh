#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Pack what a GPU host without a package registry needs to run the
# cost-of-abstraction benchmark, in pieces small enough to travel one at
# a time (scripts/gpu-bundle.sh unpacks them there):
#   root/      a trixie root with Debian's QEMU (x86_64), its GL modules,
#              glvnd and python3, and virglrenderer 1.3 with its render
#              server taken from the sid root (Venus on NVIDIA needs 1.2
#              or newer); Mesa's own GL drivers are left out, since the
#              host's driver is bound in
#   rig/       our modules, the stock device's egl-headless directory,
#              QEMU's Python package, the workload programs for the
#              host, and the x86_64 guest: kernel, initramfs and its Mesa
#              root as a directory (made into ext4 there)
# Run inside the build root, after scripts/prepare-rig.sh, with the sid
# root in place.  The pieces land in $VGPU_CACHE/gpu-bundle/.
#
# Usage: scripts/make-gpu-bundle.sh [--stage N]
#   --stage N copies piece N alone into .gpu-bundle/ in the source tree,
#   the one path a device call carries.

set -euo pipefail
. "$(dirname "$0")/common.sh"

PIECE_BYTES=$((60 * 1024 * 1024))
GPU_ROOT_PACKAGES=(
    qemu-system-x86 qemu-system-modules-opengl libvirglrenderer1
    virgl-server libegl1 libgl1 libgles2 libopengl0 libvulkan1
    python3 e2fsprogs
)
BUNDLE=$VGPU_CACHE/gpu-bundle
STAGE_DIR=$VGPU_SRC/.gpu-bundle

gpu_root_key() {
    { printf '%s\n' "${GPU_ROOT_PACKAGES[@]}"; cat "$0"; } |
        sha256sum | cut -c1-12
}

# What the host's driver replaces, and what no run reads.
prune_root() {
    local root=$1
    rm -rf "$root"/usr/lib/x86_64-linux-gnu/libgallium-* \
        "$root"/usr/lib/x86_64-linux-gnu/libLLVM* \
        "$root"/usr/lib/x86_64-linux-gnu/libz3* \
        "$root"/usr/lib/x86_64-linux-gnu/dri \
        "$root"/usr/lib/x86_64-linux-gnu/libvulkan_* \
        "$root"/usr/share/vulkan/icd.d/* \
        "$root"/usr/share/glvnd/egl_vendor.d/50_mesa.json \
        "$root"/usr/share/doc "$root"/usr/share/man "$root"/usr/share/locale \
        "$root"/usr/share/info "$root"/var/cache/apt "$root"/var/lib/apt/lists
}

# virglrenderer 1.3 and its render server, as Debian sid builds them.
overlay_virglrenderer() {
    local root=$1 sid=$VGPU_UPSTREAM_ROOT lib=usr/lib/x86_64-linux-gnu
    [ -f "$sid/.complete" ] || vgpu_die "no sid root at $sid: run" \
        "scripts/setup-upstream-root.sh first"
    cp -a "$sid/$lib"/libvirglrenderer.so.1* "$root/$lib/"
    cp -a "$sid/usr/libexec/virgl_render_server" "$root/usr/libexec/"
    chroot "$sid" dpkg-query -W -f='${Version}' libvirglrenderer1 \
        > "$root/.virglrenderer-version"
}

make_gpu_root() {
    local dir=$VGPU_CACHE/gpu-root-$(gpu_root_key) mirror tmp
    if [ -f "$dir/.complete" ]; then
        vgpu_log "GPU host root $dir is ready (cached)" >&2
        echo "$dir"
        return 0
    fi
    mirror=$(vgpu_mirror)
    tmp="$dir.tmp.$$"
    rm -rf "$tmp"
    vgpu_log "creating the GPU host root $dir (about 2 minutes:" \
        "${#GPU_ROOT_PACKAGES[@]} packages and their dependencies)" >&2
    mmdebstrap --quiet --variant=essential --mode=root \
        --include="$(IFS=,; echo "${GPU_ROOT_PACKAGES[*]}")" \
        --aptopt='APT::Install-Recommends "false"' \
        "$VGPU_SUITE" "$tmp" "deb $mirror $VGPU_SUITE main" >&2
    overlay_virglrenderer "$tmp"
    prune_root "$tmp"
    touch "$tmp/.complete"
    rm -rf "$dir"
    mv "$tmp" "$dir"
    echo "$dir"
}

# The guest's Mesa root without what the workload never loads: other
# Vulkan drivers, glmark2 and vkmark data, documentation, locales.
guest_root_dir() {
    local out=$1 image=$2 lib
    mkdir -p "$out"
    debugfs -R "rdump / $out" "$image/mesa.ext4" 2>/dev/null
    lib=$out/usr/lib/x86_64-linux-gnu
    find "$lib" -maxdepth 1 -name 'libvulkan_*.so' ! -name \
        'libvulkan_virtio.so' -delete
    rm -rf "$out"/usr/share/glmark2 "$out"/usr/share/doc "$out"/usr/share/man \
        "$out"/usr/share/locale "$out"/usr/lib/x86_64-linux-gnu/vkmark \
        "$out"/lost+found
}

stage_rig() {
    local rig=$1 image
    set -a
    # shellcheck source=/dev/null
    . "$VGPU_CACHE/rig.env"
    set +a
    image=$VGPU_IMAGE_X86_64
    mkdir -p "$rig/modules" "$rig/stock-ui" "$rig/guest" "$rig/programs"
    [ -x "$VGPU_PROGRAMS/host/vgpu-glwork" ] || vgpu_die "no host workload" \
        "programs in $VGPU_PROGRAMS/host: run scripts/prepare-rig.sh"
    # The root runs virglrenderer 1.3: ours built against it, where the
    # rig has that build (scripts/setup-virglrenderer.sh).
    cp "${VGPU_OUR_MODULES_VIRGL13:-$VGPU_OUR_MODULES}"/*.so "$rig/modules/"
    cp -L "$VGPU_STOCK_UI_MODULES"/*.so "$rig/stock-ui/"
    mkdir -p "$rig/python"
    cp -a "$VGPU_QEMU_PYTHON/qemu" "$rig/python/qemu"
    cp -a "$VGPU_PROGRAMS/host" "$rig/programs/host"
    cp "$image/vmlinuz" "$VGPU_INITRD_X86_64" "$rig/guest/"
    vgpu_log "unpacking and trimming the x86_64 guest's Mesa root"
    guest_root_dir "$rig/guest/mesa-root" "$image"
}

pack() {
    local root=$1 tmp
    tmp=$(mktemp -d "$VGPU_CACHE/gpu-bundle.tmp.XXXXXX")
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp'" EXIT
    stage_rig "$tmp/rig"
    vgpu_log "compressing the bundle (xz, a few minutes on two cores)"
    tar -cf - -C "$tmp" rig -C "$(dirname "$root")" \
        --transform "s,^$(basename "$root"),root," "$(basename "$root")" |
        xz -T2 -6 | split -b "$PIECE_BYTES" -d -a 2 - "$tmp/piece-"
    rm -rf "$tmp/rig"
    (cd "$tmp" && sha256sum piece-* > SHA256SUMS)
    rm -rf "$BUNDLE"
    mkdir -p "$BUNDLE"
    mv "$tmp"/piece-* "$tmp/SHA256SUMS" "$BUNDLE/"
    rm -rf "$tmp"
    trap - EXIT
}

stage_piece() {
    local n piece
    n=$(printf '%02d' "$1")
    piece=$BUNDLE/piece-$n
    [ -f "$piece" ] || vgpu_die "no $piece: the bundle has" \
        "$(ls "$BUNDLE" 2>/dev/null | grep -c '^piece-') pieces (make it" \
        "with scripts/make-gpu-bundle.sh)"
    rm -rf "$STAGE_DIR"
    mkdir -p "$STAGE_DIR"
    cp "$piece" "$BUNDLE/SHA256SUMS" "$STAGE_DIR/"
    vgpu_log "staged $piece ($(du -m "$piece" | cut -f1) MiB) in $STAGE_DIR"
}

main() {
    local root
    if [ "${1:-}" = --stage ]; then
        stage_piece "${2:?--stage wants a piece number}"
        return 0
    fi
    root=$(make_gpu_root)
    pack "$root"
    vgpu_log "GPU bundle ready in $BUNDLE: $(cd "$BUNDLE" && ls piece-* |
        wc -l) pieces, $(du -sm "$BUNDLE" | cut -f1) MiB"
}

main "$@"
