#!/usr/bin/python3
"""Write a corpus of valid but unusual ONNX classifiers that the Winograd fast path must either
rewrite exactly or leave alone (issue 20, findings 1-4). Each takes float32 [N, 3, 224, 224] and
answers 10 logits [N, 10]; weights are seeded, so the files are the same on every run.

  gap-broadcast.onnx     GlobalAveragePool [N,C,1,1] + a constant [1,C,7,7] before a 3x3 conv
                         (finding 1: the old shapes took [C,1,1] and folded 49 pixels into the batch)
  two-sided.onnx         [N,C,7,1] + a constant [1,C,1,7] -> [N,C,7,7] before a 3x3 conv
  fp16.onnx              Cast to float16 at the input, float16 convolutions end to end (finding 2)
  if-branch.onnx         an If branch reads a 3x3 conv's output that a second 3x3 conv also reads
  maxpool-ceil.onnx      MaxPool ceil_mode=1 (56 -> 28, floor would give 27) before a 3x3 conv
  maxpool-floor.onnx     the same with ceil_mode=0 (its neighbour, rewritten)
  cast-int32.onnx        3x3 weights stored float32, through Cast int32 -> float (finding 3)
  cast-fp16.onnx         ... through Cast float16 -> float
  cast-bf16.onnx         ... through Cast bfloat16 -> float
  fp16-weights.onnx      weights stored float16 behind one Cast to float: exact, rewritten
  wide.onnx              a 16 -> 1024 3x3 conv on a 56x56 map (finding 4, scaled down; the
                         width rule keeps it direct; test/fast-proof.test.ts checks the issue's
                         16 -> 4096 on 224x224 and 64 -> 4096 by the rewrite's decision alone)
  concat.onnx            Concat of two branches on the channel axis before a 3x3 conv
  cancel.onnx            the same 3x3 conv twice, once with its weight behind an Add (left direct),
                         and the logits read their difference: exactly 0 in the file, the rounding
                         difference of Winograd once rewritten. A legitimate model whose answer
                         depends on the last bits: the rewrite cannot prove itself on it, so the
                         self-check must keep the file (and say why)

Usage: /usr/bin/python3 tools/make_fast_corpus.py OUT_DIR
"""

from __future__ import annotations

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

C = 32  # the rule rewrites from 32 channels (src/core/fast/rule.ts)
CLASSES = 10


class Builder:
    def __init__(self, name: str, seed: int):
        self.name = name
        self.rng = np.random.default_rng(seed)
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.count = 0

    def fresh(self, base: str) -> str:
        self.count += 1
        return f"{base}_{self.count}"

    def init(self, array: np.ndarray, base: str = "w") -> str:
        name = self.fresh(base)
        self.inits.append(numpy_helper.from_array(array, name))
        return name

    def node(self, op: str, inputs: list[str], **attrs) -> str:
        out = self.fresh(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def weight(self, k: int, c: int, kh: int, kw: int, scale: float | None = None) -> np.ndarray:
        scale = scale if scale is not None else (2.0 / (c * kh * kw)) ** 0.5
        return (self.rng.standard_normal((k, c, kh, kw)) * scale).astype(np.float32)

    def conv(self, x: str, k: int, c: int, kernel: int = 3, stride: int = 1, pad: int = 1,
             dtype=np.float32, weight: str | None = None, bias: str | None = None) -> str:
        w = weight or self.init(self.weight(k, c, kernel, kernel).astype(dtype))
        b = bias or self.init((self.rng.standard_normal(k) * 0.1).astype(dtype), "b")
        return self.node("Conv", [x, w, b], kernel_shape=[kernel, kernel], strides=[stride, stride],
                         pads=[pad] * 4)

    def relu(self, x: str) -> str:
        return self.node("Relu", [x])

    def head(self, x: str, c: int, dtype=np.float32) -> str:
        """GlobalAveragePool -> Flatten -> Gemm to the logits."""
        g = self.node("GlobalAveragePool", [x])
        f = self.node("Flatten", [g], axis=1)
        w = self.init((self.rng.standard_normal((c, CLASSES)) * 0.3).astype(dtype), "fc")
        b = self.init((self.rng.standard_normal(CLASSES) * 0.1).astype(dtype), "fcb")
        return self.node("Gemm", [f, w, b])

    def save(self, out_dir: str, logits: str) -> None:
        self.nodes.append(helper.make_node("Identity", [logits], ["logits"], name="logits"))
        graph = helper.make_graph(
            self.nodes, self.name,
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 224, 224])],
            [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", CLASSES])],
            self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                                  producer_name="make_fast_corpus")
        model.ir_version = 7
        onnx.checker.check_model(model)
        onnx.save(model, os.path.join(out_dir, f"{self.name}.onnx"))


def stem7(b: Builder) -> str:
    """[N,3,224,224] -> [N,C,7,7]: a 32x32 stride-32 patch conv, then ReLU."""
    return b.relu(b.conv("input", C, 3, kernel=32, stride=32, pad=0))


def stem56(b: Builder) -> str:
    """[N,3,224,224] -> [N,C,56,56]: a 4x4 stride-4 patch conv, then ReLU."""
    return b.relu(b.conv("input", C, 3, kernel=4, stride=4, pad=0))


def gap_broadcast(out: str) -> None:
    b = Builder("gap-broadcast", 1)
    x = stem7(b)
    g = b.node("GlobalAveragePool", [x])
    s = b.node("Add", [g, b.init(b.rng.standard_normal((1, C, 7, 7)).astype(np.float32), "c")])
    y = b.relu(b.conv(s, C, C))
    y = b.relu(b.conv(y, C, C))
    b.save(out, b.head(b.node("Add", [y, x]), C))


def two_sided(out: str) -> None:
    b = Builder("two-sided", 2)
    x = stem7(b)
    col = b.node("AveragePool", [x], kernel_shape=[1, 7])  # [N,C,7,1]
    s = b.node("Mul", [col, b.init(b.rng.standard_normal((1, C, 1, 7)).astype(np.float32), "c")])
    y = b.relu(b.conv(s, C, C))
    b.save(out, b.head(y, C))


def fp16(out: str) -> None:
    b = Builder("fp16", 4)
    h = b.node("Cast", ["input"], to=TensorProto.FLOAT16)
    x = b.relu(b.conv(h, C, 3, kernel=4, stride=4, pad=0, dtype=np.float16))
    y = b.relu(b.conv(x, C, C, dtype=np.float16))
    y = b.relu(b.conv(y, C, C, dtype=np.float16))
    logits = b.head(y, C, dtype=np.float16)
    b.save(out, b.node("Cast", [logits], to=TensorProto.FLOAT))


def if_branch(out: str) -> None:
    b = Builder("if-branch", 5)
    x = stem56(b)
    r = b.relu(b.conv(x, C, C))  # rewritten unless a subgraph reads it
    y = b.relu(b.conv(r, C, C))
    # then: the pooled r; else: the pooled y. The condition is a constant true.
    then_out = helper.make_tensor_value_info("then_out", TensorProto.FLOAT, None)
    else_out = helper.make_tensor_value_info("else_out", TensorProto.FLOAT, None)
    then_g = helper.make_graph([helper.make_node("GlobalAveragePool", [r], ["then_out"])],
                               "then", [], [then_out])
    else_g = helper.make_graph([helper.make_node("GlobalAveragePool", [y], ["else_out"])],
                               "else", [], [else_out])
    cond = b.init(np.array(True), "cond")
    branch = b.fresh("if")
    b.nodes.append(helper.make_node("If", [cond], [branch], name=branch, then_branch=then_g,
                                    else_branch=else_g))
    z = b.relu(b.conv(y, C, C))
    mixed = b.node("Add", [b.node("GlobalAveragePool", [z]), branch])
    b.save(out, b.head(mixed, C))


def maxpool(out: str, ceil: int) -> None:
    b = Builder("maxpool-ceil" if ceil else "maxpool-floor", 6)
    x = stem56(b)
    p = b.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=ceil)
    y = b.relu(b.conv(p, C, C))
    y = b.relu(b.conv(y, C, C))
    b.save(out, b.head(y, C))


def cast_chain(out: str, name: str, via: int | None, stored=np.float32, scale=None) -> None:
    b = Builder(name, 7)
    x = stem56(b)
    raw = b.init(b.weight(C, C, 3, 3, scale).astype(stored))
    w = b.node("Cast", [raw], to=via) if via is not None else raw
    w = b.node("Cast", [w], to=TensorProto.FLOAT)
    y = b.relu(b.conv(x, C, C, weight=w))
    y = b.relu(b.conv(y, C, C))
    b.save(out, b.head(y, C))


def wide(out: str) -> None:
    b = Builder("wide", 8)
    x = b.relu(b.conv("input", 16, 3, kernel=4, stride=4, pad=0))  # [N,16,56,56]
    y = b.relu(b.conv(x, 1024, 16))
    b.save(out, b.head(y, 1024))


def concat(out: str) -> None:
    b = Builder("concat", 9)
    x = stem56(b)
    l = b.relu(b.conv(x, C, C))
    r = b.relu(b.conv(x, C, C))
    cat = b.node("Concat", [l, r], axis=1)
    y = b.relu(b.conv(cat, C, 2 * C))
    b.save(out, b.head(y, C))


def cancel(out: str) -> None:
    b = Builder("cancel", 10)
    x = stem56(b)
    w = b.init(b.weight(C, C, 3, 3, scale=1.0))
    zero = b.init(np.zeros((C, C, 3, 3), np.float32), "zero")
    bias = b.init(np.zeros(C, np.float32), "b")
    y1 = b.conv(x, C, C, weight=w, bias=bias)  # rewritten
    y2 = b.conv(x, C, C, weight=b.node("Add", [w, zero]), bias=bias)  # not an initializer: direct
    d = b.node("Sub", [y1, y2])
    b.save(out, b.head(b.node("Mul", [d, b.init(np.array(1000.0, np.float32), "gain")]), C))


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    gap_broadcast(out)
    two_sided(out)
    fp16(out)
    if_branch(out)
    maxpool(out, 1)
    maxpool(out, 0)
    # int32: weights of a few units, so truncation changes them (small ones would all become 0)
    cast_chain(out, "cast-int32", TensorProto.INT32, scale=2.0)
    cast_chain(out, "cast-fp16", TensorProto.FLOAT16)
    cast_chain(out, "cast-bf16", TensorProto.BFLOAT16)
    cast_chain(out, "fp16-weights", None, stored=np.float16)
    wide(out)
    concat(out)
    cancel(out)


if __name__ == "__main__":
    main()
