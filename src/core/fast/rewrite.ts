/**
 * The Winograd fast path as a load-time graph rewrite. Every Conv with a 3x3 kernel, stride 1,
 * dilation 1, group 1 and padding 1 whose weight is a float initializer (fp32, or fp16 behind a
 * Cast) becomes Winograd F(4x4,3x3) or F(2x2,3x3) in standard ONNX ops (opset 11+):
 *
 *   src[P+1, N, C]   rows = pixels (y·W+x), or the previous layer's tiles; one zero row (Pad)
 *   Gather(idx[α², T])         -> [α², T, N, C]   the input tiles, padding and ragged edges included
 *   MatMul(Bᵀ⊗Bᵀ [α², α²])     -> [α², T·N·C]     input transform
 *   MatMul(·, U[α², C, K])     -> [α², T·N, K]    the product, one batched GEMM
 *   MatMul(Aᵀ⊗Aᵀ [m², α²]), Add bias, Relu -> [m², T·N, K]
 *
 * Activations stay in this tile layout from one rewritten layer to the next (the next Gather reads
 * the tiles directly), so no Transpose or DepthToSpace runs between them; a Gather + Transpose back
 * to NCHW is added only where another op or a graph output needs the tensor. Input and output names
 * are kept; batch size stays free.
 */
import {
  attrInts,
  attrString,
  attrValue,
  decodeModel,
  encodeModel,
  floatTensor,
  floatsReadable,
  int32Tensor,
  int64Tensor,
  tensorFloats,
  type EditModel,
  type EditNode,
  type EditTensor,
  type ReservedFloats,
} from '../onnx/edit';
import { DataType, toNumber } from '../onnx/proto';
import { writeElements } from '../onnx/raw';
import { propagateShapes, subgraphReads } from './shapes';
import { kron2, MATRICES, transformWeights, type Tile } from './winograd-math';
import {
  ACTIVATION_LIMIT_BYTES,
  chooseTile,
  DEFAULT_BUDGET_BYTES,
  MIN_CHANNELS,
  tileActivationBytes,
  type LayerFacts,
} from './rule';

export type LayerPath = Tile | 'direct';

export interface WinogradLayer {
  /** The Conv node's name (or its output's, when unnamed). */
  name: string;
  f: LayerPath;
  reason: string;
}

export interface WinogradReport {
  /** Convolutions replaced by Winograd. */
  rewritten: number;
  /** All Conv nodes with a 3x3 kernel, eligible or not. */
  total3x3: number;
  layers: WinogradLayer[];
  /** Bytes of transformed weights U added to the model. */
  transformedWeightBytes: number;
  /** Net growth of the weights: U added minus the replaced 3x3 weights removed (as stored). */
  extraWeightBytes: number;
  /** Why nothing was rewritten, when that is the model's fault (opset, no graph). */
  skipped: string | null;
}

export interface WinogradOptions {
  /** Height and width used where the model's input declares them symbolically. Default 224. */
  inputSize?: number;
  /** Bytes of transformed weights allowed in all (default DEFAULT_BUDGET_BYTES). */
  budgetBytes?: number;
  /** Overrides the per-layer rule (benchmarks: every layer F4, F2 or direct). */
  choose?: (layer: LayerFacts) => LayerPath;
  /** Tile activations allowed per layer and image (default ACTIVATION_LIMIT_BYTES). */
  activationLimitBytes?: number;
  /**
   * Keep the transformed weights U out of the model, as ONNX external data in one buffer with this
   * file name (what the engine does at load time: the session gets the small graph and U as a
   * separate buffer, which onnxruntime copies once instead of parsing it out of the protobuf).
   * Without it, U is embedded (a self-contained file, as `bench` writes).
   */
  externalName?: string;
  /**
   * Decide per layer and report, without writing the rewritten graph: for a backend that runs its
   * own Winograd kernels on the layers the rule picks (the lens kernels). `bytes` is the input.
   */
  planOnly?: boolean;
}

/** One layer's transformed weights: U for `weights` ([k, c, 3, 3]) at `offset` of its file. */
export interface UJob {
  weights: Float32Array;
  k: number;
  c: number;
  tile: Tile;
  offset: number;
  length: number;
}

/** An external data file of transformed weights, still to be computed (`computeU`). */
export interface UPlan {
  path: string;
  byteLength: number;
  jobs: UJob[];
}

export interface WinogradResult {
  bytes: Uint8Array;
  report: WinogradReport;
  /** With `externalName`: the file of U the model names, to compute before a session reads it. */
  external: UPlan[];
}

/** A file of U, computed: little-endian float32 at each job's offset, as ONNX stores it. */
export function computeU(plan: UPlan): ArrayBuffer {
  const buffer = new ArrayBuffer(plan.byteLength);
  const scratch = { f32: null as Float32Array | null };
  for (const job of plan.jobs) writeU(buffer, job, scratch);
  return buffer;
}

/**
 * `computeU` a layer at a time, awaiting `between()` after each: other work runs meanwhile, and
 * `between` may throw to stop (the engine prepares the fast path in the background this way).
 */
export async function computeUStepwise(
  plan: UPlan,
  between: () => Promise<void>,
): Promise<ArrayBuffer> {
  const buffer = new ArrayBuffer(plan.byteLength);
  const scratch = { f32: null as Float32Array | null };
  for (const job of plan.jobs) {
    writeU(buffer, job, scratch);
    await between();
  }
  return buffer;
}

function writeU(buffer: ArrayBuffer, job: UJob, scratch: { f32: Float32Array | null }): void {
  const count = job.length / 4;
  if (LITTLE_ENDIAN) {
    transformWeights(
      job.weights,
      job.k,
      job.c,
      job.tile,
      new Float32Array(buffer, job.offset, count),
    );
    return;
  }
  scratch.f32 = scratch.f32 && scratch.f32.length >= count ? scratch.f32 : new Float32Array(count);
  const f32 = scratch.f32.subarray(0, count);
  transformWeights(job.weights, job.k, job.c, job.tile, f32);
  writeElements(new Uint8Array(buffer, job.offset, job.length), 'float32', 0, f32);
}

const FLOAT = DataType['FLOAT']!;
const FLOAT16 = DataType['FLOAT16']!;
const BFLOAT16 = DataType['BFLOAT16']!;
const DOUBLE = DataType['DOUBLE']!;

const typeName = (t: number) =>
  (Object.keys(DataType).find((k) => DataType[k] === t) ?? String(t)).toLowerCase();

/**
 * Whether every value of `set` (the narrowest float type the values were stored in) survives a
 * cast to `to` unchanged: float16 and bfloat16 fit in float, all three in double.
 */
function holds(to: number, set: number): boolean {
  if (to === set) return true;
  if (to === FLOAT) return set === FLOAT16 || set === BFLOAT16;
  if (to === DOUBLE) return set === FLOAT || set === FLOAT16 || set === BFLOAT16;
  return false;
}

/**
 * The first Cast on the way from an initializer of type `stored` to a Conv (`via` runs from the
 * Conv back) that rounds or truncates values, as "from -> to"; null when every step is exact.
 */
function lossyCast(stored: number, via: readonly EditNode[]): string | null {
  const set = stored; // the values are exactly representable in this type
  let now = stored;
  for (const node of [...via].reverse()) {
    if (node.opType !== 'Cast') continue;
    const to = attrValue(node, 'to');
    if (typeof to !== 'number') return 'a Cast without a type';
    if (!holds(to, set)) return `${typeName(now)} -> ${typeName(to)}`;
    now = to;
  }
  return now === FLOAT ? null : `ends as ${typeName(now)}`;
}

/** Offsets of external tensors: page-aligned, as memory-mapping readers require. */
const EXTERNAL_ALIGN = 4096;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface Candidate extends LayerFacts {
  index: number;
  node: EditNode;
  weightTensor: EditTensor;
  weightName: string;
  storedBytes: number;
  relu: EditNode | null;
  f: LayerPath;
}

const isFloat = (v: number | number[] | undefined, want: number[]) =>
  v === undefined || (Array.isArray(v) ? v : [v]).every((x, i) => x === want[i]);

export function rewriteWinograd(
  onnxBytes: Uint8Array,
  options: WinogradOptions = {},
): WinogradResult {
  const model = decodeModel(onnxBytes);
  const graph = model.graph;
  const report: WinogradReport = {
    rewritten: 0,
    total3x3: 0,
    layers: [],
    transformedWeightBytes: 0,
    extraWeightBytes: 0,
    skipped: null,
  };
  const opset = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (!graph) return { bytes: onnxBytes, report: { ...report, skipped: 'no graph' }, external: [] };
  if (!opset || toNumber(opset.version) < 11)
    return {
      bytes: onnxBytes,
      report: { ...report, skipped: 'operator set below 11 (Pad with a pads input)' },
      external: [],
    };

  const size = options.inputSize ?? 224;
  const shapes = propagateShapes(graph, [size, size]);
  const inits = new Map(graph.initializer.map((t) => [t.name, t]));
  const producer = new Map<string, EditNode>();
  const consumers = new Map<string, EditNode[]>();
  for (const n of graph.node) {
    for (const o of n.output) producer.set(o, n);
    for (const i of n.input) if (i) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  }
  const outputs = new Set(graph.output.map((o) => o.name));
  const names = new Set<string>([...producer.keys(), ...inits.keys()]);
  for (const v of graph.input) names.add(v.name);

  /**
   * An initializer reached through Cast/Identity (fp16 weights), with the nodes on the way, and
   * the first Cast that changes values (`lossy`, e.g. "float -> int32"), which the runtime applies
   * and the transformed weights would not.
   */
  const weightSource = (
    name: string,
  ): { tensor: EditTensor; via: EditNode[]; lossy: string | null } | null => {
    const via: EditNode[] = [];
    for (let at = name; ;) {
      const t = inits.get(at);
      if (t && !producer.has(at)) return { tensor: t, via, lossy: lossyCast(t.dataType, via) };
      const p = producer.get(at);
      if (!p || (p.opType !== 'Cast' && p.opType !== 'Identity')) return null;
      via.push(p);
      at = p.input[0] ?? '';
    }
  };
  const readBySubgraph = subgraphReads(graph);

  // 1. Which 3x3 convolutions are eligible, and why not.
  const candidates: Candidate[] = [];
  const order: (WinogradLayer & { index: number })[] = [];
  const finish = (bytes: Uint8Array, external: UPlan[] = []): WinogradResult => {
    for (const c of candidates)
      order.push({ index: c.index, name: c.name, f: c.f, reason: why(c) });
    order.sort((a, b) => a.index - b.index);
    report.layers = order.map(({ name, f, reason }) => ({ name, f, reason }));
    return { bytes, report, external };
  };
  graph.node.forEach((n, index) => {
    if (n.opType !== 'Conv' || (n.domain && n.domain !== 'ai.onnx')) return;
    const w = weightSource(n.input[1] ?? '');
    const dims = w?.tensor.dims.map(toNumber);
    const kernel = attrValue(n, 'kernel_shape') ?? dims?.slice(2);
    if (!isFloat(kernel, [3, 3]) || (kernel === undefined && !dims)) return;
    if (dims && (dims[2] !== 3 || dims[3] !== 3)) return;
    report.total3x3++;
    const name = n.name || n.output[0] || `conv${index}`;
    const skip = (reason: string) => void order.push({ index, name, f: 'direct', reason });
    const auto = attrString(n, 'auto_pad') ?? 'NOTSET';
    const padOk =
      auto === 'SAME_UPPER' || auto === 'SAME_LOWER'
        ? true
        : auto === 'NOTSET' && isFloat(attrValue(n, 'pads') ?? [0, 0, 0, 0], [1, 1, 1, 1]);
    if (!isFloat(attrValue(n, 'strides'), [1, 1])) return skip('stride is not 1');
    if (!isFloat(attrValue(n, 'dilations'), [1, 1])) return skip('dilated');
    if ((attrValue(n, 'group') ?? 1) !== 1) return skip('grouped');
    if (!padOk) return skip('padding is not 1');
    if (!w || !dims) return skip('weight is not an initializer');
    const act = shapes.get(n.input[0] ?? '');
    if (!act) return skip('input shape unknown');
    if (act.elemType !== FLOAT) return skip(`activations are ${typeName(act.elemType)}, not float`);
    const x = act.chw;
    if (w.lossy) return skip(`weight goes through a Cast that rounds it (${w.lossy})`);
    // Only checked here: the values are read (a copy of each layer's) when the graph is written.
    if (!floatsReadable(w.tensor)) return skip('weight is not embedded float32/float16');
    if (dims[1] !== x[0]) return skip('weight and input channels differ');
    const out = n.output[0]!;
    const next = consumers.get(out) ?? [];
    const relu =
      next.length === 1 && next[0]!.opType === 'Relu' && !outputs.has(out) ? next[0]! : null;
    // A subgraph reads outer values by name: the NCHW tensor must exist as it is.
    if (readBySubgraph.has(out) || (relu && readBySubgraph.has(relu.output[0] ?? '')))
      return skip('its output is read inside a subgraph (If, Loop, Scan)');
    candidates.push({
      index,
      node: n,
      name,
      cin: dims[1],
      cout: dims[0]!,
      height: x[1],
      width: x[2],
      weightTensor: w.tensor,
      weightName: w.tensor.name,
      storedBytes: w.tensor.rawData?.length ?? (w.tensor.floatData?.length ?? 0) * 4,
      relu,
      f: 'direct',
    });
  });

  // 2. F per layer by the rule, then within the budget: the layers with the smallest maps (the
  // least time saved per byte of U) step down first, F4 -> F2 -> direct.
  const uBytes = (c: Candidate, f: LayerPath) =>
    f === 'direct' ? 0 : MATRICES[f].alpha ** 2 * c.cin * c.cout * 4;
  for (const c of candidates) c.f = options.choose ? options.choose(c) : chooseTile(c);
  // Tile activations per layer: F4 steps down to F2 (fewer bytes only on small maps), then direct.
  const activationLimit = options.activationLimitBytes ?? ACTIVATION_LIMIT_BYTES;
  const overActivations = new Map<Candidate, number>();
  for (const c of candidates) {
    if (c.f === 'direct') continue;
    const bytes = tileActivationBytes(c, c.f);
    if (bytes <= activationLimit) continue;
    overActivations.set(c, bytes);
    c.f = c.f === 'F4' && tileActivationBytes(c, 'F2') <= activationLimit ? 'F2' : 'direct';
  }
  const budget = options.budgetBytes ?? DEFAULT_BUDGET_BYTES;
  const byArea = [...candidates].sort((a, b) => a.height * a.width - b.height * b.width);
  const total = () => candidates.reduce((s, c) => s + uBytes(c, c.f), 0);
  const overBudget = new Set<Candidate>();
  for (const step of ['F4', 'F2'] as const)
    for (const c of byArea) {
      if (total() <= budget) break;
      if (c.f !== step) continue;
      c.f = step === 'F4' ? 'F2' : 'direct';
      overBudget.add(c);
    }
  if (candidates.every((c) => c.f === 'direct')) return finish(onnxBytes);
  if (options.planOnly) {
    for (const c of candidates) {
      if (c.f === 'direct') continue;
      const u = uBytes(c, c.f);
      report.rewritten++;
      report.transformedWeightBytes += u;
      report.extraWeightBytes += u - c.storedBytes;
    }
    return finish(onnxBytes);
  }
  function why(c: Candidate): string {
    const map = `${c.height}x${c.width}, ${c.cin}->${c.cout}`;
    if (overBudget.has(c)) return `${map}; stepped down to stay within the U budget`;
    const act = overActivations.get(c);
    if (act !== undefined)
      return `${map}; tile activations ${(act / 2 ** 20).toFixed(0)} MiB per image, over the ${(activationLimit / 2 ** 20).toFixed(0)} MiB per layer`;
    if (c.f === 'direct' && !options.choose && Math.min(c.cin, c.cout) < MIN_CHANNELS)
      return `${map}; fewer than ${MIN_CHANNELS} channels, direct is faster`;
    return c.f === 'direct' ? `${map}; rule keeps direct` : map;
  }

  // 3. Emit.
  const fresh = (base: string) => {
    let n = base;
    for (let i = 1; names.has(n); i++) n = `${base}_${i}`;
    names.add(n);
    return n;
  };
  const newInits: EditTensor[] = [];
  const reserved: Reserved[] = [];
  const shapeConst = (values: number[]) => {
    const name = fresh(`winograd/shape_${values.join('_').replace(/-/g, 'm')}`);
    newInits.push(int64Tensor(name, values));
    return name;
  };
  const consts = new Map<string, string>();
  const shared = (key: string, make: (name: string) => EditTensor) => {
    let name = consts.get(key);
    if (!name) {
      name = fresh(`winograd/${key}`);
      newInits.push(make(name));
      consts.set(key, name);
    }
    return name;
  };
  const padRow = () => shared('pad_zero_row', (n) => int64Tensor(n, [0, 0, 0, 1, 0, 0]));
  const transform = (f: Tile, which: 'input' | 'output') =>
    shared(`${f}_${which}_transform`, (n) => {
      const k = kron2(which === 'input' ? MATRICES[f].bt : MATRICES[f].at);
      return floatTensor(n, k.data, [k.rows, k.cols]);
    });

  /** Tile-layout tensors by the original (NCHW) name they stand for. */
  const tiles = new Map<string, { name: string; m: number; th: number; tw: number }>();
  const rewritten = new Map<EditNode, Candidate>(
    candidates.filter((c) => c.f !== 'direct').map((c) => [c.node, c]),
  );
  const fusedRelus = new Set<EditNode>();
  const newNodes: EditNode[] = [];
  let counter = 0;
  const op = (
    opType: string,
    inputs: string[],
    base: string,
    attribute = [] as EditNode['attribute'],
  ) => {
    const output = fresh(base);
    newNodes.push({ name: output, opType, input: inputs, output: [output], attribute });
    return output;
  };

  for (const n of graph.node) {
    const c = rewritten.get(n);
    if (!c) {
      if (!fusedRelus.has(n)) newNodes.push(n);
      continue;
    }
    const f = c.f as Tile;
    const { m, alpha } = MATRICES[f];
    const a2 = alpha * alpha;
    const H = c.height;
    const W = c.width;
    const C = c.cin;
    const K = c.cout;
    const th = Math.ceil(H / m);
    const tw = Math.ceil(W / m);
    const T = th * tw;
    const p = `winograd/${counter++}_${f}/`;
    const x = n.input[0]!;

    // Source rows: a pixel's row is y·W + x (from NCHW) or where the previous layer left it.
    const prev = tiles.get(x);
    let src: string;
    let rowOf: (y: number, x: number) => number;
    let rows: number;
    if (prev) {
      // Our own layout, made by the previous layer for this map: [m², T·N, C] -> [rows, N, C].
      rows = prev.m * prev.m * prev.th * prev.tw;
      src = op('Reshape', [prev.name, shapeConst([rows, -1, C])], `${p}src`);
      const pm = prev.m;
      const pT = prev.th * prev.tw;
      const ptw = prev.tw;
      rowOf = (yy, xx) =>
        ((yy % pm) * pm + (xx % pm)) * pT + Math.floor(yy / pm) * ptw + Math.floor(xx / pm);
    } else {
      rows = H * W;
      // [N, C, H·W] with the batch copied (0) and C, H·W explicit: a tensor that is not the
      // [N, C, H, W] the shapes promised fails here instead of folding pixels into the batch.
      const nc = op('Reshape', [x, shapeConst([0, C, rows])], `${p}n_c_hw`);
      src = op('Transpose', [nc], `${p}src`, [attrInts('perm', [2, 0, 1])]);
      rowOf = (yy, xx) => yy * W + xx;
    }
    const padded = op('Pad', [src, padRow()], `${p}padded`);
    const idx = new Int32Array(a2 * T);
    for (let u = 0; u < alpha; u++)
      for (let v = 0; v < alpha; v++)
        for (let ty = 0; ty < th; ty++)
          for (let tx = 0; tx < tw; tx++) {
            const yy = ty * m + u - 1;
            const xx = tx * m + v - 1;
            const inside = yy >= 0 && yy < H && xx >= 0 && xx < W;
            idx[(u * alpha + v) * T + ty * tw + tx] = inside ? rowOf(yy, xx) : rows;
          }
    const idxName = fresh(`${p}tile_index`);
    newInits.push(int32Tensor(idxName, idx, [a2, T]));
    const gathered = op('Gather', [padded, idxName], `${p}tiles`);
    const flat = op('Reshape', [gathered, shapeConst([a2, -1])], `${p}tiles_flat`);
    const v = op('MatMul', [transform(f, 'input'), flat], `${p}V`);
    const v3 = op('Reshape', [v, shapeConst([a2, -1, C])], `${p}V3`);
    const uName = fresh(`${p}U`);
    const weights = tensorFloats(c.weightTensor)!;
    reserved.push({
      name: uName,
      dims: [a2, C, K],
      weights,
      k: K,
      c: C,
      tile: f,
    });
    report.transformedWeightBytes += a2 * C * K * 4;
    report.extraWeightBytes += a2 * C * K * 4 - c.storedBytes;
    const prod = op('MatMul', [v3, uName], `${p}M`);
    const prod2 = op('Reshape', [prod, shapeConst([a2, -1])], `${p}M_flat`);
    const y = op('MatMul', [transform(f, 'output'), prod2], `${p}Y`);
    let out = op('Reshape', [y, shapeConst([m * m, -1, K])], `${p}Y3`);
    const bias = n.input[2];
    if (bias) out = op('Add', [out, bias], `${p}biased`);
    if (c.relu) {
      out = op('Relu', [out], `${p}relu`);
      fusedRelus.add(c.relu);
    }
    const result = c.relu ? c.relu.output[0]! : n.output[0]!;
    tiles.set(result, { name: out, m, th, tw });

    // Back to NCHW under the original name where anything but a rewritten conv reads it.
    const readers = consumers.get(result) ?? [];
    const needsNchw =
      outputs.has(result) ||
      readers.some((r) => !rewritten.has(r) || r.input.slice(1).includes(result));
    if (needsNchw) {
      const back = new Int32Array(H * W);
      for (let yy = 0; yy < H; yy++)
        for (let xx = 0; xx < W; xx++)
          back[yy * W + xx] =
            ((yy % m) * m + (xx % m)) * T + Math.floor(yy / m) * tw + Math.floor(xx / m);
      const backName = fresh(`${p}nchw_index`);
      newInits.push(int32Tensor(backName, back, [H * W]));
      const rowsOut = op('Reshape', [out, shapeConst([m * m * T, -1, K])], `${p}out_rows`);
      const pix = op('Gather', [rowsOut, backName], `${p}pixels`);
      const nkp = op('Transpose', [pix], `${p}nk_hw`, [attrInts('perm', [1, 2, 0])]);
      newNodes.push({
        name: `${p}nchw`,
        opType: 'Reshape',
        input: [nkp, shapeConst([0, K, H, W])],
        output: [result],
        attribute: [],
      });
    }
    report.rewritten++;
  }

  // 4. Drop the replaced weights (and their Casts) that nothing reads any more.
  const used = new Set<string>([...graph.output.map((o) => o.name), ...readBySubgraph]);
  for (const nn of newNodes) for (const i of nn.input) used.add(i);
  const keep: EditNode[] = [];
  for (let i = newNodes.length - 1; i >= 0; i--) {
    const nn = newNodes[i]!;
    const removable =
      (nn.opType === 'Cast' || nn.opType === 'Identity') && !nn.output.some((o) => used.has(o));
    if (removable) continue;
    for (const inp of nn.input) used.add(inp);
    keep.push(nn);
  }
  keep.reverse();
  const usedNow = new Set<string>([...graph.output.map((o) => o.name), ...readBySubgraph]);
  for (const nn of keep) for (const i of nn.input) usedNow.add(i);
  const replaced = new Set([...rewritten.values()].map((c) => c.weightName));
  const dropped = (name: string) => replaced.has(name) && !usedNow.has(name);
  graph.node = keep;
  graph.initializer = [...graph.initializer.filter((t) => !dropped(t.name)), ...newInits];
  graph.input = graph.input.filter((v) => !dropped(v.name));
  const produced = new Set(keep.flatMap((nn) => nn.output));
  graph.valueInfo = graph.valueInfo.filter((v) => produced.has(v.name));

  if (options.externalName !== undefined)
    return finish(...externalU(model, reserved, options.externalName));
  const { bytes, slots } = encodeModel(model, reserved);
  // Slots start at multiples of 4: on little-endian hosts U is computed straight into the model
  // (no 600 MB scratch copy); otherwise through one scratch buffer and byte-order-aware writes.
  let scratch: Float32Array | null = null;
  for (const r of reserved) {
    const slot = slots.get(r.name)!;
    if (LITTLE_ENDIAN && slot.byteOffset % 4 === 0) {
      transformWeights(
        r.weights,
        r.k,
        r.c,
        r.tile,
        new Float32Array(slot.buffer, slot.byteOffset, slot.length / 4),
      );
      continue;
    }
    scratch ??= new Float32Array(Math.max(...reserved.map((x) => slots.get(x.name)!.length / 4)));
    const f32 = scratch.subarray(0, slot.length / 4);
    transformWeights(r.weights, r.k, r.c, r.tile, f32);
    writeElements(slot, 'float32', 0, f32);
  }
  return finish(bytes);
}

/** A transformed-weight initializer the rewrite adds, and what it is computed from. */
interface Reserved extends ReservedFloats {
  weights: Float32Array;
  k: number;
  c: number;
  tile: Tile;
}

/**
 * The rewritten model with U as external data: the reserved tensors at page-aligned offsets of one
 * file named `path` (or a variant, when the model's own external data uses that name). Only the
 * plan is made here; `computeU` fills the file.
 */
function externalU(
  model: EditModel,
  reserved: readonly Reserved[],
  path: string,
): [Uint8Array, UPlan[]] {
  const graph = model.graph!;
  // A model with external data of its own keeps its names; ours steps aside.
  const taken = new Set(
    graph.initializer.flatMap((t) =>
      (t.externalData ?? []).filter((e) => e.key === 'location').map((e) => e.value),
    ),
  );
  let name = path;
  for (let n = 1; taken.has(name); n++) name = `${n}-${path}`;
  const plan: UPlan = { path: name, byteLength: 0, jobs: [] };
  for (const r of reserved) {
    const offset = Math.ceil(plan.byteLength / EXTERNAL_ALIGN) * EXTERNAL_ALIGN;
    const length = r.dims.reduce((a, b) => a * b, 1) * 4;
    plan.jobs.push({ weights: r.weights, k: r.k, c: r.c, tile: r.tile, offset, length });
    plan.byteLength = offset + length;
    graph.initializer.push({
      name: r.name,
      dims: r.dims,
      dataType: DataType['FLOAT']!,
      dataLocation: 1,
      externalData: [
        { key: 'location', value: name },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(length) },
      ],
    });
  }
  return [encodeModel(model).bytes, plan.jobs.length > 0 ? [plan] : []];
}
