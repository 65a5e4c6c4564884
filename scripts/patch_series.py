#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The patch series for upstream QEMU, made from this tree.

  patch_series.py build --base REPO --out DIR --signoff 'Name <email>'
      Clone REPO (a git tree of pristine QEMU, its base commit checked
      out), make one commit per step below from our files, and write the
      series with `git format-patch --cover-letter` into DIR.
  patch_series.py verify --tree TREE
      Check that TREE (the base with the series applied) holds our files
      exactly as this tree has them (out-of-tree-only blocks removed), and
      our trace events after upstream's: the module build and the series
      do not diverge.

Every edit of an upstream file names the text it expects, which must
occur exactly once: when QEMU changes there, the build stops and says
where, rather than writing a wrong patch.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HW = 'hw/display/'


def die(msg):
    sys.exit('error: ' + msg)


# --------------------------------------------------------------------------
# Our files as they go into QEMU's tree

OOT_BLOCK = re.compile(r'^#ifdef VGPU_OUT_OF_TREE\n(?:(?!#(?:if|else|elif)).*\n)*?#endif\n',
                       re.M)


def in_tree_text(path):
    """Our file as QEMU's tree holds it: the blocks only the out-of-tree
    module needs (#ifdef VGPU_OUT_OF_TREE ... #endif, no #else) left out,
    with the blank line before them."""
    with open(os.path.join(SRC, path)) as f:
        text = f.read()
    text = OOT_BLOCK.sub('', text)
    text = re.sub(r'\n\n+(?=#endif\n\Z)', '\n\n', text)
    if 'VGPU_OUT_OF_TREE' in text:
        die(f'{path}: a VGPU_OUT_OF_TREE block the series cannot remove '
            '(only #ifdef ... #endif without #else is understood)')
    return text


def our_trace_sections():
    """hw/display/trace-events of ours, as {'vgpu-x.c': 'text'} in order."""
    with open(os.path.join(SRC, HW + 'trace-events')) as f:
        text = f.read()
    parts = re.split(r'\n(?=# vgpu-)', text)
    sections = {}
    for part in parts[1:]:
        name = part.split('\n', 1)[0][2:]
        sections[name] = part.strip('\n') + '\n'
    return sections


# --------------------------------------------------------------------------
# Editing upstream files

class Tree:
    def __init__(self, path):
        self.path = path

    def file(self, rel):
        return os.path.join(self.path, rel)

    def read(self, rel):
        with open(self.file(rel)) as f:
            return f.read()

    def write(self, rel, text):
        os.makedirs(os.path.dirname(self.file(rel)), exist_ok=True)
        with open(self.file(rel), 'w') as f:
            f.write(text)

    def replace(self, rel, old, new):
        text = self.read(rel)
        n = text.count(old)
        if n != 1:
            die(f'{rel}: expected this text once, found it {n} times '
                f'(QEMU changed; update scripts/patch_series.py):\n{old}')
        self.write(rel, text.replace(old, new))

    def insert_before(self, rel, anchor, new):
        self.replace(rel, anchor, new + anchor)

    def insert_after(self, rel, anchor, new):
        self.replace(rel, anchor, anchor + new)

    def git(self, *args, **kw):
        return subprocess.run(
            ['git', '-C', self.path, '-c', 'user.name=virtio-gpu-gl',
             '-c', 'user.email=virtio-gpu-gl@localhost', *args],
            check=True, text=True, stdout=subprocess.PIPE, **kw).stdout


# --------------------------------------------------------------------------
# The steps

MESON = HW + 'meson.build'
MAINT = 'MAINTAINERS'
STAGING_END = "  )\n  static_library('vgpu-staging'"


def add_files(tree, files):
    for f in files:
        tree.write(f, in_tree_text(f))


def add_trace(tree, files):
    sections = our_trace_sections()
    text = tree.read(HW + 'trace-events')
    names = {os.path.basename(f) for f in files}
    for name, section in sections.items():
        if name in names:
            text = text.rstrip('\n') + '\n\n' + section
    tree.write(HW + 'trace-events', text)


def add_maintained(tree, files):
    """Name the files in the section the first device step makes."""
    lines = ''.join(f'F: {f}\n' for f in files)
    tree.insert_before(MAINT, '\nvhost-user-blk\n', lines)


def add_staged(tree, files):
    lines = ''.join(f"    '{os.path.basename(f)}',\n" for f in files
                    if f.endswith('.c'))
    tree.insert_before(MESON, STAGING_END, lines)


def step_surfaceless_egl(tree, ctx):
    add_files(tree, ['ui/egl-surfaceless.c', 'include/ui/egl-surfaceless.h'])
    for ret, name in (('int', 'egl_rendernode_init'),
                      ('int', 'egl_get_fd_for_texture'),
                      ('bool', 'egl_init')):
        tree.replace('ui/egl-helpers.c', f'\n{ret} {name}(',
                     f'\n{ret} {name}_drm(')
    tree.insert_after('ui/egl-helpers.c', '#include "ui/egl-helpers.h"\n',
                      '#include "ui/egl-surfaceless.h"\n')
    tree.replace('ui/meson.build', "'egl-helpers.c', 'egl-context.c'",
                 "'egl-helpers.c', 'egl-context.c', 'egl-surfaceless.c'")


STAGING_BLOCK = """\
# The virtio-gpu-gl device needs virglrenderer 1.0 or newer; with an
# older one only the 2D virtio-gpu devices are built.
have_virtio_gpu_gl = virgl.found() and opengl.found()
if have_virtio_gpu_gl
  have_virtio_gpu_gl = virgl.version().version_compare('>=1.0')
endif
vgpu_c_args = []

# The new virtio-gpu-gl implementation arrives over several commits.
# Until it replaces virtio-gpu-gl.c and virtio-gpu-virgl.c, its files are
# compiled into a library of their own that nothing links, so that every
# commit builds them with QEMU's flags.
if config_all_devices.has_key('CONFIG_VIRTIO_GPU') and have_virtio_gpu_gl
  vgpu_staging_files = files(
  )
  static_library('vgpu-staging', [genh, vgpu_staging_files],
                 c_args: vgpu_c_args,
                 dependencies: [pixman, virgl, opengl])
endif

"""


def step_decoder(tree, ctx):
    files = ['include/hw/display/vgpu.h', HW + 'vgpu-decode.c']
    add_files(tree, files)
    tree.insert_before(MESON, "if config_all_devices.has_key('CONFIG_VIRTIO_GPU')\n",
                       STAGING_BLOCK)
    add_staged(tree, files)
    add_trace(tree, files)
    tree.insert_before(MAINT, '\nvhost-user-blk\n', textwrap.dedent(f"""\

        virtio-gpu-gl (virglrenderer)
        M: {ctx['signoff']}
        S: Maintained
        """))
    add_maintained(tree, files)


def simple_step(files):
    def step(tree, ctx):
        add_files(tree, files)
        add_staged(tree, files)
        add_trace(tree, files)
        add_maintained(tree, files)
    return step


MAP_FIXED_PROBE = """\
vgpu_c_args = []
# virglrenderer 1.2 maps host blobs that have no file into the place the
# device chooses (virgl_renderer_resource_map_fixed).
if have_virtio_gpu_gl and cc.has_function('virgl_renderer_resource_map_fixed',
                                          dependencies: virgl)
  vgpu_c_args += '-DVGPU_HAVE_VIRGL_MAP_FIXED'
endif
"""


def step_renderer(tree, ctx):
    files = [HW + 'vgpu-renderer.c', HW + 'vgpu-worker.c']
    simple_step(files)(tree, ctx)
    tree.replace(MESON, 'vgpu_c_args = []\n', MAP_FIXED_PROBE)


DEVICE_FILES = [HW + 'vgpu-device.c', HW + 'vgpu-pci.c', HW + 'vgpu-pci.h',
                HW + 'vgpu-vga.c']
DEVICE_SOURCES = ['vgpu-decode.c', 'vgpu-resource.c', 'vgpu-budget.c',
                  'vgpu-context.c', 'vgpu-fence.c', 'vgpu-renderer.c',
                  'vgpu-worker.c', 'vgpu-scanout.c', 'vgpu-present.c',
                  'vgpu-blob.c', 'vgpu-hostmem.c', 'vgpu-scanout-blob.c',
                  'vgpu-venus-ring.c', 'vgpu-device.c']


def step_replace(tree, ctx):
    add_files(tree, DEVICE_FILES)
    add_trace(tree, DEVICE_FILES)
    add_maintained(tree, DEVICE_FILES)
    for f in ('virtio-gpu-gl.c', 'virtio-gpu-virgl.c', 'virtio-gpu-pci-gl.c',
              'virtio-vga-gl.c'):
        os.unlink(tree.file(HW + f))
    # The staging library goes; its files build the modules now.
    text = tree.read(MESON)
    start = text.index('# The new virtio-gpu-gl implementation arrives')
    end = text.index('endif\n\n', start) + len('endif\n\n')
    tree.write(MESON, text[:start] + text[end:])
    listed = ',\n'.join(f"{' ' * 41}'{f}'" for f in DEVICE_SOURCES).lstrip()
    tree.replace(MESON, """\
  if virgl.found() and opengl.found()
    virtio_gpu_gl_ss = ss.source_set()
    virtio_gpu_gl_ss.add(when: ['CONFIG_VIRTIO_GPU', virgl, opengl],
                         if_true: [files('virtio-gpu-gl.c', 'virtio-gpu-virgl.c'), pixman, virgl])
""", f"""\
  if have_virtio_gpu_gl
    virtio_gpu_gl_ss = ss.source_set()
    virtio_gpu_gl_ss.add(when: ['CONFIG_VIRTIO_GPU', virgl, opengl],
                         if_true: [files({listed}),
                                   declare_dependency(compile_args: vgpu_c_args),
                                   pixman, virgl])
""")
    tree.replace(MESON, """\
  if virgl.found() and opengl.found()
    virtio_gpu_pci_gl_ss = ss.source_set()
    virtio_gpu_pci_gl_ss.add(when: ['CONFIG_VIRTIO_GPU', 'CONFIG_VIRTIO_PCI', virgl, opengl],
                             if_true: [files('virtio-gpu-pci-gl.c'), pixman])
""", """\
  if have_virtio_gpu_gl
    virtio_gpu_pci_gl_ss = ss.source_set()
    virtio_gpu_pci_gl_ss.add(when: ['CONFIG_VIRTIO_GPU', 'CONFIG_VIRTIO_PCI', virgl, opengl],
                             if_true: [files('vgpu-pci.c'), pixman])
""")
    tree.replace(MESON, """\
  if virgl.found() and opengl.found()
    virtio_vga_gl_ss = ss.source_set()
    virtio_vga_gl_ss.add(when: ['CONFIG_VIRTIO_VGA', virgl, opengl],
                         if_true: [files('virtio-vga-gl.c'), pixman])
""", """\
  if have_virtio_gpu_gl
    virtio_vga_gl_ss = ss.source_set()
    virtio_vga_gl_ss.add(when: ['CONFIG_VIRTIO_VGA', virgl, opengl],
                         if_true: [files('vgpu-vga.c'), pixman])
""")
    # Machine types up to 3.1 gave the GL device no EDID through its
    # old parent, virtio-gpu-device; keep that for its guests.
    tree.insert_after('hw/core/machine.c',
                      '    { "virtio-gpu-device", "edid", "false" },\n',
                      '    { "virtio-gpu-gl-device", "edid", "false" },\n')
    # What only the old implementation used.
    hdr = 'include/hw/virtio/virtio-gpu.h'
    tree.replace(hdr, """\
#define TYPE_VIRTIO_GPU_GL "virtio-gpu-gl-device"
OBJECT_DECLARE_SIMPLE_TYPE(VirtIOGPUGL, VIRTIO_GPU_GL)

""", '')
    text = tree.read(hdr)
    start = text.index('/* VirtIOGPUGL renderer states */\n')
    end = text.index('struct VhostUserGPU {', start)
    tree.write(hdr, text[:start] + text[end:])
    text = tree.read(hdr)
    start = text.index('/* virtio-gpu-3d.c */\n')
    end = text.index('GArray *virtio_gpu_virgl_get_capsets(VirtIOGPU *g);\n',
                     start)
    end += len('GArray *virtio_gpu_virgl_get_capsets(VirtIOGPU *g);\n')
    tree.write(hdr, text[:start].rstrip('\n') + '\n' + text[end:])


QTEST_FILES = ['tests/qtest/virtio-gpu-gl-test.c',
               'tests/qtest/libqos/virtio-gpu-gl.c',
               'tests/qtest/libqos/virtio-gpu-gl.h']


def step_qtest(tree, ctx):
    add_files(tree, QTEST_FILES)
    add_maintained(tree, QTEST_FILES)
    tree.insert_after('tests/qtest/meson.build', "  'virtio-blk-test.c',\n",
                      "  'virtio-gpu-gl-test.c',\n")
    tree.insert_after('tests/qtest/libqos/meson.build',
                      "        'virtio-blk.c',\n",
                      "        'virtio-gpu-gl.c',\n")
    # qos-test walks the graph with a stack of the nodes still to visit;
    # the suite's cases under one interface node overflow 128 of them.
    tree.replace('tests/qtest/libqos/qgraph.h',
                 '#define QOS_PATH_MAX_ELEMENT_SIZE 128\n',
                 '#define QOS_PATH_MAX_ELEMENT_SIZE 256\n')


VIRT_GPU_TEST = 'tests/functional/test_aarch64_virt_gpu.py'


def step_functional(tree, ctx):
    tree.replace(VIRT_GPU_TEST,
                 '"old virglrenderer, venus unsupported" in excp.output',
                 '"cannot run Venus" in excp.output')


DOC = 'docs/system/devices/virtio-gpu.rst'


def step_docs(tree, ctx):
    text = tree.read(DOC)
    start = text.index('virtio-gpu virglrenderer\n---')
    end = text.index('virtio-gpu rutabaga\n---', start)
    with open(os.path.join(SRC, 'docs/virtio-gpu-virglrenderer.rst')) as f:
        ours = f.read()
    tree.write(DOC, text[:start] + ours + '\n' + text[end:])
    add_maintained(tree, [DOC])


def message(name):
    with open(os.path.join(SRC, 'scripts/patch-series', name + '.txt')) as f:
        return f.read()


STEPS = [
    ('0-surfaceless-egl', step_surfaceless_egl),
    ('1-decoder', step_decoder),
    ('2-resources', simple_step([HW + 'vgpu-resource.c',
                                 HW + 'vgpu-budget.c'])),
    ('3-contexts-fences', simple_step([HW + 'vgpu-context.c',
                                       HW + 'vgpu-fence.c'])),
    ('4-renderer', step_renderer),
    ('5-scanouts', simple_step([HW + 'vgpu-scanout.c',
                                HW + 'vgpu-present.c'])),
    ('6-blob-hostmem', simple_step([HW + 'vgpu-blob.c',
                                    HW + 'vgpu-hostmem.c',
                                    HW + 'vgpu-scanout-blob.c'])),
    ('7-venus', simple_step([HW + 'vgpu-venus-ring.c'])),
    ('8-replace', step_replace),
    ('9-qtest', step_qtest),
    ('10-functional', step_functional),
    ('11-docs', step_docs),
]

# Every file of ours that the series carries, for verify.
SERIES_FILES = (['ui/egl-surfaceless.c', 'include/ui/egl-surfaceless.h',
                 'include/hw/display/vgpu.h'] +
                [HW + f for f in DEVICE_SOURCES] +
                [HW + 'vgpu-pci.c', HW + 'vgpu-pci.h', HW + 'vgpu-vga.c'] +
                QTEST_FILES)


# --------------------------------------------------------------------------
# The cover letter

FIGURES = [
    ('fence round trip', 'fence_rtt_us', 'µs', False),
    ('submissions per second', 'submit_per_s', '/s', True),
    ('TRANSFER_TO_HOST_3D', 'transfer_to_host_mib_s', 'MiB/s', True),
    ('TRANSFER_FROM_HOST_3D', 'transfer_from_host_mib_s', 'MiB/s', True),
    ('Venus round trip', 'venus_rtt_us', 'µs', False),
    ('Venus blob map+unmap', 'venus_blob_map_cycle_us', 'µs', False),
    ('virgl blob map+unmap', 'blob_map_cycle_us', 'µs', False),
    ('guest writes to a blob', 'blob_write_mib_s', 'MiB/s', True),
]


# Why the series is behind on a figure, as far as we know.
BEHIND_WHY = {
    'guest writes to a blob': 'a guest writing into a mapped blob goes '
    'through TCG into host memory with either device; why ours is '
    'slower there has not been found yet',
}


def behind_text(labels):
    """The cover letter's paragraph on the figures the series loses."""
    if not labels:
        return 'The series is ahead or level on every figure.\n'
    text = 'Behind: ' + '; '.join(
        f"{label} ({BEHIND_WHY.get(label, 'not yet explained')})"
        for label in labels) + '.'
    return textwrap.fill(text, 72) + '\n'


def figure_text(fig):
    """A latency as 'median / p99', a rate as its value."""
    if 'median' in fig:
        return f"{fig['median']:.0f} / {fig.get('p99', 0):.0f}"
    return f"{fig['value']:.0f}"


def figures_table(path):
    """The side-by-side figures, and the rows where the series is behind."""
    with open(path) as f:
        bench = json.load(f)
    mods = bench['modules']
    if 'ours' not in mods or 'stock' not in mods:
        die(f'{path}: needs the modules "ours" and "stock"')
    rows, behind = [], []
    for label, key, unit, higher in FIGURES:
        ours = mods['ours']['figures'].get(key)
        stock = mods['stock']['figures'].get(key)
        if not ours or not stock:
            continue
        field = 'median' if 'median' in ours else 'value'
        ratio = (ours[field] / stock[field] if higher
                 else stock[field] / ours[field])
        rows.append(f'  {label:<23} {figure_text(stock):>15} '
                    f'{figure_text(ours):>15} {unit:<6} {ratio:5.2f}')
        if ratio < 1:
            behind.append(label)
    head = (f"  {'':<23} {'stock':>15} {'series':>15} {'':<6} ratio\n")
    return head + '\n'.join(rows) + '\n', behind, bench


def cover_letter(out, ctx, count):
    table, behind, bench = figures_table(
        os.path.join(SRC, 'tests/bench/side-by-side.json'))
    letter = message('cover').format(
        version=ctx['version'], figures=table,
        behind=behind_text(behind),
        arch=bench.get('arch', '?'), opts=bench.get('device_opts', '?'))
    subject, body = letter.split('\n', 1)
    path = os.path.join(out, '0000-cover-letter.patch')
    with open(path) as f:
        text = f.read()
    text = text.replace('*** SUBJECT HERE ***', subject)
    text = re.sub(r'\*\*\* BLURB HERE \*\*\*', lambda m: body.strip('\n'),
                  text)
    with open(path, 'w') as f:
        f.write(text)


# --------------------------------------------------------------------------

def build(args):
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):
        if f.endswith('.patch'):
            os.unlink(os.path.join(out, f))
    with tempfile.TemporaryDirectory() as tmp:
        work = os.path.join(tmp, 'qemu')
        # The base tag: the pristine tree may hold the series already.
        subprocess.run(['git', '-c', 'init.defaultBranch=series', 'clone',
                        '-q', '--shared', '--no-checkout',
                        args.base, work], check=True)
        tree = Tree(work)
        tree.git('checkout', '-q', '--detach', 'base')
        name, email = re.fullmatch(r'(.+?) <(.+)>', args.signoff).groups()
        os.environ.update(GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=email,
                          GIT_COMMITTER_NAME=name, GIT_COMMITTER_EMAIL=email)
        base = tree.git('rev-parse', 'HEAD').strip()
        ctx = {'signoff': args.signoff,
               'version': tree.read('VERSION').strip()}
        for name, step in STEPS:
            step(tree, ctx)
            msg = message(name).rstrip('\n')
            msg += f'\n\nSigned-off-by: {args.signoff}\n'
            tree.git('add', '-A')
            tree.git('commit', '-q', '-F', '-', input=msg)
        tree.git('format-patch', '-q', '--cover-letter', '-o', out,
                 f'{base}..HEAD')
        cover_letter(out, ctx, len(STEPS))
    print(f'{len(STEPS)} patches and a cover letter in {out}')


def verify(args):
    tree = Tree(os.path.abspath(args.tree))
    bad = []
    for f in SERIES_FILES:
        if not os.path.exists(tree.file(f)):
            bad.append(f'{f}: missing')
        elif tree.read(f) != in_tree_text(f):
            bad.append(f'{f}: differs from ours')
    trace = tree.read(HW + 'trace-events')
    ours = '\n'.join(our_trace_sections().values())
    if not trace.endswith('\n' + ours):
        bad.append(f'{HW}trace-events: does not end with our events, '
                   'in our order')
    with open(os.path.join(SRC, 'docs/virtio-gpu-virglrenderer.rst')) as f:
        if f.read() not in tree.read(DOC):
            bad.append(f'{DOC}: lacks docs/virtio-gpu-virglrenderer.rst')
    for f in ('virtio-gpu-gl.c', 'virtio-gpu-virgl.c', 'virtio-gpu-pci-gl.c',
              'virtio-vga-gl.c'):
        if os.path.exists(tree.file(HW + f)):
            bad.append(f'{HW}{f}: still there (the series replaces it)')
    if bad:
        die('the series and the module build diverge:\n  ' +
            '\n  '.join(bad))
    print(f'{len(SERIES_FILES)} files, the trace events and the docs '
          'section are the same in tree and out of tree')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    b = sub.add_parser('build')
    b.add_argument('--base', required=True)
    b.add_argument('--out', required=True)
    b.add_argument('--signoff', required=True)
    v = sub.add_parser('verify')
    v.add_argument('--tree', required=True)
    args = ap.parse_args()
    {'build': build, 'verify': verify}[args.cmd](args)


if __name__ == '__main__':
    main()
