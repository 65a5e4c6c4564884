// SPDX-License-Identifier: GPL-2.0-or-later
// The per-pixel integer hash of work-common.h (work_hash_seed, then
// iters times work_hash_step); the program checks pixels against the
// CPU's own result, so the constants must stay the same.
#version 450

layout(push_constant) uniform Push {
    uint frame;
    uint iters;
} pc;

layout(location = 0) out vec4 colour;

void main()
{
    uvec2 p = uvec2(gl_FragCoord.xy);
    uint s = (p.x * 73856093u) ^ (p.y * 19349663u) ^ pc.frame;

    for (uint i = 0u; i < pc.iters; i++) {
        s = s * 1664525u + 1013904223u;
        s ^= s >> 13;
    }
    colour = vec4(uvec4(s, s >> 8, s >> 16, s >> 24) & 0xffu) / 255.0;
}
