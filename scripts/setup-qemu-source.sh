#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Fetch Debian's QEMU source for exactly the installed qemu-system-*
# version, with Debian's patches applied, and configure it through
# Debian's own rules (same --with-pkgversion, --enable-modules,
# --enable-module-upgrades and feature flags), so that modules built from
# it carry the installed binary's module stamp.  Nothing is built here:
# scripts/prepare-rig.sh builds just the targets the tests need.
#
# Usage: scripts/setup-qemu-source.sh      (run through scripts/in-root.sh)
# Prints the build directory on stdout.

set -euo pipefail
. "$(dirname "$0")/common.sh"

# Bump when the recipe below changes what a cached tree contains.
QEMU_RECIPE=r1

installed_version() {
    dpkg-query -W -f='${Version}' qemu-system-arm 2>/dev/null ||
        vgpu_die "qemu-system-arm is not installed; run scripts/setup-root.sh"
}

fetch_source() {
    local version=$1 dir=$2
    # Global, so the exit trap sees it: a failed fetch leaves nothing.
    tmp="$dir.tmp.$$"
    rm -rf "$tmp"
    trap 'rm -rf "$tmp"' EXIT
    mkdir -p "$tmp"
    vgpu_log "fetching Debian's qemu $version source and applying its patches"
    vgpu_source_index "$tmp/apt"
    (cd "$tmp" && apt-get "${VGPU_APT_OPTS[@]}" source -qq "qemu=$version" \
        >"$tmp/apt-source.log" 2>&1) ||
        vgpu_die "apt-get source qemu=$version failed ($(tail -n 1 \
            "$tmp/apt-source.log")): the mirror cannot be reached, has no" \
            "deb-src entry or no longer carries this version"
    mv "$tmp"/qemu-*/ "$tmp/src"
    rm -rf "$tmp"/*.tar.* "$tmp"/*.dsc "$tmp/apt" "$tmp/apt-source.log"
    mv "$tmp" "$dir"
    trap - EXIT
}

configure_like_debian() {
    local src=$1
    vgpu_log "configuring QEMU with Debian's rules (about 1 minute)"
    (cd "$src" && make -s -f debian/rules configure-qemu >configure.log 2>&1) ||
        { tail -n 30 "$src/configure.log"; vgpu_die "configure failed"; }
}

main() {
    local version dir
    version=$(installed_version)
    dir="$VGPU_CACHE/qemu-${version//[:~]/_}-$QEMU_RECIPE"
    if [ ! -f "$dir/.complete" ]; then
        rm -rf "$dir"
        fetch_source "$version" "$dir"
        configure_like_debian "$dir/src"
        touch "$dir/.complete"
    else
        vgpu_log "QEMU $version source is ready (cached)"
    fi
    echo "$dir/src/b/qemu"
}

main "$@"
