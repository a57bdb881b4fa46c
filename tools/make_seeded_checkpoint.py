#!/usr/bin/python3
"""Write a seeded (untrained) RepOpt-VGG target-mode checkpoint with torch.save, to exercise the exporter.

Usage:
  /usr/bin/python3 tools/make_seeded_checkpoint.py --arch B1 --seed 0 --out /tmp/b1.pth \
      [--layout bare|model|state_dict|module]
  /usr/bin/python3 tools/make_seeded_checkpoint.py --blocks 1,1,1,1 --widths 0.125,0.125,0.125,0.25 \
      --classes 10 --out /tmp/small.pth

Layouts: bare = the state_dict itself; model = {'model': sd, 'epoch': 0} (no floats: torch 1.13's
weights-only loader cannot read them); state_dict = {'state_dict': sd};
module = bare with every key prefixed 'module.' (as saved from DistributedDataParallel).
Full-size checkpoints are large (B1 ~200 MB): write them outside the repository, never commit them.
"""

from __future__ import annotations

import argparse
import sys
from collections import OrderedDict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402

from repopt_vgg import KNOWN_ARCHS, RepOptVGG, count_params, seeded_init  # noqa: E402

LAYOUTS = ('bare', 'model', 'state_dict', 'module')


def wrap(sd, layout: str):
    if layout == 'bare':
        return sd
    if layout == 'model':
        # ints only: torch 1.13's weights_only loader cannot read Python floats
        return {'model': sd, 'epoch': 0}
    if layout == 'state_dict':
        return {'state_dict': sd}
    if layout == 'module':
        return OrderedDict(('module.' + k, v) for k, v in sd.items())
    raise ValueError(layout)


def make_model(arch=None, blocks=None, widths=None, classes=1000, seed=0) -> RepOptVGG:
    if arch:
        cfg = KNOWN_ARCHS[arch]
        blocks, widths = cfg['num_blocks'], cfg['width_multiplier']
    return seeded_init(RepOptVGG(blocks, classes, widths), seed).eval()


def _floats(s: str):
    return [float(v) for v in s.split(',')]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--arch', choices=list(KNOWN_ARCHS))
    ap.add_argument('--blocks', type=lambda s: [int(v) for v in s.split(',')], help='e.g. 1,1,2,1 (instead of --arch)')
    ap.add_argument('--widths', type=_floats, help='e.g. 0.125,0.125,0.125,0.25 (with --blocks)')
    ap.add_argument('--classes', type=int, default=1000)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--layout', choices=LAYOUTS, default='bare')
    ap.add_argument('--out', type=Path, required=True)
    args = ap.parse_args(argv)
    if not args.arch and not (args.blocks and args.widths):
        ap.error('give --arch, or --blocks and --widths')
    model = make_model(args.arch, args.blocks, args.widths, args.classes, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(wrap(model.state_dict(), args.layout), str(args.out))
    print(f'wrote {args.out} ({args.out.stat().st_size:,} bytes): {model.describe()}, {args.classes} classes, '
          f'seed {args.seed}, layout {args.layout}, params {count_params(model):,}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
