# SPDX-License-Identifier: GPL-2.0-or-later
#
# Shared helpers for the virtio-gpu development scripts: logging, the
# cache location and the package mirror taken from the host's apt setup.
# Sourced, never run.

VGPU_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Everything slow to make lives here, outside the clone, keyed by version.
# The directory is made when it does not exist yet, whether it is the
# default or one the user named; a path that exists but is no directory
# (or cannot be made) stops with a message saying what to change.
VGPU_CACHE=${VGPU_CACHE:-/var/cache/virtio-gpu-dev}
if [ ! -d "$VGPU_CACHE" ]; then
    if [ -e "$VGPU_CACHE" ] || ! mkdir -p "$VGPU_CACHE" 2>/dev/null; then
        printf "error: VGPU_CACHE '%s' is not a directory and cannot be " \
            "$VGPU_CACHE" >&2
        printf 'made one; point VGPU_CACHE at a directory you can write\n' >&2
        exit 1
    fi
    printf '[%s] made the cache directory %s\n' "$(date +%H:%M:%S)" \
        "$VGPU_CACHE" >&2
fi
VGPU_CACHE=$(cd "$VGPU_CACHE" && pwd)
export VGPU_CACHE

# Bump a key when the recipe of the thing it names changes.
VGPU_ROOT_KEY=trixie-r3
VGPU_SUITE=trixie
# Debian sid's QEMU 11.1.3, the `upstream` module (setup-upstream-root.sh)
VGPU_UPSTREAM_ROOT=$VGPU_CACHE/root-sid-qemu-11.1-r1
# Debian sid's virglrenderer (1.3), a second renderer version for our
# modules (setup-virglrenderer.sh)
VGPU_VIRGL13_PREFIX=$VGPU_CACHE/virglrenderer-sid-r1
VGPU_VIRGL13_LIBDIR=$VGPU_VIRGL13_PREFIX/usr/lib/x86_64-linux-gnu

# No script stops in silence: where set -e ends a script that sourced
# this file, the failing command, its status and its place are printed on
# one line.  errtrace carries the trap into functions and subshells; a
# failure inside a command substitution is then reported twice, where it
# happened and where its value was taken.  In a pipeline, the command
# named is the last one, whichever part failed.
vgpu_report_failure() {
    local status=$1 line=$2 file=$3 command=$4
    # A failing function is reported where it failed, not again as it
    # returns (BASHPID: once per process, subshells included).
    [ "${vgpu_failure_reported:-}" != "$BASHPID" ] || return 0
    vgpu_failure_reported=$BASHPID
    printf 'error: %s:%s: exit status %s from: %s\n' \
        "${file#"$VGPU_SRC"/}" "$line" "$status" "$command" >&2
}

if [[ $- == *e* ]]; then
    set -o errtrace
    trap 'vgpu_report_failure $? "$LINENO" "${BASH_SOURCE[0]}" \
        "$BASH_COMMAND"' ERR
fi

# Did a benchmark run (tests/bench/run.py) write figures to JSON?
vgpu_bench_has_figures() {
    grep -q '"figures"' "$1" 2>/dev/null
}

# The one option of the setup scripts: prints yes for --force, no for
# nothing, and stops on anything else.
vgpu_force_option() {
    case "${1:-}" in
    --force) echo yes ;;
    "") echo no ;;
    *) vgpu_die "unknown option '$1' (only --force is known)" ;;
    esac
}

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
    local files=() f
    # Only the files that exist: grep fails on a missing one, and a
    # Debian 13 root has no sources.list.
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
        /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] && files+=("$f")
    done
    uri=$(cat /dev/null "${files[@]}" | sed -nE \
        '/^(URIs:|deb ).*(https?|file):[^ ]*\/debian\/?( |$)/{
            s#^.*[ :]((https?|file):[^ ]*/debian)/?( .*)?$#\1#p; q; }')
    [ -n "$uri" ] || vgpu_die "no Debian mirror found in /etc/apt; configure" \
        "one for apt first"
    echo "${uri%/}"
}

# The architecture a QEMU wrapper was called for, from the name of the
# link to it (qemu-system-ARCH; prepare-rig.sh makes them in DIR).
vgpu_link_arch() {
    local name
    name=$(basename "$0")
    [[ $name == qemu-system-* ]] || vgpu_die "call this through a link" \
        "named qemu-system-ARCH (scripts/prepare-rig.sh makes them in $1)," \
        "not as $name"
    echo "${name#qemu-system-}"
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

# Update the index of Debian's source packages, and set VGPU_APT_OPTS for
# the apt-get calls that use it.  VGPU_MIRROR, where set, is the only
# mirror asked, as for the build root and the guest images: a source list
# and package lists of their own under DIR, so apt's own setup is left as
# it is.
vgpu_source_index() {
    local dir=$1
    VGPU_APT_OPTS=()
    if [ -n "${VGPU_MIRROR:-}" ]; then
        mkdir -p "$dir/lists/partial"
        echo "deb-src $VGPU_MIRROR $VGPU_SUITE main" >"$dir/sources.list"
        VGPU_APT_OPTS=(-o "Dir::Etc::SourceList=$dir/sources.list"
                       -o Dir::Etc::SourceParts=/nonexistent
                       -o "Dir::State::Lists=$dir/lists")
    fi
    apt-get "${VGPU_APT_OPTS[@]}" update -qq ||
        vgpu_die "apt-get update failed: the mirror cannot be reached"
}
