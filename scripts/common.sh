# SPDX-License-Identifier: GPL-2.0-or-later
#
# Shared helpers for the virtio-gpu development scripts: logging, the
# cache location and the package mirror taken from the host's apt setup.
# Sourced, never run.

VGPU_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Everything slow to make lives here, outside the clone, keyed by version.
VGPU_CACHE=${VGPU_CACHE:-/var/cache/virtio-gpu-dev}

# Bump a key when the recipe of the thing it names changes.
VGPU_ROOT_KEY=trixie-r1
VGPU_SUITE=trixie

vgpu_log() {
    printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

vgpu_die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# Check that a directory given by the user exists, with a message that
# says which option or variable named it.
vgpu_need_dir() {
    local what=$1 dir=$2
    [ -d "$dir" ] || vgpu_die "$what '$dir' does not exist; create it or" \
        "point $what at an existing directory"
}

# The Debian mirror the host already uses (first deb822 or one-line entry
# whose path ends in /debian); scripts never name a host themselves.
vgpu_mirror() {
    local uri
    uri=$(grep -hE '^(URIs:|deb )' /etc/apt/sources.list \
              /etc/apt/sources.list.d/*.sources \
              /etc/apt/sources.list.d/*.list 2>/dev/null |
          grep -oE '(https?|file):[^ ]*/debian/?( |$)' | head -n1 | tr -d ' ')
    [ -n "$uri" ] || vgpu_die "no Debian mirror found in /etc/apt; configure" \
        "one for apt first"
    echo "${uri%/}"
}

# Architecture names as QEMU, Debian and the kernel spell them.
vgpu_check_arch() {
    case "$1" in
    aarch64|x86_64) ;;
    *) vgpu_die "unknown architecture '$1': use aarch64 or x86_64" ;;
    esac
}

vgpu_deb_arch() {
    case "$1" in
    aarch64) echo arm64 ;;
    x86_64) echo amd64 ;;
    esac
}
