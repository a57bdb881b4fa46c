"""Reference preprocessing shared by tools/make_references.py and tools/make_test_model.py.

Exactly torchvision's classification pipeline on a PIL image:
    T.Resize(resize)  (or T.Resize((resize, resize)) when squash)  -- bilinear or bicubic, PIL backend
    T.CenterCrop(crop)
    T.ToTensor()
    T.Normalize(MEAN, STD)
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Dict, List

import numpy as np
import torch
import torchvision.transforms as T
from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parent.parent
IMG_DIR = ROOT / 'e2e' / 'fixtures' / 'images'
BAD_FILES = {'not-an-image.jpg', 'not-a-model.onnx'}

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
DEFAULT_PRESET = 'torchvision-256-224'
PRESETS: Dict[str, dict] = {
    'torchvision-256-224': {'resize': 256, 'crop': 224, 'squash': False, 'interpolation': 'bilinear'},
    'repopt-official-224-224': {'resize': 224, 'crop': 224, 'squash': False, 'interpolation': 'bilinear'},
    'squash-256-224': {'resize': 256, 'crop': 224, 'squash': True, 'interpolation': 'bilinear'},
    # timm's evaluation transform for GhostNets: Resize(256, bicubic) + CenterCrop(224).
    'bicubic-256-224': {'resize': 256, 'crop': 224, 'squash': False, 'interpolation': 'bicubic'},
}
INTERPOLATION = {'bilinear': T.InterpolationMode.BILINEAR, 'bicubic': T.InterpolationMode.BICUBIC}
TRANSPOSED_SUFFIX = '#transposed'


def fixture_names() -> List[str]:
    return sorted(p.name for p in IMG_DIR.iterdir() if p.is_file() and p.name not in BAD_FILES)


def load_rgb(path: Path, transpose: bool = False) -> Image.Image:
    """torchvision's default loader (no EXIF handling), or with EXIF orientation applied."""
    with open(path, 'rb') as f:
        img = Image.open(f)
        if transpose:
            img = ImageOps.exif_transpose(img)
        return img.convert('RGB')


def load_fixture(key: str) -> Image.Image:
    """key is a file name, optionally with '#transposed' appended."""
    if key.endswith(TRANSPOSED_SUFFIX):
        return load_rgb(IMG_DIR / key[:-len(TRANSPOSED_SUFFIX)], transpose=True)
    return load_rgb(IMG_DIR / key)


def sha256(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def pil_sha256(img: Image.Image) -> str:
    return sha256(np.ascontiguousarray(np.asarray(img, dtype=np.uint8)).tobytes())


def resize_op(preset: str) -> T.Resize:
    p = PRESETS[preset]
    size = (p['resize'], p['resize']) if p['squash'] else p['resize']
    return T.Resize(size, interpolation=INTERPOLATION[p['interpolation']])


def preprocess(img: Image.Image, preset: str = DEFAULT_PRESET) -> dict:
    """Returns the intermediate PIL images and the normalized float32 CHW tensor."""
    p = PRESETS[preset]
    resized = resize_op(preset)(img)
    cropped = T.CenterCrop(p['crop'])(resized)
    t = T.Normalize(MEAN, STD)(T.ToTensor()(cropped))
    return {'resized': resized, 'cropped': cropped, 'tensor': t}


def tensor_for(img: Image.Image, preset: str = DEFAULT_PRESET) -> torch.Tensor:
    return preprocess(img, preset)['tensor']


def batch_for(keys: List[str], preset: str = DEFAULT_PRESET) -> torch.Tensor:
    return torch.stack([tensor_for(load_fixture(k), preset) for k in keys])


def reference_keys() -> List[str]:
    keys = fixture_names()
    if 'exif-rotated.jpg' in keys:
        keys.append('exif-rotated.jpg' + TRANSPOSED_SUFFIX)
    return keys
