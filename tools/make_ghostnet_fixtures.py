#!/usr/bin/python3
"""Fixtures for the GhostNet converter (src/core/convert/ghost): test/data/ghostnet/.

For each form the official code saves (tools/repopt_ghostnet.py: target, rep, repghost, hs, csla,
deploy) a small GhostNet at an odd width, with 3x3 and 5x5 depthwise kernels, SE, stride-2 and
channel-changing blocks, a narrow head and a small class count, filled with seeded weights,
BatchNorm statistics and branch scales. Written as in tools/make_convert_fixtures.py:

  <name>.json   {"tensors": {key: {"shape", "offset", "dtype"}}, "expected": {...}}
  <name>.bin    every tensor as float32 little-endian at its offset (in floats)

"expected" holds the mode, width, class count, parameters (sum over model.parameters()), the
multiply-accumulates of the deployed graph (hooks on every conv and the linear layer) and the
eval-mode PyTorch logits for test/data/convert/inputs.bin (float32 [2, 3, 64, 64]).

Also written:
  shapes-0.5x-rep.json       keys and shapes only of the full 0.5x 'rep' model (the zoo's file)
  rep.pth                    {'model': sd, 'config': <yacs-like CfgNode>}   (RepOptimizers)
  repghost.pth               {'state_dict': {'module.' + k: v}, 'epoch': 3}  (RepGhost / timm)
  deploy.pth                 the deployed state_dict, bare
  rep-no-fusion.pth          the 'rep' model without its fusion BatchNorms
  repghost-extra.pth         the RepGhost model with one tensor too many
  ghost-scales.pth           RepOptimizer scales of a GhostNet (fusion_scale + cheap_operation.1)
  vgg-scales.pth             RepOptimizer scales of a RepOpt-VGG (scale_conv/1x1/identity)
  reference.json             PyTorch logits of the .pth models for inputs.bin

Usage: /usr/bin/python3 tools/make_ghostnet_fixtures.py [--out test/data/ghostnet]
"""

from __future__ import annotations

import argparse
import json
import math
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from make_convert_fixtures import write_state_dict
from repopt_ghostnet import GhostNet, Scale

ROOT = Path(__file__).resolve().parent.parent
INPUT_SIZE = 64

# A short GhostNet: identity block, stride-2 blocks with 3x3 and 5x5 kernels, SE, and a
# stride-1 block that changes channels (so it has a shortcut with stride 1).
TINY_CFGS = [
    [[3, 8, 16, 0, 1]],
    [[3, 24, 24, 0, 2]],
    [[5, 36, 40, 0.25, 2]],
    [[5, 60, 40, 0.25, 1], [3, 48, 40, 0, 1]],
    [[3, 72, 56, 0.25, 1]],
]

CONFIGS = [
    # name, mode, width, classes, head, seed
    ('target', 'target', 0.35, 7, 48, 21),
    ('rep', 'rep', 0.45, 10, 40, 22),
    ('repghost', 'repghost', 0.3, 5, 32, 23),
    ('hs', 'hs', 0.35, 6, 48, 24),
    ('csla', 'csla', 0.4, 9, 36, 25),
    ('deploy', 'deploy', 0.3, 11, 44, 26),
]


class CfgNode(dict):
    """Shaped like yacs.config.CfgNode (a dict subclass with bookkeeping in __dict__)."""

    def __init__(self, init=None):
        super().__init__(init or {})
        self.__dict__['__immutable__'] = True
        self.__dict__['__new_allowed__'] = False


@torch.no_grad()
def fill_bn(bn: nn.BatchNorm2d, g: torch.Generator) -> None:
    n = bn.num_features
    bn.weight.copy_(torch.rand(n, generator=g) * 0.6 + 0.4)
    bn.bias.copy_(torch.randn(n, generator=g) * 0.1)
    bn.running_mean.copy_(torch.randn(n, generator=g) * 0.2)
    bn.running_var.copy_(torch.rand(n, generator=g) * 1.5 + 0.5)
    bn.num_batches_tracked.fill_(int(torch.randint(0, 1000, (1,), generator=g)))


@torch.no_grad()
def seeded(model: GhostNet, seed: int) -> GhostNet:
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            fill_bn(m, g)
        elif isinstance(m, nn.Conv2d):
            fan_in = m.weight[0].numel()
            m.weight.copy_(torch.randn(m.weight.shape, generator=g) * math.sqrt(1.0 / fan_in))
            if m.bias is not None:
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.2)
        elif isinstance(m, Scale):  # trained scales: per-channel values around the init
            m.weight.mul_(torch.rand(m.weight.shape, generator=g) + 0.5)
        elif isinstance(m, nn.Linear):
            m.weight.copy_(torch.randn(m.weight.shape, generator=g) * math.sqrt(3.0 / m.in_features))
            m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
    if model.mode == 'csla':  # csla keeps the cheap operation's scale at its constant init
        for gh in model.ghosts():
            gh.cheap_operation[1].weight.fill_(1.0)
    return model.eval()


def deployed_macs(model: GhostNet, size: int) -> int:
    plain = GhostNet(model.width, model.num_classes, 'deploy', model.cfgs, model.head).eval()
    total = 0

    def conv_hook(m, _i, out):
        nonlocal total
        total += out[0].numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def linear_hook(m, _i, _o):
        nonlocal total
        total += m.in_features * m.out_features

    for m in plain.modules():
        if isinstance(m, nn.Conv2d):
            m.register_forward_hook(conv_hook)
        elif isinstance(m, nn.Linear):
            m.register_forward_hook(linear_hook)
    with torch.no_grad():
        plain(torch.zeros(1, 3, size, size))
    return int(total)


def build(mode, width, classes, head, seed, cfgs=TINY_CFGS) -> GhostNet:
    m = GhostNet(width, classes, mode, cfgs, head)
    m.width, m.num_classes, m.cfgs, m.head = width, classes, cfgs, head
    return seeded(m, seed)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', type=Path, default=ROOT / 'test' / 'data' / 'ghostnet')
    args = ap.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(2)
    raw = (ROOT / 'test' / 'data' / 'convert' / 'inputs.bin').read_bytes()
    x = torch.from_numpy(np.frombuffer(raw, dtype='<f4').copy()).reshape(2, 3, INPUT_SIZE, INPUT_SIZE)

    models = {}
    for name, mode, width, classes, head, seed in CONFIGS:
        model = build(mode, width, classes, head, seed)
        models[name] = model
        with torch.no_grad():
            logits = model(x)
        sd = model.state_dict()
        expected = {
            'mode': mode,
            'width': width,
            'numClasses': classes,
            'params': int(sum(p.numel() for p in model.parameters())),
            'macs': deployed_macs(model, INPUT_SIZE),
            'inputSize': INPUT_SIZE,
            'logits': [float(v) for v in logits.numpy().ravel()],
        }
        nbytes = write_state_dict(sd, out / name, expected)
        print(f'{name}: {len(sd)} tensors, {nbytes:,} bytes, logits std {float(logits.std()):.3f}, '
              f'top1 {logits.argmax(1).tolist()}')

    full = GhostNet(0.5, 1000, 'rep')
    with open(out / 'shapes-0.5x-rep.json', 'w', encoding='utf-8') as f:
        json.dump({'tensors': {k: {'shape': list(v.shape), 'dtype': 'int64' if v.dtype == torch.int64 else 'float32'}
                               for k, v in full.state_dict().items()},
                   'expected': {'params': int(sum(p.numel() for p in full.parameters())),
                                'macs': deployed_macs(_attrs(full, 0.5, 1000, None, 1280), 224)},
                   'note': "tools/repopt_ghostnet.py GhostNet(0.5, 1000, 'rep'): keys and shapes only"},
                  f, separators=(',', ':'))
        f.write('\n')

    reference = {}
    rep = models['rep']
    cfg = CfgNode({'MODEL': CfgNode({'ARCH': 'ghost-rep', 'NUM_CLASSES': 10}),
                   'TRAIN': CfgNode({'EPOCHS': 300, 'BASE_LR': 0.6})})
    torch.save({'model': rep.state_dict(), 'config': cfg, 'epoch': 299, 'max_accuracy': 0.5}, out / 'rep.pth')
    rg = models['repghost']
    torch.save({'state_dict': OrderedDict(('module.' + k, v) for k, v in rg.state_dict().items()), 'epoch': 3},
               out / 'repghost.pth')
    torch.save(models['deploy'].state_dict(), out / 'deploy.pth')
    for name in ('rep', 'repghost', 'deploy'):
        with torch.no_grad():
            reference[f'{name}.pth'] = [float(v) for v in models[name](x).numpy().ravel()]

    no_fusion = OrderedDict((k, v) for k, v in rep.state_dict().items() if '.fusion_bn.' not in k)
    torch.save({'model': no_fusion}, out / 'rep-no-fusion.pth')
    extra = OrderedDict(rg.state_dict())
    extra['blocks.1.0.ghost1.fusion_bn.1.weight'] = torch.ones(extra['blocks.1.0.ghost1.fusion_bn.0.weight'].shape)
    torch.save(extra, out / 'repghost-extra.pth')

    hs = models['hs']
    scales = {}
    for k, v in hs.state_dict().items():
        if k.endswith('fusion_scale.weight') or k.endswith('cheap_operation.1.weight'):
            scales[k] = v.clone()
    torch.save(scales, out / 'ghost-scales.pth')
    g = torch.Generator().manual_seed(5)
    vgg = OrderedDict()
    chans = [('stage0', 16, False), ('stage1.0', 16, False), ('stage1.1', 16, True), ('stage2.0', 32, False),
             ('stage3.0', 32, False), ('stage4.0', 64, False)]
    for p, c, ident in chans:
        vgg[f'{p}.scale_1x1.weight'] = torch.rand(c, generator=g)
        vgg[f'{p}.scale_conv.weight'] = torch.rand(c, generator=g)
        if ident:
            vgg[f'{p}.scale_identity.weight'] = torch.rand(c, generator=g)
    torch.save(vgg, out / 'vgg-scales.pth')

    with open(out / 'reference.json', 'w', encoding='utf-8') as f:
        json.dump({'inputs': 'test/data/convert/inputs.bin', 'logits': reference}, f, separators=(',', ':'))
        f.write('\n')
    print(f'wrote {out}')


def _attrs(m: GhostNet, width, classes, cfgs, head) -> GhostNet:
    m.width, m.num_classes, m.cfgs, m.head = width, classes, cfgs, head
    return m


if __name__ == '__main__':
    main()
