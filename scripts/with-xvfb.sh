#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run a command with an Xvfb server on a free display (DISPLAY exported),
# stopping the server afterwards.  Windowed GL displays (sdl,gl=on,
# gtk,gl=on) need one on a machine without a screen.
#
# Usage: scripts/with-xvfb.sh COMMAND [ARGS...]

set -euo pipefail
. "$(dirname "$0")/common.sh"

[ $# -gt 0 ] || vgpu_die "usage: scripts/with-xvfb.sh COMMAND [ARGS...]"

for n in $(seq 90 99); do
    [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || break
done
log=$(mktemp)
# Big enough for a 1920x1080 scanout in a window with its decorations.
Xvfb ":$n" -screen 0 2560x1600x24 -nolisten tcp >"$log" 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 50); do
    [ -e "/tmp/.X11-unix/X$n" ] && break
    sleep 0.1
done
[ -e "/tmp/.X11-unix/X$n" ] || { cat "$log"; vgpu_die "Xvfb did not start"; }
export DISPLAY=":$n" VGPU_UNDER_XVFB=1
"$@" || exit $?
