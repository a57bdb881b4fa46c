#!/usr/bin/python3
"""PyTorch's answer for the GhostNet checkpoint the browser test converts (test/data/ghostnet/rep.pth,
RepOptimizers' training-script layout with a config object, 'rep' form): logits and top-5 on two
fixture photos with the preset a converted GhostNet declares and the page uses: timm's
bicubic-256-224. The model is the
project's own tools/repopt_ghostnet.py. Writes e2e/fixtures/ghostnet-reference.json.

    /usr/bin/python3 tools/make_ghostnet_reference.py
"""
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_ghostnet_fixtures import CONFIGS, TINY_CFGS  # noqa: E402
from preprocess import IMG_DIR, load_rgb, tensor_for  # noqa: E402
from repopt_ghostnet import GhostNet  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHECKPOINT = ROOT / 'test' / 'data' / 'ghostnet' / 'rep.pth'
OUT = ROOT / 'e2e' / 'fixtures' / 'ghostnet-reference.json'
# What the converter writes into a GhostNet's metadata (src/core/convert/convert.ts GHOSTNET_PRESET).
PRESET = 'bicubic-256-224'


class _Inert(dict):
    """Stands in for the yacs-like config class the fixture pickled from its own __main__."""

    def __init__(self, *args, **kwargs):
        super().__init__()


def main() -> int:
    # rep.pth holds a config object, which torch 1.13's weights_only loader refuses. The file is
    # this project's own fixture, so torch.load may read it with the config's class replaced by an
    # inert one. Never do this with a downloaded checkpoint.
    import __main__
    __main__.CfgNode = _Inert
    checkpoint = torch.load(CHECKPOINT, map_location='cpu')
    _, mode, width, classes, head, _ = next(c for c in CONFIGS if c[0] == 'rep')
    model = GhostNet(width, classes, mode, TINY_CFGS, head)
    model.load_state_dict(checkpoint['model'])
    model.eval()
    out = {'generator': 'tools/make_ghostnet_reference.py', 'checkpoint': 'test/data/ghostnet/rep.pth',
           'preset': PRESET, 'images': {}}
    with torch.no_grad():
        for name in ['chelsea.png', 'rocket.jpg']:
            logits = model(tensor_for(load_rgb(IMG_DIR / name), PRESET).unsqueeze(0))[0]
            probs = torch.softmax(logits.double(), 0)
            top = torch.topk(probs, 6)
            gaps = (top.values[:-1] - top.values[1:]).min()
            print(f'{name}: top-5 {top.indices[:5].tolist()}, smallest gap in the top 6 {float(gaps):.2e}')
            out['images'][name] = {
                'logits': [float(v) for v in logits],
                'top5': [{'index': int(i), 'probability': float(p)}
                         for p, i in zip(top.values[:5], top.indices[:5])],
            }
    OUT.write_text(json.dumps(out, indent=1) + '\n')
    print(f'wrote {OUT}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
