/**
 * Every key accounted for: a checkpoint converts only when each tensor it holds is used and each
 * tensor the layout needs is present with its shape. What does not fit is named, grouped by the
 * module it belongs to, so "32 fusion BatchNorms missing" reads as one finding and not as 128
 * lines. PyTorch's load_state_dict(strict=False) would instead leave the missing modules at their
 * initial values and classify differently without a word; the converter never fills in defaults.
 */
import { sampleKeys } from './foreign';
import type { WeightMap } from './types';

/** Expected tensors: key -> shape. Optional keys (BatchNorm's step counter) may be absent. */
export interface ExpectedKeys {
  required: Map<string, readonly number[]>;
  optional: Set<string>;
}

export interface KeyReport {
  missing: string[];
  unused: string[];
  /** [key, shape found, shape expected] */
  wrongShape: [string, readonly number[], readonly number[]][];
}

export const emptyExpected = (): ExpectedKeys => ({ required: new Map(), optional: new Set() });

const BN_FIELDS = ['weight', 'bias', 'running_mean', 'running_var'] as const;

/** nn.BatchNorm2d's four tensors, plus its optional num_batches_tracked. */
export function expectBn(e: ExpectedKeys, name: string, channels: number): void {
  for (const f of BN_FIELDS) e.required.set(`${name}.${f}`, [channels]);
  e.optional.add(`${name}.num_batches_tracked`);
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

export function accountKeys(sd: WeightMap, e: ExpectedKeys): KeyReport {
  const missing: string[] = [];
  const wrongShape: KeyReport['wrongShape'] = [];
  for (const [key, shape] of e.required) {
    const got = sd.get(key)?.shape;
    if (!got) missing.push(key);
    else if (!sameShape(got, shape)) wrongShape.push([key, got, shape]);
  }
  const unused = [...sd.keys()].filter((k) => !e.required.has(k) && !e.optional.has(k));
  return { missing, unused, wrongShape };
}

export const isClean = (r: KeyReport) =>
  r.missing.length === 0 && r.unused.length === 0 && r.wrongShape.length === 0;

/** What a module is, by the last part of its name, for people. */
const ROLES: [RegExp, string, string][] = [
  [/\.fusion_bn(\.0)?$/, 'fusion BatchNorm', 'fusion BatchNorms'],
  [/\.fusion_scale$/, 'fusion scale', 'fusion scales'],
  [/\.final_bn$/, 'final BatchNorm', 'final BatchNorms'],
  [
    /\.cheap_operation\.1$/,
    'layer after a cheap depthwise conv',
    'layers after the cheap depthwise convs',
  ],
  [/\.cheap_operation(\.0)?$/, 'cheap depthwise conv', 'cheap depthwise convs'],
  [/\.primary_conv\.0$/, 'primary conv', 'primary convs'],
  [/\.primary_conv\.1$/, 'primary BatchNorm', 'primary BatchNorms'],
  [/(^|\.)scale_(conv|1x1|identity)$/, 'branch scale', 'branch scales'],
  [/(^|\.)(bn|bn1|bn_dw|bn_\w+)$/, 'BatchNorm', 'BatchNorms'],
  [/\.shortcut\.\d+$/, 'shortcut layer', 'shortcut layers'],
];

function roleOf(module: string): [string, string] {
  for (const [re, one, many] of ROLES) if (re.test(module)) return [one, many];
  return ['tensor', 'tensors'];
}

/**
 * "32 fusion BatchNorms missing: blocks.0.0.ghost1.fusion_bn.*, …" — whole modules as `name.*`,
 * single tensors by name; modules of one role together, largest group first.
 */
export function describeKeys(keys: readonly string[], what: string): string[] {
  const modules = new Map<string, string[]>();
  for (const k of keys) {
    const dot = k.lastIndexOf('.');
    const m = dot < 0 ? '' : k.slice(0, dot);
    modules.set(m, [...(modules.get(m) ?? []), k]);
  }
  const roles = new Map<string, { many: string; one: string; names: string[]; count: number }>();
  for (const [m, ks] of modules) {
    const [one, many] = roleOf(m);
    const whole = ks.length > 1;
    const r = roles.get(one) ?? { one, many, names: [], count: 0 };
    if (whole) {
      r.names.push(`${m}.*`);
      r.count++;
    } else {
      r.names.push(...ks);
      r.count++;
    }
    roles.set(one, r);
  }
  return [...roles.values()]
    .sort((a, b) => b.count - a.count)
    .map((r) => `${r.count} ${r.count === 1 ? r.one : r.many} ${what}: ${sampleKeys(r.names, 3)}`);
}

const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

/** The findings, one clause each: missing, unused, wrong shapes. */
export function describeReport(r: KeyReport): string {
  const parts = [
    ...describeKeys(r.missing, 'missing'),
    ...describeKeys(r.unused, 'not used'),
    ...r.wrongShape
      .slice(0, 3)
      .map(([k, got, want]) => `${k} is ${fmt(got)}, expected ${fmt(want)}`),
  ];
  if (r.wrongShape.length > 3) parts.push(`${r.wrongShape.length - 3} more shapes differ`);
  return parts.join('; ');
}
