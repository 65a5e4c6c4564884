#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The command fuzzer's checks, as TSV lines (name, PASS|FAIL|SKIP,
# reason) in RESULT_FILE:
#   seeds/NAME       each seed, written from a qtest case, answers as
#                    that case expects (vgpu-fuzz-seeds.c);
#   regression/NAME  each input a fuzzer once crashed on (regressions/)
#                    runs clean now;
#   libfuzzer        a coverage-guided run of SECONDS (default 90) from
#                    the seeds and the corpus kept in CORPUS_DIR, with no
#                    sanitizer report; its executions and coverage are
#                    the reason field.
# A crash leaves its input in OUTPUT_DIR, to be added to regressions/.
#
# Usage: tests/fuzz/run.sh FUZZER CORPUS_DIR OUTPUT_DIR RESULT_FILE [SECONDS]

set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

[ $# -ge 4 ] && [ $# -le 5 ] || vgpu_die "usage: tests/fuzz/run.sh FUZZER" \
    "CORPUS_DIR OUTPUT_DIR RESULT_FILE [SECONDS]"
FUZZER=$1
CORPUS=$2
OUT=$3
RESULT=$4
SECONDS_TO_RUN=${5:-90}
REGRESSIONS=$(dirname "$0")/regressions

[ -x "$FUZZER" ] || vgpu_die "no fuzzer at '$FUZZER' (scripts/prepare-rig.sh" \
    "builds it)"
mkdir -p "$CORPUS" "$OUT"
: > "$RESULT"

record() {
    printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >> "$RESULT"
    echo "FUZZ $1: $2${3:+ $3}"
}

check_seeds() {
    local line name verdict
    VGPU_FUZZ_SEEDS=$OUT/seeds "$FUZZER" > "$OUT/seeds.log" 2>&1 || true
    grep -q '^SEED ' "$OUT/seeds.log" || {
        record seeds FAIL "the seed writer printed nothing: $(tail -n1 \
            "$OUT/seeds.log")"
        return
    }
    while read -r line; do
        name=${line#SEED }
        name=${name%%:*}
        verdict=${line#*: }
        record "seeds/$name" "${verdict%% *}" "${verdict#* }"
    done < <(grep '^SEED ' "$OUT/seeds.log")
}

replay_regressions() {
    local input
    if ! compgen -G "$REGRESSIONS/*" > /dev/null; then
        echo "FUZZ regression: none recorded yet in $REGRESSIONS"
        return
    fi
    for input in "$REGRESSIONS"/*; do
        if "$FUZZER" "$input" > "$OUT/regression.log" 2>&1; then
            record "regression/$(basename "$input")" PASS
        else
            record "regression/$(basename "$input")" FAIL \
                "$(grep -m1 -E 'ERROR|runtime error' "$OUT/regression.log")"
        fi
    done
}

# The first line that says what went wrong, from libFuzzer's log.
crash_reason() {
    grep -m1 -E '^ERROR:|ERROR: AddressSanitizer|runtime error:|ERROR: libFuzzer' \
        "$1" || tail -n1 "$1"
}

run_libfuzzer() {
    local log=$OUT/libfuzzer.log execs cov
    vgpu_log "fuzz: libFuzzer for $SECONDS_TO_RUN s over the decoder and" \
        "handlers (stand-in renderer, ASan and UBSan)"
    if "$FUZZER" -max_total_time="$SECONDS_TO_RUN" -print_final_stats=1 \
            -artifact_prefix="$OUT/" -max_len=4096 "$CORPUS" "$OUT/seeds" \
            > "$log" 2>&1; then
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1)
        record libfuzzer PASS "$execs executions in $SECONDS_TO_RUN s,\
 ${cov:-cov: unknown} edges, corpus of $(ls "$CORPUS" | wc -l)"
    else
        record libfuzzer FAIL "$(crash_reason "$log"); input in $OUT/"
    fi
}

check_seeds
replay_regressions
run_libfuzzer
