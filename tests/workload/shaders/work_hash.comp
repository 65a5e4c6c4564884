// SPDX-License-Identifier: GPL-2.0-or-later
// Element i of a 1024-wide grid: work_hash_seed(i % 1024, i / 1024,
// frame), then pc.steps times work_hash_step (work-common.h); the
// program checks elements against the CPU, so the constants must stay.
#version 450

layout(local_size_x = 64) in;

layout(std430, binding = 0) buffer Words {
    uint words[];
};

layout(push_constant) uniform Push {
    uint frame;
    uint steps;
} pc;

void main()
{
    uint i = gl_GlobalInvocationID.x;
    uint s = ((i % 1024u) * 73856093u) ^ ((i / 1024u) * 19349663u) ^ pc.frame;

    for (uint k = 0u; k < pc.steps; k++) {
        s = s * 1664525u + 1013904223u;
        s ^= s >> 13;
    }
    words[i] = s;
}
