#!/usr/bin/python3
"""Fixtures for the precision check (src/core/precision): test/data/precision/.

A small plain network (4 x [Conv 3x3 stride 2, BatchNorm, ReLU], global average pool, Linear), its
BatchNorm statistics measured on the fixture photos (train-mode passes with cumulative averages),
then one deliberate fault per file:

  healthy.onnx          no fault (the control)
  bn-overflow.onnx      stage3 BatchNorm channel 5: running_mean -2000 over running_var 1e-10; folded,
                        its bias is about 6.3e5, beyond fp16's 65504
  bn-hog.onnx           stage3 BatchNorm channel 5: running_mean -50 over running_var 1e-6; folded,
                        its bias is about 1.5e4: fp16 holds it, int8 spends its range on it
  bn-hog.pth            the unfolded state_dict of bn-hog (BatchNorm parameters for the static check)
  bn-hog-unfolded.onnx  bn-hog with its BatchNormalization nodes kept (parameters recoverable)
  weight-overflow.onnx  stage2 convolution, output channel 3: one weight of 1e5
  identity.onnx         y = Identity(x) on a float vector (the fp16 simulation's input rounding, alone)
  expected.json         where each fault is (layer index, tensor names), and PyTorch's logits of
                        healthy.onnx's model on inputs.bin for a sanity check

ONNX files are exported by torch.onnx (opset 13) from eval-mode models, BatchNorm folded into the
convolution by hand (w * gamma / std, beta - mean * gamma / std), as a deploy export does.

Usage: /usr/bin/python3 tools/make_precision_fixtures.py
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from preprocess import batch_for, fixture_names  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / 'test' / 'data' / 'precision'
WIDTHS = [8, 16, 16, 32]
BROKEN_STAGE = 2  # stage3, the third convolution (layer index 2)
BROKEN_CHANNEL = 5
WEIGHT_STAGE = 1
WEIGHT_CHANNEL = 3


class Plain(nn.Module):
    def __init__(self, num_classes: int = 10):
        super().__init__()
        layers = []
        cin = 3
        for i, w in enumerate(WIDTHS):
            layers.append(nn.Sequential(nn.Conv2d(cin, w, 3, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU()))
            cin = w
        self.stages = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.stages(x)), 1))


class Folded(nn.Module):
    """The same network with each BatchNorm folded into its convolution."""

    def __init__(self, m: Plain):
        super().__init__()
        convs = []
        for stage in m.stages:
            conv, bn = stage[0], stage[1]
            std = torch.sqrt(bn.running_var + bn.eps)
            f = nn.Conv2d(conv.in_channels, conv.out_channels, 3, 2, 1, bias=True)
            f.weight.data = conv.weight.data * (bn.weight.data / std).view(-1, 1, 1, 1)
            f.bias.data = bn.bias.data - bn.running_mean * bn.weight.data / std
            convs.append(nn.Sequential(f, nn.ReLU()))
        self.stages = nn.Sequential(*convs)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = copy.deepcopy(m.fc)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.stages(x)), 1))


def export(model: nn.Module, path: Path) -> None:
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 3, 224, 224), str(path), opset_version=13,
                      input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'N'}, 'logits': {0: 'N'}},
                      do_constant_folding=False, training=torch.onnx.TrainingMode.EVAL)


def export_unfolded(m: Plain, path: Path) -> None:
    """Conv -> BatchNormalization -> Relu as ONNX nodes (torch.onnx folds BatchNorm in eval mode)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    inits, nodes = [], []
    x = 'input'
    for i, stage in enumerate(m.stages):
        conv, bn = stage[0], stage[1]
        names = [f's{i}.w', f's{i}.gamma', f's{i}.beta', f's{i}.mean', f's{i}.var']
        values = [conv.weight, bn.weight, bn.bias, bn.running_mean, bn.running_var]
        inits += [numpy_helper.from_array(v.detach().numpy().astype('float32'), n) for n, v in zip(names, values)]
        nodes += [
            helper.make_node('Conv', [x, names[0]], [f's{i}.conv'], name=f'conv{i}', kernel_shape=[3, 3],
                             strides=[2, 2], pads=[1, 1, 1, 1]),
            helper.make_node('BatchNormalization', [f's{i}.conv', *names[1:]], [f's{i}.bn'], name=f'bn{i}',
                             epsilon=bn.eps),
            helper.make_node('Relu', [f's{i}.bn'], [f's{i}.relu'], name=f'relu{i}'),
        ]
        x = f's{i}.relu'
    inits += [numpy_helper.from_array(m.fc.weight.detach().numpy(), 'fc.w'),
              numpy_helper.from_array(m.fc.bias.detach().numpy(), 'fc.b')]
    nodes += [helper.make_node('GlobalAveragePool', [x], ['pool']),
              helper.make_node('Flatten', ['pool'], ['flat']),
              helper.make_node('Gemm', ['flat', 'fc.w', 'fc.b'], ['logits'], name='fc', transB=1)]
    graph = helper.make_graph(nodes, 'plain-unfolded',
                              [helper.make_tensor_value_info('input', TensorProto.FLOAT, ['N', 3, 224, 224])],
                              [helper.make_tensor_value_info('logits', TensorProto.FLOAT, ['N', 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)], ir_version=7)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def unfolded_check(m: Plain) -> float:
    """max |logit difference| of bn-hog-unfolded.onnx (onnx reference evaluator is absent in onnx 1.12:
    recomputed here with torch's functional ops on the ONNX initializers) against the PyTorch model."""
    import onnx
    from onnx import numpy_helper
    g = onnx.load(str(OUT / 'bn-hog-unfolded.onnx')).graph
    w = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in g.initializer}
    x = batch_for(fixture_names()[:2])
    y = x
    for i in range(len(WIDTHS)):
        y = torch.nn.functional.conv2d(y, w[f's{i}.w'], stride=2, padding=1)
        y = torch.nn.functional.batch_norm(y, w[f's{i}.mean'], w[f's{i}.var'], w[f's{i}.gamma'], w[f's{i}.beta'],
                                           eps=1e-5)
        y = torch.relu(y)
    y = y.mean((2, 3)) @ w['fc.w'].T + w['fc.b']
    with torch.no_grad():
        return float((y - m(x)).abs().max())


def main() -> int:
    torch.manual_seed(19)
    OUT.mkdir(parents=True, exist_ok=True)
    model = Plain()
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() > 1:
                nn.init.kaiming_normal_(p)
        for stage in model.stages:
            stage[1].weight.uniform_(0.5, 1.5)
            stage[1].bias.uniform_(-0.2, 0.2)
            stage[1].momentum = None  # cumulative average over the passes
        x = batch_for(fixture_names())
        model.train()
        for _ in range(3):
            model(x)
    model.eval()

    def broken(mean: float, var: float) -> Plain:
        m = copy.deepcopy(model)
        bn = m.stages[BROKEN_STAGE][1]
        bn.running_mean[BROKEN_CHANNEL] = mean
        bn.running_var[BROKEN_CHANNEL] = var
        return m

    export(Folded(model), OUT / 'healthy.onnx')
    export(Folded(broken(-2000.0, 1e-10)), OUT / 'bn-overflow.onnx')
    hog = broken(-50.0, 1e-6)
    export(Folded(hog), OUT / 'bn-hog.onnx')
    export_unfolded(hog, OUT / 'bn-hog-unfolded.onnx')
    torch.save(hog.state_dict(), OUT / 'bn-hog.pth')
    wmodel = Folded(model)
    with torch.no_grad():
        wmodel.stages[WEIGHT_STAGE][0].weight[WEIGHT_CHANNEL, 0, 1, 1] = 1e5
    export(wmodel, OUT / 'weight-overflow.onnx')

    from onnx import TensorProto, helper, save
    identity = helper.make_graph([helper.make_node('Identity', ['x'], ['y'])], 'identity',
                                 [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['n'])],
                                 [helper.make_tensor_value_info('y', TensorProto.FLOAT, ['n'])])
    save(helper.make_model(identity, opset_imports=[helper.make_opsetid('', 13)], ir_version=7),
         str(OUT / 'identity.onnx'))

    hog_bn = hog.stages[BROKEN_STAGE][1]
    std = float(torch.sqrt(hog_bn.running_var[BROKEN_CHANNEL] + hog_bn.eps))
    expected = {
        'generator': 'tools/make_precision_fixtures.py',
        'torch': torch.__version__,
        'bn': {'layerIndex': BROKEN_STAGE, 'channel': BROKEN_CHANNEL,
               'stateDictName': f'stages.{BROKEN_STAGE}.1',
               'hogMeanOverStd': abs(float(hog_bn.running_mean[BROKEN_CHANNEL])) / std},
        'weight': {'layerIndex': WEIGHT_STAGE, 'channel': WEIGHT_CHANNEL},
        'unfoldedMaxLogitDiff': unfolded_check(hog),
        'foldedBias': {
            'bn-overflow': float(Folded(broken(-2000.0, 1e-10)).stages[BROKEN_STAGE][0].bias[BROKEN_CHANNEL]),
            'bn-hog': float(Folded(hog).stages[BROKEN_STAGE][0].bias[BROKEN_CHANNEL]),
        },
    }
    (OUT / 'expected.json').write_text(json.dumps(expected, indent=1) + '\n')
    for p in sorted(OUT.iterdir()):
        print(f'{p.relative_to(ROOT)}  {p.stat().st_size:,} bytes')
    return 0


if __name__ == '__main__':
    sys.exit(main())
