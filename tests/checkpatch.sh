#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# QEMU's checkpatch.pl, from the fetched QEMU source, on every C file we
# own that goes into QEMU's tree (the device, its header, the qtest suite)
# and on the fuzzer that runs the device's handlers.
#
# Usage: tests/checkpatch.sh QEMU_SOURCE RESULT_TSV
# Prints "STYLE <file>: PASS|FAIL <first complaint>", writes the same as
# TSV and ends with "N passed, N failed, 0 skipped".

set -uo pipefail
. "$(dirname "$0")/../scripts/common.sh"

[ $# -eq 2 ] || vgpu_die "usage: tests/checkpatch.sh QEMU_SOURCE RESULT_TSV"
QSRC=$1
RESULTS=$2
CHECKPATCH=$QSRC/scripts/checkpatch.pl
[ -f "$CHECKPATCH" ] || vgpu_die "no $CHECKPATCH: is '$QSRC' a QEMU tree?"
: > "$RESULTS"
passed=0
failed=0
cd "$VGPU_SRC"
for f in hw/display/*.[ch] include/hw/display/*.h ui/*.c include/ui/*.h \
    tests/qtest/*.c tests/qtest/libqos/*.[ch] tests/stand-in/*.c \
    tests/fuzz/*.[ch]; do
    out=$(perl "$CHECKPATCH" --no-tree --terse -f "$f" 2>&1)
    if [ $? -eq 0 ] && ! grep -q 'WARNING' <<<"$out"; then
        outcome=PASS why=
        passed=$((passed + 1))
    else
        outcome=FAIL
        why=$(grep -m1 -E 'ERROR|WARNING' <<<"$out" | tr '\t' ' ' | cut -c1-200)
        failed=$((failed + 1))
    fi
    echo "STYLE $f: $outcome $why"
    printf '%s\t%s\t%s\n' "$f" "$outcome" "$why" >> "$RESULTS"
done
echo "$passed passed, $failed failed, 0 skipped"
