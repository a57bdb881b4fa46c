"""GhostNet with RepGhost modules, in every form the two official codebases save, for fixtures.

The project's own implementation (written from the papers and the published state_dict layouts,
not copied): RepGhost (arXiv:2211.06088, github.com/ChengpengChen/RepGhost, model/repghost.py)
and RepOpt-GhostNet (arXiv:2205.15242, github.com/DingXiaoH/RepOptimizers,
repoptimizer/repoptghostnet_model.py). Module names are chosen so that `state_dict()` gives the
official key names of each form:

  conv_stem.weight, bn1.*                                   stem: 3x3 stride 2 conv, BN, ReLU
  blocks.S.J.ghost1.primary_conv.{0.weight,1.*}             1x1 conv + BN (+ ReLU in ghost1)
  blocks.S.J.ghost1.cheap_operation.0.weight                depthwise conv (dw_size, stride 1)
  ... per mode, the branch that is re-parameterised away:
    target    cheap_operation has no [1]; ghostN.final_bn.*             x2 = BN(dw(x1))
    rep       cheap_operation.1.* (BN); ghostN.fusion_bn.*              x2 = BN(dw(x1)) + BN(x1)
    repghost  cheap_operation.1.* (BN); ghostN.fusion_bn.0.*            the same, RepGhost's names
    hs, csla  cheap_operation.1.weight, ghostN.fusion_scale.weight (ScaleLayer), final_bn.*
                                                                        x2 = BN(dw(x1)*s + x1*f)
    deploy    ghostN.cheap_operation.{weight,bias}                      x2 = dw(x1) + b
  blocks.S.J.conv_dw.weight, bn_dw.*                        stride-2 blocks only
  blocks.S.J.se.conv_reduce.{weight,bias}, conv_expand.*    SE, gate = relu6(x + 3) / 6
  blocks.S.J.shortcut.{0.weight,1.*,2.weight,3.*}           dw conv + BN + 1x1 conv + BN, unless
                                                            in == out and stride 1 (identity)
  blocks.L.0.conv.weight, bn1.*                             last: 1x1 ConvBnAct
  conv_head.{weight,bias}, classifier.{weight,bias}         pool, 1x1 conv + ReLU, linear

Only torch is used here.
"""

from __future__ import annotations

from typing import List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

MODES = ('target', 'rep', 'repghost', 'hs', 'csla', 'deploy')

# (kernel, expansion, out, se_ratio, stride) per block, grouped in stages: the published 1.0x
# table, scaled by the width multiplier.
GHOSTNET_CFGS = [
    [[3, 8, 16, 0, 1]],
    [[3, 24, 24, 0, 2]],
    [[3, 36, 24, 0, 1]],
    [[5, 36, 40, 0.25, 2]],
    [[5, 60, 40, 0.25, 1]],
    [[3, 120, 80, 0, 2]],
    [[3, 100, 80, 0, 1], [3, 120, 80, 0, 1], [3, 120, 80, 0, 1], [3, 240, 112, 0.25, 1],
     [3, 336, 112, 0.25, 1]],
    [[5, 336, 160, 0.25, 2]],
    [[5, 480, 160, 0, 1], [5, 480, 160, 0.25, 1], [5, 480, 160, 0, 1], [5, 480, 160, 0.25, 1]],
]


def divisible(v: float, divisor: int = 4) -> int:
    """Round to a multiple of `divisor`, never more than 10 % below v (MobileNet's rule)."""
    out = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return out + divisor if out < 0.9 * v else out


class Scale(nn.Module):
    """Per-channel multiplier (RepOptimizers' ScaleLayer without bias): key `weight`."""

    def __init__(self, n: int, init: float = 1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.full((n,), float(init)))

    def forward(self, x):
        return x * self.weight.view(1, -1, 1, 1)


class Ghost(nn.Module):
    def __init__(self, cin: int, cout: int, relu: bool, mode: str, dw_size: int = 3, scale_init: float = 1.0):
        super().__init__()
        self.mode = mode
        self.use_relu = relu
        self.primary_conv = nn.Sequential(
            nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout),
            nn.ReLU() if relu else nn.Sequential())
        dw = nn.Conv2d(cout, cout, dw_size, 1, dw_size // 2, groups=cout, bias=mode == 'deploy')
        if mode == 'deploy':
            self.cheap_operation = dw
        elif mode == 'target':
            self.cheap_operation = nn.Sequential(dw, nn.Identity())
            self.final_bn = nn.BatchNorm2d(cout)
        elif mode in ('rep', 'repghost'):
            self.cheap_operation = nn.Sequential(dw, nn.BatchNorm2d(cout))
            if mode == 'rep':
                self.fusion_bn = nn.BatchNorm2d(cout)
            else:
                self.fusion_conv = nn.Sequential(nn.Identity())
                self.fusion_bn = nn.Sequential(nn.BatchNorm2d(cout))
        else:
            self.cheap_operation = nn.Sequential(dw, Scale(cout, scale_init if mode == 'hs' else 1.0))
            self.fusion_scale = Scale(cout)
            self.final_bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        x1 = self.primary_conv(x)
        x2 = self.cheap_operation(x1)
        if self.mode in ('rep', 'repghost'):
            x2 = x2 + self.fusion_bn(x1)
        elif self.mode in ('hs', 'csla'):
            x2 = self.final_bn(x2 + self.fusion_scale(x1))
        elif self.mode == 'target':
            x2 = self.final_bn(x2)
        return F.relu(x2) if self.use_relu else x2


class SE(nn.Module):
    def __init__(self, c: int, ratio: float):
        super().__init__()
        r = divisible(c * ratio, 4)
        self.conv_reduce = nn.Conv2d(c, r, 1)
        self.conv_expand = nn.Conv2d(r, c, 1)

    def forward(self, x):
        s = F.relu(self.conv_reduce(F.adaptive_avg_pool2d(x, 1)))
        return x * (F.relu6(self.conv_expand(s) + 3.0) / 6.0)


class Bottleneck(nn.Module):
    def __init__(self, cin, mid, cout, k, stride, se_ratio, mode, n_in_stage=1):
        super().__init__()
        self.stride = stride
        self.ghost1 = Ghost(cin, mid, True, mode, scale_init=(2 / (2 * n_in_stage)) ** 0.5)
        if stride > 1:
            self.conv_dw = nn.Conv2d(mid, mid, k, stride, (k - 1) // 2, groups=mid, bias=False)
            self.bn_dw = nn.BatchNorm2d(mid)
        self.se = SE(mid, se_ratio) if se_ratio else None
        self.ghost2 = Ghost(mid, cout, False, mode, scale_init=(2 / (2 * n_in_stage + 1)) ** 0.5)
        if cin == cout and stride == 1:
            self.shortcut = nn.Sequential()
        else:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cin, k, stride, (k - 1) // 2, groups=cin, bias=False),
                nn.BatchNorm2d(cin), nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.ghost1(x)
        if self.stride > 1:
            y = self.bn_dw(self.conv_dw(y))
        if self.se is not None:
            y = self.se(y)
        return self.ghost2(y) + self.shortcut(x)


class ConvBnAct(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.relu(self.bn1(self.conv(x)))


class GhostNet(nn.Module):
    def __init__(self, width: float = 0.5, num_classes: int = 1000, mode: str = 'rep',
                 cfgs: Optional[Sequence] = None, head: int = 1280):
        super().__init__()
        assert mode in MODES, mode
        cfgs = cfgs or GHOSTNET_CFGS
        self.mode = mode
        c = divisible(16 * width)
        self.conv_stem = nn.Conv2d(3, c, 3, 2, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        stages: List[nn.Module] = []
        n_in_stage = 0
        for cfg in cfgs:
            layers = []
            for k, exp, out, se, s in cfg:
                cout, mid = divisible(out * width), divisible(exp * width)
                n_in_stage = n_in_stage + 1 if s == 1 and c == cout else 1
                layers.append(Bottleneck(c, mid, cout, k, s, se, mode, n_in_stage))
                c = cout
            stages.append(nn.Sequential(*layers))
        last = divisible(cfgs[-1][-1][1] * width * 2)
        stages.append(nn.Sequential(ConvBnAct(c, last)))
        self.blocks = nn.Sequential(*stages)
        self.conv_head = nn.Conv2d(last, head, 1)
        self.classifier = nn.Linear(head, num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv_stem(x)))
        x = self.blocks(x)
        x = F.relu(self.conv_head(F.adaptive_avg_pool2d(x, 1)))
        return self.classifier(x.flatten(1))

    def ghosts(self) -> List[Ghost]:
        return [m for m in self.modules() if isinstance(m, Ghost)]
