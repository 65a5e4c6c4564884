// SPDX-License-Identifier: GPL-2.0-or-later
// One triangle that covers the whole viewport, with no vertex buffer.
#version 450

void main()
{
    vec2 p = vec2(float((gl_VertexIndex & 1) << 2),
                  float((gl_VertexIndex & 2) << 1)) - 1.0;
    gl_Position = vec4(p, 0.0, 1.0);
}
