#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Debian's QEMU with sid's virglrenderer (scripts/setup-virglrenderer.sh)
# in place of the root's own: the library from its prefix, and the render
# server it starts for Venus from there too (virglrenderer reads
# RENDER_SERVER_EXEC_PATH).  Called through a link named qemu-system-ARCH
# (scripts/prepare-rig.sh makes them in $VGPU_CACHE/work/virgl13-bin), as
# qos-test and QEMU's Python take the architecture from the binary's
# name.  It execs, so QEMU keeps the PID its caller started.

set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/common.sh"

arch=$(vgpu_link_arch '$VGPU_CACHE/work/virgl13-bin')
[ -f "$VGPU_VIRGL13_PREFIX/.complete" ] || vgpu_die "no virglrenderer in" \
    "$VGPU_VIRGL13_PREFIX; run scripts/setup-virglrenderer.sh"
export LD_LIBRARY_PATH=$VGPU_VIRGL13_LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export RENDER_SERVER_EXEC_PATH=$VGPU_VIRGL13_PREFIX/usr/libexec/virgl_render_server
exec "/usr/bin/qemu-system-$arch" "$@"
