// SPDX-License-Identifier: GPL-2.0-or-later
// A quad (a four-vertex strip) given in clip space by pc.rect
// (x0, y0, x1, y1); its colour is for work_colour.frag.
#version 450

layout(push_constant) uniform Push {
    vec4 rect;
    vec4 colour;
} pc;

void main()
{
    vec2 p = vec2((gl_VertexIndex & 1) != 0 ? pc.rect.z : pc.rect.x,
                  (gl_VertexIndex & 2) != 0 ? pc.rect.w : pc.rect.y);
    gl_Position = vec4(p, 0.0, 1.0);
}
