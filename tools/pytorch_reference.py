#!/usr/bin/env python3
"""Writes what PyTorch says about some images, as the JSON RepOpt Lens's "Verify against PyTorch"
panel reads: {"images": {"<file name>": {"logits": [...], "top5": [{"index", "probability"}]}}}.

    /usr/bin/python3 tools/pytorch_reference.py --checkpoint RepOpt-VGG-B1-acc78.62.pth photos/*.jpg > ref.json
    /usr/bin/python3 tools/pytorch_reference.py --tiny e2e/fixtures/images/*.png > ref.json   # the bundled test model

Images are loaded as torchvision's default loader does (Image.open(...).convert('RGB'), no EXIF
rotation) and transformed with the chosen preset's real torchvision transforms.
"""
import argparse
import json
import sys
from pathlib import Path

import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from export_onnx import build_from_state_dict, extract_state_dict, load_checkpoint  # noqa: E402
from preprocess import PRESETS, tensor_for  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument('--checkpoint', help='a RepOpt-VGG target-mode checkpoint (.pth), loaded with weights_only=True')
    src.add_argument('--tiny', action='store_true', help='the seeded test model of models/repopt-tiny.onnx')
    ap.add_argument('--preset', default='torchvision-256-224', choices=list(PRESETS),
                    help="bicubic-256-224 is timm's GhostNet evaluation (torchvision's InterpolationMode.BICUBIC, "
                         "which on a PIL image is Pillow's Image.BICUBIC)")
    ap.add_argument('images', nargs='+')
    args = ap.parse_args()
    if args.tiny:
        from make_test_model import build_tiny_model
        model = build_tiny_model()
    else:
        model, _, _ = build_from_state_dict(extract_state_dict(load_checkpoint(Path(args.checkpoint))))
    model.eval()
    out = {'generator': 'tools/pytorch_reference.py', 'torch': torch.__version__, 'preset': args.preset, 'images': {}}
    with torch.no_grad():
        for path in args.images:
            with Image.open(path) as im:
                x = tensor_for(im.convert('RGB'), args.preset).unsqueeze(0)
            logits = model(x)[0]
            probs = torch.softmax(logits.double(), 0)
            top = torch.topk(probs, 5)
            out['images'][Path(path).name] = {
                'logits': [float(v) for v in logits],
                'top5': [{'index': int(i), 'probability': float(p)} for p, i in zip(top.values, top.indices)],
            }
    json.dump(out, sys.stdout)
    print()
    return 0


if __name__ == '__main__':
    sys.exit(main())
