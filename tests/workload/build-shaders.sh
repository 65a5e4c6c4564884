#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Compile the Vulkan workload's GLSL shaders (tests/workload/shaders/*)
# to SPIR-V, each into a C header OUTDIR/NAME.h that holds
# "const uint32_t NAME[]", NAME being the file name with its dot made an
# underscore (work_hash.frag: work_hash_frag).  vgpu-vkwork.c includes
# them, so the program needs no shader files at run time, and one set of
# headers serves every architecture.  The headers are build output: they
# are never committed.
#
# Usage: tests/workload/build-shaders.sh OUTDIR

set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../../scripts/common.sh
. "$(dirname "$0")/../../scripts/common.sh"

[ $# -eq 1 ] || vgpu_die "usage: $0 OUTDIR"
outdir=$1
shader_dir=$(cd "$(dirname "$0")/shaders" && pwd)

command -v glslangValidator >/dev/null ||
    vgpu_die "no glslangValidator: install the Debian package glslang-tools"
mkdir -p "$outdir"
shopt -s nullglob
count=0
for src in "$shader_dir"/*.comp "$shader_dir"/*.vert "$shader_dir"/*.frag; do
    file=$(basename "$src")
    name=${file//./_}
    # Quiet unless it fails: glslangValidator names every file it reads.
    if ! log=$(glslangValidator -V --vn "$name" -o "$outdir/$name.h" \
               "$src" 2>&1); then
        printf '%s\n' "$log" >&2
        vgpu_die "$file does not compile"
    fi
    count=$((count + 1))
done
[ "$count" -gt 0 ] || vgpu_die "no shaders in $shader_dir"
