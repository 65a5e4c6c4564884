# SPDX-License-Identifier: GPL-2.0-or-later
#
# Shared helpers for the virtio-gpu development scripts: logging, the
# cache location and the package mirror taken from the host's apt setup.
# Sourced, never run.

VGPU_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Everything slow to make lives here, outside the clone, keyed by version.
# A cache directory the user names must exist; the default one is made.
if [ -n "${VGPU_CACHE:-}" ]; then
    [ -d "$VGPU_CACHE" ] || {
        printf "error: VGPU_CACHE '%s' is not a directory; create it or " \
            "$VGPU_CACHE" >&2
        printf 'unset VGPU_CACHE to use /var/cache/virtio-gpu-dev\n' >&2
        exit 1
    }
    VGPU_CACHE=$(cd "$VGPU_CACHE" && pwd)
else
    VGPU_CACHE=/var/cache/virtio-gpu-dev
fi
export VGPU_CACHE

# Bump a key when the recipe of the thing it names changes.
VGPU_ROOT_KEY=trixie-r2
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
# whose path ends in /debian), or VGPU_MIRROR; scripts never name a host.
vgpu_mirror() {
    local uri
    if [ -n "${VGPU_MIRROR:-}" ]; then
        echo "$VGPU_MIRROR"
        return 0
    fi
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

# A host with Debian's QEMU 10, virglrenderer 1.1+ and its render server
# needs no build root: everything runs natively.
vgpu_host_is_enough() {
    command -v qemu-system-aarch64 >/dev/null &&
        pkg-config --atleast-version=1.1.0 virglrenderer 2>/dev/null &&
        [ -x /usr/libexec/virgl_render_server ]
}
