/**
 * `info`: what a RepOpt-VGG ONNX model or checkpoint is, counted from its shapes, beside the
 * published figures of the released models. The kind of file is told from its bytes.
 */
import { parseArgs } from 'node:util';
import {
  countMacs,
  countParams,
  detectArch,
  type DetectedArch,
  type KnownArch,
} from '../core/convert';
import { ghostNetPublished } from '../core/model/ghostnet';
import { LensError } from '../core/errors';
import { inspectModel } from '../core/model/details';
import { PUBLISHED } from '../core/model/published';
import { english, t } from './i18n';
import { printSafeJson, terminalSafe } from './safe-output';
import {
  architectureRows,
  describeLayout,
  fmtInt,
  gmacsText,
  inFile,
  printRows,
  readCheckpointShapes,
  readInputFile,
  sha256Hex,
} from './model-files';

export const infoUsage = 'repopt-lens info <model.onnx|checkpoint.pth> [--json]';

/** The project's seed table gave RepOpt-VGG-B1 "26.281 GFLOPs"; `thop` below says where from. */
const SEED_TABLE_GFLOPS: Partial<Record<KnownArch, number>> = { B1: 26.281 };
const STAGE_BASE = [64, 128, 256, 512];

interface Layout {
  family?: DetectedArch['family'];
  ghost?: DetectedArch['ghost'];
  name: KnownArch | null;
  mode: string;
  blocks: number[];
  widths: number[];
  channels: number[];
  numClasses: number;
  se: boolean;
}

export interface InfoReport {
  file: string;
  kind: 'onnx' | 'checkpoint';
  bytes: number;
  sha256: string;
  /** Checkpoint: format and where the weights are. ONNX: opset, producer, inputs and outputs. */
  container: string;
  architecture: (Layout & { description: string }) | null;
  /** Checkpoint: learnable parameters as trained. ONNX: elements of the initializers (fused). */
  params: number;
  /** For an ONNX RepOpt-VGG: what the target-mode model it fuses had (one BatchNorm per block). */
  paramsAsTrained: number | null;
  macs: number | null;
  gmacs: number | null;
  inputSize: number;
  published: {
    checkpoint: string;
    params: number;
    gmacs: number | null;
    top1: number;
  } | null;
  /** thop's count for the released (target-mode) model: conv + linear + BatchNorm + pooling. */
  thop: {
    ops: number;
    batchNormOps: number;
    poolOps: number;
    /** thop's count / 9e8 x 2, the seed table's "GFLOPs"; and the same from conv + linear alone. */
    seedTableGflops: number;
    seedTableGflopsFromMacs: number;
    seedTableFigure: number | null;
  } | null;
}

const sizeAfter = (size: number, stride: number) => Math.floor((size - 1) / stride) + 1;

/**
 * thop (pytorch-OpCounter) counts conv and linear MACs, plus 2 ops per BatchNorm output in eval
 * mode and (kernel area + 1) per output of the adaptive average pool.
 */
function thopCount(l: Layout, macs: number, inputSize: number, name: KnownArch) {
  let size = sizeAfter(inputSize, 2);
  let activations = size * size * l.channels[0]!;
  l.blocks.forEach((n, s) => {
    size = sizeAfter(size, 2);
    activations += n * size * size * l.channels[s + 1]!;
  });
  const batchNormOps = 2 * activations;
  const poolOps = (size * size + 1) * l.channels[4]!;
  const ops = macs + batchNormOps + poolOps;
  return {
    ops,
    batchNormOps,
    poolOps,
    seedTableGflops: (ops / 9e8) * 2,
    seedTableGflopsFromMacs: (macs / 9e8) * 2,
    seedTableFigure: SEED_TABLE_GFLOPS[name] ?? null,
  };
}

function withPublished(base: Omit<InfoReport, 'published' | 'thop'>): InfoReport {
  const a = base.architecture;
  if (a?.family === 'ghostnet') {
    const g = ghostNetPublished(
      a.ghost ? { width: a.ghost.width, numClasses: a.numClasses, mode: a.mode } : null,
    );
    const published = g
      ? { checkpoint: g.checkpoint, params: g.params, gmacs: g.gmacs, top1: g.top1 }
      : null;
    return { ...base, published, thop: null };
  }
  if (!a?.name || a.se) return { ...base, published: null, thop: null };
  const p = PUBLISHED[a.name];
  const thop = base.macs === null ? null : thopCount(a, base.macs, base.inputSize, a.name);
  return { ...base, published: { ...p }, thop };
}

/** The report (JSON, English) and its `kind` row in the CLI's language. */
type Described = { report: InfoReport; kind: string };

async function checkpointInfo(file: string, bytes: Uint8Array, sha256: string): Promise<Described> {
  const { checkpoint, weights } = await readCheckpointShapes(bytes);
  const arch = detectArch(weights);
  const macs = countMacs(weights);
  const kind = t('cli.info.checkpointKind', { layout: describeLayout(checkpoint) });
  const report = withPublished({
    file,
    kind: 'checkpoint',
    bytes: bytes.length,
    sha256,
    container: english('cli.info.checkpointKind', { layout: describeLayout(checkpoint, english) }),
    architecture: arch,
    params: countParams(weights),
    paramsAsTrained: null,
    macs,
    gmacs: macs / 1e9,
    inputSize: 224,
  });
  return { report, kind };
}

function onnxInfo(file: string, bytes: Uint8Array, sha256: string): Described {
  const { details: d } = inspectModel(bytes, sha256);
  const io = (vs: typeof d.inputs) =>
    vs.map((v) => `${v.name} ${v.elemType}[${(v.shape ?? ['?']).join(', ')}]`).join(', ');
  const container = {
    opset: String(d.opset ?? '?'),
    producer: d.producer,
    inputs: io(d.inputs),
    outputs: io(d.outputs),
  };
  const input = d.inputs[0]?.shape;
  const inputSize = typeof input?.[2] === 'number' ? input[2] : 224;
  let architecture: InfoReport['architecture'] = null;
  let paramsAsTrained: number | null = null;
  if (d.ghostnet) {
    const g = d.ghostnet;
    const details = parseGhost(d.metadata['ghost']);
    architecture = {
      family: 'ghostnet',
      ...(details ? { ghost: details } : {}),
      name: null,
      mode: g.mode,
      blocks: g.stages,
      widths: g.width === null ? [] : [g.width],
      channels: details ? [details.stem, ...stageOuts(details), details.last] : [],
      numClasses: g.numClasses,
      se: g.seBlocks > 0,
      description: d.metadata['description'] ?? g.architecture,
    };
    paramsAsTrained = g.checkpointParams;
  } else if (d.repopt) {
    const { checkpointParams, ...r } = d.repopt;
    const channels = [
      Math.min(64, 64 * r.widths[0]!),
      ...r.widths.map((w, i) => w * STAGE_BASE[i]!),
    ];
    const name = (r.name as KnownArch | null) ?? null;
    const description =
      d.metadata['description'] ??
      `${name ? `RepOpt-VGG-${name}` : 'RepOpt-VGG'} (fused, ${r.numClasses} classes)`;
    // A fused graph does not say how it was trained, unless the converter wrote it down.
    architecture = { ...r, name, mode: d.metadata['mode'] ?? 'fused', channels, description };
    paramsAsTrained = checkpointParams;
  }
  const report = withPublished({
    file,
    kind: 'onnx',
    bytes: bytes.length,
    sha256,
    container: english('cli.info.onnxKind', container),
    architecture,
    params: d.params,
    paramsAsTrained,
    macs: d.gmacs === null ? null : Math.round(d.gmacs * 1e9),
    gmacs: d.gmacs,
    inputSize,
  });
  return { report, kind: t('cli.info.onnxKind', container) };
}

/** Output channels of each stage (bottlenecks grouped by their `blocks.S` prefix). */
function stageOuts(d: NonNullable<DetectedArch['ghost']>): number[] {
  const last = new Map<string, number>();
  for (const b of d.bottlenecks) last.set(b.prefix.split('.').slice(0, 2).join('.'), b.outChannels);
  return [...last.values()];
}

/** The converter's GhostNet details from the metadata (validated by ghostNetSummary first). */
function parseGhost(text: string | undefined): DetectedArch['ghost'] | undefined {
  try {
    return text ? (JSON.parse(text) as DetectedArch['ghost']) : undefined;
  } catch {
    return undefined;
  }
}

/** ONNX starts with field 1 (ir_version, a varint): byte 0x08. Zip and pickle are checkpoints. */
function looksLikeOnnx(b: Uint8Array): boolean {
  return b[0] === 0x08 && b.length > 2;
}

const fixed = (x: number, digits: number) => x.toFixed(digits);

function printInfo(r: InfoReport, kind: string): void {
  // The file name, the producer, tensor names and the metadata's description and mode all come
  // from the file: escaped, so a crafted model cannot drive the terminal.
  const rows: [string, string][] = [
    [
      t('cli.rows.file'),
      t('cli.info.file', { file: terminalSafe(r.file), bytes: fmtInt(r.bytes), sha256: r.sha256 }),
    ],
    [t('cli.rows.kind'), terminalSafe(kind)],
  ];
  const a = r.architecture;
  if (a) rows.push(...architectureRows({ ...a, mode: terminalSafe(a.mode) }));
  else rows.push([t('cli.rows.architecture'), t('cli.info.notRepopt')]);
  const p = r.published;
  if (r.kind === 'checkpoint') {
    rows.push([t('cli.rows.params'), t('cli.info.paramsCheckpoint', { params: fmtInt(r.params) })]);
  } else {
    rows.push([
      t('cli.rows.params'),
      t('cli.info.paramsOnnx', { params: fmtInt(r.params) }) +
        (r.paramsAsTrained !== null
          ? `\n${t(a?.family === 'ghostnet' ? 'cli.info.paramsGhostTrained' : 'cli.info.paramsTrained', { params: fmtInt(r.paramsAsTrained) })}`
          : ''),
    ]);
  }
  if (p && a?.family === 'ghostnet') {
    rows.push([
      t('cli.rows.top1'),
      t('cli.info.ghostTop1', { top1: p.top1, checkpoint: p.checkpoint }),
    ]);
    if (r.macs !== null) {
      rows.push([
        '',
        t('cli.info.ghostFlops', { macs: fmtInt(r.macs), flops: fixed((2 * r.macs) / 1e9, 4) }),
      ]);
    }
  }
  if (p) {
    const computed = r.kind === 'checkpoint' ? r.params : (r.paramsAsTrained ?? r.params);
    rows.push([
      '',
      t('cli.info.published', {
        published: fixed(p.params / 1e6, 3),
        checkpoint: p.checkpoint,
        computed: fixed(computed / 1e6, 3),
      }),
    ]);
  }
  rows.push([
    t('cli.rows.gmacs'),
    r.gmacs === null ? t('cli.info.gmacsUnknown') : gmacsText(fixed(r.gmacs, 6), r.inputSize),
  ]);
  const thop = r.thop;
  if (p && thop && r.macs !== null) {
    rows.push([
      '',
      t('cli.info.thop', {
        gmacs: p.gmacs ?? 'n/a',
        batchNorm: fmtInt(thop.batchNormOps),
        pool: fmtInt(thop.poolOps),
        ops: fmtInt(thop.ops),
        giga: fixed(thop.ops / 1e9, 3),
      }),
    ]);
    const seed =
      thop.seedTableFigure === null
        ? t('cli.info.seedConvention', { value: fixed(thop.seedTableGflops, 4) })
        : t('cli.info.seedFigure', {
            figure: thop.seedTableFigure,
            ops: fmtInt(thop.ops),
            value: fixed(thop.seedTableGflops, 4),
            rounded: fixed(thop.seedTableGflops, 3),
            macs: fmtInt(r.macs),
            fromMacs: fixed(thop.seedTableGflopsFromMacs, 4),
            flops: fixed((2 * r.macs) / 1e9, 3),
          });
    rows.push([t('cli.rows.seedTable'), seed]);
    rows.push([t('cli.rows.top1'), t('cli.info.top1', { top1: p.top1, checkpoint: p.checkpoint })]);
  }
  printRows(rows);
}

export async function infoCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false } },
  });
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) throw new LensError('usage', t('cli.usage', { usage: infoUsage }));
  const bytes = readInputFile(file, 'not-a-model');
  const sha256 = sha256Hex(bytes);
  const { report, kind } = await inFile(file, () =>
    looksLikeOnnx(bytes)
      ? Promise.resolve(onnxInfo(file, bytes, sha256))
      : checkpointInfo(file, bytes, sha256),
  );
  if (values.json) printSafeJson(report);
  else printInfo(report, kind);
  return 0;
}
