#!/usr/bin/python3
"""Write the small ONNX files of the bad-input matrix's model rows: e2e/fixtures/bad-models/*.onnx.

Each one is valid ONNX (onnx.checker passes, except the custom-domain one, which is only checked
without the operator schemas) and wrong for RepOpt Lens in exactly one way:

  shape-32.onnx        input float32 [1, 3, 32, 32]: a fixed size the 224 crop cannot feed
  nhwc.onnx            input float32 [1, 224, 224, 3]: channels last
  int64-input.onnx     input int64 [1, 16]: not an image at all (a token sequence)
  classes-1001.onnx    logits [N, 1001]: loads; class 1000 has no label (and wins, by its bias)
  classes-10.onnx      logits [N, 10]: loads; fewer classes than labels
  custom-op.onnx       a node com.example:Foo, which no onnxruntime build implements
  softmax.onnx         ends in Softmax: the output "probabilities" is already a probability vector
  softmax-and-logits.onnx  two outputs, "probabilities" (Softmax) first and the logits second
                       (named "output_1", so only the graph tells them apart)
  int64-output.onnx    the logits cast to int64: not class scores a softmax can read
  features-only.onnx   a single output named "features" [N, 3]: a feature extractor
  classes-0.onnx       logits [N, 0]: nothing to rank
  classes-1.onnx       logits [N, 1]: one score, always 100 %
  classes-3.onnx       logits [N, 3]: fewer classes than the five rows of a result
  nan-weights.onnx     a working graph whose weight matrix holds NaN: every answer is NaN
  zero-blind.onnx      a working classifier that L2-normalises its pooled features: NaN for an
                       all-grey image only (0 / 0), finite for any photo; it must load
  huge.onnx            a 16 KB file whose first run (the warm-up right after loading) expands a
                       scalar to 1.073e9 float32 values, 4.292 GB: more than the 4 GiB (4.295 GB)
                       WebAssembly memory can hold beside the runtime. Measured in chromium 156
                       with onnxruntime-web 1.30: 1.070e9 values (4.28 GB) still fit (and take
                       17 s and 4.3 GB of RAM), 1.073e9 fail at once with std::bad_alloc, and
                       2^30 or more overflow the 32-bit sizes ("Integer overflow"). A constant
                       (ConstantOfShape) is no cheaper way to fail at creation: onnxruntime does
                       not fold constants over 1 GiB, so it too fails at the first run.

The classifying ones (1001, 10) compute logits = mean_hw(x) @ W + b with seeded W, so they are
deterministic; the others also end in valid logits [N, 1000] where a graph allows it, so nothing
but the one defect stops them.

Usage: /usr/bin/python3 tools/make_bad_models.py [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / 'e2e' / 'fixtures' / 'bad-models'
OPSET = 13
SEED = 6

# 4.292 GB of float32: more than a 32-bit WebAssembly memory (4 GiB = 4.295 GB) can hold once the
# runtime's own heap is counted, yet its byte size still fits a 32-bit size_t, so the failure is
# an allocation failure (std::bad_alloc, before anything is written) rather than an overflow.
HUGE_ELEMENTS = 1_073_000_000


def _model(nodes, inputs, outputs, initializers, name: str, extra_opsets=()) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, name, inputs, outputs, initializers)
    opsets = [helper.make_opsetid('', OPSET), *extra_opsets]
    model = helper.make_model(graph, opset_imports=opsets, producer_name='tools/make_bad_models.py')
    model.ir_version = 7
    return model


def _head(classes: int, pooled: str, channels: int, rng: np.random.Generator, bias=None):
    """pooled [N, channels] -> logits [N, classes] through MatMul + Add (seeded weights)."""
    w = (rng.standard_normal((channels, classes)) * 0.5).astype(np.float32)
    b = np.zeros(classes, np.float32) if bias is None else bias.astype(np.float32)
    return (
        [
            helper.make_node('MatMul', [pooled, 'W'], ['mm']),
            helper.make_node('Add', ['mm', 'B'], ['logits']),
        ],
        [numpy_helper.from_array(w, 'W'), numpy_helper.from_array(b, 'B')],
    )


def _image_input(shape) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info('input', TensorProto.FLOAT, shape)


def _logits(classes: int) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info('logits', TensorProto.FLOAT, ['N', classes])


def pooled_classifier(classes: int, rng, bias=None, input_shape=('N', 3, 224, 224), axes=(2, 3)):
    """A working classifier: global average pool over `axes`, then a linear layer."""
    nodes = [helper.make_node('ReduceMean', ['input'], ['pooled'], axes=list(axes), keepdims=0)]
    head_nodes, inits = _head(classes, 'pooled', 3, rng, bias)
    return _model(nodes + head_nodes, [_image_input(list(input_shape))], [_logits(classes)], inits,
                  f'classes_{classes}')


def int64_input(rng) -> onnx.ModelProto:
    nodes = [helper.make_node('Cast', ['input'], ['floats'], to=TensorProto.FLOAT)]
    head_nodes, inits = _head(1000, 'floats', 16, rng)
    inp = helper.make_tensor_value_info('input', TensorProto.INT64, [1, 16])
    return _model(nodes + head_nodes, [inp], [_logits(1000)], inits, 'int64_input')


def custom_op(rng) -> onnx.ModelProto:
    nodes = [
        helper.make_node('Foo', ['input'], ['foo'], domain='com.example'),
        helper.make_node('ReduceMean', ['foo'], ['pooled'], axes=[2, 3], keepdims=0),
    ]
    head_nodes, inits = _head(1000, 'pooled', 3, rng)
    return _model(nodes + head_nodes, [_image_input(['N', 3, 224, 224])], [_logits(1000)], inits,
                  'custom_op', [helper.make_opsetid('com.example', 1)])


def huge(rng, elements: int = HUGE_ELEMENTS) -> onnx.ModelProto:
    """Valid logits plus 0 * sum(a 4.29 GB tensor): the big tensor must exist to compute them."""
    shape = numpy_helper.from_array(np.array([elements], np.int64), 'huge_shape')
    nodes = [
        helper.make_node('ReduceMean', ['input'], ['pooled'], axes=[2, 3], keepdims=0),
        # Depends on the input, so no optimiser can compute it before the first run.
        helper.make_node('ReduceMean', ['input'], ['scalar'], keepdims=0),
        helper.make_node('Expand', ['scalar', 'huge_shape'], ['big']),
        helper.make_node('ReduceSum', ['big'], ['total'], keepdims=0),
        helper.make_node('Mul', ['total', 'zero'], ['nothing']),
    ]
    head_nodes, inits = _head(1000, 'pooled', 3, rng)
    nodes += head_nodes[:1] + [
        helper.make_node('Add', ['mm', 'B'], ['biased']),
        helper.make_node('Add', ['biased', 'nothing'], ['logits']),
    ]
    inits += [shape, numpy_helper.from_array(np.array(0, np.float32), 'zero')]
    return _model(nodes, [_image_input(['N', 3, 224, 224])], [_logits(1000)], inits, 'huge')


def softmax_output(rng, logits_too: bool) -> onnx.ModelProto:
    """A classifier that ends in Softmax; with `logits_too`, the logits are a second output."""
    nodes = [helper.make_node('ReduceMean', ['input'], ['pooled'], axes=[2, 3], keepdims=0)]
    w = (rng.standard_normal((3, 1000)) * 2.0).astype(np.float32)
    b = (rng.standard_normal(1000) * 2.0).astype(np.float32)
    nodes += [
        helper.make_node('MatMul', ['pooled', 'W'], ['mm']),
        helper.make_node('Add', ['mm', 'B'], ['output_1']),
        helper.make_node('Softmax', ['output_1'], ['probabilities'], axis=-1),
    ]
    outputs = [helper.make_tensor_value_info('probabilities', TensorProto.FLOAT, ['N', 1000])]
    if logits_too:
        outputs.append(helper.make_tensor_value_info('output_1', TensorProto.FLOAT, ['N', 1000]))
    inits = [numpy_helper.from_array(w, 'W'), numpy_helper.from_array(b, 'B')]
    return _model(nodes, [_image_input(['N', 3, 224, 224])], outputs, inits, 'softmax')


def int64_output(rng) -> onnx.ModelProto:
    model = pooled_classifier(1000, rng)
    graph = model.graph
    graph.node[-1].output[0] = 'scores'
    graph.node.append(helper.make_node('Cast', ['scores'], ['logits'], to=TensorProto.INT64))
    graph.output[0].type.tensor_type.elem_type = TensorProto.INT64
    return model


def features_only(rng) -> onnx.ModelProto:
    nodes = [helper.make_node('ReduceMean', ['input'], ['features'], axes=[2, 3], keepdims=0)]
    out = helper.make_tensor_value_info('features', TensorProto.FLOAT, ['N', 3])
    return _model(nodes, [_image_input(['N', 3, 224, 224])], [out], [], 'features_only')


def nan_weights(rng) -> onnx.ModelProto:
    model = pooled_classifier(1000, rng)
    w = numpy_helper.to_array(model.graph.initializer[0]).copy()
    w[0, :7] = np.nan
    model.graph.initializer[0].CopyFrom(numpy_helper.from_array(w, 'W'))
    return model


def zero_blind(rng) -> onnx.ModelProto:
    """pooled / ||pooled|| -> linear: 0 / 0 = NaN for a constant 0 input, fine otherwise."""
    nodes = [
        helper.make_node('ReduceMean', ['input'], ['pooled'], axes=[2, 3], keepdims=0),
        helper.make_node('ReduceL2', ['pooled'], ['norm'], axes=[1], keepdims=1),
        helper.make_node('Div', ['pooled', 'norm'], ['unit']),
    ]
    head_nodes, inits = _head(1000, 'unit', 3, rng)
    return _model(nodes + head_nodes, [_image_input(['N', 3, 224, 224])], [_logits(1000)], inits,
                  'zero_blind')


def build() -> dict[str, onnx.ModelProto]:
    rng = np.random.default_rng(SEED)
    bias_1001 = np.zeros(1001)
    bias_1001[1000] = 6.0  # the class without a label is the top-1, so "class 1000" is on screen
    return {
        'shape-32.onnx': pooled_classifier(1000, rng, input_shape=(1, 3, 32, 32)),
        'nhwc.onnx': pooled_classifier(1000, rng, input_shape=(1, 224, 224, 3), axes=(1, 2)),
        'int64-input.onnx': int64_input(rng),
        'classes-1001.onnx': pooled_classifier(1001, rng, bias=bias_1001),
        'classes-10.onnx': pooled_classifier(10, rng),
        'custom-op.onnx': custom_op(rng),
        'huge.onnx': huge(rng),
        # Issue 12 (appended, so the files above keep their seeded weights).
        'softmax.onnx': softmax_output(rng, logits_too=False),
        'softmax-and-logits.onnx': softmax_output(rng, logits_too=True),
        'int64-output.onnx': int64_output(rng),
        'features-only.onnx': features_only(rng),
        'classes-0.onnx': pooled_classifier(0, rng),
        'classes-1.onnx': pooled_classifier(1, rng),
        'classes-3.onnx': pooled_classifier(3, rng),
        'nan-weights.onnx': nan_weights(rng),
        'zero-blind.onnx': zero_blind(rng),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    total = 0
    for name, model in build().items():
        onnx.checker.check_model(model, full_check=name != 'custom-op.onnx')
        data = model.SerializeToString()
        (args.out / name).write_bytes(data)
        total += len(data)
        print(f'{name:20s} {len(data):7d} bytes')
    print(f'{"total":20s} {total:7d} bytes -> {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}')


if __name__ == '__main__':
    main()
