/**
 * Architecture detection from keys and shapes, the counts, and the refusals. The synthetic
 * state_dicts are built here from the official layout (RepOptimizers' repoptvgg_model.py), with
 * shapes only, so a B1 is checked without allocating its 200 MB.
 */
import { describe, expect, it } from 'vitest';
import {
  convertStateDict,
  countMacs,
  countParams,
  detectArch,
  type BlockMode,
  type TensorLike,
} from '../src/core/convert';
import { LensError } from '../src/core/errors';
import { loadFixture, loadShapesOnly } from './convert-fixtures';

const BN = ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'];

/** Keys and shapes of RepOptVGG(num_blocks, classes, widths, mode) as PyTorch would save them. */
function officialShapes(
  blocks: number[],
  widths: number[],
  mode: BlockMode,
  classes = 1000,
  se = false,
) {
  const sd = new Map<string, TensorLike>();
  const add = (k: string, shape: number[]) => sd.set(k, { shape });
  const bn = (p: string, c: number) =>
    BN.forEach((f) => add(`${p}.${f}`, f === 'num_batches_tracked' ? [] : [c]));
  const block = (p: string, cin: number, cout: number, stride: number) => {
    const id = cin === cout && stride === 1;
    if (mode === 'target') {
      add(`${p}.conv.weight`, [cout, cin, 3, 3]);
      bn(`${p}.bn`, cout);
    } else if (mode === 'repvgg') {
      add(`${p}.conv_3x3.weight`, [cout, cin, 3, 3]);
      bn(`${p}.bn_3x3`, cout);
      add(`${p}.conv_1x1.weight`, [cout, cin, 1, 1]);
      bn(`${p}.bn_1x1`, cout);
      if (id) bn(`${p}.bn_identity`, cout);
    } else {
      add(`${p}.conv.weight`, [cout, cin, 3, 3]);
      add(`${p}.scale_conv.weight`, [cout]);
      add(`${p}.conv_1x1.weight`, [cout, cin, 1, 1]);
      add(`${p}.scale_1x1.weight`, [cout]);
      if (id) add(`${p}.scale_identity.weight`, [cout]);
      bn(`${p}.bn`, cout);
    }
    if (se) {
      const r = Math.floor(cout / 4);
      add(`${p}.post_se.down.weight`, [r, cout, 1, 1]);
      add(`${p}.post_se.down.bias`, [r]);
      add(`${p}.post_se.up.weight`, [cout, r, 1, 1]);
      add(`${p}.post_se.up.bias`, [cout]);
    }
  };
  let cin = Math.min(64, Math.trunc(64 * widths[0]!));
  block('stage0', 3, cin, 2);
  [64, 128, 256, 512].forEach((base, s) => {
    const c = Math.trunc(base * widths[s]!);
    for (let j = 0; j < blocks[s]!; j++) {
      block(`stage${s + 1}.${j}`, cin, c, j === 0 ? 2 : 1);
      cin = c;
    }
  });
  add('linear.weight', [classes, cin]);
  add('linear.bias', [classes]);
  return sd;
}

// tools/repopt_vgg.py: count_params and count_macs of the PyTorch models
const KNOWN = [
  {
    name: 'B1',
    blocks: [4, 6, 16, 1],
    widths: [2, 2, 2, 4],
    params: 51_841_832,
    macs: 11_815_485_440,
  },
  {
    name: 'B2',
    blocks: [4, 6, 16, 1],
    widths: [2.5, 2.5, 2.5, 5],
    params: 80_330_536,
    macs: 18_376_609_792,
  },
  {
    name: 'L1',
    blocks: [8, 14, 24, 1],
    widths: [2, 2, 2, 4],
    params: 76_037_928,
    macs: 21_063_925_760,
  },
  {
    name: 'L2',
    blocks: [8, 14, 24, 1],
    widths: [2.5, 2.5, 2.5, 5],
    params: 118_132_776,
    macs: 32_827_297_792,
  },
];

function refusal(fn: () => unknown): LensError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LensError);
    expect((e as LensError).code).toBe('unknown-architecture');
    return e as LensError;
  }
  throw new Error('expected a refusal');
}

describe('detectArch on the published configurations (shapes only)', () => {
  it.each(KNOWN)(
    '$name: name, channels, params and MACs',
    ({ name, blocks, widths, params, macs }) => {
      const sd = officialShapes(blocks, widths, 'target');
      const arch = detectArch(sd);
      expect(arch).toEqual({
        mode: 'target',
        blocks,
        widths,
        channels: [64, ...[64, 128, 256, 512].map((b, s) => b * widths[s]!)],
        numClasses: 1000,
        se: false,
        name,
        description: `RepOpt-VGG-${name} (target mode, 1000 classes)`,
      });
      expect(countParams(sd)).toBe(params);
      expect(countMacs(sd)).toBe(macs);
    },
  );

  it('B1 is 51.84 M parameters and 11.8 GMACs at 224x224', () => {
    const sd = officialShapes([4, 6, 16, 1], [2, 2, 2, 4], 'target');
    expect(countParams(sd) / 1e6).toBeCloseTo(51.842, 3);
    expect(countMacs(sd) / 1e9).toBeCloseTo(11.8, 1);
  });

  it.each(['repvgg', 'hs'] as const)(
    'B1 in %s mode: same architecture, more (unfused) parameters',
    (mode) => {
      const sd = officialShapes([4, 6, 16, 1], [2, 2, 2, 4], mode);
      expect(detectArch(sd)).toMatchObject({ mode, name: 'B1' });
      expect(countParams(sd)).toBeGreaterThan(51_841_832);
      expect(countMacs(sd)).toBe(11_815_485_440);
    },
  );

  it('B1-shaped with SE and 10 classes: described, not named', () => {
    const arch = detectArch(officialShapes([4, 6, 16, 1], [2, 2, 2, 4], 'target', 10, true));
    expect(arch).toMatchObject({ name: null, se: true, numClasses: 10 });
    expect(arch.description).toBe(
      'RepOpt-VGG, blocks [4, 6, 16, 1], widths [2, 2, 2, 4], with SE (target mode, 10 classes)',
    );
  });
});

describe('hs versus csla (same keys; csla keeps the official constant scales)', () => {
  it('an hs checkpoint whose branch scales are the constant init values reads as csla', () => {
    const { sd } = loadFixture('hs');
    for (const [k, t] of sd) {
      const m = /^stage(?:0|[1-4]\.(\d+))\.scale_(conv|1x1)\.weight$/.exec(k);
      if (!m) continue;
      const i = Number(m[1] ?? 0);
      (t.data as Float32Array).fill(i === 0 ? 1 : Math.sqrt(2 / i));
    }
    expect(detectArch(sd).mode).toBe('csla');
  });

  it('a csla checkpoint with one trained scale reads as hs', () => {
    const { sd } = loadFixture('csla');
    (sd.get('stage2.0.scale_1x1.weight')!.data as Float32Array)[3] = 0.7;
    expect(detectArch(sd).mode).toBe('hs');
  });
});

describe('refusals', () => {
  it('a torchvision resnet18 state_dict: says it looks like a ResNet and what was expected', () => {
    const sd = loadShapesOnly('resnet18');
    const e = refusal(() => convertStateDict(sd));
    expect(e.message).toMatch(/^This checkpoint is not a RepOpt-VGG model: it looks like a ResNet/);
    expect(e.message).toContain('conv1.weight, bn1.weight');
    expect(e.message).toContain(`(${sd.size} in all)`);
    expect(e.message).toContain('expected RepOpt-VGG keys such as stage0.conv.weight');
    refusal(() => countMacs(sd));
  });

  it('a RepVGG (rbr_dense) or nested state_dict gets a hint', () => {
    const rep = new Map<string, TensorLike>([
      ['stage0.rbr_dense.conv.weight', { shape: [64, 3, 3, 3] }],
      ['linear.weight', { shape: [1000, 2048] }],
    ]);
    expect(refusal(() => detectArch(rep)).message).toContain('RepVGG');
    const nested = new Map(
      [...officialShapes([1, 1, 1, 1], [0.25, 0.25, 0.25, 0.25], 'target')].map(([k, v]) => [
        `model.${k}`,
        v,
      ]),
    );
    expect(refusal(() => detectArch(nested)).message).toContain('nested under "model."');
  });

  const tiny = (mode: BlockMode = 'target') =>
    officialShapes([1, 2, 1, 1], [0.25, 0.25, 0.25, 0.25], mode, 10);

  it('names a missing tensor', () => {
    const sd = tiny();
    sd.delete('stage2.0.bn.running_var');
    expect(refusal(() => detectArch(sd)).message).toContain('stage2.0.bn.running_var is missing');
  });

  it('names an unexpected tensor and a wrong shape', () => {
    const sd = tiny();
    sd.set('stage2.1.extra.weight', { shape: [3] });
    expect(refusal(() => detectArch(sd)).message).toContain('stage2.1.extra.weight');
    const sd2 = tiny();
    sd2.set('linear.weight', { shape: [10, 99] });
    expect(refusal(() => detectArch(sd2)).message).toContain('linear.weight is [10, 99]');
    const sd3 = tiny();
    sd3.set('stage3.0.conv.weight', { shape: [64, 16, 3, 3] });
    expect(refusal(() => detectArch(sd3)).message).toContain(
      'stage3.0.conv.weight is [64, 16, 3, 3]',
    );
  });

  it('accounts for every key: all missing and unused names, grouped, after the first problem', () => {
    const sd = tiny('repvgg');
    for (const b of ['stage1.0', 'stage2.1', 'stage3.0']) {
      for (const f of BN) sd.delete(`${b}.bn_1x1.${f}`);
    }
    sd.set('stage4.0.scale_conv.weight', { shape: [64] });
    const m = refusal(() => detectArch(sd)).message;
    expect(m).toContain('stage1.0.bn_1x1.weight is missing, expected [16] (repvgg mode)');
    expect(m).toContain(
      '; in all, 3 BatchNorms missing: stage1.0.bn_1x1.*, stage2.1.bn_1x1.*, stage3.0.bn_1x1.*',
    );
    expect(m).toContain('1 branch scale not used: stage4.0.scale_conv.weight');
  });

  it('an identity branch where the official layout has none, or the reverse', () => {
    const sd = tiny('repvgg');
    for (const f of BN) sd.delete(`stage2.1.bn_identity.${f}`);
    expect(refusal(() => detectArch(sd)).message).toContain('stage2.1 lacks an identity branch');
    const sd2 = tiny('hs');
    sd2.set('stage1.0.scale_identity.weight', { shape: [16] });
    expect(refusal(() => detectArch(sd2)).message).toContain('stage1.0 has an identity branch');
  });

  it('gaps in block numbering', () => {
    const sd = new Map([...tiny()].map(([k, v]) => [k.replace(/^stage2\.1\./, 'stage2.2.'), v]));
    expect(refusal(() => detectArch(sd)).message).toContain('stage2 are numbered 0, 2');
  });

  it('a weight that is not floating point, at conversion', () => {
    const { sd } = loadFixture('target');
    sd.set('stage1.0.conv.weight', { shape: [16, 16, 3, 3], data: new Int32Array(16 * 16 * 9) });
    expect(refusal(() => convertStateDict(sd)).message).toContain(
      'stage1.0.conv.weight is not a floating-point tensor',
    );
  });
});
