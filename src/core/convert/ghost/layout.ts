/**
 * GhostNet with RepGhost modules, read from key names and shapes only, in every form the two
 * official codebases save (github.com/ChengpengChen/RepGhost model/repghost.py and
 * github.com/DingXiaoH/RepOptimizers repoptimizer/repoptghostnet_model.py):
 *
 *   conv_stem.weight [C, 3, 3, 3], bn1.*                      stem, stride 2, ReLU
 *   blocks.S.J  (a bottleneck)
 *     ghost1 / ghost2: primary_conv.0.weight [o, i, 1, 1], primary_conv.1.* (BN), then a
 *       depthwise "cheap operation" [o, 1, d, d] whose parallel branch depends on the form:
 *       target    cheap_operation.0.weight, final_bn.*                 x2 = BN(dw(x1))
 *       rep       cheap_operation.0/1, fusion_bn.*   (RepOptimizers)   x2 = BN(dw(x1)) + BN(x1)
 *       repghost  cheap_operation.0/1, fusion_bn.0.* (RepGhost)        the same
 *       hs, csla  cheap_operation.0, cheap_operation.1.weight and fusion_scale.weight (scales),
 *                 final_bn.*                                           x2 = BN(s·dw(x1) + f·x1)
 *       deploy    cheap_operation.weight and .bias (RepGhost after convert.py)
 *       ghost1 ends in ReLU, ghost2 does not.
 *     conv_dw.weight [m, 1, k, k], bn_dw.*    only in stride-2 blocks (the stride is not in any
 *                                             shape; the official tables use 2 wherever it is > 1)
 *     se.conv_reduce / se.conv_expand        SE with a hard-sigmoid gate
 *     shortcut.0 (dw k×k, stride), .1 (BN), .2 (1x1), .3 (BN), unless in == out and stride 1
 *   blocks.L.0.conv.weight [C, c, 1, 1], blocks.L.0.bn1.*    the last stage: 1x1 conv, BN, ReLU
 *   conv_head.weight [H, C, 1, 1], conv_head.bias; classifier.weight [K, H], classifier.bias
 *
 * The layout is planned from the convolutions' shapes (their chain of channels), then every key
 * is checked against what that layout needs (accounting.ts).
 */
import { LensError } from '../../errors';
import {
  accountKeys,
  describeReport,
  emptyExpected,
  expectBn,
  isClean,
  type ExpectedKeys,
} from '../accounting';
import type { GhostMode, TensorLike, WeightMap } from '../types';

export interface GhostModulePlan {
  /** e.g. 'blocks.3.0.ghost1' */
  prefix: string;
  inChannels: number;
  outChannels: number;
  /** The cheap operation's depthwise kernel (3 in the official models). */
  cheapKernel: number;
  relu: boolean;
}

export interface BottleneckPlan {
  prefix: string;
  inChannels: number;
  midChannels: number;
  outChannels: number;
  stride: 1 | 2;
  /** Depthwise kernel of conv_dw and the shortcut, null when the block has neither. */
  kernel: number | null;
  seChannels: number | null;
  shortcut: boolean;
  ghost1: GhostModulePlan;
  ghost2: GhostModulePlan;
}

export interface GhostPlan {
  mode: GhostMode;
  stem: number;
  /** Bottlenecks per stage, in order. */
  stages: BottleneckPlan[][];
  /** The last stage's 1x1 ConvBnAct. */
  last: { prefix: string; inChannels: number; outChannels: number };
  head: number;
  numClasses: number;
  /** The nominal width multiplier when the layout is the published one, else null. */
  width: number | null;
}

/** Bottlenecks per stage of the published GhostNet table (16 in all). */
export const PUBLISHED_STAGES = [1, 1, 1, 1, 1, 1, 5, 1, 4];

const BLOCK = /^blocks\.(\d+)\.(\d+)\./;

export const looksLikeGhostNet = (keys: readonly string[]) =>
  keys.includes('conv_stem.weight') || keys.some((k) => /^blocks\.\d+\.\d+\.ghost[12]\./.test(k));

export const notGhostNet = (problem: string) =>
  new LensError(
    'unknown-architecture',
    `Not a GhostNet checkpoint the converter can read: ${problem}.`,
  );

const shapeOf = (sd: WeightMap, key: string) => sd.get(key)?.shape;
const fmt = (s: readonly number[] | undefined) => (s ? `[${s.join(', ')}]` : 'missing');

function conv1x1(sd: WeightMap, key: string, cin: number): number {
  const s = shapeOf(sd, key);
  if (!s || s.length !== 4 || s[1] !== cin || s[2] !== 1 || s[3] !== 1) {
    throw notGhostNet(`${key} is ${fmt(s)}, expected [C, ${cin}, 1, 1] after the layer before it`);
  }
  return s[0]!;
}

/** The depthwise kernel size of [c, 1, k, k], or null when the key is absent. */
function depthwise(sd: WeightMap, key: string, c: number): number | null {
  const s = shapeOf(sd, key);
  if (!s) return null;
  if (s.length !== 4 || s[0] !== c || s[1] !== 1 || s[2] !== s[3] || s[2]! % 2 !== 1) {
    throw notGhostNet(`${key} is ${fmt(s)}, expected a depthwise kernel [${c}, 1, k, k], k odd`);
  }
  return s[2]!;
}

const MARKERS: [GhostMode, RegExp][] = [
  ['deploy', /\.ghost[12]\.cheap_operation\.bias$/],
  ['repghost', /\.ghost[12]\.fusion_bn\.0\.weight$/],
  ['rep', /\.ghost[12]\.fusion_bn\.weight$/],
  ['hs', /\.ghost[12]\.fusion_scale\.weight$/],
  ['target', /\.ghost[12]\.final_bn\.weight$/],
];

/**
 * The form most ghost modules are saved in. With no marker at all but a BatchNorm after the cheap
 * conv, the file is a 'rep' one without its fusion BatchNorms (or RepGhost's norep / repid
 * ablations, whose keys are the same and cannot be told apart): planned as 'rep', so the missing
 * fusion BatchNorms are what the refusal names.
 */
function modeOf(keys: readonly string[]): GhostMode {
  let best: GhostMode = 'rep';
  let most = 0;
  for (const [mode, re] of MARKERS) {
    const n = keys.filter((k) => re.test(k)).length;
    if (n > most) [best, most] = [mode, n];
  }
  return best;
}

/** csla keeps the cheap operation's scale at its constant init, 1; hs trains it. */
function isCsla(sd: WeightMap, modules: readonly GhostModulePlan[]): boolean {
  return modules.every((g) => {
    const data = sd.get(`${g.prefix}.cheap_operation.1.weight`)?.data;
    if (!(data instanceof Float32Array || data instanceof Float64Array)) return false;
    return data.every((v) => v === 1);
  });
}

function planGhost(
  sd: WeightMap,
  mode: GhostMode,
  prefix: string,
  cin: number,
  relu: boolean,
): GhostModulePlan {
  const out = conv1x1(sd, `${prefix}.primary_conv.0.weight`, cin);
  const cheap = `${prefix}.cheap_operation${mode === 'deploy' ? '' : '.0'}.weight`;
  const k = depthwise(sd, cheap, out);
  if (k === null) throw notGhostNet(`${cheap} is missing (${mode} form)`);
  return { prefix, inChannels: cin, outChannels: out, cheapKernel: k, relu };
}

function planBottleneck(sd: WeightMap, mode: GhostMode, prefix: string, cin: number) {
  const ghost1 = planGhost(sd, mode, `${prefix}.ghost1`, cin, true);
  const mid = ghost1.outChannels;
  const dwKernel = depthwise(sd, `${prefix}.conv_dw.weight`, mid);
  const stride: 1 | 2 = dwKernel === null ? 1 : 2;
  const se = shapeOf(sd, `${prefix}.se.conv_reduce.weight`);
  const ghost2 = planGhost(sd, mode, `${prefix}.ghost2`, mid, false);
  const out = ghost2.outChannels;
  const shortcut = cin !== out || stride !== 1;
  const scKernel = shortcut ? depthwise(sd, `${prefix}.shortcut.0.weight`, cin) : null;
  if (dwKernel !== null && scKernel !== null && dwKernel !== scKernel) {
    throw notGhostNet(
      `${prefix}.conv_dw is ${dwKernel}x${dwKernel} but its shortcut ${scKernel}x${scKernel}; one block has one kernel size`,
    );
  }
  const plan: BottleneckPlan = {
    prefix,
    inChannels: cin,
    midChannels: mid,
    outChannels: out,
    stride,
    kernel: dwKernel ?? scKernel,
    seChannels: se?.[0] ?? null,
    shortcut,
    ghost1,
    ghost2,
  };
  return plan;
}

function expectGhost(e: ExpectedKeys, mode: GhostMode, g: GhostModulePlan) {
  const p = g.prefix;
  const o = g.outChannels;
  const k = g.cheapKernel;
  e.required.set(`${p}.primary_conv.0.weight`, [o, g.inChannels, 1, 1]);
  expectBn(e, `${p}.primary_conv.1`, o);
  if (mode === 'deploy') {
    e.required.set(`${p}.cheap_operation.weight`, [o, 1, k, k]);
    e.required.set(`${p}.cheap_operation.bias`, [o]);
    return;
  }
  e.required.set(`${p}.cheap_operation.0.weight`, [o, 1, k, k]);
  if (mode === 'target') {
    expectBn(e, `${p}.final_bn`, o);
  } else if (mode === 'rep' || mode === 'repghost') {
    expectBn(e, `${p}.cheap_operation.1`, o);
    expectBn(e, `${p}.fusion_bn${mode === 'repghost' ? '.0' : ''}`, o);
  } else {
    e.required.set(`${p}.cheap_operation.1.weight`, [o]);
    e.required.set(`${p}.fusion_scale.weight`, [o]);
    expectBn(e, `${p}.final_bn`, o);
  }
}

function expectBottleneck(e: ExpectedKeys, mode: GhostMode, b: BottleneckPlan) {
  const p = b.prefix;
  expectGhost(e, mode, b.ghost1);
  if (b.stride > 1) {
    e.required.set(`${p}.conv_dw.weight`, [b.midChannels, 1, b.kernel!, b.kernel!]);
    expectBn(e, `${p}.bn_dw`, b.midChannels);
  }
  if (b.seChannels !== null) {
    const r = b.seChannels;
    e.required.set(`${p}.se.conv_reduce.weight`, [r, b.midChannels, 1, 1]);
    e.required.set(`${p}.se.conv_reduce.bias`, [r]);
    e.required.set(`${p}.se.conv_expand.weight`, [b.midChannels, r, 1, 1]);
    e.required.set(`${p}.se.conv_expand.bias`, [b.midChannels]);
  }
  expectGhost(e, mode, b.ghost2);
  if (b.shortcut) {
    const k = b.kernel ?? 3;
    e.required.set(`${p}.shortcut.0.weight`, [b.inChannels, 1, k, k]);
    expectBn(e, `${p}.shortcut.1`, b.inChannels);
    e.required.set(`${p}.shortcut.2.weight`, [b.outChannels, b.inChannels, 1, 1]);
    expectBn(e, `${p}.shortcut.3`, b.outChannels);
  }
}

/** Every tensor this plan reads, with its shape. */
export function expectedKeys(plan: GhostPlan): ExpectedKeys {
  const e = emptyExpected();
  e.required.set('conv_stem.weight', [plan.stem, 3, 3, 3]);
  expectBn(e, 'bn1', plan.stem);
  for (const stage of plan.stages) for (const b of stage) expectBottleneck(e, plan.mode, b);
  const l = plan.last;
  e.required.set(`${l.prefix}.conv.weight`, [l.outChannels, l.inChannels, 1, 1]);
  expectBn(e, `${l.prefix}.bn1`, l.outChannels);
  e.required.set('conv_head.weight', [plan.head, l.outChannels, 1, 1]);
  e.required.set('conv_head.bias', [plan.head]);
  e.required.set('classifier.weight', [plan.numClasses, plan.head]);
  e.required.set('classifier.bias', [plan.numClasses]);
  return e;
}

/** Stage indices 0..S and, within each, block indices 0..n-1. */
function stageLayout(keys: readonly string[]): number[][] {
  const stages = new Map<number, Set<number>>();
  for (const k of keys) {
    const m = BLOCK.exec(k);
    if (!m) continue;
    const s = Number(m[1]);
    stages.set(s, (stages.get(s) ?? new Set()).add(Number(m[2])));
  }
  const order = [...stages.keys()].sort((a, b) => a - b);
  if (order.length < 2) throw notGhostNet('it has no bottleneck stages under blocks.*');
  order.forEach((s, i) => {
    if (s !== i)
      throw notGhostNet(
        `the stages are numbered ${order.join(', ')}, not 0 to ${order.length - 1}`,
      );
    const idx = [...stages.get(s)!].sort((a, b) => a - b);
    if (idx.some((v, j) => v !== j)) {
      throw notGhostNet(`the blocks of blocks.${s} are numbered ${idx.join(', ')}`);
    }
  });
  return order.map((s) => [...stages.get(s)!].sort((a, b) => a - b));
}

/** The published channel table (1.0x), for the nominal width. */
const PUBLISHED_OUT = [16, 24, 24, 40, 40, 80, 112, 160, 160];

function nominalWidth(stages: readonly BottleneckPlan[][]): number | null {
  if (
    stages.length !== PUBLISHED_STAGES.length ||
    stages.some((s, i) => s.length !== PUBLISHED_STAGES[i])
  ) {
    return null;
  }
  const last = stages[stages.length - 1]!;
  return Math.round((last[last.length - 1]!.outChannels / PUBLISHED_OUT[8]!) * 100) / 100;
}

/** Plans the network from its shapes and checks every key; throws with what does not fit. */
export function planGhostNet(sd: WeightMap): GhostPlan {
  const keys = [...sd.keys()];
  const stem = shapeOf(sd, 'conv_stem.weight');
  if (!stem || stem.length !== 4 || stem[1] !== 3 || stem[2] !== 3 || stem[3] !== 3) {
    throw notGhostNet(`conv_stem.weight is ${fmt(stem)}, expected [C, 3, 3, 3]`);
  }
  let mode = modeOf(keys);
  const layout = stageLayout(keys);
  const lastStage = layout.length - 1;
  if (layout[lastStage]!.length !== 1 || !sd.has(`blocks.${lastStage}.0.conv.weight`)) {
    throw notGhostNet(
      `its last stage blocks.${lastStage} is not the single 1x1 conv (blocks.${lastStage}.0.conv.weight) the layout ends with`,
    );
  }
  let c = stem[0]!;
  const stages: BottleneckPlan[][] = [];
  for (let s = 0; s < lastStage; s++) {
    const stage: BottleneckPlan[] = [];
    for (const j of layout[s]!) {
      const b = planBottleneck(sd, mode, `blocks.${s}.${j}`, c);
      stage.push(b);
      c = b.outChannels;
    }
    stages.push(stage);
  }
  const lastPrefix = `blocks.${lastStage}.0`;
  const lastOut = conv1x1(sd, `${lastPrefix}.conv.weight`, c);
  const head = conv1x1(sd, 'conv_head.weight', lastOut);
  const cls = shapeOf(sd, 'classifier.weight');
  if (!cls || cls.length !== 2 || cls[1] !== head) {
    throw notGhostNet(`classifier.weight is ${fmt(cls)}, expected [classes, ${head}]`);
  }
  if (
    mode === 'hs' &&
    isCsla(
      sd,
      stages.flat().flatMap((b) => [b.ghost1, b.ghost2]),
    )
  ) {
    mode = 'csla';
  }
  const plan: GhostPlan = {
    mode,
    stem: stem[0]!,
    stages,
    last: { prefix: lastPrefix, inChannels: c, outChannels: lastOut },
    head,
    numClasses: cls[0]!,
    width: nominalWidth(stages),
  };
  const report = accountKeys(sd, expectedKeys(plan));
  if (!isClean(report)) {
    const ablation =
      mode === 'rep' &&
      report.missing.some((k) => /\.fusion_bn\./.test(k)) &&
      !keys.some((k) => /\.fusion_bn\./.test(k))
        ? " The file has no fusion layer at all: a 'rep' checkpoint that lost its fusion BatchNorms, or one of RepGhost's norep / repid ablations, whose keys are the same and cannot be told apart."
        : '';
    throw new LensError(
      'unknown-architecture',
      `This GhostNet checkpoint (${MODE_NAMES[mode]}) does not hold exactly the tensors its layout needs: ${describeReport(report)}. It was not converted: filling in defaults would give a model that classifies differently without any error.${ablation}`,
    );
  }
  return plan;
}

export const MODE_NAMES: Record<GhostMode, string> = {
  target: "RepOpt-GhostNet 'target' form",
  rep: "RepOptimizers' RepGhostNet 'rep' form",
  repghost: "RepGhost's training form",
  hs: "RepOpt-GhostNet 'hs' (hyper-search) form",
  csla: "RepOpt-GhostNet 'csla' form",
  deploy: 'RepGhost deployed form',
};

/** Values of a float tensor, checked against its shape. */
export function floatsOf(sd: WeightMap, key: string): Float32Array | Float64Array {
  const t: TensorLike | undefined = sd.get(key);
  const data = t?.data;
  if (!t || !(data instanceof Float32Array || data instanceof Float64Array)) {
    throw notGhostNet(`${key} ${t ? 'is not a floating-point tensor' : 'is missing'}`);
  }
  if (data.length !== t.shape.reduce((a, b) => a * b, 1)) {
    throw notGhostNet(`${key} has ${data.length} values for shape [${t.shape.join(', ')}]`);
  }
  return data;
}
