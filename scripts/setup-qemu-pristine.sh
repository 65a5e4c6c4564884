#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The base of the patch series: QEMU exactly as released (Debian's orig
# tarball of the installed version, without Debian's patches), as a git
# tree with one commit, configured and built in a directory beside it
# for aarch64-softmmu and x86_64-softmmu with everything in the binary
# (no modules).  The build stays, so that the series' builds after it
# are incremental.  Cached under VGPU_CACHE, keyed by version and recipe.
#
# Usage: scripts/setup-qemu-pristine.sh     (run through scripts/in-root.sh)
# Prints the directory holding src/ and build/ on stdout.  Sourced with
# PRISTINE_SOURCED=1, it only defines its names.

set -euo pipefail
. "$(dirname "$0")/common.sh"

# Bump when what a cached tree or build contains changes.
PRISTINE_RECIPE=r1
PRISTINE_TARGETS=aarch64-softmmu,x86_64-softmmu
# The features the device and its displays need; the rest as QEMU's
# defaults, less what no check here uses.
PRISTINE_CONFIGURE=(--prefix=/usr --target-list="$PRISTINE_TARGETS"
    --enable-virglrenderer --enable-opengl --disable-docs --disable-tools
    --disable-guest-agent --disable-install-blobs --disable-rust)
# What the test command needs of the build (check-patch-series.sh
# --final builds the same); --each builds everything.
PRISTINE_BUILD_TARGETS="qemu-system-aarch64 qemu-system-x86_64 tests/qtest/qos-test"

installed_version() {
    dpkg-query -W -f='${Version}' qemu-system-arm 2>/dev/null ||
        vgpu_die "qemu-system-arm is not installed; run scripts/setup-root.sh"
}

fetch_orig() {
    local version=$1 dir=$2 tarball
    vgpu_log "fetching QEMU $version as released (Debian's orig tarball)"
    mkdir -p "$dir/download"
    vgpu_source_index "$dir/download/apt"
    (cd "$dir/download" && apt-get "${VGPU_APT_OPTS[@]}" source \
        --download-only -qq \
        "qemu=$version" >apt-source.log 2>&1) ||
        vgpu_die "apt-get source --download-only qemu=$version failed" \
            "($(tail -n 1 "$dir/download/apt-source.log")): the mirror" \
            "cannot be reached or has no deb-src entry"
    tarball=$(ls "$dir"/download/qemu_*.orig.tar.*)
    mkdir -p "$dir/src"
    tar -xf "$tarball" -C "$dir/src" --strip-components=1 --no-same-owner
    rm -rf "$dir/download"
}

# Debian's tarball leaves out the firmware images.  The edk2 ones are
# build inputs for these targets (unpacked into the build, never
# installed), so empty compressed stand-ins go where meson looks; they
# stay out of git.  At run time the binary uses the installed QEMU's
# firmware (link_installed_firmware).
stand_in_firmware() {
    local src=$1 f count=0
    for f in $(sed -n "/^  fds = \[/,/^  \]/s/^ *'\(edk2-[^']*\.fd\)',\?$/\1/p" \
                   "$src/pc-bios/meson.build"); do
        bzip2 </dev/null >"$src/pc-bios/$f.bz2"
        echo "/pc-bios/$f.bz2" >>"$src/.git/info/exclude"
        count=$((count + 1))
    done
    [ "$count" -gt 0 ] || vgpu_die "found no edk2 images" \
        "in $src/pc-bios/meson.build; update scripts/setup-qemu-pristine.sh"
}

make_git_base() {
    local src=$1 version=$2
    git -C "$src" init -q
    git -C "$src" config user.name "virtio-gpu-gl"
    git -C "$src" config user.email "virtio-gpu-gl@localhost"
    git -C "$src" add -A
    git -C "$src" commit -q -m "QEMU $version as released (base)"
    git -C "$src" tag base
}

configure_and_build() {
    local dir=$1
    mkdir -p "$dir/build"
    vgpu_log "configuring QEMU for $PRISTINE_TARGETS (about half a minute)"
    (cd "$dir/build" && ../src/configure "${PRISTINE_CONFIGURE[@]}" \
        --disable-modules >configure.log 2>&1) ||
        { tail -n 30 "$dir/build/configure.log"; vgpu_die "configure failed"; }
    vgpu_log "building pristine QEMU's two binaries and qos-test (about 8" \
        "minutes on 2 cores)"
    ninja -C "$dir/build" -j"$(nproc)" $PRISTINE_BUILD_TARGETS \
        >"$dir/build/ninja.log" 2>&1 ||
        { tail -n 40 "$dir/build/ninja.log"; vgpu_die "building failed"; }
}

# The tarball has no ROMs either, and a binary run from its build
# directory looks for them only in the build's qemu-bundle (QEMU
# relocates its data directories there).  The installed QEMU's own, from
# the directories of Debian's --firmwarepath (efi-virtio.rom for
# virtio-net on virt, SeaBIOS and the VGA BIOSes for x86), are linked in
# where the build has none of that name; each time, so that a cached
# build gets them too.
INSTALLED_FIRMWARE_DIRS=(/usr/share/qemu /usr/share/seabios /usr/lib/ipxe/qemu)

link_installed_firmware() {
    local dir=$1/build/qemu-bundle/usr/share/qemu from f name count=0
    [ -d "$dir" ] || vgpu_die "no $dir: the pristine build is incomplete"
    for from in "${INSTALLED_FIRMWARE_DIRS[@]}"; do
        for f in "$from"/*; do
            [ -e "$f" ] || continue
            name=${f##*/}
            [ -e "$dir/$name" ] || [ -L "$dir/$name" ] ||
                { ln -s "$f" "$dir/"; count=$((count + 1)); }
        done
    done
    for name in efi-virtio.rom bios-256k.bin vgabios-virtio.bin; do
        [ -e "$dir/$name" ] || vgpu_die "no $name in" \
            "${INSTALLED_FIRMWARE_DIRS[*]}: is Debian's QEMU installed?"
    done
    [ $count -eq 0 ] || vgpu_log "linked $count firmware files of the" \
        "installed QEMU into the pristine build"
}

main() {
    local version dir upstream
    version=$(installed_version)
    dir="$VGPU_CACHE/qemu-pristine-${version//[:~]/_}-$PRISTINE_RECIPE"
    if [ ! -f "$dir/.complete" ]; then
        rm -rf "$dir"
        mkdir -p "$dir"
        fetch_orig "$version" "$dir"
        upstream=$(cat "$dir/src/VERSION")
        make_git_base "$dir/src" "$upstream"
        stand_in_firmware "$dir/src"
        configure_and_build "$dir"
        touch "$dir/.complete"
    else
        vgpu_log "pristine QEMU $version and its build are ready (cached)"
    fi
    link_installed_firmware "$dir"
    echo "$dir"
}

[ -n "${PRISTINE_SOURCED:-}" ] || main "$@"
