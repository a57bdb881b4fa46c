"""RepOpt-VGG in "target" mode (the layout of the released RepOpt-VGG models).

RepOpt-VGG ("Re-parameterizing Your Optimizers rather than Architectures",
arXiv:2205.15242) trains a plain VGG-style network with a re-parameterized
optimizer, so the trained ("target") model is just a stack of
Conv3x3 -> BatchNorm -> ReLU blocks followed by global average pooling and a
linear classifier.

Module and state_dict key names follow the official RepOptimizers code
(``RepOptVGG`` with ``mode='target'`` and ``RealVGGBlock``):

    stage0.conv.weight, stage0.bn.{weight,bias,running_mean,running_var,num_batches_tracked}
    stage1.0.conv.weight, stage1.0.bn.*, ... stage4.N.bn.*
    linear.weight, linear.bias

``stage0`` is a single block; ``stage1``..``stage4`` are ``nn.Sequential``s of
blocks.  Each block also has a parameter-free ``relu`` and ``post_se``
(``nn.Identity``; the released models do not use SE), as in the official code.

Only the standard library, torch and numpy are used here.
"""

from __future__ import annotations

import math
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn

STAGE_BASE_CHANNELS = (64, 128, 256, 512)

# Known configurations, with the published ImageNet-1k top-1 (%) and params (M)
# from the RepOptimizers paper / repository.
KNOWN_ARCHS: Dict[str, dict] = {
    'B1': {'num_blocks': [4, 6, 16, 1], 'width_multiplier': [2, 2, 2, 4], 'top1': 78.62, 'params_m': 51.8},
    'B2': {'num_blocks': [4, 6, 16, 1], 'width_multiplier': [2.5, 2.5, 2.5, 5], 'top1': 79.68, 'params_m': 80.3},
    'L1': {'num_blocks': [8, 14, 24, 1], 'width_multiplier': [2, 2, 2, 4], 'top1': 79.82, 'params_m': 76.0},
    'L2': {'num_blocks': [8, 14, 24, 1], 'width_multiplier': [2.5, 2.5, 2.5, 5], 'top1': 80.47, 'params_m': 118.1},
}


class RealVGGBlock(nn.Module):
    """Conv3x3 (no bias) -> BatchNorm -> ReLU, as the official target-mode block."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1):
        super().__init__()
        self.relu = nn.ReLU()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(out_channels)
        self.post_se = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.post_se(self.relu(self.bn(self.conv(x))))


def stage_channels(width_multiplier: Sequence[float]) -> List[int]:
    """Output channels of stage0..stage4 for the given width multipliers."""
    w = list(width_multiplier)
    return [min(64, int(64 * w[0]))] + [int(base * wi) for base, wi in zip(STAGE_BASE_CHANNELS, w)]


class RepOptVGG(nn.Module):
    """Target-mode RepOpt-VGG (plain VGG-style inference/training structure)."""

    def __init__(self, num_blocks: Sequence[int], num_classes: int = 1000,
                 width_multiplier: Sequence[float] = (2, 2, 2, 4)):
        super().__init__()
        if len(num_blocks) != 4 or len(width_multiplier) != 4:
            raise ValueError('num_blocks and width_multiplier need 4 entries each')
        if any(int(n) < 1 for n in num_blocks):
            raise ValueError(f'every stage needs at least one block, got {list(num_blocks)}')
        self.num_blocks = [int(n) for n in num_blocks]
        self.width_multiplier = [float(w) for w in width_multiplier]
        self.num_classes = int(num_classes)
        chans = stage_channels(self.width_multiplier)
        self.stage0 = RealVGGBlock(3, chans[0], stride=2)
        in_ch = chans[0]
        for i in range(4):
            blocks = []
            for j in range(self.num_blocks[i]):
                blocks.append(RealVGGBlock(in_ch, chans[i + 1], stride=2 if j == 0 else 1))
                in_ch = chans[i + 1]
            setattr(self, f'stage{i + 1}', nn.Sequential(*blocks))
        self.gap = nn.AdaptiveAvgPool2d(output_size=1)
        self.linear = nn.Linear(chans[4], self.num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.stage0(x)
        out = self.stage1(out)
        out = self.stage2(out)
        out = self.stage3(out)
        out = self.stage4(out)
        out = self.gap(out)
        out = torch.flatten(out, 1)
        return self.linear(out)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Pooled features (input of ``linear``)."""
        out = self.stage4(self.stage3(self.stage2(self.stage1(self.stage0(x)))))
        return torch.flatten(self.gap(out), 1)

    def blocks(self) -> List[RealVGGBlock]:
        out = [self.stage0]
        for i in range(1, 5):
            out.extend(getattr(self, f'stage{i}'))
        return out

    def describe(self) -> str:
        return (f'RepOpt-VGG target, blocks {self.num_blocks}, '
                f'widths {[_fmt_num(w) for w in self.width_multiplier]}')


def _fmt_num(x: float):
    return int(x) if float(x).is_integer() else float(x)


def build_arch(name: str, num_classes: int = 1000) -> RepOptVGG:
    cfg = KNOWN_ARCHS[name]
    return RepOptVGG(cfg['num_blocks'], num_classes, cfg['width_multiplier'])


def match_known_arch(num_blocks: Sequence[int], width_multiplier: Sequence[float]) -> Optional[str]:
    for name, cfg in KNOWN_ARCHS.items():
        if list(num_blocks) == cfg['num_blocks'] and all(
                abs(float(a) - float(b)) < 1e-9 for a, b in zip(width_multiplier, cfg['width_multiplier'])):
            return name
    return None


def count_params(model: nn.Module) -> int:
    """Learnable parameters (conv weights, BN weight/bias, linear); BN running stats are buffers."""
    return int(sum(p.numel() for p in model.parameters()))


def param_count(num_blocks: Sequence[int], width_multiplier: Sequence[float], num_classes: int = 1000) -> int:
    """Same as count_params(RepOptVGG(...)) without building the model."""
    chans = stage_channels(width_multiplier)
    n = 3 * chans[0] * 9 + 2 * chans[0]
    in_ch = chans[0]
    for i in range(4):
        for _ in range(int(num_blocks[i])):
            n += in_ch * chans[i + 1] * 9 + 2 * chans[i + 1]
            in_ch = chans[i + 1]
    return int(n + in_ch * num_classes + num_classes)


def count_macs(model: RepOptVGG, input_size: int = 224) -> int:
    """Multiply-accumulates of the convolutions and the linear layer for one image."""
    macs = 0
    size = input_size
    for block in model.blocks():
        conv = block.conv
        stride = conv.stride[0]
        size = (size + 2 * 1 - 3) // stride + 1
        macs += size * size * conv.out_channels * conv.in_channels * 9
    macs += model.linear.in_features * model.linear.out_features
    return int(macs)


@torch.no_grad()
def seeded_init(model: RepOptVGG, seed: int) -> RepOptVGG:
    """Deterministic, non-trivial weights for tests.

    Conv weights ~ N(0, 2/fan_in) (Kaiming, ReLU gain) so that the second
    moment of the activations is roughly preserved through the depth; the
    BatchNorm layers get non-trivial affine parameters and running statistics
    (weight ~ U(0.5, 1.5), bias ~ N(0, 0.1), running_mean ~ N(0, 0.1),
    running_var ~ U(0.5, 2)), so an exporter that drops or mis-folds BN is
    caught.  The linear layer is N(0, 1/fan_in) with bias N(0, 0.01).
    All draws come from one ``torch.Generator`` seeded with ``seed``, in a
    fixed order, so the result does not depend on the global RNG state.
    """
    g = torch.Generator().manual_seed(int(seed))
    for block in model.blocks():
        w = block.conv.weight
        fan_in = w.shape[1] * w.shape[2] * w.shape[3]
        w.copy_(torch.randn(w.shape, generator=g) * math.sqrt(2.0 / fan_in))
        bn = block.bn
        n = bn.num_features
        bn.weight.copy_(torch.rand(n, generator=g) + 0.5)
        bn.bias.copy_(torch.randn(n, generator=g) * 0.1)
        bn.running_mean.copy_(torch.randn(n, generator=g) * 0.1)
        bn.running_var.copy_(torch.rand(n, generator=g) * 1.5 + 0.5)
        bn.num_batches_tracked.fill_(0)
    lin = model.linear
    lin.weight.copy_(torch.randn(lin.weight.shape, generator=g) * math.sqrt(1.0 / lin.in_features))
    lin.bias.copy_(torch.randn(lin.bias.shape, generator=g) * 0.01)
    return model


@torch.no_grad()
def activation_stats(model: RepOptVGG, x: torch.Tensor) -> List[float]:
    """RMS of the output of every block for input ``x`` (to check nothing vanishes/explodes)."""
    out = []
    h = x
    for block in model.blocks():
        h = block(h)
        out.append(float(h.pow(2).mean().sqrt()))
    return out


if __name__ == '__main__':
    for name in KNOWN_ARCHS:
        m = build_arch(name)
        print(f'{name}: params {count_params(m) / 1e6:.3f} M (published {KNOWN_ARCHS[name]["params_m"]} M), '
              f'GMACs {count_macs(m) / 1e9:.3f}')
