#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build QEMU with the patch series, in the pristine tree's own build
# (scripts/setup-qemu-pristine.sh: aarch64-softmmu and x86_64-softmmu,
# the device built into the binary).
#
#   --final OUTDIR   The tree with the whole series, its two binaries and
#                    qos-test brought up to date by an incremental build
#                    (a few minutes); the test command runs it, then our
#                    qtest suite against those (tests/run-tests.sh
#                    --module in-tree).
#   --each OUTDIR    Every patch in turn: apply it, build every target
#                    (the staging library of the device's files too).
#                    Then the final tree once more from nothing, with
#                    modules this time, so the module annotations are
#                    exercised too.  Slow (tens of minutes); not part of
#                    the test command.
#
# OUTDIR holds the series (scripts/make-patch-series.sh OUTDIR).
# Prints the build directory on stdout.
# Usage: scripts/in-root.sh scripts/check-patch-series.sh --final|--each OUTDIR

set -euo pipefail
. "$(dirname "$0")/common.sh"

[ $# -eq 2 ] && { [ "$1" = --final ] || [ "$1" = --each ]; } ||
    vgpu_die "usage: scripts/check-patch-series.sh --final|--each OUTDIR"
MODE=$1
mapfile -t PATCHES < <(ls "$2"/[0-9][0-9][0-9][0-9]-*.patch 2>/dev/null |
                       grep -v /0000-)
[ ${#PATCHES[@]} -gt 0 ] || vgpu_die "no patches in $2: run" \
    "scripts/make-patch-series.sh $2 first"

PRISTINE=$("$VGPU_SRC/scripts/setup-qemu-pristine.sh")
# shellcheck source=setup-qemu-pristine.sh
PRISTINE_SOURCED=1 . "$VGPU_SRC/scripts/setup-qemu-pristine.sh"
SRC=$PRISTINE/src
BUILD=$PRISTINE/build

q_git() {
    git -C "$SRC" -c user.name=check -c user.email=check@localhost "$@"
}

back_to_base() {
    q_git am --abort >/dev/null 2>&1 || true
    q_git checkout -q -f --detach base
    q_git clean -q -fd
}

apply() {
    q_git am -q "$@" >"$PRISTINE/am.log" 2>&1 ||
        vgpu_die "$(basename "$1") does not apply:" \
            "$(head -n 3 "$PRISTINE/am.log" | tr '\n' ' ')"
}

# build WHAT LOGNAME [TARGETS...]: every target when none is named.
build() {
    local what=$1 log=$PRISTINE/build-$2.log start=$SECONDS
    shift 2
    if ! ninja -C "$BUILD" -j"$(nproc)" "$@" >"$log" 2>&1; then
        grep -E -m 20 'error|FAILED' "$log" >&2 || tail -n 30 "$log" >&2
        vgpu_die "$what does not build (log: $log)"
    fi
    vgpu_log "$what builds ($((SECONDS - start)) s)"
}

# The tree of the whole series, from a scratch clone: when the pristine
# tree already holds it unchanged, its build only needs checking.
series_tree() {
    local tmp tree
    tmp=$(mktemp -d)
    git -c init.defaultBranch=series clone -q --shared --no-checkout "$SRC" "$tmp/q"
    git -C "$tmp/q" checkout -q --detach base
    git -C "$tmp/q" -c user.name=check -c user.email=check@localhost \
        am -q "${PATCHES[@]}" >/dev/null 2>&1 ||
        { rm -rf "$tmp"; vgpu_die "the series does not apply"; }
    tree=$(git -C "$tmp/q" rev-parse 'HEAD^{tree}')
    rm -rf "$tmp"
    echo "$tree"
}

final() {
    local want
    want=$(series_tree)
    if [ "$(q_git rev-parse 'HEAD^{tree}')" = "$want" ] &&
       [ -z "$(q_git status --porcelain)" ]; then
        vgpu_log "the pristine tree holds the series already"
    else
        vgpu_log "applying ${#PATCHES[@]} patches to the pristine tree"
        back_to_base
        apply "${PATCHES[@]}"
    fi
    # shellcheck disable=SC2086
    build "QEMU with the series (its binaries and qos-test)" final \
        $PRISTINE_BUILD_TARGETS
}

each() {
    local p n=0 start=$SECONDS
    back_to_base
    build "QEMU as released, every target" base
    for p in "${PATCHES[@]}"; do
        n=$((n + 1))
        apply "$p"
        build "patch $n/${#PATCHES[@]} ($(basename "$p"))" "patch-$n"
    done
    vgpu_log "every patch builds ($((SECONDS - start)) s in all)"
    full_module_build
}

# The final tree from nothing, with modules: the three GL modules must
# come out under their names and QEMU must find the devices in them.
full_module_build() {
    local dir=$PRISTINE/build-modules start=$SECONDS m
    rm -rf "$dir"
    mkdir -p "$dir"
    vgpu_log "the final tree from nothing, with modules (about 10 minutes)"
    (cd "$dir" && "$SRC/configure" "${PRISTINE_CONFIGURE[@]}" \
        --enable-modules >configure.log 2>&1) ||
        vgpu_die "configure with modules failed (log: $dir/configure.log)"
    ninja -C "$dir" -j"$(nproc)" >"$dir/ninja.log" 2>&1 ||
        vgpu_die "the final tree does not build with modules" \
            "(log: $dir/ninja.log)"
    for m in hw-display-virtio-gpu-gl hw-display-virtio-gpu-pci-gl \
             hw-display-virtio-vga-gl; do
        [ -f "$dir/$m.so" ] || vgpu_die "no $m.so in the module build"
    done
    QEMU_MODULE_DIR=$dir "$dir/qemu-system-x86_64" -device help 2>&1 |
        grep -q '"virtio-vga-gl"' ||
        vgpu_die "the module build's QEMU does not list virtio-vga-gl"
    QEMU_MODULE_DIR=$dir "$dir/qemu-system-aarch64" -device help 2>&1 |
        grep -q '"virtio-gpu-gl-pci"' ||
        vgpu_die "the module build's QEMU does not list virtio-gpu-gl-pci"
    vgpu_log "full build with modules: done ($((SECONDS - start)) s), the" \
        "devices load from their modules"
    rm -rf "$dir"
}

if [ "$MODE" = --final ]; then
    final
else
    each
fi
echo "$BUILD"
