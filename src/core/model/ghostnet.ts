/**
 * The GhostNet layout the converter writes into an ONNX file's metadata (`family`, `ghost`,
 * `mode`), read back for the model panel and `info`. The metadata comes with the file: every
 * field is checked, and anything malformed reads as "no GhostNet layout" rather than an error.
 */
import type { GhostDetails } from '../convert/types';
import { PUBLISHED_GHOSTNET } from './published';

export interface GhostNetSummary {
  /** e.g. 'RepGhostNet-0.5x' or 'RepOpt-GhostNet' */
  architecture: string;
  mode: string;
  width: number | null;
  /** Bottlenecks per stage. */
  stages: number[];
  bottlenecks: number;
  seBlocks: number;
  /** Depthwise kernel sizes used by conv_dw and the shortcuts, ascending. */
  kernels: number[];
  head: number;
  numClasses: number;
  /** Parameters of the checkpoint as PyTorch counts them, when the converter recorded it. */
  checkpointParams: number | null;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function parseDetails(text: string | undefined): GhostDetails | null {
  if (!text || text.length > 100_000) return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const d = v as Record<string, unknown>;
  const width = d['width'];
  if (!(width === null || (typeof width === 'number' && width > 0))) return null;
  if (!isInt(d['stem']) || !isInt(d['last']) || !isInt(d['head'])) return null;
  const b = d['bottlenecks'];
  if (!Array.isArray(b) || b.length === 0 || b.length > 1000) return null;
  const ok = b.every((x: unknown) => {
    if (typeof x !== 'object' || x === null) return false;
    const r = x as Record<string, unknown>;
    return (
      typeof r['prefix'] === 'string' &&
      ['inChannels', 'midChannels', 'outChannels', 'stride'].every((k) => isInt(r[k])) &&
      (r['kernel'] === null || isInt(r['kernel'])) &&
      (r['se'] === null || isInt(r['se']))
    );
  });
  return ok ? (v as GhostDetails) : null;
}

export function ghostNetSummary(meta: Readonly<Record<string, string>>): GhostNetSummary | null {
  if (meta['family'] !== 'ghostnet') return null;
  const d = parseDetails(meta['ghost']);
  const classes = Number(meta['num_classes']);
  if (!d || !isInt(classes)) return null;
  const stages = new Map<string, number>();
  for (const b of d.bottlenecks) {
    const s = b.prefix.split('.').slice(0, 2).join('.');
    stages.set(s, (stages.get(s) ?? 0) + 1);
  }
  const params = Number(meta['checkpoint_params']);
  return {
    architecture: meta['architecture'] ?? 'GhostNet',
    mode: meta['mode'] ?? '?',
    width: d.width,
    stages: [...stages.values()],
    bottlenecks: d.bottlenecks.length,
    seBlocks: d.bottlenecks.filter((b) => b.se !== null).length,
    kernels: [...new Set(d.bottlenecks.map((b) => b.kernel).filter((k) => k !== null))].sort(
      (a, b) => a - b,
    ),
    head: d.head,
    numClasses: classes,
    checkpointParams: isInt(params) ? params : null,
  };
}

/** The official figures for this form at 0.5x with 1000 classes, else null. */
export function ghostNetPublished(
  g: Pick<GhostNetSummary, 'width' | 'numClasses' | 'mode'> | null,
) {
  if (!g || g.width !== 0.5 || g.numClasses !== 1000) return null;
  return PUBLISHED_GHOSTNET[g.mode] ?? null;
}
