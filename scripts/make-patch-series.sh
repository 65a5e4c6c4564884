#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Write the patch series for upstream QEMU, as far as it exists, against
# the QEMU source the rig uses (Debian's, same version as the binary):
#
#   0001 ui/egl-helpers: fall back to surfaceless EGL without a render node
#
# The patches are generated from our files, never stored: the base is a
# throw-away git tree holding the QEMU files the series touches, each
# patch one commit on it.  Then every patch is checked: it applies to
# the QEMU tree (patch --dry-run), and the files it changes compile with
# QEMU's flags.
#
# Usage: scripts/make-patch-series.sh OUTDIR
#   (inside the build root: scripts/in-root.sh scripts/make-patch-series.sh)
#
# Set VGPU_SIGNOFF="Name <email>" to add the submitter's Signed-off-by
# (the Developer's Certificate of Origin is a person's, so no default).
# QEMU's checkpatch then passes the series as it is; without it, only the
# missing Signed-off-by is tolerated.

set -euo pipefail
. "$(dirname "$0")/common.sh"

[ $# -eq 1 ] || vgpu_die "usage: scripts/make-patch-series.sh OUTDIR"
OUT=$1
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
[ -f "$VGPU_CACHE/rig.env" ] || vgpu_die "no $VGPU_CACHE/rig.env: run" \
    "scripts/prepare-rig.sh first"
# shellcheck disable=SC1091
. "$VGPU_CACHE/rig.env"
QSRC=$VGPU_QEMU_SOURCE
QBUILD=$VGPU_QEMU_BUILD

# The QEMU files the series changes (its base).
BASE_FILES=(ui/egl-helpers.c include/ui/egl-helpers.h ui/meson.build)

TREE=$(mktemp -d)
trap 'rm -rf "$TREE"' EXIT

git_tree() {
    git -C "$TREE" -c user.name="virtio-gpu-gl" \
        -c user.email="virtio-gpu-gl@localhost" "$@"
}

make_base() {
    local f
    git_tree init -q
    for f in "${BASE_FILES[@]}"; do
        mkdir -p "$TREE/$(dirname "$f")"
        cp "$QSRC/$f" "$TREE/$f"
    done
    git_tree add -A
    git_tree commit -q -m "QEMU $(cat "$QSRC/VERSION") (base)"
}

# Rename the definition (and, in the header, the declaration) of one of
# the functions ui/egl-surfaceless.c wraps.  Exactly one must change.
rename_function() {
    local file=$1 type=$2 name=$3
    local count
    count=$(grep -c "^$type $name(" "$TREE/$file" || true)
    [ "$count" -eq 1 ] || vgpu_die "$file: expected one '$type $name(', found" \
        "$count; QEMU changed, update scripts/make-patch-series.sh"
    sed -i "s/^$type $name(/$type ${name}_drm(/" "$TREE/$file"
}

patch_surfaceless_egl() {
    local f
    for f in ui/egl-surfaceless.c include/ui/egl-surfaceless.h; do
        cp "$VGPU_SRC/$f" "$TREE/$f"
    done
    rename_function ui/egl-helpers.c int egl_rendernode_init
    rename_function ui/egl-helpers.c int egl_get_fd_for_texture
    rename_function ui/egl-helpers.c bool egl_init
    grep -q '^#include "ui/egl-helpers.h"$' "$TREE/ui/egl-helpers.c" ||
        vgpu_die "ui/egl-helpers.c no longer includes ui/egl-helpers.h"
    sed -i 's|^#include "ui/egl-helpers.h"$|&\n#include "ui/egl-surfaceless.h"|' \
        "$TREE/ui/egl-helpers.c"
    grep -q "'egl-helpers.c', 'egl-context.c'" "$TREE/ui/meson.build" ||
        vgpu_die "ui/meson.build: the opengl module's file list changed"
    sed -i "s/'egl-helpers.c', 'egl-context.c'/'egl-helpers.c', 'egl-context.c', 'egl-surfaceless.c'/" \
        "$TREE/ui/meson.build"
    git_tree add -A
    commit_patch <<'EOF'
ui/egl-helpers: fall back to surfaceless EGL without a render node

egl-headless, dbus,gl=on and -spice gl=on stop with "egl: no drm render
node available" on a machine without a GPU, although Mesa renders there
with llvmpipe through EGL's surfaceless platform.

With no render node (and none named by the user), egl_init() and
egl_rendernode_init() now bring up EGL on the surfaceless platform; with
one, nothing changes.  egl_get_fd_for_texture() returns -1 when the
display cannot export dmabufs instead of calling a missing entry point,
so SPICE and D-Bus keep running (their GL clients get no scanouts
there).  Without any EGL the error says what to install or which
display to use.

The render node versions keep their code, renamed with a _drm suffix;
ui/egl-surfaceless.c wraps them.
EOF
}

# One patch: the message on stdin, plus the submitter's Signed-off-by.
commit_patch() {
    local msg
    msg=$(cat)
    if [ -n "${VGPU_SIGNOFF:-}" ]; then
        msg=$(printf '%s\n\nSigned-off-by: %s' "$msg" "$VGPU_SIGNOFF")
    fi
    git_tree commit -q -m "$msg"
}

# QEMU's checkpatch on each patch: no warning, no error but a missing
# Signed-off-by when VGPU_SIGNOFF is unset.  checkpatch asks whether
# MAINTAINERS needs updating whenever a patch adds a file; the files we
# add are in ui/ and include/ui/, which the Graphics section covers.
checkpatch_series() {
    local p out bad dir
    for dir in ui/ include/ui/; do
        grep -qx "F: $dir" "$QSRC/MAINTAINERS" || vgpu_die "MAINTAINERS has" \
            "no 'F: $dir' any more: the series must add its files there"
    done
    for p in "$OUT"/*.patch; do
        out=$(perl "$QSRC/scripts/checkpatch.pl" --no-tree "$p" 2>&1 || true)
        bad=$(grep -E '^(ERROR|WARNING):' <<<"$out" |
              grep -v '^ERROR: Missing Signed-off-by' |
              grep -v 'does MAINTAINERS need updating' || true)
        [ -z "$bad" ] || vgpu_die "checkpatch on $(basename "$p"): $bad"
    done
}

# The patched files must compile with the flags QEMU gives a ui module.
compile_check() {
    local f
    for f in ui/egl-helpers.c ui/egl-surfaceless.c; do
        vgpu_log "compile check: $f as patched"
        # shellcheck disable=SC2046
        cc -fsyntax-only -std=gnu11 -DBUILD_DSO -D_GNU_SOURCE \
            -Werror=implicit-function-declaration -Wmissing-prototypes \
            -iquote "$TREE/ui" -I "$TREE/include" -I "$QBUILD" \
            -I "$QBUILD/qapi" -I "$QBUILD/trace" -I "$QSRC" \
            -I "$QSRC/include" -I "$QSRC/host/include/$(uname -m)" \
            -I "$QSRC/host/include/generic" -I "$QSRC/linux-headers" \
            $(pkg-config --cflags glib-2.0 pixman-1 epoxy gbm) \
            -x c "$TREE/$f" -o /dev/null ||
            vgpu_die "$f does not compile as patched"
    done
}

make_base
patch_surfaceless_egl
rm -f "$OUT"/*.patch
git_tree format-patch -q -o "$OUT" HEAD~1..HEAD
for p in "$OUT"/*.patch; do
    patch -p1 --dry-run -s -f -d "$QSRC" < "$p" >/dev/null ||
        vgpu_die "$(basename "$p") does not apply to $QSRC"
done
# "trace.h" of egl-helpers.c: its group's header, as QEMU's build makes it.
echo '#include "trace/trace-ui.h"' > "$TREE/ui/trace.h"
compile_check
checkpatch_series
vgpu_log "patch series in $OUT: $(cd "$OUT" && echo *.patch)"
