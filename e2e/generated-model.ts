/**
 * Classifiers written on the fly for tests that need a model of a given speed or confidence: a
 * stack of 5x5 convolutions (the fast path rewrites only 3x3 ones, so the cost stays what the
 * widths say), global pooling and a 1000-class head. Deterministic weights, nothing in git.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InitializerSpec, NodeSpec } from '../src/core/onnx/writer';
import { layoutOnnxModel } from '../src/core/onnx/writer';
import { writeElements } from '../src/core/onnx/raw';

export interface GeneratedModel {
  /** Channels of every convolution (the cost grows with its square). */
  channels: number;
  /** Convolutions after the first (channels -> channels, 5x5, at 224x224). */
  layers: number;
  /** A class whose logit is raised by `margin`, so it wins with about 100 %. */
  confident?: { index: number; margin: number };
  name: string;
}

/** Writes the model to the temporary folder and returns its path. */
export function writeGeneratedModel(spec: GeneratedModel): string {
  const c = spec.channels;
  const nodes: NodeSpec[] = [];
  const initializers: InitializerSpec[] = [];
  let input = 'input';
  for (let i = 0; i <= spec.layers; i++) {
    const inC = i === 0 ? 3 : c;
    initializers.push(
      { name: `w${i}`, elemType: 'float32', dims: [c, inC, 5, 5] },
      { name: `b${i}`, elemType: 'float32', dims: [c] },
    );
    nodes.push(
      {
        opType: 'Conv',
        name: `conv${i}`,
        inputs: [input, `w${i}`, `b${i}`],
        outputs: [`c${i}`],
        attributes: { pads: { ints: [2, 2, 2, 2] }, kernel_shape: { ints: [5, 5] } },
      },
      { opType: 'Relu', name: `relu${i}`, inputs: [`c${i}`], outputs: [`r${i}`] },
    );
    input = `r${i}`;
  }
  nodes.push(
    { opType: 'GlobalAveragePool', name: 'gap', inputs: [input], outputs: ['g'] },
    { opType: 'Flatten', name: 'flat', inputs: ['g'], outputs: ['f'] },
    { opType: 'MatMul', name: 'mm', inputs: ['f', 'm'], outputs: ['mo'] },
    { opType: 'Add', name: 'add', inputs: ['mo', 'mb'], outputs: ['logits'] },
  );
  initializers.push(
    { name: 'm', elemType: 'float32', dims: [c, 1000] },
    { name: 'mb', elemType: 'float32', dims: [1000] },
  );
  const { bytes, slots } = layoutOnnxModel({
    irVersion: 7,
    opsetVersion: 13,
    producerName: 'repopt-lens e2e',
    producerVersion: '0',
    docString: '',
    graphName: spec.name,
    inputs: [{ name: 'input', elemType: 'float32', shape: ['N', 3, 224, 224] }],
    outputs: [{ name: 'logits', elemType: 'float32', shape: ['N', 1000] }],
    nodes,
    initializers,
    metadata: {},
  });
  let seed = 7;
  const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
  for (const init of initializers) {
    const count = init.dims.reduce((a, b) => a * b, 1);
    const fanIn = init.dims.length === 4 ? init.dims[1]! * 25 : init.dims[0]!;
    const values = Float32Array.from({ length: count }, () =>
      init.name.startsWith('b') || init.name === 'mb' ? 0 : (rand() * 2) / Math.sqrt(fanIn),
    );
    if (init.name === 'mb' && spec.confident) values[spec.confident.index] = spec.confident.margin;
    writeElements(slots.get(init.name)!, 'float32', 0, values);
  }
  const file = join(tmpdir(), `${spec.name}.onnx`);
  writeFileSync(file, bytes);
  return file;
}
