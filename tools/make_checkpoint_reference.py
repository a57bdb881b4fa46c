#!/usr/bin/env python3
"""PyTorch's answer for the checkpoint the browser test converts (test/data/checkpoints/training.pth,
the training-script layout with a config object): its logits and top-5 on two fixture photos, with
torchvision's real transforms. Writes e2e/fixtures/checkpoint-reference.json.

    /usr/bin/python3 tools/make_checkpoint_reference.py
"""
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_checkpoint_fixtures import tiny_model  # noqa: E402
from preprocess import IMG_DIR, load_rgb, tensor_for  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHECKPOINT = ROOT / 'test' / 'data' / 'checkpoints' / 'training.pth'
OUT = ROOT / 'e2e' / 'fixtures' / 'checkpoint-reference.json'


class _Inert(dict):
    """Stands in for the config class the fixture pickled from its own __main__ (yacs-like)."""

    def __init__(self, *args, **kwargs):
        super().__init__()


def main() -> int:
    # training.pth holds a config object, which torch 1.13's weights_only loader refuses. The file
    # is this project's own fixture (tools/make_checkpoint_fixtures.py), so torch.load may read it,
    # with the config's class replaced by an inert one. Never do this with a downloaded checkpoint.
    import __main__
    __main__.CfgNode = _Inert
    checkpoint = torch.load(CHECKPOINT, map_location='cpu')
    model = tiny_model()
    model.load_state_dict(checkpoint['model'])
    model.eval()
    out = {'generator': 'tools/make_checkpoint_reference.py', 'checkpoint': 'test/data/checkpoints/training.pth', 'images': {}}
    with torch.no_grad():
        for name in ['chelsea.png', 'rocket.jpg']:
            logits = model(tensor_for(load_rgb(IMG_DIR / name)).unsqueeze(0))[0]
            probs = torch.softmax(logits.double(), 0)
            top = torch.topk(probs, 5)
            out['images'][name] = {
                'logits': [float(v) for v in logits],
                'top5': [{'index': int(i), 'probability': float(p)} for p, i in zip(top.values, top.indices)],
            }
    OUT.write_text(json.dumps(out, indent=1) + '\n')
    print(f'wrote {OUT}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
