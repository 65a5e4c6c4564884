#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Provide a second virglrenderer beside the build root's own (Debian 13's
# 1.1): Debian sid's, 1.3 today, from its binary packages, unpacked into
# $VGPU_CACHE/virglrenderer-<key> with its headers, pkg-config file,
# library and render server.  Our modules build against it a second time
# (scripts/prepare-rig.sh, work/modules-virgl13) and run with it through
# scripts/virglrenderer-qemu.sh, so the tests and benchmarks run with
# both versions.  Nothing in the root changes.
#
# The three packages come from one download of sid's index, so they are
# one version.  sid's Release file may have expired on the mirror: apt's
# validity check is off for this download only.  Run inside the trixie
# root (scripts/in-root.sh), whose keyring knows sid's signing keys.
#
# Usage: scripts/setup-virglrenderer.sh [--force]

set -euo pipefail
. "$(dirname "$0")/common.sh"

PACKAGES=(libvirglrenderer1 libvirglrenderer-dev virgl-server)
# The library directory inside the prefix
LIBDIR=${VGPU_VIRGL13_LIBDIR#"$VGPU_VIRGL13_PREFIX"/}

# apt with a private state of its own: sid's index, nothing of the root's.
sid_apt() {
    local state=$1
    shift
    apt-get -q -o Dir::Etc::SourceList="$state/sources.list" \
        -o Dir::Etc::SourceParts=/dev/null \
        -o Dir::State::Lists="$state/lists" \
        -o Dir::State::Status=/dev/null \
        -o Dir::Cache="$state/cache" \
        -o Acquire::Check-Valid-Until=false \
        -o APT::Sandbox::User=root "$@"
}

download() {
    local tmp=$1 state=$1/apt
    mkdir -p "$state/lists/partial" "$state/cache/archives/partial" \
        "$tmp/debs"
    echo "deb $(vgpu_mirror) sid main" > "$state/sources.list"
    vgpu_log "reading Debian sid's package index (about 20 s)"
    sid_apt "$state" update >"$tmp/apt.log" 2>&1 ||
        { tail -n 20 "$tmp/apt.log"; vgpu_die "apt-get update for sid" \
            "failed"; }
    vgpu_log "downloading ${PACKAGES[*]} from sid"
    (cd "$tmp/debs" && sid_apt "$state" download "${PACKAGES[@]}") \
        >>"$tmp/apt.log" 2>&1 ||
        { tail -n 20 "$tmp/apt.log"; vgpu_die "downloading" \
            "${PACKAGES[*]} from sid failed"; }
}

# Unpack the packages and point the pkg-config file at where they lie.
unpack() {
    local tmp=$1 deb
    for deb in "$tmp"/debs/*.deb; do
        dpkg-deb -x "$deb" "$tmp/prefix"
    done
    sed -i "s|^prefix=.*|prefix=$VGPU_VIRGL13_PREFIX/usr|" \
        "$tmp/prefix/$LIBDIR/pkgconfig/virglrenderer.pc"
    dpkg-deb -f "$(ls "$tmp"/debs/libvirglrenderer1_*.deb)" Version \
        > "$tmp/prefix/.version"
}

# Every part a run needs is there, and the library and its render server
# load with the root's own dependencies, every symbol bound (a newer glibc
# or libdrm, or a missing library, shows here).
check_prefix() {
    local dir=$1 f missing
    for f in "$LIBDIR/libvirglrenderer.so.1" "$LIBDIR/libvirglrenderer.so" \
        usr/libexec/virgl_render_server usr/include/virgl/virglrenderer.h; do
        [ -e "$dir/$f" ] || vgpu_die "sid's packages lack $f"
    done
    missing=$(for f in "$LIBDIR/libvirglrenderer.so.1" \
            usr/libexec/virgl_render_server; do
        LD_LIBRARY_PATH=$dir/$LIBDIR ldd -r "$dir/$f" 2>&1
    done | grep -E 'not found|undefined symbol' || true)
    [ -z "$missing" ] || vgpu_die "sid's virglrenderer does not load in the" \
        "build root: $missing"
}

main() {
    local force tmp
    force=$(vgpu_force_option "$@")
    if [ $force = no ] && [ -f "$VGPU_VIRGL13_PREFIX/.complete" ]; then
        vgpu_log "virglrenderer $(cat "$VGPU_VIRGL13_PREFIX/.version") in" \
            "$VGPU_VIRGL13_PREFIX is ready (cached)"
        return 0
    fi
    command -v dpkg-deb >/dev/null && command -v apt-get >/dev/null ||
        vgpu_die "apt-get and dpkg-deb are missing: run this inside the" \
            "build root (scripts/in-root.sh scripts/setup-virglrenderer.sh)"
    tmp="$VGPU_VIRGL13_PREFIX.tmp.$$"
    rm -rf "$tmp"
    # The path is expanded now: tmp is gone by the time the trap runs.
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp'" EXIT
    download "$tmp"
    unpack "$tmp"
    check_prefix "$tmp/prefix"
    touch "$tmp/prefix/.complete"
    rm -rf "$VGPU_VIRGL13_PREFIX"
    mv "$tmp/prefix" "$VGPU_VIRGL13_PREFIX"
    # The pkg-config file names the final path already.
    rm -rf "$tmp"
    trap - EXIT
    vgpu_log "virglrenderer $(cat "$VGPU_VIRGL13_PREFIX/.version") ready in" \
        "$VGPU_VIRGL13_PREFIX"
}

main "$@"
