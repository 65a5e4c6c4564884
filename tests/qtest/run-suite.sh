#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run every virtio-gpu-gl qos-test case that QEMU_BINARY offers, each in
# a qos-test process (and so a QEMU) of its own under a time limit, so a
# crash, abort or hang in one case cannot hide the others.  Prints one
# "QTEST <path>: PASS|FAIL <reason>" line per case, writes the same as TSV
# (path, PASS|FAIL|SKIP, reason) to RESULT_FILE and ends with "N passed,
# N failed, N skipped".  Exits 0 whenever the suite ran, whatever the
# cases did (the caller compares against a baseline), and 2 when it could
# not run.
#
# MODULE_DIR is passed as QEMU_MODULE_DIR, so it picks the device module
# under test (QEMU falls back to its own module directory for the rest).
# Distribution builds may leave out the qtest accelerator module; it is
# then taken from the QEMU build tree that holds QOS_TEST_BINARY.  The
# caller provides the X server (DISPLAY) for displays that need one.
#
# Usage: run-suite.sh QOS_TEST_BINARY QEMU_BINARY MODULE_DIR RESULT_FILE
#                     [DISPLAY_SPEC]        (default DISPLAY_SPEC: sdl,gl=on)
# Environment: VGPU_QTEST_LOG_DIR, if set, keeps each case's full output;
# VGPU_QTEST_MATCH and VGPU_QTEST_SKIP (extended regular expressions on
# the case path) choose the cases to run; VGPU_QTEST_TIMEOUT (seconds,
# default 60) bounds each case.

set -uo pipefail

PER_TEST_TIMEOUT=${VGPU_QTEST_TIMEOUT:-60}

die() {
    echo "run-suite.sh: error: $*" >&2
    exit 2
}

[ $# -ge 4 ] && [ $# -le 5 ] || die "usage: run-suite.sh QOS_TEST_BINARY" \
    "QEMU_BINARY MODULE_DIR RESULT_FILE [DISPLAY_SPEC]"

QOS_TEST=$1
QEMU=$2
MODULE_DIR=$3
RESULT_FILE=$4
DISPLAY_SPEC=${5:-sdl,gl=on}

TMP_DIR=$(mktemp -d) || die "cannot create a temporary directory"
CASE_PID=
trap 'rm -rf "$TMP_DIR"' EXIT
trap '[ -n "$CASE_PID" ] && kill "$CASE_PID" 2>/dev/null; die "interrupted"' \
    INT TERM

check_inputs() {
    [ -x "$QOS_TEST" ] || die "qos-test binary '$QOS_TEST' is missing or" \
        "not executable; build it with 'ninja -C BUILD tests/qtest/qos-test'"
    [ -x "$QEMU" ] || die "QEMU binary '$QEMU' is missing or not executable"
    [ -d "$MODULE_DIR" ] || die "module directory '$MODULE_DIR' does not exist"
    : >"$RESULT_FILE" || die "cannot write the result file '$RESULT_FILE'"
    case $DISPLAY_SPEC in
    *[[:space:]]*)
        die "display spec '$DISPLAY_SPEC' must not contain spaces" ;;
    sdl*|gtk*)
        [ -n "${DISPLAY:-}" ] || die "display '$DISPLAY_SPEC' needs an X" \
            "server: start one (e.g. Xvfb :99) and export DISPLAY" ;;
    esac
    if [ -n "${VGPU_QTEST_LOG_DIR:-}" ]; then
        mkdir -p "$VGPU_QTEST_LOG_DIR" ||
            die "cannot create VGPU_QTEST_LOG_DIR '$VGPU_QTEST_LOG_DIR'"
    fi
}

# Does QEMU start with the qtest accelerator using modules from $1?
qtest_accel_works() {
    echo quit | QEMU_MODULE_DIR=$1 timeout 30 "$QEMU" -machine none \
        -accel qtest -display none -nodefaults -monitor stdio \
        >/dev/null 2>&1
}

# Print the module directory to run with: MODULE_DIR itself, or a copy of
# it (as symlinks) plus the build tree's qtest accelerator module.
pick_module_dir() {
    local arch build accel overlay f

    if qtest_accel_works "$MODULE_DIR"; then
        echo "$MODULE_DIR"
        return
    fi
    arch=$(basename "$QEMU")
    arch=${arch#qemu-system-}
    build=$(cd "$(dirname "$QOS_TEST")/../.." && pwd)
    accel=$build/accel-qtest-$arch.so
    [ -f "$accel" ] || die "'$QEMU' has no qtest accelerator with modules" \
        "from '$MODULE_DIR', and '$accel' does not exist; build it with" \
        "'ninja -C $build accel-qtest-$arch.so'"

    overlay=$TMP_DIR/modules
    mkdir -p "$overlay"
    for f in "$MODULE_DIR"/*.so; do
        [ -e "$f" ] && ln -s "$(realpath "$f")" "$overlay/"
    done
    ln -sf "$accel" "$overlay/"
    qtest_accel_works "$overlay" || die "'$QEMU' does not accept '$accel'" \
        "(built from a different QEMU version or configuration?)"
    echo "$overlay"
}

# The virtio-gpu-gl case paths qos-test offers with this QEMU and modules
list_paths() {
    local listing=$TMP_DIR/listing

    # Its QEMUs' messages go apart: one written into a listed line would
    # drop that case from the run.
    "$QOS_TEST" -l >"$listing" 2>"$listing.err" ||
        die "'$QOS_TEST -l' failed:$(echo; tail -n 5 "$listing.err")"
    sed -n 's|^\(# \)\{0,1\}\(/.*/virtio-gpu-gl[a-z-]*-tests/.*\)$|\2|p' "$listing" |
        grep -E -- "${VGPU_QTEST_MATCH:-.}" |
        { if [ -n "${VGPU_QTEST_SKIP:-}" ]; then
              grep -v -E -- "$VGPU_QTEST_SKIP"
          else
              cat
          fi; }
}

# One line saying why a case failed, from its output and exit status
failure_reason() {
    local log=$1 rc=$2 line qemu_line

    # Not QEMU 11's warning that libqtest's -mon option is deprecated
    qemu_line=$(grep -E '^qemu-system-[^:]*: ' "$log" |
        grep -v -m1 "'-mon' is deprecated")
    if grep -q -e 'qtest_connect' -e 'socket_accept failed' "$log"; then
        # QEMU exited before qtest could talk to it; its message says why
        line="QEMU did not start${qemu_line:+: $qemu_line}"
    else
        # ERROR:../tests/qtest/x.c:123:func: msg -> x.c:123:func: msg
        line=$(grep -m1 '^ERROR:' "$log" | sed 's|^ERROR:||; s|^[^:]*/||')
        line=${line:-$qemu_line}
    fi
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        line="timed out after ${PER_TEST_TIMEOUT}s${line:+; $line}"
    elif [ -z "$line" ]; then
        if [ "$rc" -gt 128 ]; then
            line="killed by signal $((rc - 128))"
        else
            line="exit status $rc"
        fi
        line="$line: $(grep -v '^#' "$log" | grep . | tail -n 1)"
    fi
    echo "$line" | tr '\t' ' ' | cut -c1-300
}

PASSED=0
FAILED=0
SKIPPED=0

# Print and store one verdict
record() {
    local path=$1 verdict=$2 reason=${3:-}

    if [ "$verdict" = PASS ]; then
        PASSED=$((PASSED + 1))
        echo "QTEST $path: PASS"
    elif [ "$verdict" = SKIP ]; then
        SKIPPED=$((SKIPPED + 1))
        echo "QTEST $path: SKIP $reason"
    else
        FAILED=$((FAILED + 1))
        echo "QTEST $path: FAIL $reason"
    fi
    printf '%s\t%s\t%s\n' "$path" "$verdict" "$reason" >>"$RESULT_FILE"
}

# Run one case and record it; sets LAST_REASON (empty when it passed)
run_one() {
    local path=$1 log=$TMP_DIR/case.log rc

    # In the background so an interrupt can stop it (timeout runs in a
    # process group of its own); the group's stderr hides bash's notice
    # about cases that crash.
    {
        timeout --kill-after=5 "$PER_TEST_TIMEOUT" "$QOS_TEST" -p "$path" \
            >"$log" 2>&1 </dev/null &
        CASE_PID=$!
        wait "$CASE_PID"
    } 2>/dev/null
    rc=$?
    CASE_PID=
    if [ -n "${VGPU_QTEST_LOG_DIR:-}" ]; then
        cp "$log" "$VGPU_QTEST_LOG_DIR/$(echo "${path#/}" | tr / _).log"
    fi

    if [ "$rc" -eq 0 ] && grep -q "^ok [0-9]* $path\$" "$log"; then
        LAST_REASON=
        record "$path" PASS
    elif [ "$rc" -eq 0 ] && grep -q "^ok [0-9]* $path # SKIP" "$log"; then
        # g_test_skip(): the case says why it cannot run here
        LAST_REASON=
        record "$path" SKIP "$(grep -m1 "^ok [0-9]* $path # SKIP" "$log" |
            sed 's/^.* # SKIP *//' | tr '\t' ' ' | cut -c1-300)"
    elif [ "$rc" -eq 0 ]; then
        LAST_REASON="case did not run (no 'ok' line)"
        record "$path" FAIL "$LAST_REASON"
    else
        LAST_REASON=$(failure_reason "$log" "$rc")
        record "$path" FAIL "$LAST_REASON"
    fi
}

# Run the cases of one device variant (one ".../virtio-gpu-gl-tests", or
# ".../virtio-gpu-gl-hostile-tests" for the budgets and attacks),
# get-display-info first.  If QEMU does not start or the device does not
# answer there, every other case would only wait out the same timeout, so
# they are recorded as failed without running: a dead device then costs
# one timeout, not one per case.
run_variant() {
    local variant=$1 paths=$2 probe=$1/get-display-info dead= path

    if echo "$paths" | grep -qxF "$probe"; then
        run_one "$probe"
        case $LAST_REASON in
        "QEMU did not start"*|*us_waited_for_response*|"timed out"*)
            dead=1 ;;
        esac
    fi
    for path in $(echo "$paths" | grep -F "$variant/" | grep -vxF "$probe"); do
        if [ -n "$dead" ]; then
            record "$path" FAIL \
                "not run: get-display-info found no working device"
        else
            run_one "$path"
        fi
    done
}

main() {
    local modules paths variant

    check_inputs
    modules=$(pick_module_dir) || exit 2
    export QTEST_QEMU_BINARY=$QEMU
    export QEMU_MODULE_DIR=$modules
    export VGPU_QTEST_DISPLAY=$DISPLAY_SPEC

    paths=$(list_paths) || exit 2
    [ -n "$paths" ] || die "qos-test offers no virtio-gpu-gl case with" \
        "'$QEMU' and modules from '$MODULE_DIR': neither" \
        "virtio-gpu-gl-device nor virtio-gpu-gl-pci is available"

    for variant in $(echo "$paths" | sed 's|\(/virtio-gpu-gl[a-z-]*-tests\)/.*|\1|' |
                     awk '!seen[$0]++'); do
        run_variant "$variant" "$paths"
    done
    echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
    exit 0
}

main
