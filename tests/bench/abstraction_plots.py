# SPDX-License-Identifier: GPL-2.0-or-later
"""The two charts of the cost-of-abstraction report, from its JSON.

guest-over-host.png: for each shape, the guest/host ratio of each module
through virgl and through Venus (1.0: the abstraction costs nothing).
frame-times.png: the median frame time of every place, on a log scale,
so the host's own figure stands beside the guests'.

Usage: abstraction_plots.py JSON DIR   (abstraction.py calls it itself)
"""

import json
import os
import sys

import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def _series(result):
    """[(name, {shape: value})] of guest/host medians, module by API."""
    series = []
    for label, apis in result['guest_over_host'].items():
        for api, shapes in apis.items():
            path = 'virgl' if api == 'gles' else 'Venus'
            series.append((f'{label}, {path}',
                           {s: r['median'] for s, r in shapes.items()}))
    return series


def _bars(ax, series, shapes):
    width = 0.8 / max(len(series), 1)
    for i, (name, values) in enumerate(series):
        xs = [j + i * width for j in range(len(shapes))]
        ax.bar(xs, [values.get(s, 0) for s in shapes], width, label=name)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(shapes))])
    ax.set_xticklabels(shapes, rotation=30, ha='right')
    ax.legend(fontsize='small')


def _title(result, what):
    c = result['conditions']
    return (f'{what}\n{c.get("host_gpu", "")} guest {c["guest_arch"]} '
            f'({c["accel"]}), virglrenderer {c["virglrenderer"]}').strip()


def _guest_over_host(result, path):
    series = _series(result)
    shapes = sorted({s for _, v in series for s in v})
    fig, ax = plt.subplots(figsize=(10, 5))
    _bars(ax, series, shapes)
    ax.axhline(1.0, color='black', linewidth=0.8)
    ax.set_ylabel('host time / guest time (1.0 = no cost)')
    ax.set_title(_title(result, 'Guest against host, median frame time'))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _frame_times(result, path):
    series = []
    for label, apis in result['figures'].items():
        for api, got in apis.items():
            series.append((f'{label}, {api}',
                           {s: f['median_us']
                            for s, f in got['shapes'].items()}))
    shapes = sorted({s for _, v in series for s in v})
    fig, ax = plt.subplots(figsize=(11, 5))
    _bars(ax, series, shapes)
    ax.set_yscale('log')
    ax.set_ylabel('median time per frame or iteration (µs)')
    ax.set_title(_title(result, 'Time per frame, host and guests'))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_plots(result, directory):
    """Writes both charts into @directory; returns their paths."""
    os.makedirs(directory, exist_ok=True)
    paths = [os.path.join(directory, 'guest-over-host.png'),
             os.path.join(directory, 'frame-times.png')]
    _guest_over_host(result, paths[0])
    _frame_times(result, paths[1])
    return paths


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit('usage: abstraction_plots.py JSON DIR')
    with open(sys.argv[1], encoding='utf-8') as f:
        for written in write_plots(json.load(f), sys.argv[2]):
            print(f'plot written to {written}')
