#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Bad arguments to our scripts: each must fail with a clear message and
# leave the cache usable (no half-made directory left behind).  Then the
# entry points against the state a new user has (new-user.sh).
#
# Usage: tests/scripts/run.sh RESULT_TSV
# Prints "SCRIPTS <case>: PASS|FAIL <why>", writes the same as TSV, and
# ends with "N passed, N failed, 0 skipped".

set -uo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

RESULTS=${1:?usage: tests/scripts/run.sh RESULT_TSV}
: > "$RESULTS"
passed=0
failed=0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# record NAME PASS|FAIL [WHY...]
record() {
    local name=$1 outcome=$2 why
    shift 2
    why=$*
    printf 'SCRIPTS %s: %s %s\n' "$name" "$outcome" "$why"
    printf '%s\t%s\t%s\n' "$name" "$outcome" "$why" >> "$RESULTS"
    if [ "$outcome" = PASS ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
}

# expect_error NAME PATTERN COMMAND...: the command must exit non-zero and
# print PATTERN (an extended regex) on stderr.
expect_error() {
    local name=$1 pattern=$2 err status
    shift 2
    err=$("$@" 2>&1 >/dev/null)
    status=$?
    if [ $status -eq 0 ]; then
        record "$name" FAIL "succeeded, expected an error"
    elif ! grep -qE -- "$pattern" <<<"$err"; then
        record "$name" FAIL "unclear message: $(tr '\n' ' ' <<<"$err" | cut -c1-200)"
    else
        record "$name" PASS
    fi
}

S=$VGPU_SRC/scripts
expect_error image-unknown-arch "unknown architecture 'sparc'.*aarch64 or x86_64" \
    "$S/build-guest-image.sh" sparc
expect_error image-no-arch "usage: .*aarch64\|x86_64" \
    "$S/build-guest-image.sh"
expect_error programs-unknown-arch "unknown architecture 'mips'" \
    "$VGPU_SRC/tests/guest/build.sh" "$scratch/progs" mips
touch "$scratch/a-file"
expect_error cache-not-a-directory "VGPU_CACHE '$scratch/a-file' is not a directory" \
    env VGPU_CACHE="$scratch/a-file" "$S/build-guest-image.sh" aarch64
expect_error initramfs-missing-image "guest image directory '/nonexistent' does not exist" \
    "$S/make-initramfs.sh" /nonexistent "$scratch" "$scratch/out.gz"
expect_error root-unknown-option "unknown option '--bogus'" \
    "$S/setup-root.sh" --bogus
expect_error upstream-root-unknown-option "unknown option '--bogus'" \
    "$S/setup-upstream-root.sh" --bogus
expect_error upstream-qemu-not-a-link "call this through a link named qemu-system-ARCH" \
    "$S/upstream-qemu.sh" --version
expect_error virgl13-unknown-option "unknown option '--bogus'" \
    "$S/setup-virglrenderer.sh" --bogus
expect_error virgl13-qemu-not-a-link "call this through a link named qemu-system-ARCH" \
    "$S/virglrenderer-qemu.sh" --version
expect_error tests-unknown-suite "--only takes scripts, qtest, functional, asan," \
    "$VGPU_SRC/tests/run-tests.sh" --only nonsense
expect_error overlay-not-qemu "is not a QEMU source tree" \
    "$S/sync-qemu-overlay.sh" "$scratch"
expect_error series-no-outdir "usage: scripts/make-patch-series.sh OUTDIR" \
    "$S/make-patch-series.sh"
expect_error series-no-rig "no .*/rig.env: run scripts/prepare-rig.sh first" \
    env VGPU_CACHE="$scratch" "$S/make-patch-series.sh" "$scratch/series"
expect_error series-no-signoff "set VGPU_SIGNOFF='Name <email>'" \
    env VGPU_SIGNOFF="nobody" "$S/make-patch-series.sh" "$scratch/series"
expect_error series-check-usage "usage: scripts/check-patch-series.sh --final" \
    "$S/check-patch-series.sh" --all "$scratch"
expect_error series-check-no-patches "no patches in $scratch: run" \
    "$S/check-patch-series.sh" --final "$scratch"

# A download that breaks (nothing listens on port 9) must leave no image
# directory, finished or half-made, in the cache.
mkdir -p "$scratch/cache"
expect_error image-broken-download "error|failed|E:" \
    env VGPU_CACHE="$scratch/cache" VGPU_MIRROR=http://127.0.0.1:9/debian \
    "$S/build-guest-image.sh" x86_64
if [ -z "$(ls -A "$scratch/cache")" ]; then
    record image-broken-download-cache-clean PASS
else
    record image-broken-download-cache-clean FAIL \
        "left behind: $(ls "$scratch/cache" | tr '\n' ' ')"
fi

# The leak judge: of two leaks, only the one our code allocated counts.
mkdir -p "$scratch/leaks"
cat > "$scratch/leaks/log.1" <<'LOG'
==1==ERROR: LeakSanitizer: detected memory leaks

Direct leak of 64 byte(s) in 1 object(s) allocated from:
    #0 0x7f00 in malloc ../../../../src/libsanitizer/asan/asan_malloc_linux.cpp:69
    #1 0x7f01 in g_malloc (/lib/x86_64-linux-gnu/libglib-2.0.so.0+0x65821)
    #2 0x7f02 in vgpu_resources_reset ../../src/hw/display/vgpu-resource.c:588
    #3 0x5600 in main (/usr/bin/qemu-system-aarch64+0x574f1c)

Direct leak of 30 byte(s) in 1 object(s) allocated from:
    #0 0x7f00 in malloc ../../../../src/libsanitizer/asan/asan_malloc_linux.cpp:69
    #1 0x7f01 in g_malloc (/lib/x86_64-linux-gnu/libglib-2.0.so.0+0x65821)
    #2 0x5601 in module_load (/usr/bin/qemu-system-aarch64+0xe536bc)
    #3 0x5602 in vgpu_realize ../../src/hw/display/vgpu-device.c:221

SUMMARY: AddressSanitizer: 94 byte(s) leaked in 2 allocation(s).
LOG
python3 "$VGPU_SRC/tests/check-leaks.py" "$scratch/leaks" judge \
    "$scratch/leaks.tsv" > /dev/null
case $(cut -f2- "$scratch/leaks.tsv") in
"FAIL	1 leaks by our device, 64 bytes")
    record leak-judge-counts-ours PASS ;;
*)
    record leak-judge-counts-ours FAIL "got: $(cat "$scratch/leaks.tsv")" ;;
esac

# The GPU host's bundle: a piece that is not there, a call with no verb.
expect_error gpu-bundle-no-piece "no .*/gpu-bundle/piece-07: the bundle has 0 pieces" \
    env VGPU_CACHE="$scratch" "$S/make-gpu-bundle.sh" --stage 7
expect_error gpu-bundle-no-verb "usage: .*gpu-bundle.sh receive \| run COMMAND" \
    "$S/gpu-bundle.sh"
expect_error gpu-functional-no-args "usage: .*gpu-functional.sh OUTDIR" \
    "$S/gpu-functional.sh"
expect_error gpu-functional-outside-bundle "run inside the bundle root" \
    env -u VGPU_IMAGE_X86_64 "$S/gpu-functional.sh" "$scratch/f" ours=/x@none

# Our RFB client (a GPU host has no gtk-vnc) must see what gvnccapture
# sees on the same QEMU VNC server: QEMU's own "not initialized" console.
vnc_port=$((5900 + 377))
qemu-system-x86_64 -M pc -display none -vnc 127.0.0.1:377 -S \
    -nodefaults -device VGA 2>/dev/null &
vnc_qemu=$!
if python3 - "$VGPU_SRC/tests/functional" "$vnc_port" "$scratch" <<'PY'
import os, sys, time
sys.path.insert(0, sys.argv[1])
from vgpu.rfb import rfb_capture
from vgpu.image import read_png
import subprocess
port, scratch = int(sys.argv[2]), sys.argv[3]
for _ in range(50):
    try:
        ours = rfb_capture('127.0.0.1', port)
        break
    except OSError:
        time.sleep(0.2)
else:
    raise AssertionError('no VNC server on port %d' % port)
path = os.path.join(scratch, 'vnc.png')
subprocess.run(['gvnccapture', f'127.0.0.1:{port - 5900}', path],
               check=True, capture_output=True, timeout=60)
theirs = read_png(path)
assert (ours.width, ours.height) == (theirs.width, theirs.height), \
    (ours.width, ours.height, theirs.width, theirs.height)
assert ours.fraction(lambda c: max(c) > 128) > 0, 'an all-dark picture'
diff = sum(1 for y in range(0, ours.height, 2) for x in range(0, ours.width, 2)
           if ours.pixel(x, y) != theirs.pixel(x, y))
assert diff == 0, f'{diff} sampled pixels differ from gvnccapture\'s'
PY
then
    record rfb-client-matches-gvnccapture PASS
else
    record rfb-client-matches-gvnccapture FAIL "see the Python error above"
fi
kill "$vnc_qemu" 2>/dev/null
wait "$vnc_qemu" 2>/dev/null

# The cost-of-abstraction benchmark's judge: a guest whose picture is not
# the host's is named, however fast it was; a program's error stops it.
if python3 - "$VGPU_SRC/tests/bench" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import abstraction as a
def run(checksum):
    return ('WORK api=gles device=some GPU version=3\n'
            f'WORK shape=draws frames=3 iters=1 median_us=10 p99_us=12 '
            f'mean_us=11 checksum={checksum}\nWORK done\n')
device, host = a.parse_work(run('0000aaaa'))
assert device == 'some GPU', device
_, guest = a.parse_work(run('0000bbbb'))
wrong = a.wrong_pictures({'gles': {'shapes': a.merge([host])}},
                         {'ours': {'gles': {'shapes': a.merge([guest])}}})
assert len(wrong) == 1 and 'ours gles draws' in wrong[0], wrong
try:
    a.parse_work('WORK error frag: pixel (0,0) is 0, not 1\n')
except RuntimeError as e:
    assert 'pixel (0,0)' in str(e)
else:
    raise AssertionError('an error line passed')
PY
then
    record workload-judge-wrong-picture PASS
else
    record workload-judge-wrong-picture FAIL "see the Python error above"
fi

# The benchmark boots a guest per run, the modules in turn, so no
# module's figures rest on one boot.
if python3 - "$VGPU_SRC/tests/bench" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import abstraction as a
boots = []
def fake_boot(arch, module, work_args, runs, collected, stalls):
    boots.append((module[0], list(runs)))
    for run in runs:
        for api in collected:
            collected[api].append({'frag': {
                'median_us': 10 + run, 'p99_us': 20, 'frames': 1,
                'iters': 1, 'checksum': 'c'}})
    return {api: 'GPU' for api in collected}
a.run_boot = fake_boot
mods = [('stock', '/s', 'egl-headless', None),
        ('ours', '/o', 'egl-headless', None)]
guests, _ = a.run_guests('x86_64', mods, '', 5, 2)
assert boots == [('stock', [0, 1]), ('ours', [0, 1]), ('stock', [2, 3]),
                 ('ours', [2, 3]), ('stock', [4]), ('ours', [4])], boots
fig = guests['ours']['gles']['shapes']['frag']
assert fig['runs'] == 5 and fig['median_us'] == 12, fig
PY
then
    record abstraction-boots-modules-in-turn PASS
else
    record abstraction-boots-modules-in-turn FAIL "see the Python error above"
fi

# shader-cost.py's judge: a form whose picture is not the native one's
# fails the run; one that computes the same picture, with the uniform
# slots laid out as the probe documents, passes.
forms=$(mktemp -d)
cat > "$forms/same.frag" <<'GLSL'
#version 140
#extension GL_ARB_fragment_coord_conventions : require
#extension GL_ARB_shader_bit_encoding : require
layout(origin_upper_left) in vec4 gl_FragCoord;
uniform uvec4 fsconst0[3];
out vec4 colour;
void main()
{
    float y = gl_FragCoord.y * uintBitsToFloat(fsconst0[2].z) +
              uintBitsToFloat(fsconst0[2].w);
    uvec2 p = uvec2(vec2(gl_FragCoord.x, y));
    uint s = (p.x * 73856093u) ^ (p.y * 19349663u) ^ fsconst0[0].x;
    for (uint i = 0u; i < fsconst0[1].x; i++) {
        s = s * 1664525u + 1013904223u;
        s ^= s >> 13;
    }
    colour = vec4(uvec4(s, s >> 8, s >> 16, s >> 24) & 0xffu) / 255.0;
}
GLSL
sed 's/colour = vec4(uvec4(s,/colour = vec4(uvec4(s + 1u,/' \
    "$forms/same.frag" > "$forms/wrong.frag"
cost() {
    python3 "$VGPU_SRC/tests/bench/shader-cost.py" --size 64x48 --iters 4 \
        --frames 2 "$@" > "$forms/out" 2>&1
}
if cost --form same="$forms/same.frag" &&
    grep -q 'form=same .*over_native=' "$forms/out" &&
    ! cost --form wrong="$forms/wrong.frag" &&
    grep -q 'form=wrong .*WRONG-PICTURE' "$forms/out"; then
    record shader-cost-judges-pictures PASS
else
    cat "$forms/out"
    record shader-cost-judges-pictures FAIL "see the probe's output above"
fi
rm -rf "$forms"

. "$VGPU_SRC/tests/scripts/new-user.sh"

echo "$passed passed, $failed failed, 0 skipped"
