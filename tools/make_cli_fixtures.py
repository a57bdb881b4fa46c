#!/usr/bin/python3
"""PyTorch references for the `convert` and `info` commands (test/cli-convert.test.ts): test/data/cli/.

Usage: /usr/bin/python3 tools/make_cli_fixtures.py   (after tools/make_checkpoint_fixtures.py)

Writes:
  expected.json   for every RepOpt-VGG checkpoint among the fixtures of test/data/checkpoints/
                  (found by loading each with torch.load and load_state_dict(strict=True) into the
                  tiny RepOpt-VGG) and the two below: the eval-mode logits and top-5 on the
                  reference inputs, the parameter count and multiply-accumulates; and the counts of
                  the shapes-only files.
  half.pth        the tiny model's state_dict in float16 (its reference: the float32 model holding
                  the float16-rounded weights, since PyTorch 1.13 has no float16 conv on the CPU)
  legacy_tiny.pth the tiny model's state_dict in the legacy (non-zip) format (its bytes change
                  on every run: the legacy format names storages by Python object ids)
  b1_shapes_only.pth, resnet18_shapes_only.pth
                  a RepOpt-VGG-B1 and a torchvision ResNet-18 state_dict with the real keys and
                  shapes, every tensor a stride-0 view of one shared element (files of a few KB)

The reference inputs are not stored: both sides compute them from the element index i of a
[2, 3, 224, 224] tensor (a 32-bit integer hash; every value exact in float32):
  h = (i * 0x9E3779B1) mod 2^32; h ^= h >> 16; h = (h * 0x85EBCA6B) mod 2^32; h ^= h >> 13
  x[i] = ((h >> 29) - 4) / 2            in {-2, -1.5, ..., 1.5}
"""

from __future__ import annotations

import json
import sys
from collections import OrderedDict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torchvision  # noqa: E402

# The pickles of training.pth reference __main__.CfgNode: the classes must be found here.
from make_checkpoint_fixtures import CfgNode, Thing, tiny_model  # noqa: E402,F401
from repopt_vgg import build_arch, count_macs, count_params, seeded_init  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHECKPOINTS = ROOT / 'test' / 'data' / 'checkpoints'
OUT = ROOT / 'test' / 'data' / 'cli'
INPUT_SHAPE = (2, 3, 224, 224)


def reference_inputs() -> torch.Tensor:
    i = np.arange(int(np.prod(INPUT_SHAPE)), dtype=np.uint64)
    h = (i * np.uint64(0x9E3779B1)) & np.uint64(0xFFFFFFFF)
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & np.uint64(0xFFFFFFFF)
    h ^= h >> np.uint64(13)
    k = (h >> np.uint64(29)).astype(np.float32)
    return torch.from_numpy(((k - 4) / 2).reshape(INPUT_SHAPE))


def state_dict_of(obj):
    """The weights inside what torch.load returned (the layouts of make_checkpoint_fixtures.py)."""
    if isinstance(obj, torch.nn.Module):
        return obj.state_dict()
    for key in ('model', 'state_dict', 'net'):
        if isinstance(obj, dict) and key in obj and isinstance(obj[key], dict):
            obj = obj[key]
            break
    if not isinstance(obj, dict) or not all(torch.is_tensor(v) for v in obj.values()):
        return None
    return OrderedDict((k[len('module.'):] if k.startswith('module.') else k, v) for k, v in obj.items())


@torch.no_grad()
def reference(sd, x: torch.Tensor):
    """Logits of the tiny RepOpt-VGG holding `sd` (float32), or None when `sd` does not fit it."""
    model = tiny_model()
    try:
        model.load_state_dict(OrderedDict((k, v.float() if v.is_floating_point() else v)
                                          for k, v in sd.items()), strict=True)
    except RuntimeError:
        return None
    model.eval()
    logits = model(x)
    return {
        'logits': [[float(v) for v in row] for row in logits],
        'top5': [[int(v) for v in row] for row in logits.topk(5, dim=1).indices],
        'params': count_params(model),
        'macs': count_macs(model, INPUT_SHAPE[-1]),
    }


def shapes_only(sd) -> 'OrderedDict[str, torch.Tensor]':
    """Same keys and shapes, every tensor a stride-0 view of one shared element per dtype."""
    one = {torch.float32: torch.ones(1), torch.int64: torch.zeros(1, dtype=torch.int64)}
    return OrderedDict((k, one[v.dtype].expand(v.shape) if v.dim() else one[v.dtype][0])
                       for k, v in sd.items())


def compact_json(data: dict) -> str:
    """Indented two levels deep, one line per file below that."""
    def section(d: dict) -> str:
        return '{\n' + ',\n'.join(f'  {json.dumps(k)}: {json.dumps(v)}' for k, v in d.items()) + '\n }'

    parts = [f' {json.dumps(k)}: {section(v) if k != "input" else json.dumps(v)}' for k, v in data.items()]
    return '{\n' + ',\n'.join(parts) + '\n}\n'


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    x = reference_inputs()
    sd = tiny_model().state_dict()
    torch.save(OrderedDict((k, v.half() if v.is_floating_point() else v) for k, v in sd.items()),
               str(OUT / 'half.pth'))
    torch.save(sd, str(OUT / 'legacy_tiny.pth'), _use_new_zipfile_serialization=False)

    # Only the fixtures listed as valid are loaded: torch.load (not weights-only, for the pickled
    # module and the training script's config) would run the hostile ones.
    valid = json.loads((CHECKPOINTS / 'expected.json').read_text())['valid']
    checkpoints = {}
    files = [CHECKPOINTS / name for name in valid] + [OUT / 'half.pth', OUT / 'legacy_tiny.pth']
    for path in files:
        found = state_dict_of(torch.load(str(path), map_location='cpu'))
        ref = reference(found, x) if found is not None else None
        if ref is not None:
            checkpoints[path.relative_to(ROOT).as_posix()] = ref

    b1 = seeded_init(build_arch('B1'), 0).eval()
    torch.save(shapes_only(b1.state_dict()), str(OUT / 'b1_shapes_only.pth'))
    resnet = torchvision.models.resnet18().state_dict()
    torch.save(shapes_only(resnet), str(OUT / 'resnet18_shapes_only.pth'))
    shapes = {
        'test/data/cli/b1_shapes_only.pth': {'params': count_params(b1), 'macs': count_macs(b1, 224)},
        'test/data/cli/resnet18_shapes_only.pth': {'tensors': len(resnet)},
    }

    data = {'input': {'shape': list(INPUT_SHAPE), 'formula': __doc__.split('\n\n')[-1].strip()},
            'checkpoints': checkpoints, 'shapes_only': shapes}
    (OUT / 'expected.json').write_text(compact_json(data))
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f'wrote references for {len(checkpoints)} RepOpt-VGG checkpoints to {OUT} ({total:,} bytes)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
