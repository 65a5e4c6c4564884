// SPDX-License-Identifier: GPL-2.0-or-later
// The flat colour work_rect.vert's push constants carry.
#version 450

layout(push_constant) uniform Push {
    vec4 rect;
    vec4 colour;
} pc;

layout(location = 0) out vec4 colour;

void main()
{
    colour = pc.colour;
}
