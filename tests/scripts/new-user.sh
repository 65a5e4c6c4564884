# SPDX-License-Identifier: GPL-2.0-or-later
#
# The entry points against the state a new user's machine has: no cache
# directory yet, an empty one, a results/ directory with no earlier runs
# or none at all.  Sourced by tests/scripts/run.sh, whose record, scratch
# and S it uses.  Downloads go to a mirror that cannot be reached
# (nothing listens on port 9), so provisioning stops at its first
# download, quickly; each case checks how it stops: a reason on a line of
# its own, the closing count, and a cache with nothing half-made in it.
# Nothing here reads what earlier runs left: each case has a cache of its
# own under $scratch.

DEAD_MIRROR=http://127.0.0.1:9/debian
CLOSING_COUNT='^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$'

# run_entry LOG COMMAND...: run with its output in LOG; prints its status.
run_entry() {
    local log=$1
    shift
    "$@" >"$log" 2>&1 </dev/null
    echo $?
}

# What a provisioning that failed must not leave in a cache.
half_made() {
    find "$1" -mindepth 1 -maxdepth 1 \( -name '*.tmp.*' -o -name 'qemu-*' \
        -o -name 'root-*' -o -name 'guest-*' -o -name rig.env \) -printf '%f '
}

# expect_stop NAME LOG STATUS CACHE [CLOSING]: the run failed, said why in
# an "error:" line, left nothing half-made and, if CLOSING is given,
# ended with that closing count.
expect_stop() {
    local name=$1 log=$2 status=$3 cache=$4 closing=${5:-} left
    left=$(half_made "$cache")
    if [ "$status" -eq 0 ]; then
        record "$name" FAIL "succeeded against a mirror that cannot be reached"
    elif ! grep -q '^error: ' "$log"; then
        record "$name" FAIL "stopped with status $status and no error line:" \
            "$(tail -n 3 "$log" | tr '\n' ' ' | cut -c1-200)"
    elif [ -n "$left" ]; then
        record "$name" FAIL "left half-made in the cache: $left"
    elif [ -n "$closing" ] && [ "$(tail -n 1 "$log")" != "$closing" ]; then
        record "$name" FAIL "last line is '$(tail -n 1 "$log")', not" \
            "'$closing'"
    else
        record "$name" PASS
    fi
}

# new_user_entry NAME SCRIPT CACHE [CLOSING]: a README command on a cache
# directory that does not exist yet (it must be made, and said) or that
# exists and is empty.
new_user_entry() {
    local name=$1 script=$2 cache=$3 closing=${4:-} made=no status log
    log=$scratch/$name.log
    [ -d "$cache" ] || made=yes
    status=$(run_entry "$log" env VGPU_CACHE="$cache" \
        VGPU_MIRROR="$DEAD_MIRROR" bash "$S/$script")
    if [ $made = yes ] && ! [ -d "$cache" ]; then
        record "$name" FAIL "the cache directory $cache was not made:" \
            "$(grep -m1 '^error: ' "$log")"
    elif [ $made = yes ] && ! grep -q "made the cache directory $cache" \
            "$log"; then
        record "$name" FAIL "made $cache without saying so"
    else
        expect_stop "$name" "$log" "$status" "$cache" "$closing"
    fi
}

new_user_entry new-user-test-no-cache-dir test.sh "$scratch/new/test-cache" \
    "0 passed, 1 failed, 0 skipped"
new_user_entry new-user-demo-no-cache-dir demo.sh "$scratch/new/demo-cache"
mkdir -p "$scratch/empty-test-cache" "$scratch/empty-demo-cache"
new_user_entry new-user-test-empty-cache test.sh "$scratch/empty-test-cache" \
    "0 passed, 1 failed, 0 skipped"
new_user_entry new-user-demo-empty-cache demo.sh "$scratch/empty-demo-cache"

# A cache holding this rig's rig.env (so run-tests.sh can start) and the
# results/ state under test.  A --filter that matches no test runs the
# functional phase with nothing in it, which must fail, and say so.
# new_user_results NAME SETUP: SETUP makes the results/ state in $cache.
new_user_results() {
    local name=$1 setup=$2 cache=$scratch/$1 log status runs
    log=$scratch/$name.log
    mkdir -p "$cache"
    cp "$VGPU_CACHE/rig.env" "$cache/"
    "$setup" "$cache"
    status=$(run_entry "$log" env VGPU_CACHE="$cache" \
        "$VGPU_SRC/tests/run-tests.sh" --module ours \
        --filter vgpu-no-such-test)
    runs=$(find "$cache/results" -mindepth 1 -maxdepth 1 -name 'ours-*' \
        2>/dev/null | wc -l)
    if [ "$status" -ne 1 ]; then
        record "$name" FAIL "exit status $status, not 1:" \
            "$(tail -n 2 "$log" | tr '\n' ' ' | cut -c1-200)"
    elif ! grep -q 'functional: ran no test' "$log"; then
        record "$name" FAIL "a phase that ran no test was not reported"
    elif ! grep -qE "$CLOSING_COUNT" <<<"$(tail -n 1 "$log")"; then
        record "$name" FAIL "last line is not a closing count: $(tail -n 1 \
            "$log")"
    elif ! check_results "$cache" "$runs"; then
        record "$name" FAIL "$RESULTS_WHY"
    else
        record "$name" PASS
    fi
}

no_results_dir() { :; }
empty_results_dir() { mkdir -p "$1/results"; }
# Six earlier runs of ours, oldest first, and one of stock.
six_earlier_runs() {
    local i
    for i in 1 2 3 4 5 6; do
        mkdir -p "$1/results/ours-20200101-00000$i"
        touch -d "2020-01-01 00:00:0$i" "$1/results/ours-20200101-00000$i"
    done
    mkdir -p "$1/results/stock-20200101-000001"
}

# check_results CACHE RUNS: the new run left one result directory, and
# pruning kept the newest four earlier runs of ours and stock's alone.
check_results() {
    local cache=$1 runs=$2
    RESULTS_WHY=
    if [ -d "$cache/results/stock-20200101-000001" ]; then
        [ "$runs" -eq 5 ] ||
            RESULTS_WHY="$runs runs of ours kept, not the new one and four"
        [ ! -d "$cache/results/ours-20200101-000002" ] ||
            RESULTS_WHY="the oldest earlier runs were not pruned"
        [ -d "$cache/results/ours-20200101-000003" ] ||
            RESULTS_WHY="a run among the newest four was pruned"
    elif [ "$runs" -ne 1 ]; then
        RESULTS_WHY="$runs result directories, not one"
    fi
    [ -z "$RESULTS_WHY" ]
}

new_user_results new-user-no-results-dir no_results_dir
new_user_results new-user-empty-results-dir empty_results_dir
new_user_results results-pruned six_earlier_runs

# set -e never ends one of our scripts in silence: the failing command
# and its place are printed.
printf 'set -euo pipefail\n. "%s"\nfalse\necho not reached\n' \
    "$VGPU_SRC/scripts/common.sh" > "$scratch/stops.sh"
status=$(run_entry "$scratch/stops.log" bash "$scratch/stops.sh")
if [ "$status" -ne 1 ] || grep -q 'not reached' "$scratch/stops.log"; then
    record failure-is-reported FAIL "status $status; $(cat "$scratch/stops.log")"
elif ! grep -qE '^error: .*stops.sh:3: exit status 1 from: false$' \
        "$scratch/stops.log"; then
    record failure-is-reported FAIL "no line naming the failure:" \
        "$(tr '\n' ' ' < "$scratch/stops.log" | cut -c1-200)"
else
    record failure-is-reported PASS
fi

# Every script of ours that runs under set -e sources common.sh, which
# installs that report.
unreported=
for f in $(cd "$VGPU_SRC" && git ls-files 'scripts/*.sh' 'tests/*.sh'); do
    grep -q '^set -e' "$VGPU_SRC/$f" || continue
    grep -qE '^\. .*common\.sh"$' "$VGPU_SRC/$f" || unreported="$unreported $f"
done
if [ -n "$unreported" ]; then
    record every-script-reports-failures FAIL "no common.sh in:$unreported"
else
    record every-script-reports-failures PASS
fi
