#!/usr/bin/python3
"""Export a RepOpt-VGG (target mode) PyTorch checkpoint to ONNX and register it in models/models.json.

Usage:
  /usr/bin/python3 tools/export_onnx.py CHECKPOINT.pth [--arch B1|B2|L1|L2|auto] [--id ID]
      [--out models/NAME.onnx] [--manifest models/models.json] [--untrained] [--opset 13]
      [--preset torchvision-256-224] [--reference-json PATH] [--reference-seed 0]

The checkpoint is read with torch.load(..., weights_only=True): pickled code is never run, and a
file that needs more than plain tensors/containers is refused (there is no unsafe fallback).
Accepted layouts: a bare state_dict, {'model': sd, ...}, {'state_dict': sd, ...}, with or
without a 'module.' prefix on every key.  The blocks per stage, width multipliers and number
of classes are read from the key names and tensor shapes.

The ONNX graph has one input `input` float32 [N, 3, 224, 224] and one output `logits`
float32 [N, num_classes], with a dynamic batch axis N (opset 13 by default).

Exit status: 0 on success, 2 on bad usage or a refused/unsupported checkpoint.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import time
from collections import Counter, OrderedDict
from pathlib import Path
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from repopt_vgg import (KNOWN_ARCHS, STAGE_BASE_CHANNELS, RepOptVGG, count_macs,  # noqa: E402
                        count_params, match_known_arch)
from preprocess import PRESETS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MANIFEST = ROOT / 'models' / 'models.json'
INPUT_SIZE = 224
PAPER = 'Re-parameterizing Your Optimizers rather than Architectures (arXiv:2205.15242), ImageNet-1k val'


class CheckpointError(Exception):
    """A checkpoint that is refused or is not RepOpt-VGG target layout."""


# --------------------------------------------------------------------------- loading

def load_checkpoint(path: Path):
    if not path.is_file():
        raise CheckpointError(f'{path}: no such file')
    try:
        return torch.load(str(path), map_location='cpu', weights_only=True)
    except Exception as e:  # UnpicklingError for forbidden globals, RuntimeError for non-zip garbage, ...
        text = ' '.join(str(e).split())
        marker = 'WeightsUnpickler error:'
        detail = text[text.index(marker) + len(marker):].strip() if marker in text else text[:300]
        if 'Unsupported class' in detail:
            why = (f'it references Python objects that would have to be imported and run while unpickling '
                   f'({detail})')
        elif 'Unsupported operand 71' in detail:
            why = (f'it holds a Python float (e.g. an "max_accuracy" entry saved next to the weights), which the '
                   f'weights-only loader of torch {torch.__version__} cannot read ({detail})')
        else:
            why = f'it is not a PyTorch weights file ({type(e).__name__}: {detail})'
        raise CheckpointError(
            f'{path}: refused to load: {why}. Checkpoints are read with torch.load(weights_only=True): pickled '
            f'code is never executed and there is no unsafe fallback. Re-save it as a plain state_dict '
            f'(torch.save(model.state_dict(), path)) in an environment you trust.') from None


def extract_state_dict(obj) -> 'OrderedDict[str, torch.Tensor]':
    """Accepts a bare state_dict, {'model': sd}, {'state_dict': sd}; strips a 'module.' prefix."""
    if not isinstance(obj, dict):
        raise CheckpointError(f'checkpoint holds a {type(obj).__name__}, expected a dict (state_dict)')
    sd = obj
    for wrapper in ('model', 'state_dict'):
        if wrapper in obj and isinstance(obj[wrapper], dict):
            sd = obj[wrapper]
            break
    tensors = OrderedDict((k, v) for k, v in sd.items() if isinstance(k, str) and torch.is_tensor(v))
    if not tensors:
        raise CheckpointError(f'no tensors found in the checkpoint (top-level keys: {_sample(list(obj.keys()))})')
    if len(tensors) != len(sd):
        bad = [k for k, v in sd.items() if not torch.is_tensor(v)]
        raise CheckpointError(f'state_dict has non-tensor entries: {_sample(bad)}')
    if all(k.startswith('module.') for k in tensors):
        tensors = OrderedDict((k[len('module.'):], v) for k, v in tensors.items())
    return tensors


def _sample(keys, n=6) -> str:
    keys = [str(k) for k in keys]
    more = f', ... ({len(keys)} in all)' if len(keys) > n else ''
    return ', '.join(keys[:n]) + more


BLOCK_RE = re.compile(r'^stage([1-4])\.(\d+)\.(conv\.weight|bn\.(weight|bias|running_mean|running_var|num_batches_tracked))$')
STAGE0_RE = re.compile(r'^stage0\.(conv\.weight|bn\.(weight|bias|running_mean|running_var|num_batches_tracked))$')


def detect_config(sd: Dict[str, torch.Tensor]) -> dict:
    """Blocks per stage, widths, classes from keys/shapes; raises CheckpointError when not target layout."""
    keys = list(sd.keys())
    if 'stage0.conv.weight' not in sd:
        hints = []
        if any('rbr_dense' in k or 'rbr_1x1' in k for k in keys):
            hints.append('keys look like a RepVGG training-time model (rbr_dense/rbr_1x1)')
        if any('scale_conv' in k or 'scale_1x1' in k or 'conv_1x1' in k for k in keys):
            hints.append('keys look like a RepOpt-VGG search/CSLA model (scale_conv/conv_1x1), not the target model')
        if any(k.startswith(('layer1.', 'fc.', 'conv1.')) for k in keys):
            hints.append('keys look like a ResNet')
        hint = ('; ' + '; '.join(hints)) if hints else ''
        raise CheckpointError(
            f'not a RepOpt-VGG target-mode state_dict: no "stage0.conv.weight" key. Found {len(keys)} tensors: '
            f'{_sample(keys)}{hint}')
    unexpected = [k for k in keys if not (BLOCK_RE.match(k) or STAGE0_RE.match(k) or k in ('linear.weight', 'linear.bias'))]
    if unexpected:
        extra = ''
        if any('post_se' in k or '.se.' in k for k in unexpected):
            extra = ' (squeeze-excitation blocks are not supported)'
        raise CheckpointError(f'not a RepOpt-VGG target-mode state_dict: unexpected keys {_sample(unexpected)}{extra}')
    for k in ('linear.weight', 'linear.bias'):
        if k not in sd:
            raise CheckpointError(f'not a RepOpt-VGG target-mode state_dict: missing "{k}" (found {_sample(keys)})')

    w0 = sd['stage0.conv.weight']
    if w0.dim() != 4 or tuple(w0.shape[1:]) != (3, 3, 3):
        raise CheckpointError(f'stage0.conv.weight has shape {list(w0.shape)}, expected [C, 3, 3, 3]')
    blocks = []
    chans = []
    for s in range(1, 5):
        idx = sorted({int(m.group(2)) for m in map(BLOCK_RE.match, keys) if m and int(m.group(1)) == s})
        if not idx:
            raise CheckpointError(f'not a RepOpt-VGG target-mode state_dict: no blocks in stage{s}')
        if idx != list(range(len(idx))):
            raise CheckpointError(f'stage{s} block indices are not contiguous: {idx}')
        blocks.append(len(idx))
        shapes = [tuple(sd[f'stage{s}.{j}.conv.weight'].shape) for j in idx]
        out_c = shapes[0][0]
        for j, shp in enumerate(shapes):
            if len(shp) != 4 or shp[2:] != (3, 3) or shp[0] != out_c:
                raise CheckpointError(f'stage{s}.{j}.conv.weight has shape {list(shp)}, expected [{out_c}, C, 3, 3]')
        chans.append(out_c)
    widths = [c / base for c, base in zip(chans, STAGE_BASE_CHANNELS)]
    num_classes, feat = tuple(sd['linear.weight'].shape)
    expected_c0 = min(64, int(64 * widths[0]))
    if w0.shape[0] != expected_c0:
        raise CheckpointError(f'stage0 has {w0.shape[0]} channels but stage1 has {chans[0]}: expected '
                              f'stage0 = min(64, stage1) = {expected_c0}')
    if feat != chans[3]:
        raise CheckpointError(f'linear.weight is {[num_classes, feat]} but stage4 has {chans[3]} channels')
    return {'num_blocks': blocks, 'width_multiplier': [_num(w) for w in widths], 'num_classes': int(num_classes),
            'channels': [int(w0.shape[0])] + [int(c) for c in chans]}


def _num(x: float):
    return int(x) if float(x).is_integer() else float(x)


def build_from_state_dict(sd, arch: str = 'auto') -> Tuple[RepOptVGG, dict, Optional[str]]:
    cfg = detect_config(sd)
    known = match_known_arch(cfg['num_blocks'], cfg['width_multiplier'])
    if arch != 'auto':
        want = KNOWN_ARCHS[arch]
        if known != arch:
            raise CheckpointError(
                f'--arch {arch} expects blocks {want["num_blocks"]} widths {want["width_multiplier"]}, but the '
                f'checkpoint has blocks {cfg["num_blocks"]} widths {cfg["width_multiplier"]} (use --arch auto)')
    model = RepOptVGG(cfg['num_blocks'], cfg['num_classes'], cfg['width_multiplier'])
    try:
        model.load_state_dict(sd, strict=True)
    except RuntimeError as e:
        raise CheckpointError(f'load_state_dict(strict=True) failed: {e}') from None
    model.eval()
    return model, cfg, known


# --------------------------------------------------------------------------- ONNX

def export_model_onnx(model: RepOptVGG, out: Path, opset: int = 13) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    model.eval()
    dummy = torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE)
    with torch.no_grad():
        torch.onnx.export(
            model, dummy, str(out), opset_version=opset, input_names=['input'], output_names=['logits'],
            dynamic_axes={'input': {0: 'N'}, 'logits': {0: 'N'}}, do_constant_folding=True,
            training=torch.onnx.TrainingMode.EVAL, export_params=True)


def onnx_summary(path: Path) -> dict:
    """Checks the file with onnx.checker and returns io names/shapes and op counts."""
    import onnx
    onnx.checker.check_model(str(path))
    m = onnx.load(str(path), load_external_data=False)

    def dims(vi):
        return [d.dim_param if d.dim_param else d.dim_value for d in vi.type.tensor_type.shape.dim]
    return {
        'opset': max(o.version for o in m.opset_import if o.domain in ('', 'ai.onnx')),
        'inputs': {i.name: dims(i) for i in m.graph.input if i.name not in {t.name for t in m.graph.initializer}},
        'outputs': {o.name: dims(o) for o in m.graph.output},
        'ops': dict(Counter(n.op_type for n in m.graph.node)),
    }


@torch.no_grad()
def onnx_weight_diff(model: RepOptVGG, path: Path) -> float:
    """Max |difference| between the ONNX weights and the model's (BN folded into the convs when the
    graph has no BatchNormalization nodes).  Raises ValueError when the graphs do not line up."""
    import onnx
    from onnx import numpy_helper
    m = onnx.load(str(path))
    init = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    convs = [n for n in m.graph.node if n.op_type == 'Conv']
    bns = [n for n in m.graph.node if n.op_type == 'BatchNormalization']
    gemms = [n for n in m.graph.node if n.op_type in ('Gemm', 'MatMul')]
    blocks = model.blocks()
    if len(convs) != len(blocks) or len(gemms) != 1:
        raise ValueError(f'ONNX graph has {len(convs)} Conv / {len(gemms)} Gemm nodes, model has {len(blocks)} blocks')
    diff = 0.0
    for k, (node, block) in enumerate(zip(convs, blocks)):
        w = block.conv.weight.double()
        bn = block.bn
        if bns:  # not folded: compare raw conv + BN parameters
            want = [(node.input[1], w)]
            bnode = bns[k]
            want += [(bnode.input[i], t.double()) for i, t in
                     zip(range(1, 5), (bn.weight, bn.bias, bn.running_mean, bn.running_var))]
        else:
            scale = bn.weight.double() / torch.sqrt(bn.running_var.double() + bn.eps)
            want = [(node.input[1], w * scale.view(-1, 1, 1, 1))]
            if len(node.input) < 3:
                raise ValueError(f'Conv node {k} has no bias but BN is not in the graph')
            want.append((node.input[2], bn.bias.double() - bn.running_mean.double() * scale))
        for name, t in want:
            a = init[name]
            if tuple(a.shape) != tuple(t.shape):
                raise ValueError(f'{name}: ONNX shape {a.shape} != model {tuple(t.shape)}')
            diff = max(diff, float(np.abs(a.astype(np.float64) - t.numpy()).max()))
    g = gemms[0]
    w = init[g.input[1]].astype(np.float64)
    lw = model.linear.weight.double().numpy()
    if w.shape != lw.shape:
        w = w.T
    diff = max(diff, float(np.abs(w - lw).max()),
               float(np.abs(init[g.input[2]].astype(np.float64) - model.linear.bias.double().numpy()).max()))
    return diff


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------- manifest

def upsert_manifest(manifest: Path, entry: dict) -> None:
    """Adds or replaces (by id) an entry of {"models": [...]}; keeps the other entries in order."""
    data = {'models': []}
    if manifest.exists():
        data = json.loads(manifest.read_text(encoding='utf-8'))
        if not isinstance(data, dict) or not isinstance(data.get('models'), list):
            raise SystemExit(f'error: {manifest} is not a {{"models": [...]}} manifest')
    models = data['models']
    for i, m in enumerate(models):
        if m.get('id') == entry['id']:
            models[i] = entry
            break
    else:
        models.append(entry)
    manifest.parent.mkdir(parents=True, exist_ok=True)
    tmp = manifest.with_suffix(manifest.suffix + '.tmp')
    tmp.write_text(json.dumps(data, indent=2) + '\n', encoding='utf-8')
    os.replace(tmp, manifest)


def manifest_entry(model: RepOptVGG, onnx_path: Path, manifest: Path, *, model_id: str, name: str,
                   known: Optional[str], untrained: bool, source: str, preset: str) -> dict:
    published = None
    if known and not untrained:
        published = {'top1': KNOWN_ARCHS[known]['top1'], 'top5': None, 'source': PAPER}
    rel = os.path.relpath(onnx_path.resolve(), manifest.resolve().parent).replace(os.sep, '/')
    return {
        'id': model_id,
        'name': name,
        'file': rel,
        'architecture': model.describe(),
        'inputSize': INPUT_SIZE,
        'preset': preset,
        'numClasses': model.num_classes,
        'published': published,
        'params': count_params(model),
        'gmacs': round(count_macs(model, INPUT_SIZE) / 1e9, 6),
        'source': source,
        'untrained': bool(untrained),
        'bytes': onnx_path.stat().st_size,
        'sha256': file_sha256(onnx_path),
    }


# --------------------------------------------------------------------------- reference logits

def reference_input(seed: int) -> torch.Tensor:
    """[1, 3, 224, 224] input with values k/2 in [-2, 2) (exact in float32, short in JSON)."""
    rng = np.random.RandomState(int(seed))
    k = rng.randint(-4, 4, size=(1, 3, INPUT_SIZE, INPUT_SIZE))
    return torch.from_numpy((k / 2.0).astype(np.float32))


def write_reference_json(model: RepOptVGG, path: Path, seed: int, extra: Optional[dict] = None) -> None:
    x = reference_input(seed)
    with torch.no_grad():
        logits = model.eval()(x)
    data = dict(extra or {})
    data.update({
        'input_shape': list(x.shape),
        'input_seed': int(seed),
        'input_note': 'numpy.random.RandomState(input_seed).randint(-4, 4, size=input_shape) / 2, float32',
        # whole numbers written as ints to keep the file small; every value is exact in float32
        'input': [int(v) if float(v).is_integer() else float(v) for v in x.numpy().ravel()],
        'logits': [float(v) for v in logits.numpy().ravel()],
    })
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(data, f, separators=(',', ':'))
        f.write('\n')


# --------------------------------------------------------------------------- CLI

def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument('checkpoint', type=Path)
    ap.add_argument('--arch', default='auto', choices=['auto'] + list(KNOWN_ARCHS))
    ap.add_argument('--id', dest='model_id')
    ap.add_argument('--name', help='display name (default from the arch)')
    ap.add_argument('--out', type=Path, help='ONNX path (default models/<id>.onnx)')
    ap.add_argument('--manifest', type=Path, default=DEFAULT_MANIFEST)
    ap.add_argument('--untrained', action='store_true', help='mark the entry as untrained (seeded test weights)')
    ap.add_argument('--opset', type=int, default=13)
    ap.add_argument('--preset', default='torchvision-256-224', choices=list(PRESETS))
    ap.add_argument('--reference-json', type=Path, help='also write PyTorch logits for a seeded input here')
    ap.add_argument('--reference-seed', type=int, default=0)
    args = ap.parse_args(argv)

    t0 = time.time()
    try:
        sd = extract_state_dict(load_checkpoint(args.checkpoint))
        model, cfg, known = build_from_state_dict(sd, args.arch)
    except CheckpointError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    label = f'RepOpt-VGG-{known}' if known else 'RepOpt-VGG (custom)'
    model_id = args.model_id or (f'repopt-vgg-{known.lower()}' if known else 'repopt-vgg-custom') + (
        '-untrained' if args.untrained and not args.model_id else '')
    if not re.fullmatch(r'[A-Za-z0-9][A-Za-z0-9._-]*', model_id):
        print(f'error: --id {model_id!r}: use letters, digits, ".", "_" and "-"', file=sys.stderr)
        return 2
    name = args.name or (label + (' (untrained)' if args.untrained else ''))
    out = args.out or (ROOT / 'models' / f'{model_id}.onnx')
    print(f'checkpoint: {len(sd)} tensors; detected blocks {cfg["num_blocks"]} widths {cfg["width_multiplier"]} '
          f'classes {cfg["num_classes"]} -> {known or "unknown config"}; params {count_params(model):,}')
    t1 = time.time()
    export_model_onnx(model, out, args.opset)
    t2 = time.time()
    summary = onnx_summary(out)
    if summary['inputs'] != {'input': ['N', 3, INPUT_SIZE, INPUT_SIZE]} or \
            summary['outputs'] != {'logits': ['N', cfg['num_classes']]}:
        print(f'error: unexpected ONNX io {summary["inputs"]} -> {summary["outputs"]}', file=sys.stderr)
        return 1
    entry = manifest_entry(model, out, args.manifest, model_id=model_id, name=name, known=known,
                           untrained=args.untrained, source=f'tools/export_onnx.py {args.checkpoint.name}',
                           preset=args.preset)
    upsert_manifest(args.manifest, entry)
    if args.reference_json:
        write_reference_json(model, args.reference_json, args.reference_seed,
                             {'model_id': model_id, 'onnx_sha256': entry['sha256']})
    print(f'wrote {out} ({entry["bytes"]:,} bytes, sha256 {entry["sha256"][:16]}...), opset {summary["opset"]}, '
          f'ops {summary["ops"]}')
    print(f'manifest {args.manifest}: entry "{model_id}" ({entry["gmacs"]} GMACs)')
    print(f'time: load+build {t1 - t0:.1f}s, export {t2 - t1:.1f}s, total {time.time() - t0:.1f}s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
