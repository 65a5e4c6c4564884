#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Inside the build root: make every part the tests and the demo need and
# write their paths to $VGPU_CACHE/rig.env:
#   QEMU source and build (Debian's, configured like Debian), qos-test,
#   guest images for aarch64 and x86_64, our guest programs and the
#   initramfs that carries them.
#
# Usage: scripts/prepare-rig.sh [ARCH...]   (default: aarch64 x86_64)

set -euo pipefail
. "$(dirname "$0")/common.sh"

ARCHES=("$@")
[ ${#ARCHES[@]} -gt 0 ] || ARCHES=(aarch64 x86_64)
for a in "${ARCHES[@]}"; do
    vgpu_check_arch "$a"
done

WORK="$VGPU_CACHE/work"
mkdir -p "$WORK"

QBUILD=$("$VGPU_SRC/scripts/setup-qemu-source.sh")
QSRC=$(cd "$QBUILD/../.." && pwd)

# Debian ships no qtest accelerator module; ours carries the same stamp.
vgpu_log "building qos-test with our suite, and the qtest accelerators" \
    "(about 3 minutes the first time)"
"$VGPU_SRC/scripts/sync-qemu-overlay.sh" "$QSRC"
ninja -C "$QBUILD" -j"$(nproc)" tests/qtest/qos-test \
    accel-qtest-aarch64.so accel-qtest-x86_64.so >"$WORK/ninja.log" 2>&1 ||
    { tail -n 40 "$WORK/ninja.log"; vgpu_die "building qos-test failed"; }

vgpu_log "building our virtio-gpu-gl modules against Debian's QEMU"
# build_modules DIR [MESON OPTION...]: our modules, built in DIR.
build_modules() {
    local dir=$1 name
    shift
    name=$(basename "$dir")
    # A build directory belongs to one source tree (clones live elsewhere).
    if [ "$(cat "$dir/.source" 2>/dev/null)" != "$VGPU_SRC" ]; then
        rm -rf "$dir"
    fi
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" -Dqemu_source="$QSRC" -Dqemu_build="$QBUILD" \
            "$@" >"$WORK/$name-meson.log" 2>&1 ||
            { tail -n 30 "$WORK/$name-meson.log"; vgpu_die "meson setup" \
                "of $dir failed"; }
        echo "$VGPU_SRC" > "$dir/.source"
    fi
    ninja -C "$dir" >"$WORK/$name.log" 2>&1 ||
        { tail -n 40 "$WORK/$name.log"; vgpu_die "building $dir failed"; }
}
MODULES="$WORK/modules"
build_modules "$MODULES"
# The same, with AddressSanitizer, for the tests that run QEMU with
# libasan preloaded: our code checked for memory errors under guest load.
vgpu_log "building our modules with AddressSanitizer"
build_modules "$WORK/modules-asan" -Db_sanitize=address -Db_lundef=false \
    -Dui_opengl=disabled
# And with the recording stand-in renderer, for the DRM native context
# contract tests (no GPU here that virglrenderer drives natively).
vgpu_log "building our modules with the recording stand-in renderer"
build_modules "$WORK/modules-stand-in" -Drenderer=recording-stand-in \
    -Dui_opengl=disabled
# Its dmabuf path test runs egl-headless, which needs our ui-opengl here.
ln -sfn "$MODULES/ui-opengl.so" "$WORK/modules-stand-in/ui-opengl.so"
# The command fuzzer: libFuzzer needs clang.
vgpu_log "building the command fuzzer (clang, libFuzzer, ASan and UBSan)"
CC=clang build_modules "$WORK/fuzzer" -Dfuzzer=true \
    -Drenderer=recording-stand-in -Dui_opengl=disabled

# qemu_links DIR WRAPPER: links named qemu-system-ARCH to WRAPPER, which
# takes the architecture from the name it was called by.
qemu_links() {
    local dir=$1 wrapper=$2 a
    mkdir -p "$dir"
    for a in aarch64 x86_64; do
        ln -sfn "$wrapper" "$dir/qemu-system-$a"
    done
}

# The same modules against sid's virglrenderer (1.3), when it is there
# (scripts/setup-virglrenderer.sh): they run through links named as a
# QEMU binary to scripts/virglrenderer-qemu.sh, which loads that
# library and its render server.
VIRGL13_BINDIR=
if [ -f "$VGPU_VIRGL13_PREFIX/.complete" ]; then
    vgpu_log "building our modules against virglrenderer" \
        "$(cat "$VGPU_VIRGL13_PREFIX/.version")"
    PKG_CONFIG_PATH=$VGPU_VIRGL13_LIBDIR/pkgconfig \
        build_modules "$WORK/modules-virgl13"
    VIRGL13_BINDIR=$WORK/virgl13-bin
    qemu_links "$VIRGL13_BINDIR" "$VGPU_SRC/scripts/virglrenderer-qemu.sh"
else
    vgpu_log "no second virglrenderer ($VGPU_VIRGL13_PREFIX): the" \
        "ours-virgl13 module is not offered" \
        "(scripts/setup-virglrenderer.sh makes it)"
fi

# Debian's stock device with our ui-opengl: QEMU looks in QEMU_MODULE_DIR
# first and falls back to its own directory, so this directory holds only
# ui-opengl.  The side-by-side scanout benchmark runs the stock device on
# egl-headless with it, which Debian's own ui-opengl cannot start here.
mkdir -p "$WORK/modules-stock-ui"
ln -sfn "$MODULES/ui-opengl.so" "$WORK/modules-stock-ui/ui-opengl.so"

# Upstream's QEMU runs inside its sid root, through links named as a
# QEMU binary to scripts/upstream-qemu.sh.
UPSTREAM_BINDIR=
if [ -f "$VGPU_UPSTREAM_ROOT/.complete" ]; then
    vgpu_log "upstream's QEMU: links to scripts/upstream-qemu.sh"
    UPSTREAM_BINDIR=$WORK/upstream-bin
    qemu_links "$UPSTREAM_BINDIR" "$VGPU_SRC/scripts/upstream-qemu.sh"
else
    vgpu_log "no upstream QEMU root ($VGPU_UPSTREAM_ROOT): the upstream" \
        "module is not offered (scripts/setup-upstream-root.sh makes it)"
fi

vgpu_log "building the guest programs"
"$VGPU_SRC/tests/guest/build.sh" "$WORK/programs" "${ARCHES[@]}"

{
    echo "VGPU_QEMU_SOURCE=$QSRC"
    echo "VGPU_QEMU_BUILD=$QBUILD"
    echo "VGPU_QEMU_PYTHON=$QSRC/python"
    echo "VGPU_QOS_TEST=$QBUILD/tests/qtest/qos-test"
    echo "VGPU_OUR_MODULES=$MODULES"
    echo "VGPU_OUR_MODULES_ASAN=$WORK/modules-asan"
    echo "VGPU_OUR_MODULES_STAND_IN=$WORK/modules-stand-in"
    echo "VGPU_STOCK_UI_MODULES=$WORK/modules-stock-ui"
    echo "VGPU_FUZZER=$WORK/fuzzer/vgpu-fuzz"
    echo "VGPU_PROGRAMS=$WORK/programs"
    echo "VGPU_LIBASAN=$(gcc -print-file-name=libasan.so)"
    echo "VGPU_STOCK_MODULES=$(dirname "$(ls /usr/lib/*/qemu/hw-display-virtio-gpu-gl.so | head -n1)")"
    if [ -n "$VIRGL13_BINDIR" ]; then
        echo "VGPU_OUR_MODULES_VIRGL13=$WORK/modules-virgl13"
        echo "VGPU_VIRGL13_BINDIR=$VIRGL13_BINDIR"
        echo "VGPU_VIRGL13_VERSION=$(cat "$VGPU_VIRGL13_PREFIX/.version")"
    fi
    if [ -n "$UPSTREAM_BINDIR" ]; then
        echo "VGPU_UPSTREAM_BINDIR=$UPSTREAM_BINDIR"
        # As QEMU sees it, inside the sid root.
        echo "VGPU_UPSTREAM_MODULES=/$(cd "$VGPU_UPSTREAM_ROOT" &&
            dirname "$(ls usr/lib/*/qemu/accel-qtest.so | head -n1)")"
    fi
} > "$WORK/rig.env.tmp"

for a in "${ARCHES[@]}"; do
    img=$("$VGPU_SRC/scripts/build-guest-image.sh" "$a")
    vgpu_log "$a: packing the initramfs with our guest programs"
    "$VGPU_SRC/scripts/make-initramfs.sh" "$img" "$WORK/programs/$a" \
        "$WORK/initrd-$a.gz"
    echo "VGPU_IMAGE_${a^^}=$img" >> "$WORK/rig.env.tmp"
    echo "VGPU_INITRD_${a^^}=$WORK/initrd-$a.gz" >> "$WORK/rig.env.tmp"
done
mv "$WORK/rig.env.tmp" "$VGPU_CACHE/rig.env"
vgpu_log "rig ready: $VGPU_CACHE/rig.env"
