#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run the whole rig against one module directory, inside the build root
# (after scripts/prepare-rig.sh): the qtest suite on aarch64 and x86_64,
# the functional tests that boot real guests, and the micro-benchmark.
# Each outcome is compared with the recorded baseline of that module.
#
# Usage: tests/run-tests.sh [--module stock|upstream|ours|ours-virgl13|
#                                     in-tree|LABEL=DIR]
#                           [--output DIR]
#                           [--display SPEC]
#                 [--only scripts|qtest|functional|asan|contract|fuzz|bench|
#                         series]...
#                           [--filter SUBSTRING]...
#                           [--update-baseline]
#
# --only is repeatable: the phases named, in that order.
# --filter runs only the functional tests whose name contains SUBSTRING
# (repeatable) and compares just those with the baseline.
#
# in-tree is QEMU as released with the patch series applied and the
# device built into the binary (scripts/setup-qemu-pristine.sh); its
# phase series makes the series, checks it and builds that binary
# (scripts/make-patch-series.sh, scripts/check-patch-series.sh --final),
# so run it before its qtest phase.

set -euo pipefail
. "$(dirname "$0")/../scripts/common.sh"

[ -f "$VGPU_CACHE/rig.env" ] || vgpu_die "no rig in $VGPU_CACHE; run" \
    "scripts/prepare-rig.sh first"
set -a
. "$VGPU_CACHE/rig.env"
set +a

# Windowed GL displays (the stock device needs one) draw on Xvfb.
[ -n "${VGPU_UNDER_XVFB:-}" ] ||
    exec "$VGPU_SRC/scripts/with-xvfb.sh" "$0" "$@"

LABEL=stock
MODULES=$VGPU_STOCK_MODULES
# Set for the label that names its renderer library (ours-virgl13) only.
unset VGPU_RENDERER_LIBDIR
# Where the QEMU binaries are: Debian 13's, or upstream's wrappers.
QEMU_BINDIR=/usr/bin
DISPLAY_SPEC=
OUTPUT=
ONLY=
UPDATE=no
FILTERS=()
while [ $# -gt 0 ]; do
    case "$1" in
    --module)
        [ $# -ge 2 ] || vgpu_die "--module needs stock, upstream, ours," \
            "ours-virgl13 or LABEL=DIR"
        case "$2" in
        stock) LABEL=stock; MODULES=$VGPU_STOCK_MODULES ;;
        upstream)
            [ -n "${VGPU_UPSTREAM_BINDIR:-}" ] || vgpu_die "the rig has no" \
                "upstream QEMU: run scripts/setup-upstream-root.sh, then" \
                "scripts/prepare-rig.sh"
            LABEL=upstream; MODULES=$VGPU_UPSTREAM_MODULES
            QEMU_BINDIR=$VGPU_UPSTREAM_BINDIR ;;
        ours) LABEL=ours; MODULES=$VGPU_OUR_MODULES ;;
        ours-virgl13)
            [ -n "${VGPU_VIRGL13_BINDIR:-}" ] || vgpu_die "the rig has no" \
                "second virglrenderer: run scripts/setup-virglrenderer.sh," \
                "then scripts/prepare-rig.sh"
            LABEL=ours-virgl13; MODULES=$VGPU_OUR_MODULES_VIRGL13
            QEMU_BINDIR=$VGPU_VIRGL13_BINDIR
            # test_modules checks that QEMU runs this library
            export VGPU_RENDERER_LIBDIR=$VGPU_VIRGL13_LIBDIR ;;
        in-tree)
            PRISTINE=$("$VGPU_SRC/scripts/setup-qemu-pristine.sh")
            LABEL=in-tree; MODULES=$PRISTINE/build
            QEMU_BINDIR=$PRISTINE/build
            VGPU_QOS_TEST=$PRISTINE/build/tests/qtest/qos-test ;;
        *=*) LABEL=${2%%=*}; MODULES=${2#*=} ;;
        *) vgpu_die "--module takes stock, upstream, ours, ours-virgl13," \
            "in-tree or LABEL=DIR, not '$2'" ;;
        esac
        vgpu_need_dir "module directory (--module)" "$MODULES"
        shift 2 ;;
    --display) DISPLAY_SPEC=$2; shift 2 ;;
    --filter)
        [ $# -ge 2 ] || vgpu_die "--filter needs a test name substring"
        FILTERS+=(-k "$2")
        [[ " $ONLY " == *" functional "* ]] ||
            ONLY=${ONLY:+$ONLY }functional
        shift 2 ;;
    --output) OUTPUT=$2; shift 2 ;;
    --only)
        case "$2" in
        scripts|qtest|functional|asan|contract|fuzz|bench|series|style)
            phase=${2/style/scripts}
            [[ " $ONLY " == *" $phase "* ]] || ONLY=${ONLY:+$ONLY }$phase ;;
        *) vgpu_die "--only takes scripts, qtest, functional, asan," \
            "contract, fuzz, bench or series, not '$2'" ;;
        esac
        shift 2 ;;
    --update-baseline) UPDATE=yes; shift ;;
    *) vgpu_die "unknown option '$1'" ;;
    esac
done
# A run leaves about 200 MB (QEMU logs, screendumps) in the cache: keep
# the newest four earlier runs of this module label beside the new one.
# A cache with no results yet (a new machine) has nothing to prune.
prune_old_results() {
    local -a old
    mapfile -t old < <(find "$VGPU_CACHE/results" -mindepth 1 -maxdepth 1 \
        -type d -name "$LABEL-2[0-9]*-[0-9]*" -printf '%T@ %p\n' |
        sort -rn | tail -n +5 | cut -d' ' -f2-)
    [ ${#old[@]} -eq 0 ] || rm -rf -- "${old[@]}"
}

if [ -z "$OUTPUT" ]; then
    mkdir -p "$VGPU_CACHE/results"
    prune_old_results
    OUTPUT=$VGPU_CACHE/results/$LABEL-$(date +%Y%m%d-%H%M%S)
fi
mkdir -p "$OUTPUT"
BASELINE="$VGPU_SRC/tests/bench/baseline"


# Debian's and upstream's devices need a GL display; ours renders on its
# own, so it is tested with none.
if [ -z "$DISPLAY_SPEC" ]; then
    case $LABEL in
    stock|upstream) DISPLAY_SPEC=sdl,gl=on ;;
    *) DISPLAY_SPEC=none ;;
    esac
fi
export VGPU_MODULE_DIR=$MODULES VGPU_MODULE_LABEL=$LABEL VGPU_OUTPUT=$OUTPUT
export VGPU_QEMU_BINDIR=$QEMU_BINDIR
export VGPU_DISPLAY=$DISPLAY_SPEC
vgpu_log "testing module directory $MODULES ($LABEL, -display" \
    "$DISPLAY_SPEC); results in $OUTPUT"

# The DRM contract cases need the recording stand-in (run_contract).
export VGPU_QTEST_SKIP=/drm-contract/

run_qtest() {
    local arch
    for arch in aarch64 x86_64; do
        vgpu_log "qtest suite on $arch"
        bash "$VGPU_SRC/tests/qtest/run-suite.sh" "$VGPU_QOS_TEST" \
            "$QEMU_BINDIR/qemu-system-$arch" "$MODULES" \
            "$OUTPUT/qtest-$arch.tsv" \
            "$DISPLAY_SPEC"
        sed "s/^/qtest\t/" "$OUTPUT/qtest-$arch.tsv" >> "$OUTPUT/outcomes.tsv"
    done
}

run_scripts() {
    vgpu_log "bad arguments to our scripts; QEMU's checkpatch on our C files"
    bash "$VGPU_SRC/tests/scripts/run.sh" "$OUTPUT/scripts.tsv"
    sed "s/^/scripts\t/" "$OUTPUT/scripts.tsv" >> "$OUTPUT/outcomes.tsv"
    bash "$VGPU_SRC/tests/checkpatch.sh" "$VGPU_QEMU_SOURCE" "$OUTPUT/style.tsv"
    sed "s/^/style\t/" "$OUTPUT/style.tsv" >> "$OUTPUT/outcomes.tsv"
}

# record_step SUITE NAME LOG COMMAND...: run COMMAND with its output in
# LOG (and on the terminal); one outcome, its first error as the reason.
record_step() {
    local suite=$1 name=$2 log=$3 verdict=PASS why=
    shift 3
    if ! "$@" 2>&1 | tee "$log"; then
        verdict=FAIL
        why=$(grep -m1 '^error:' "$log" || tail -n1 "$log")
    fi
    printf '%s\t%s\t%s\t%s\n' "$suite" "$name" "$verdict" "${why:0:300}" \
        >> "$OUTPUT/outcomes.tsv"
    [ $verdict = PASS ]
}

# The patch series: made and checked (applies, same files as ours,
# checkpatch, maintainers), then QEMU built with it.  Without
# VGPU_SIGNOFF a test identity signs it.
run_series() {
    local signoff=${VGPU_SIGNOFF:-"virtio-gpu-gl test run <test@virtio-gpu-gl.invalid>"}
    vgpu_log "the patch series: made, applied, checked (signed off by" \
        "$signoff)"
    if ! VGPU_SIGNOFF=$signoff record_step series make "$OUTPUT/series.log" \
            bash "$VGPU_SRC/scripts/make-patch-series.sh" "$OUTPUT/patches"; then
        printf 'series\tbuild\tFAIL\tnot built: the series was not made\n' \
            >> "$OUTPUT/outcomes.tsv"
        return 0
    fi
    vgpu_log "QEMU as released with the series, the device built in"
    record_step series build "$OUTPUT/series-build.log" \
        bash "$VGPU_SRC/scripts/check-patch-series.sh" --final \
        "$OUTPUT/patches" || true
}

run_functional() {
    vgpu_log "functional tests (boot aarch64 and x86_64 guests under TCG)"
    python3 "$VGPU_SRC/tests/functional/run.py" "$OUTPUT/functional.tsv" \
        "${FILTERS[@]}"
    sed "s/^/functional\t/" "$OUTPUT/functional.tsv" >> "$OUTPUT/outcomes.tsv"
}

# asan_qtest ASAN_OPTIONS RESULT_TSV PREFIX: the aarch64 qtest suite
# (VGPU_QTEST_MATCH picks its cases) with our AddressSanitizer modules
# and libasan preloaded, its outcomes recorded as asan PREFIX<case>.
asan_qtest() {
    local opts=$1 tsv=$2 prefix=$3
    LD_PRELOAD=$VGPU_LIBASAN ASAN_OPTIONS=$opts \
        bash "$VGPU_SRC/tests/qtest/run-suite.sh" "$VGPU_QOS_TEST" \
        /usr/bin/qemu-system-aarch64 "$VGPU_OUR_MODULES_ASAN" "$tsv" none
    sed "s/^/asan\t$prefix/" "$tsv" >> "$OUTPUT/outcomes.tsv"
}

# asan_functional ASAN_OPTIONS OUTPUT_DIR RESULT_TSV PREFIX -k TEST...:
# the same for functional tests, libasan preloaded into QEMU only.
asan_functional() {
    local opts=$1 out=$2 tsv=$3 prefix=$4
    shift 4
    VGPU_MODULE_DIR=$VGPU_OUR_MODULES_ASAN VGPU_OUTPUT=$out \
        VGPU_QEMU_ENV="LD_PRELOAD=$VGPU_LIBASAN ASAN_OPTIONS=$opts" \
        python3 "$VGPU_SRC/tests/functional/run.py" "$tsv" "$@"
    sed "s/^/asan\t$prefix/" "$tsv" >> "$OUTPUT/outcomes.tsv"
}

# Our modules built with AddressSanitizer, libasan preloaded into QEMU:
# the qtest suite (every command, bad ones included) and the lifecycle
# tests (reset, driver reload and quit under load).  A memory error stops
# QEMU (exit status 99), so its case fails.  Leak reports are off here:
# with an uninstrumented QEMU, Mesa and GLib they would drown ours and
# fail every case; run_leaks judges them on their own.
run_asan() {
    local opts=halt_on_error=1:exitcode=99:detect_leaks=0
    opts=$opts:detect_stack_use_after_return=0
    vgpu_need_dir "AddressSanitizer build of our modules" \
        "$VGPU_OUR_MODULES_ASAN"
    vgpu_log "asan: qtest suite on aarch64 with our modules under" \
        "AddressSanitizer"
    asan_qtest "$opts" "$OUTPUT/asan-qtest.tsv" qtest
    vgpu_log "asan: lifecycle tests with our modules under AddressSanitizer"
    asan_functional "$opts" "$OUTPUT/asan" "$OUTPUT/asan-functional.tsv" \
        functional: -k lifecycle
    # Proof the sanitizer ran: every QEMU above printed ASan's start-up
    # warning about its coroutines.
    local qemus with_asan verdict=PASS
    qemus=$(ls "$OUTPUT"/asan/vgpu-*/{aarch64,x86_64}.log 2>/dev/null |
        wc -l)
    with_asan=$(grep -l 'ASan' "$OUTPUT"/asan/vgpu-*/{aarch64,x86_64}.log \
        2>/dev/null | wc -l)
    [ "$qemus" -gt 0 ] && [ "$qemus" -eq "$with_asan" ] || verdict=FAIL
    vgpu_log "asan: $with_asan of $qemus QEMU logs show AddressSanitizer"
    printf 'asan\tsanitizer-active\t%s\t%s of %s QEMUs\n' "$verdict" \
        "$with_asan" "$qemus" >> "$OUTPUT/outcomes.tsv"
    run_leaks
}

# LeakSanitizer over what should give everything back: the hostile qtest
# cases (full budgets, a reset with them full, a killed render server,
# QEMU quitting after all of it) and the lifecycle tests (reset, driver
# unbind and bind, quit, each while the guest has fences in flight).
# Each process writes its report to a file; tests/check-leaks.py fails
# on any leak whose allocation site is our code and leaves aside the
# uninstrumented QEMU's, GLib's and Mesa's own.  Stacks need the slow
# unwinder: Debian builds GLib without frame pointers.
run_leaks() {
    local dir=$OUTPUT/asan-leaks opts
    opts=halt_on_error=1:exitcode=0:detect_leaks=1
    opts=$opts:detect_stack_use_after_return=0:fast_unwind_on_malloc=0
    mkdir -p "$dir/qtest-logs" "$dir/functional-logs"
    vgpu_log "asan: hostile qtest cases (PCI) under LeakSanitizer"
    # The slow unwinder makes the 8000-command fuzz case take minutes.
    VGPU_QTEST_MATCH='virtio-gpu-gl-pci/virtio-gpu-gl-hostile/' \
        VGPU_QTEST_TIMEOUT=300 asan_qtest \
        "$opts:log_path=$dir/qtest-logs/log" "$dir/qtest.tsv" leaks:qtest
    vgpu_log "asan: lifecycle tests (aarch64) under LeakSanitizer"
    asan_functional "$opts:log_path=$dir/functional-logs/log" \
        "$dir/functional" "$dir/functional.tsv" leaks:functional: \
        -k Aarch64LifecycleTest.test_reset_while_busy \
        -k Aarch64LifecycleTest.test_driver_reload_while_busy \
        -k Aarch64LifecycleTest.test_quit_while_busy
    : > "$dir/verdicts.tsv"
    python3 "$VGPU_SRC/tests/check-leaks.py" "$dir/qtest-logs" \
        leaks/qtest-hostile "$dir/verdicts.tsv"
    python3 "$VGPU_SRC/tests/check-leaks.py" "$dir/functional-logs" \
        leaks/functional-lifecycle "$dir/verdicts.tsv"
    sed "s/^/asan\t/" "$dir/verdicts.tsv" >> "$OUTPUT/outcomes.tsv"
}

# DRM native context contract: our device against the recording stand-in
# renderer (tests/stand-in/), which offers a DRM capset and records what
# the device passes it; the qtest cases check the record.
run_contract() {
    vgpu_need_dir "stand-in build of our modules" \
        "$VGPU_OUR_MODULES_STAND_IN"
    vgpu_log "contract: DRM native context cases on aarch64 against the" \
        "recording stand-in renderer"
    : > "$OUTPUT/recording.log"
    VGPU_QTEST_SKIP= VGPU_QTEST_MATCH=/drm-contract/ \
        VGPU_RECORDING=$OUTPUT/recording.log \
        bash "$VGPU_SRC/tests/qtest/run-suite.sh" "$VGPU_QOS_TEST" \
        /usr/bin/qemu-system-aarch64 "$VGPU_OUR_MODULES_STAND_IN" \
        "$OUTPUT/contract.tsv" none
    sed "s/^/contract\t/" "$OUTPUT/contract.tsv" >> "$OUTPUT/outcomes.tsv"
    vgpu_log "contract: the dmabuf scanout path (the stand-in exports," \
        "egl-headless imports)"
    : > "$OUTPUT/recording-dmabuf.log"
    VGPU_MODULE_DIR=$VGPU_OUR_MODULES_STAND_IN \
        VGPU_RECORDING=$OUTPUT/recording-dmabuf.log \
        VGPU_OUTPUT=$OUTPUT/contract-functional \
        python3 "$VGPU_SRC/tests/functional/run.py" \
        "$OUTPUT/contract-functional.tsv" --pattern 'contract_*.py'
    sed "s/^/contract\tfunctional:/" "$OUTPUT/contract-functional.tsv" \
        >> "$OUTPUT/outcomes.tsv"
}

# The command fuzzer: its seeds, its regressions, and a coverage-guided
# run (VGPU_FUZZ_SECONDS, default 90) whose corpus grows in the cache.
run_fuzz() {
    bash "$VGPU_SRC/tests/fuzz/run.sh" "$VGPU_FUZZER" \
        "$VGPU_CACHE/fuzz-corpus" "$OUTPUT/fuzz" "$OUTPUT/fuzz.tsv" \
        "${VGPU_FUZZ_SECONDS:-90}"
    sed "s/^/fuzz\t/" "$OUTPUT/fuzz.tsv" >> "$OUTPUT/outcomes.tsv"
}

run_bench() {
    vgpu_log "micro-benchmark in an aarch64 guest"
    local verdict=PASS why= known=()
    # A stalled boot of a reference device is one of its defects (run.py)
    case $LABEL in
    stock|upstream) known=(--known-stall "$LABEL") ;;
    esac
    if ! python3 "$VGPU_SRC/tests/bench/run.py" \
            --module "$LABEL=$MODULES@$DISPLAY_SPEC@$QEMU_BINDIR" \
            "${known[@]}" --repeat 3 --output "$OUTPUT/bench.json"; then
        verdict=FAIL why="run.py failed (its output above says why)"
    elif ! vgpu_bench_has_figures "$OUTPUT/bench.json"; then
        verdict=FAIL why="no figures in $OUTPUT/bench.json"
    fi
    printf 'bench\tmicro-benchmark\t%s\t%s\n' "$verdict" "$why" \
        >> "$OUTPUT/outcomes.tsv"
}

# The suites (first column of outcomes.tsv) a phase records.
phase_suites() {
    case "$1" in
    scripts) echo scripts,style ;;
    *) echo "$1" ;;
    esac
}

# Does a phase apply to this module?  Says why when it does not.
phase_applies() {
    if [ "$LABEL" = in-tree ]; then
        case "$1" in
        series|qtest|functional) return 0 ;;
        *) vgpu_log "phase $1: not for 'in-tree' (the series' binary runs" \
            "the qtest and functional suites; the other phases test" \
            "modules)"
           return 1 ;;
        esac
    fi
    case "$1" in
    series)
        vgpu_log "phase series: only for 'in-tree' (it builds that binary)"
        return 1 ;;
    asan)
        [ "$LABEL" = ours ] && return 0
        vgpu_log "phase asan: not for '$LABEL' (only our modules are built" \
            "with AddressSanitizer)" ;;
    contract)
        [ "$LABEL" = ours ] && return 0
        vgpu_log "phase contract: not for '$LABEL' (the stand-in renderer" \
            "is built into our module only)" ;;
    fuzz)
        [ "$LABEL" = ours ] && return 0
        vgpu_log "phase fuzz: not for '$LABEL' (the fuzzer links our" \
            "device's sources)" ;;
    *) return 0 ;;
    esac
    return 1
}

# --filter chooses functional tests only: the other phases of a filtered
# run are still checked whole against the baseline.
partial_for() {
    [ "$1" != functional ] || [ ${#FILTERS[@]} -eq 0 ] || echo --partial
}

# run_phase NAME: run one phase in a subshell, then check its outcomes
# against the baseline and print its closing count.  A phase that stops
# before it has recorded its outcomes (a tool that cannot run, a script
# error) is recorded as a failure of that phase, with the reason, and the
# next phase runs all the same; a phase that records no test fails too.
run_phase() {
    local name=$1 status suites
    phase_applies "$name" || return 0
    suites=$(phase_suites "$name")
    RAN_SUITES=${RAN_SUITES:+$RAN_SUITES,}$suites
    vgpu_log "phase $name ($LABEL)"
    set +e
    (set -e; "run_$name")
    status=$?
    set -e
    if [ $status -ne 0 ]; then
        vgpu_log "phase $name stopped with exit status $status"
        printf '%s\tphase-error\tFAIL\t%s\n' "${suites%%,*}" \
            "the phase stopped with exit status $status before it finished" \
            >> "$OUTPUT/outcomes.tsv"
    fi
    [ $UPDATE = no ] || return 0
    # Exit status 1 is a mismatch, counted; anything else is a check that
    # could not run, counted as one failure.
    status=0
    python3 "$VGPU_SRC/tests/baseline.py" check "$BASELINE/$LABEL.tsv" \
        "$OUTPUT/outcomes.tsv" --suites "$suites" \
        --title "phase $name ($LABEL)" --counts "$OUTPUT/counts" \
        $(partial_for "$name") || status=$?
    [ $status -le 1 ] || echo "0 1 0" >> "$OUTPUT/counts"
}

# The module's closing count, the sum of its phases', as the last line.
print_total() {
    local passed=0 failed=0 skipped=0 p f s
    while read -r p f s; do
        passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    done < "$OUTPUT/counts"
    vgpu_log "module $LABEL: outcomes in $OUTPUT/outcomes.tsv"
    echo "$passed passed, $failed failed, $skipped skipped"
    [ "$failed" -eq 0 ]
}

: > "$OUTPUT/outcomes.tsv"
: > "$OUTPUT/counts"
RAN_SUITES=
if [ -n "$ONLY" ]; then
    read -r -a PHASES <<<"$ONLY"
else
    PHASES=(scripts qtest functional asan contract fuzz bench)
fi
for phase in "${PHASES[@]}"; do
    run_phase "$phase"
done

[ -n "$RAN_SUITES" ] || vgpu_die "no phase of '${ONLY:-all}' applies to" \
    "'$LABEL': nothing was tested"
if [ $UPDATE = yes ]; then
    mkdir -p "$BASELINE"
    python3 "$VGPU_SRC/tests/baseline.py" update "$BASELINE/$LABEL.tsv" \
        "$OUTPUT/outcomes.tsv" --suites "$RAN_SUITES" ${FILTERS:+--partial}
    [ ! -f "$OUTPUT/bench.json" ] || cp "$OUTPUT/bench.json" \
        "$BASELINE/$LABEL-bench.json"
    vgpu_log "baseline updated in $BASELINE"
else
    print_total || exit 1
fi
