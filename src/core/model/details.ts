/**
 * Everything the model panel shows, read from the ONNX bytes: I/O, opset, producer, metadata,
 * parameter and MAC counts, the RepOpt layout, and the published figures to compare them with.
 */
import {
  analyzeGraph,
  decodeGraph,
  initializerFloats,
  softmaxOutputs,
  type RepOptLayout,
} from '../onnx/graph';
import { readOnnxModel, type OnnxValueInfo } from '../onnx/reader';
import { ghostNetPublished, ghostNetSummary, type GhostNetSummary } from './ghostnet';
import { PUBLISHED, type PublishedModel } from './published';

export interface ModelDetails {
  bytes: number;
  /** Null until computed: hashing a 200 MB file is kept off the load path. */
  sha256: string | null;
  irVersion: number;
  opset: number | null;
  producer: string;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  metadata: Record<string, string>;
  /** Elements in the file's initializers (after BatchNorm folding, so a little under PyTorch's count). */
  params: number;
  paramsByType: Record<string, number>;
  gmacs: number | null;
  opCounts: Record<string, number>;
  repopt: RepOptLayout | null;
  /** The GhostNet layout the converter recorded in the metadata, or null. */
  ghostnet: GhostNetSummary | null;
  published: (PublishedModel & { name: string }) | null;
}

export interface ModelInspection {
  details: ModelDetails;
  /** The classifier as [classes, channels], when the graph ends in one Linear layer (for CAMs). */
  classifier: { weights: Float32Array; classes: number; channels: number } | null;
  /** Outputs computed by a final Softmax: already probabilities (see `softmaxOutputs`). */
  softmaxOutputs: string[];
}

export function inspectModel(bytes: Uint8Array, sha256: string | null = null): ModelInspection {
  const info = readOnnxModel(bytes);
  const graph = decodeGraph(bytes);
  const analysis = analyzeGraph(graph);
  const ghostnet = ghostNetSummary(info.metadata);
  const name = ghostnet ? null : (analysis.repopt?.name ?? null);
  let classifier: ModelInspection['classifier'] = null;
  if (analysis.classifier) {
    const w = initializerFloats(graph, analysis.classifier.weight);
    if (w && w.dims.length === 2) {
      const [rows, cols] = w.dims as [number, number];
      if (analysis.classifier.transposed)
        classifier = { weights: w.data, classes: rows, channels: cols };
      else {
        const t = new Float32Array(rows * cols);
        for (let r = 0; r < rows; r++)
          for (let c = 0; c < cols; c++) t[c * rows + r] = w.data[r * cols + c]!;
        classifier = { weights: t, classes: cols, channels: rows };
      }
    }
  }
  return {
    details: {
      bytes: bytes.byteLength,
      sha256,
      irVersion: info.irVersion,
      opset: info.opset,
      producer: [info.producer.name, info.producer.version].filter(Boolean).join(' ') || 'unknown',
      inputs: info.inputs,
      outputs: info.outputs,
      metadata: info.metadata,
      params: info.params,
      paramsByType: info.paramsByType,
      gmacs: analysis.macs === null ? null : analysis.macs / 1e9,
      opCounts: info.opCounts,
      repopt: ghostnet ? null : analysis.repopt,
      ghostnet,
      published: name
        ? { name, ...PUBLISHED[name as keyof typeof PUBLISHED] }
        : ghostNetPublished(ghostnet),
    },
    classifier,
    softmaxOutputs: softmaxOutputs(graph),
  };
}
