/**
 * Architecture detection from key names and tensor shapes only (never from file names): blocks
 * per stage, widths, classes, SE, and the block mode. Every key must be accounted for, as in
 * PyTorch's load_state_dict(strict=True).
 */
import {
  accountKeys,
  describeReport,
  emptyExpected,
  isClean,
  type ExpectedKeys,
} from './accounting';
import { badLayout, notRepOpt, sampleKeys } from './foreign';
import { blockKeys, identityKey, isIgnoredKey, mainConvKey, modeOf } from './layout';
import type { ArchPlan, BlockMode, BlockPlan, DetectedArch, KnownArch, WeightMap } from './types';

const STAGE_BASE = [64, 128, 256, 512];

export const KNOWN_ARCHS: Record<KnownArch, { blocks: number[]; widths: number[] }> = {
  B1: { blocks: [4, 6, 16, 1], widths: [2, 2, 2, 4] },
  B2: { blocks: [4, 6, 16, 1], widths: [2.5, 2.5, 2.5, 5] },
  L1: { blocks: [8, 14, 24, 1], widths: [2, 2, 2, 4] },
  L2: { blocks: [8, 14, 24, 1], widths: [2.5, 2.5, 2.5, 5] },
};

const BLOCK_KEY = /^(stage0|stage[1-4]\.\d+)\.(.+)$/;
const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);
const fmtShape = (s: readonly number[] | undefined) => (s ? `[${s.join(', ')}]` : 'missing');

function groupKeys(sd: WeightMap) {
  const groups = new Map<string, Set<string>>();
  const other: string[] = [];
  for (const key of sd.keys()) {
    const m = BLOCK_KEY.exec(key);
    if (!m) {
      other.push(key);
      continue;
    }
    const suffixes = groups.get(m[1]!) ?? new Set<string>();
    suffixes.add(m[2]!);
    groups.set(m[1]!, suffixes);
  }
  return { groups, other };
}

/** Block prefixes in network order; stage indices must run 0, 1, 2, … */
function blockPrefixes(groups: Map<string, Set<string>>): string[][] {
  const stages: string[][] = [['stage0']];
  for (let s = 1; s <= 4; s++) {
    const idx = [...groups.keys()]
      .filter((p) => p.startsWith(`stage${s}.`))
      .map((p) => Number(p.slice(`stage${s}.`.length)))
      .sort((a, b) => a - b);
    if (idx.length === 0) throw badLayout(`stage${s} has no blocks`);
    if (idx.some((v, i) => v !== i)) {
      throw badLayout(
        `the blocks of stage${s} are numbered ${idx.join(', ')}, not 0 to ${idx.length - 1}`,
      );
    }
    stages.push(idx.map((i) => `stage${s}.${i}`));
  }
  return stages;
}

function planBlock(
  sd: WeightMap,
  mode: BlockMode,
  prefix: string,
  inChannels: number,
  stride: 1 | 2,
) {
  const conv = sd.get(`${prefix}.${mainConvKey(mode)}`)?.shape;
  if (!conv || conv.length !== 4 || conv[1] !== inChannels || conv[2] !== 3 || conv[3] !== 3) {
    throw badLayout(
      `${prefix}.${mainConvKey(mode)} is ${fmtShape(conv)}, expected [C, ${inChannels}, 3, 3] after the previous block`,
    );
  }
  const outChannels = conv[0]!;
  const identity = inChannels === outChannels && stride === 1;
  const idKey = identityKey(mode);
  if (idKey && sd.has(`${prefix}.${idKey}`) !== identity) {
    throw badLayout(
      `${prefix} ${identity ? 'lacks' : 'has'} an identity branch (${idKey}), but with ${inChannels} -> ${outChannels} channels and stride ${stride} ${identity ? 'it should have one' : 'it cannot'}`,
    );
  }
  const se = sd.get(`${prefix}.post_se.down.weight`)?.shape;
  const plan: BlockPlan = {
    prefix,
    inChannels,
    outChannels,
    stride,
    identity,
    seChannels: se?.[0] ?? null,
  };
  return plan;
}

/**
 * Every key of the block present with its shape, and nothing else: the first problem, worded for
 * the block, or null. The whole file is accounted for afterwards (see planArch).
 */
function blockProblem(
  sd: WeightMap,
  mode: BlockMode,
  b: BlockPlan,
  suffixes: ReadonlySet<string>,
  expected: ExpectedKeys,
): string | null {
  const want = blockKeys(mode, b);
  let problem: string | null = null;
  for (const [suffix, shape] of want) {
    expected.required.set(`${b.prefix}.${suffix}`, shape);
    if (suffix.endsWith('.running_mean')) {
      expected.optional.add(
        `${b.prefix}.${suffix.replace(/running_mean$/, 'num_batches_tracked')}`,
      );
    }
    const got = sd.get(`${b.prefix}.${suffix}`)?.shape;
    if (problem === null && (!got || !sameShape(got, shape))) {
      problem = `${b.prefix}.${suffix} is ${fmtShape(got)}, expected ${fmtShape(shape)} (${mode} mode)`;
    }
  }
  if (problem !== null) return problem;
  const extra = [...suffixes].filter((s) => !want.has(s) && !isIgnoredKey(s));
  if (extra.length > 0) {
    return `unexpected keys in ${b.prefix} for a ${mode}-mode block: ${sampleKeys(extra.map((s) => `${b.prefix}.${s}`))}`;
  }
  return null;
}

/**
 * hs and csla checkpoints have the same keys. csla keeps scale_conv and scale_1x1 constant at the
 * official init (1 for a stage's first block, sqrt(2 / i) for block i after it), hs trains them.
 */
function isCsla(sd: WeightMap, blocks: readonly BlockPlan[]): boolean {
  return blocks.every((b) => {
    const i = b.prefix === 'stage0' ? 0 : Number(b.prefix.split('.')[1]);
    const init = i === 0 ? 1 : Math.sqrt(2 / i);
    return ['scale_conv.weight', 'scale_1x1.weight'].every((k) => {
      const data = sd.get(`${b.prefix}.${k}`)?.data;
      if (!(data instanceof Float32Array || data instanceof Float64Array)) return false;
      return data.every((v) => Math.abs(v - init) <= 1e-6 * init);
    });
  });
}

const fmtNum = (w: number) => String(Math.round(w * 1e6) / 1e6);

function describe(a: Omit<DetectedArch, 'description'>): string {
  const tail = `${a.mode} mode, ${a.numClasses} classes`;
  if (a.name) return `RepOpt-VGG-${a.name} (${tail})`;
  return `RepOpt-VGG, blocks [${a.blocks.join(', ')}], widths [${a.widths.map(fmtNum).join(', ')}]${a.se ? ', with SE' : ''} (${tail})`;
}

export function planArch(sd: WeightMap): ArchPlan {
  const { groups, other } = groupKeys(sd);
  const stage0 = groups.get('stage0');
  const keyMode = stage0 ? modeOf(stage0) : null;
  if (!keyMode || !sd.has('linear.weight')) throw notRepOpt([...sd.keys()]);
  const unexpected = other.filter((k) => k !== 'linear.weight' && k !== 'linear.bias');
  let first = unexpected.length > 0 ? `unexpected keys ${sampleKeys(unexpected)}` : null;
  const expected = emptyExpected();

  const blocks: BlockPlan[] = [];
  let inChannels = 3;
  for (const stage of blockPrefixes(groups)) {
    stage.forEach((prefix, j) => {
      const b = planBlock(sd, keyMode, prefix, inChannels, j === 0 ? 2 : 1);
      const problem = blockProblem(sd, keyMode, b, groups.get(prefix)!, expected);
      first ??= problem;
      if (j > 0 && b.outChannels !== blocks[blocks.length - 1]!.outChannels) {
        throw badLayout(
          `${prefix} has ${b.outChannels} channels, unlike the blocks before it in its stage`,
        );
      }
      blocks.push(b);
      inChannels = b.outChannels;
    });
  }
  const linear = sd.get('linear.weight')!.shape;
  const bias = sd.get('linear.bias')?.shape;
  if (linear.length !== 2 || linear[1] !== inChannels || !bias || !sameShape(bias, [linear[0]!])) {
    throw badLayout(
      `linear.weight is ${fmtShape(linear)} and linear.bias ${fmtShape(bias)}, expected [classes, ${inChannels}] and [classes]`,
    );
  }
  expected.required.set('linear.weight', [linear[0]!, inChannels]);
  expected.required.set('linear.bias', [linear[0]!]);
  // Every key accounted for: the first problem as before, then all of them, grouped.
  const report = accountKeys(sd, expected);
  if (first !== null || !isClean(report)) {
    const n = report.missing.length + report.unused.length + report.wrongShape.length;
    const all = describeReport(report);
    throw badLayout(first === null ? all : n > 1 ? `${first}; in all, ${all}` : first);
  }
  const mode = keyMode === 'hs' && isCsla(sd, blocks) ? 'csla' : keyMode;

  const stageOf = (b: BlockPlan) => (b.prefix === 'stage0' ? 0 : Number(b.prefix[5]));
  const channels = [0, 1, 2, 3, 4].map((s) => blocks.find((b) => stageOf(b) === s)!.outChannels);
  const counts = [1, 2, 3, 4].map((s) => blocks.filter((b) => stageOf(b) === s).length);
  const widths = channels.slice(1).map((c, s) => c / STAGE_BASE[s]!);
  const se = blocks.some((b) => b.seChannels !== null);
  const name =
    (Object.keys(KNOWN_ARCHS) as KnownArch[]).find((k) => {
      const known = KNOWN_ARCHS[k];
      return (
        !se &&
        sameShape(known.blocks, counts) &&
        sameShape(known.widths, widths) &&
        channels[0] === Math.min(64, channels[1]!)
      );
    }) ?? null;
  const found = { mode, blocks: counts, widths, channels, numClasses: linear[0]!, se, name };
  return { arch: { ...found, description: describe(found) }, blocks };
}
