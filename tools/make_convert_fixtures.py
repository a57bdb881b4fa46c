#!/usr/bin/python3
"""Fixtures for the TypeScript checkpoint -> ONNX converter (src/core/convert): test/data/convert/.

For each tiny configuration of every RepOpt-VGG block mode (target, repvgg, hs, csla; with and
without SE) this builds the *unfused* PyTorch model exactly as the official RepOptimizers code
defines it (repoptimizer/repoptvgg_model.py, scale_layer.py, se_block.py at
github.com/DingXiaoH/RepOptimizers), fills it with seeded, non-trivial weights, BatchNorm
statistics and branch scales, and writes:

  <name>.json   {"tensors": {key: {"shape", "offset", "dtype"}}, "expected": {...}}
  <name>.bin    every tensor as float32 little-endian at its offset (in floats); int64 entries
                (num_batches_tracked) are written as float32 too and marked "dtype": "int64"

"expected" holds the detected architecture the converter should report, the parameter count
(sum of numel over model.parameters()), the multiply-accumulates of the fused graph (forward
hooks on the convolutions and the linear layer of the equivalent plain model), and the eval-mode
PyTorch logits and last-stage features for the shared inputs in inputs.bin.

Also written: inputs.bin (float32 [2, 3, 64, 64], N(0, 1) from a seeded generator),
resnet18.json (keys and shapes only of a torchvision resnet18 state_dict, for the refusal test)
and float16.json (float64 values and numpy's float16 bits for them, for the fp16 rounding test).

Usage: /usr/bin/python3 tools/make_convert_fixtures.py [--out test/data/convert]
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
INPUT_SIZE = 64
INPUT_SEED = 7

# --------------------------------------------------------------------------------------------
# The official RepOptimizers model (repoptimizer/repoptvgg_model.py), same module names and
# forward passes, so the state_dict keys and the unfused computation are the real ones.


class ScaleLayer(nn.Module):
    def __init__(self, num_features: int, scale_init: float = 1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.full((num_features,), float(scale_init)))
        self.num_features = num_features

    def forward(self, x):
        return x * self.weight.view(1, self.num_features, 1, 1)


class SEBlock(nn.Module):
    def __init__(self, input_channels: int, internal_neurons: int):
        super().__init__()
        self.down = nn.Conv2d(input_channels, internal_neurons, kernel_size=1, stride=1, bias=True)
        self.up = nn.Conv2d(internal_neurons, input_channels, kernel_size=1, stride=1, bias=True)
        self.input_channels = input_channels

    def forward(self, inputs):
        x = F.adaptive_avg_pool2d(inputs, output_size=(1, 1))
        x = F.relu(self.down(x))
        x = torch.sigmoid(self.up(x))
        return inputs * x.view(-1, self.input_channels, 1, 1)


def post_se(out_channels: int, use_post_se: bool) -> nn.Module:
    return SEBlock(out_channels, out_channels // 4) if use_post_se else nn.Identity()


class RealVGGBlock(nn.Module):  # mode 'target'
    def __init__(self, in_channels, out_channels, stride=1, use_post_se=False):
        super().__init__()
        self.relu = nn.ReLU()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn = nn.BatchNorm2d(out_channels)
        self.post_se = post_se(out_channels, use_post_se)

    def forward(self, x):
        return self.post_se(self.relu(self.bn(self.conv(x))))


class RepVGGBlock(nn.Module):  # mode 'repvgg' (the baseline), deploy=False
    def __init__(self, in_channels, out_channels, stride=1, use_post_se=False):
        super().__init__()
        self.relu = nn.ReLU()
        self.conv_3x3 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn_3x3 = nn.BatchNorm2d(out_channels)
        self.conv_1x1 = nn.Conv2d(in_channels, out_channels, 1, stride, 0, bias=False)
        self.bn_1x1 = nn.BatchNorm2d(out_channels)
        if in_channels == out_channels and stride == 1:
            self.bn_identity = nn.BatchNorm2d(out_channels)
        self.post_se = post_se(out_channels, use_post_se)

    def forward(self, x):
        out = self.bn_3x3(self.conv_3x3(x)) + self.bn_1x1(self.conv_1x1(x))
        if hasattr(self, 'bn_identity'):
            out = out + self.bn_identity(x)
        return self.post_se(self.relu(out))


class LinearAddBlock(nn.Module):  # modes 'hs' and 'csla' (is_csla: constant branch scales)
    def __init__(self, in_channels, out_channels, stride=1, use_post_se=False, is_csla=False,
                 conv_scale_init=1.0):
        super().__init__()
        self.relu = nn.ReLU()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.scale_conv = ScaleLayer(out_channels, conv_scale_init)
        self.conv_1x1 = nn.Conv2d(in_channels, out_channels, 1, stride, 0, bias=False)
        self.scale_1x1 = ScaleLayer(out_channels, conv_scale_init)
        if in_channels == out_channels and stride == 1:
            self.scale_identity = ScaleLayer(out_channels, 1.0)
        self.bn = nn.BatchNorm2d(out_channels)
        if is_csla:
            self.scale_1x1.requires_grad_(False)
            self.scale_conv.requires_grad_(False)
        self.post_se = post_se(out_channels, use_post_se)

    def forward(self, x):
        out = self.scale_conv(self.conv(x)) + self.scale_1x1(self.conv_1x1(x))
        if hasattr(self, 'scale_identity'):
            out = out + self.scale_identity(x)
        return self.post_se(self.relu(self.bn(out)))


def get_block(mode, in_channels, out_channels, stride, use_post_se, conv_scale_init=1.0):
    if mode == 'target':
        return RealVGGBlock(in_channels, out_channels, stride, use_post_se)
    if mode == 'repvgg':
        return RepVGGBlock(in_channels, out_channels, stride, use_post_se)
    return LinearAddBlock(in_channels, out_channels, stride, use_post_se, is_csla=mode == 'csla',
                          conv_scale_init=conv_scale_init)


class RepOptVGG(nn.Module):
    def __init__(self, num_blocks, num_classes, width_multiplier, use_post_se=False, mode='target'):
        super().__init__()
        self.mode = mode
        self.in_channels = min(64, int(64 * width_multiplier[0]))
        self.stage0 = get_block(mode, 3, self.in_channels, 2, use_post_se)
        self.stage1 = self._make_stage(int(64 * width_multiplier[0]), num_blocks[0], 2, use_post_se)
        self.stage2 = self._make_stage(int(128 * width_multiplier[1]), num_blocks[1], 2, use_post_se)
        self.stage3 = self._make_stage(int(256 * width_multiplier[2]), num_blocks[2], 2, use_post_se)
        self.stage4 = self._make_stage(int(512 * width_multiplier[3]), num_blocks[3], 2, use_post_se)
        self.gap = nn.AdaptiveAvgPool2d(output_size=1)
        self.linear = nn.Linear(int(512 * width_multiplier[3]), num_classes)

    def _make_stage(self, channels, num_blocks, stride, use_post_se):
        blocks = []
        for i, s in enumerate([stride] + [1] * (num_blocks - 1)):
            conv_scale_init = 1.0 if i == 0 else (2.0 / i) ** 0.5
            blocks.append(get_block(self.mode, self.in_channels, channels, s, use_post_se, conv_scale_init))
            self.in_channels = channels
        return nn.Sequential(*blocks)

    def features(self, x):
        return self.stage4(self.stage3(self.stage2(self.stage1(self.stage0(x)))))

    def forward(self, x):
        out = self.gap(self.features(x))
        return self.linear(out.view(out.size(0), -1))

    def blocks(self) -> List[nn.Module]:
        return [self.stage0] + [b for i in range(1, 5) for b in getattr(self, f'stage{i}')]


# --------------------------------------------------------------------------------------------
# Seeded, non-trivial weights: an exporter that drops a branch, mis-folds BN, ignores a scale or
# puts the 1x1 kernel off-centre changes the logits well beyond the test tolerance.


@torch.no_grad()
def fill_bn(bn: nn.BatchNorm2d, g: torch.Generator) -> None:
    n = bn.num_features
    bn.weight.copy_(torch.rand(n, generator=g) + 0.5)
    bn.bias.copy_(torch.randn(n, generator=g) * 0.1)
    bn.running_mean.copy_(torch.randn(n, generator=g) * 0.1)
    bn.running_var.copy_(torch.rand(n, generator=g) * 1.5 + 0.5)
    bn.num_batches_tracked.fill_(int(torch.randint(0, 1000, (1,), generator=g)))


@torch.no_grad()
def kaiming(w: torch.Tensor, g: torch.Generator, gain: float = 2.0) -> None:
    fan_in = w.shape[1] * w.shape[2] * w.shape[3]
    w.copy_(torch.randn(w.shape, generator=g) * math.sqrt(gain / fan_in))


@torch.no_grad()
def seeded_init(model: RepOptVGG, seed: int) -> RepOptVGG:
    g = torch.Generator().manual_seed(seed)
    for b in model.blocks():
        if isinstance(b, RealVGGBlock):
            kaiming(b.conv.weight, g)
            fill_bn(b.bn, g)
        elif isinstance(b, RepVGGBlock):
            # three branches add up: shrink each so activations keep their scale through depth
            kaiming(b.conv_3x3.weight, g, 1.0)
            kaiming(b.conv_1x1.weight, g, 0.5)
            for bn in (b.bn_3x3, b.bn_1x1, getattr(b, 'bn_identity', None)):
                if bn is not None:
                    fill_bn(bn, g)
        else:
            kaiming(b.conv.weight, g, 1.0)
            kaiming(b.conv_1x1.weight, g, 0.5)
            if model.mode == 'hs':  # trained scales: per-channel values around the init
                for s in (b.scale_conv, b.scale_1x1):
                    s.weight.mul_(torch.rand(s.num_features, generator=g) + 0.5)
            # csla keeps scale_conv/scale_1x1 at their constant init (sqrt(2/i)); the identity
            # scale is trainable in both modes
            if hasattr(b, 'scale_identity'):
                b.scale_identity.weight.copy_(torch.rand(b.scale_identity.num_features, generator=g) + 0.5)
            fill_bn(b.bn, g)
        if isinstance(b.post_se, SEBlock):
            kaiming(b.post_se.down.weight, g, 1.0)
            b.post_se.down.bias.copy_(torch.randn(b.post_se.down.bias.shape, generator=g) * 0.1)
            kaiming(b.post_se.up.weight, g, 1.0)
            # gates mostly open (sigmoid of about 1.5 +- 0.5), so activations keep their scale
            b.post_se.up.bias.copy_(torch.randn(b.post_se.up.bias.shape, generator=g) * 0.5 + 1.5)
    lin = model.linear
    lin.weight.copy_(torch.randn(lin.weight.shape, generator=g) * math.sqrt(1.0 / lin.in_features))
    lin.bias.copy_(torch.randn(lin.bias.shape, generator=g) * 0.01)
    return model


def fused_macs(model: RepOptVGG, input_size: int) -> int:
    """MACs of the fused graph: a plain target-mode model of the same shape, hooks on every conv
    and on the linear layer (SE convolutions included)."""
    plain = RepOptVGG(model.num_blocks, model.num_classes, model.width_multiplier, model.use_post_se, 'target')
    total = 0

    def conv_hook(m: nn.Conv2d, _inp, out):
        nonlocal total
        total += out[0].numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def linear_hook(m: nn.Linear, _inp, _out):
        nonlocal total
        total += m.in_features * m.out_features

    for m in plain.modules():
        if isinstance(m, nn.Conv2d):
            m.register_forward_hook(conv_hook)
        elif isinstance(m, nn.Linear):
            m.register_forward_hook(linear_hook)
    with torch.no_grad():
        plain.eval()(torch.zeros(1, 3, input_size, input_size))
    return int(total)


# --------------------------------------------------------------------------------------------
# Output


def write_state_dict(sd: Dict[str, torch.Tensor], out: Path, expected: dict) -> int:
    index = {}
    chunks = []
    offset = 0
    for k, t in sd.items():
        dtype = 'int64' if t.dtype == torch.int64 else 'float32'
        a = t.detach().to(torch.float32).contiguous().numpy().astype('<f4').ravel()
        index[k] = {'shape': list(t.shape), 'offset': offset, 'dtype': dtype}
        chunks.append(a.tobytes())
        offset += a.size
    (out.with_suffix('.bin')).write_bytes(b''.join(chunks))
    with open(out.with_suffix('.json'), 'w', encoding='utf-8') as f:
        json.dump({'tensors': index, 'expected': expected}, f, separators=(',', ':'))
        f.write('\n')
    return offset * 4


def fmt_width(w: float):
    return int(w) if float(w).is_integer() else float(w)


CONFIGS = [
    # name, mode, se, blocks, widths, classes, seed
    ('target', 'target', False, [1, 2, 1, 1], [0.25, 0.25, 0.125, 0.0625], 10, 11),
    ('target-se', 'target', True, [1, 2, 1, 1], [0.25, 0.125, 0.0625, 0.03125], 7, 12),
    ('repvgg', 'repvgg', False, [1, 2, 1, 1], [0.25, 0.25, 0.125, 0.0625], 10, 13),
    ('repvgg-se', 'repvgg', True, [1, 2, 1, 1], [0.25, 0.125, 0.0625, 0.03125], 7, 14),
    ('hs', 'hs', False, [1, 2, 1, 1], [0.25, 0.25, 0.125, 0.0625], 10, 15),
    ('hs-se', 'hs', True, [1, 2, 1, 1], [0.25, 0.125, 0.0625, 0.03125], 7, 16),
    ('csla', 'csla', False, [1, 3, 1, 1], [0.25, 0.25, 0.125, 0.0625], 10, 17),
    ('csla-se', 'csla', True, [1, 2, 1, 1], [0.25, 0.125, 0.0625, 0.03125], 7, 18),
]


LOGIT_STD = 3.0


@torch.no_grad()
def make_model(mode, se, blocks, widths, classes, seed) -> RepOptVGG:
    m = RepOptVGG(blocks, classes, widths, use_post_se=se, mode=mode)
    m.num_blocks, m.num_classes, m.width_multiplier, m.use_post_se = blocks, classes, widths, se
    seeded_init(m, seed).eval()
    # Random inputs give nearly the same pooled features, so the raw logits barely differ between
    # images and sit close together. Centre the features on their mean over other seeded inputs
    # and scale the linear layer to logits with a std of LOGIT_STD, so top-5 orders are clear.
    g = torch.Generator().manual_seed(seed + 1000)
    f = torch.flatten(m.gap(m.features(torch.randn(16, 3, INPUT_SIZE, INPUT_SIZE, generator=g))), 1).double()
    mu = f.mean(0)
    w, b0 = m.linear.weight.double(), m.linear.bias.double()
    s = LOGIT_STD / float(((f - mu) @ w.t()).std(1).mean())
    m.linear.weight.copy_((s * w).float())
    m.linear.bias.copy_((b0 - s * (w @ mu)).float())
    return m


def min_top5_gap(logits: torch.Tensor) -> float:
    top = logits.sort(dim=1, descending=True).values[:, :6]
    return float((top[:, :-1] - top[:, 1:]).min())


def float16_vectors() -> dict:
    rng = np.random.RandomState(5)
    vals = [0.0, -0.0, 1.0, -1.0, 65504.0, 65519.99, 65520.0, -70000.0, 1e-8, 2.0 ** -24,
            2.0 ** -25, 3 * 2.0 ** -26, 2.0 ** -14, 2.0 ** -14 - 2.0 ** -25, 1 + 2.0 ** -11,
            1 + 3 * 2.0 ** -11, 0.1, 1 / 3, 2048 + 1, 2048 + 3, math.pi * 1000]
    vals += list(rng.randn(300) * 0.05) + list(rng.randn(200) * 3) + list(rng.randn(100) * 1e-5)
    vals += list(np.exp(rng.uniform(-20, 11.5, 300)) * rng.choice([-1, 1], 300))
    vals = [float(v) for v in vals]
    with np.errstate(over='ignore'):  # 65520 and beyond round to infinity, as intended
        bits = [int(b) for b in np.array(vals, dtype=np.float64).astype(np.float16).view(np.uint16)]
    return {'values': vals, 'bits': bits, 'note': 'numpy float64 -> float16 (round to nearest even)'}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', type=Path, default=ROOT / 'test' / 'data' / 'convert')
    args = ap.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(2)

    g = torch.Generator().manual_seed(INPUT_SEED)
    x = torch.randn(2, 3, INPUT_SIZE, INPUT_SIZE, generator=g)
    (out / 'inputs.bin').write_bytes(x.numpy().astype('<f4').tobytes())
    total = 2 * 3 * INPUT_SIZE * INPUT_SIZE * 4

    for name, mode, se, blocks, widths, classes, seed in CONFIGS:
        model = make_model(mode, se, blocks, widths, classes, seed)
        with torch.no_grad():
            feats = model.features(x)
            logits = model(x)
        sd = model.state_dict()
        expected = {
            'arch': {'mode': mode, 'blocks': blocks, 'widths': [fmt_width(w) for w in widths],
                     'numClasses': classes, 'se': se, 'name': None},
            'params': int(sum(p.numel() for p in model.parameters())),
            'macs': fused_macs(model, INPUT_SIZE),
            'inputSize': INPUT_SIZE,
            'logits': [float(v) for v in logits.numpy().ravel()],
            'featuresShape': list(feats.shape),
            'features': [float(v) for v in feats.numpy().ravel()],
        }
        nbytes = write_state_dict(sd, out / name, expected)
        total += nbytes
        print(f'{name}: {len(sd)} tensors, {nbytes:,} bytes, logits std {float(logits.std()):.3f}, '
              f'top1 {logits.argmax(1).tolist()}, min gap in the top 6 {min_top5_gap(logits):.4f}')

    import torchvision
    rn = torchvision.models.resnet18(num_classes=10).state_dict()
    with open(out / 'resnet18.json', 'w', encoding='utf-8') as f:
        json.dump({'tensors': {k: {'shape': list(v.shape), 'dtype': 'int64' if v.dtype == torch.int64 else
                                   'float32'} for k, v in rn.items()},
                   'note': 'torchvision.models.resnet18(num_classes=10).state_dict(): keys and shapes only'},
                  f, separators=(',', ':'))
        f.write('\n')
    with open(out / 'float16.json', 'w', encoding='utf-8') as f:
        json.dump(float16_vectors(), f, separators=(',', ':'))
        f.write('\n')
    print(f'wrote {out} (binary data {total:,} bytes)')


if __name__ == '__main__':
    main()
