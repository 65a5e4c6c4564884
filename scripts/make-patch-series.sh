#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Write the patch series for upstream QEMU: our device in place of
# upstream's virtio-gpu-gl, with a cover letter, against QEMU exactly as
# released (scripts/setup-qemu-pristine.sh).  The patches are made from
# our files by scripts/patch_series.py, never stored.  Then the series is
# checked, patch by patch:
#   - it applies with `git am` to the pristine tree;
#   - the tree it gives holds our files as this tree has them (the module
#     build and the series cannot diverge);
#   - QEMU's checkpatch finds nothing;
#   - QEMU's get_maintainer.pl names a maintainer for every file the
#     series touches.
# Building it is scripts/check-patch-series.sh.
#
# Usage: VGPU_SIGNOFF="Name <email>" scripts/make-patch-series.sh OUTDIR
#   (inside the build root: scripts/in-root.sh scripts/make-patch-series.sh)
#
# VGPU_SIGNOFF signs off every patch (the Developer's Certificate of
# Origin is a person's, so there is no default) and is the maintainer the
# series names for its new files.

set -euo pipefail
. "$(dirname "$0")/common.sh"

[ $# -eq 1 ] || vgpu_die "usage: scripts/make-patch-series.sh OUTDIR"
[ -f "$VGPU_CACHE/rig.env" ] || vgpu_die "no $VGPU_CACHE/rig.env: run" \
    "scripts/prepare-rig.sh first"
[[ "${VGPU_SIGNOFF:-}" =~ ^[^\<\>]+\ \<[^\<\>@\ ]+@[^\<\>\ ]+\>$ ]] ||
    vgpu_die "set VGPU_SIGNOFF='Name <email>': it signs off every patch" \
        "and names the maintainer of the files the series adds"
mkdir -p "$1"
OUT=$(cd "$1" && pwd)

PRISTINE=$("$VGPU_SRC/scripts/setup-qemu-pristine.sh")
BASE=$PRISTINE/src
TREE=$(mktemp -d)
trap 'rm -rf "$TREE"' EXIT

python3 "$VGPU_SRC/scripts/patch_series.py" build --base "$BASE" \
    --out "$OUT" --signoff "$VGPU_SIGNOFF"
mapfile -t PATCHES < <(ls "$OUT"/[0-9][0-9][0-9][0-9]-*.patch | grep -v /0000-)

apply_series() {
    git -c init.defaultBranch=series clone -q --shared --no-checkout "$BASE" "$TREE/qemu"
    git -C "$TREE/qemu" checkout -q --detach base
    git -C "$TREE/qemu" -c user.name=check -c user.email=check@localhost \
        am -q "${PATCHES[@]}" >"$TREE/am.log" 2>&1 ||
        vgpu_die "the series does not apply with git am to QEMU as" \
            "released: $(head -n 3 "$TREE/am.log" | tr '\n' ' ')"
    vgpu_log "${#PATCHES[@]} patches apply with git am to $(git -C \
        "$BASE" log -1 --format=%s base)"
}

# The files a patch adds, all of which a section naming a maintainer
# already covers (then checkpatch's question whether MAINTAINERS needs
# updating has the answer no).
added_files_covered() {
    local f
    for f in $(awk '/^diff --git /{f=substr($4, 3)} /^new file mode/{print f}' \
                   "$1"); do
        has_maintainer "$TREE/qemu" "$f" || return 1
    done
}

# Without a maintainer in QEMU as released: asked with the base's
# MAINTAINERS in the final tree.
upstream_unowned() {
    local ours=$TREE/MAINTAINERS.series verdict=0
    cp "$TREE/qemu/MAINTAINERS" "$ours"
    git -C "$TREE/qemu" show base:MAINTAINERS >"$TREE/qemu/MAINTAINERS"
    has_maintainer "$TREE/qemu" "$1" && verdict=1
    cp "$ours" "$TREE/qemu/MAINTAINERS"
    return $verdict
}

has_maintainer() {
    (cd "$1" && perl scripts/get_maintainer.pl --no-git-fallback -f "$2" \
        2>/dev/null) | grep -qE '\((maintainer|supporter|odd fixer):'
}

checkpatch_series() {
    local p out bad
    for p in "${PATCHES[@]}"; do
        out=$(perl "$BASE/scripts/checkpatch.pl" --no-tree "$p" 2>&1 || true)
        bad=$(grep -E '^(ERROR|WARNING):' <<<"$out" || true)
        if grep -q 'does MAINTAINERS need updating' <<<"$bad" &&
           ! grep -q '^ MAINTAINERS *|' "$p" && added_files_covered "$p"; then
            bad=$(grep -v 'does MAINTAINERS need updating' <<<"$bad" || true)
        fi
        [ -z "$bad" ] || vgpu_die "checkpatch on $(basename "$p"):" \
            "$(echo; grep -E -A3 '^(ERROR|WARNING):' <<<"$out")"
    done
    vgpu_log "checkpatch: all ${#PATCHES[@]} patches clean"
}

# Every file the series touches has a maintainer in the final tree; one
# it deletes is put back for the question and removed again.  A file that
# upstream leaves without one and the series only edits (a shared list
# such as hw/display/meson.build) is named, not counted: the series
# cannot give it an owner.
check_maintainers() {
    local f status named=0 unowned=()
    while read -r status f; do
        [ "$status" != D ] || git -C "$TREE/qemu" checkout -q base -- "$f"
        if has_maintainer "$TREE/qemu" "$f"; then
            named=$((named + 1))
        elif [ "$status" = M ] && upstream_unowned "$f"; then
            unowned+=("$f")
        else
            vgpu_die "get_maintainer.pl names no maintainer for $f"
        fi
        [ "$status" != D ] || git -C "$TREE/qemu" rm -q --cached -f "$f"
        [ "$status" != D ] || rm -f "$TREE/qemu/$f"
    done < <(git -C "$TREE/qemu" diff --name-status base HEAD)
    vgpu_log "get_maintainer.pl names a maintainer for $named files;" \
        "without one upstream as well, and only edited: ${unowned[*]:-none}"
}

apply_series
python3 "$VGPU_SRC/scripts/patch_series.py" verify --tree "$TREE/qemu"
checkpatch_series
check_maintainers
vgpu_log "patch series in $OUT: cover letter and ${#PATCHES[@]} patches"
