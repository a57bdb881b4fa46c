#!/usr/bin/python3
"""Reference preprocessing results and logits for the fixtures: e2e/fixtures/references.json.

For every image in e2e/fixtures/images (except the two deliberately broken files), decoded as
torchvision's default loader does (Image.open(p).convert('RGB'), no EXIF handling), and for
exif-rotated.jpg also as "exif-rotated.jpg#transposed" (ImageOps.exif_transpose first, as a
browser does), this records per preset the resized/cropped/tensor hashes, and the logits and
top-5 of the tiny test model (tools/make_test_model.py) on the default preset's tensor.
For the fixtures that are not PNGs (the JPEGs), Pillow's decoded RGB pixels are also written
losslessly to e2e/fixtures/decoded/<file name>.png for Node tests without a JPEG decoder.

The tiny model is re-created with make_test_model.build_tiny_model() and first checked against
the committed models/repopt-tiny.onnx weights (BatchNorm folded), so the references always
describe that file.  Run tools/make_fixtures.py and tools/make_test_model.py first.

Usage: /usr/bin/python3 tools/make_references.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import PIL  # noqa: E402
import torch  # noqa: E402
import torchvision  # noqa: E402
from PIL import Image  # noqa: E402

from export_onnx import file_sha256, onnx_weight_diff  # noqa: E402
from make_test_model import ONNX_PATH, SEED, build_tiny_model  # noqa: E402
from preprocess import (DEFAULT_PRESET, IMG_DIR, MEAN, PRESETS, STD, TRANSPOSED_SUFFIX, load_fixture,  # noqa: E402
                        pil_sha256, preprocess, reference_keys, sha256)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / 'e2e' / 'fixtures' / 'references.json'
DECODED_DIR = ROOT / 'e2e' / 'fixtures' / 'decoded'


def save_decoded(img: Image.Image, path: Path) -> None:
    """8-bit RGB PNG, non-interlaced, no metadata; rewritten only when the pixels changed."""
    if path.exists():
        with Image.open(path) as old:
            if old.mode == 'RGB' and old.size == img.size and pil_sha256(old) == pil_sha256(img):
                return
    clean = Image.frombytes('RGB', img.size, img.tobytes())
    clean.save(path, format='PNG', optimize=True)


def exif_orientation(key: str):
    name = key[:-len(TRANSPOSED_SUFFIX)] if key.endswith(TRANSPOSED_SUFFIX) else key
    with Image.open(IMG_DIR / name) as im:
        v = im.getexif().get(0x0112)
    return int(v) if v is not None else None


def preset_record(img: Image.Image, preset: str) -> dict:
    r = preprocess(img, preset)
    t = r['tensor']
    resized = r['resized']
    crop = PRESETS[preset]['crop']
    flat = t.numpy().astype('<f4')
    return {
        'resized_width': resized.width,
        'resized_height': resized.height,
        # torchvision CenterCrop offsets: int(round((size - crop) / 2)) (Python rounds halves to even)
        'crop_left': int(round((resized.width - crop) / 2.0)),
        'crop_top': int(round((resized.height - crop) / 2.0)),
        'resized_sha256': pil_sha256(resized),
        'crop_sha256': pil_sha256(r['cropped']),
        'tensor_sha256': sha256(flat.tobytes()),
        'tensor_sum': float(t.double().sum()),
        'tensor_first': [float(v) for v in flat.ravel()[:8]],
    }


def main() -> int:
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    model = build_tiny_model(SEED)
    diff = onnx_weight_diff(model, ONNX_PATH)
    print(f'tiny model vs {ONNX_PATH.relative_to(ROOT)}: max weight difference {diff:.3g}')
    if diff > 1e-5:
        print('error: the re-created model does not match the committed ONNX; run tools/make_test_model.py',
              file=sys.stderr)
        return 1

    images = {}
    for key in reference_keys():
        img = load_fixture(key)
        rec = {
            'width': img.width,
            'height': img.height,
            'decoded_sha256': pil_sha256(img),
            'exif_orientation': exif_orientation(key),
            'presets': {p: preset_record(img, p) for p in PRESETS},
        }
        t = preprocess(img, DEFAULT_PRESET)['tensor']
        with torch.no_grad():
            logits = model(t.unsqueeze(0))[0]
        lg = logits.numpy().astype(np.float32)
        p = torch.softmax(torch.from_numpy(lg.astype(np.float64)), dim=0).numpy()
        top = np.argsort(-p, kind='stable')[:5]
        rec['logits'] = [float(v) for v in lg]
        rec['top5'] = [{'index': int(i), 'probability': float(p[i])} for i in top]
        images[key] = rec
        if not key.endswith(TRANSPOSED_SUFFIX) and not key.lower().endswith('.png'):
            # Lossless dump of Pillow's decode, for Node tests that have no JPEG decoder of their own.
            DECODED_DIR.mkdir(parents=True, exist_ok=True)
            save_decoded(img, DECODED_DIR / f'{key}.png')
        print(f'{key:30s} {img.width}x{img.height}  top1 {int(top[0]):4d} p {p[top[0]]:.4f}')

    data = {
        'generator': 'tools/make_references.py',
        'torch': torch.__version__,
        'torchvision': torchvision.__version__,
        'pillow': PIL.__version__,
        'model': {'file': 'models/repopt-tiny.onnx', 'preset': DEFAULT_PRESET, 'sha256': file_sha256(ONNX_PATH)},
        'presets': PRESETS,
        'mean': MEAN,
        'std': STD,
        'images': images,
    }
    OUT.write_text(json.dumps(data, indent=1) + '\n', encoding='utf-8')
    print(f'wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size:,} bytes, {len(images)} entries)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
