/**
 * The engine's notes as messages (src/core/message.ts): rendered with the English catalogue each
 * is the engine's English text exactly, so nothing is lost; in Chinese, every value still appears.
 */
import { describe, expect, it } from 'vitest';
import {
  compareOutputs,
  directPath,
  fastFailureNote,
  FAST_REASON_CODES,
  fastPathNote,
  fastReason,
  refusedPath,
  rewriteReason,
  unpreparedNote,
  type FastPathInfo,
} from '../src/core/fast';
import {
  chooseBackend,
  NODE_CHOICE,
  webgpuFailed,
  type BackendChoice,
  type BackendPreference,
  type GpuProbe,
} from '../src/core/inference/backend';
import { classCountNote } from '../src/core/inference/model-io';
import { lensChoice } from '../src/engine/lens-session';
import { probabilitiesNote, toProbabilities } from '../src/core/inference/postprocess';
import type { Note } from '../src/core/message';
import {
  archNote,
  camNote,
  checkpointLayoutNote,
  labelWarningNote,
  orientationNote,
} from '../src/engine/notes';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readCheckpoint } from '../src/core/checkpoint/torch';
import { detectArch, seededGhostNet, type DetectedArch } from '../src/core/convert';
import { seededStateDict } from '../src/core/convert/seeded';
import { FIXTURES as CONVERT_FIXTURES, loadFixture } from './convert-fixtures';
import { ROOT } from './helpers/fixtures';
import { deserializeError, serializeError } from '../src/core/errors';
import { requireSupportedImage } from '../src/core/image/decode-check';
import { nonImageNote, sniffImageFormat } from '../src/core/image/format';
import { notAnOnnxModel } from '../src/core/inference/model-io';
import { CMYK_BROWSER_NOTE } from '../src/core/image/decode-check';
import { describeFinding, findingNote, type Finding } from '../src/core/precision';
import { createI18n } from '../src/i18n/instance';
import { renderMessage } from '../src/i18n/message';

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

const en = createI18n('en');
const zh = createI18n('zh-CN');

const winograd: FastPathInfo = {
  ...directPath(rewriteReason('')),
  path: 'winograd',
  reason: null,
  reasonMessage: null,
  rewritten: 23,
  total3x3: 28,
  tiles: { F4: 20, F2: 3 },
};
const softmaxLike = toProbabilities(new Float32Array([0.5, 0.9, 0.1]), 'probabilities');

const notes: [string, Note][] = [
  ['probabilities', probabilitiesNote],
  ['not probabilities', { text: softmaxLike.note!, message: softmaxLike.noteMessage! }],
  ['rotated', orientationNote(6, true)!],
  ['ignored', orientationNote(8, false)!],
  ['labels (bundled)', labelWarningNote(10, 1000, null)!],
  ['labels (file)', labelWarningNote(1000, 3, 'my-labels.txt')!],
  ['few classes', classCountNote(3, 'logits')!],
  ['winograd', fastPathNote(winograd)],
  ...FAST_REASON_CODES.map((code): [string, Note] => [
    `direct: ${code}`,
    fastPathNote(directPath(fastReason(code))),
  ]),
  ['direct: a reason of the rewrite', fastPathNote(directPath(rewriteReason('no graph')))],
  ...selfCheckNotes().map((n, i): [string, Note] => [
    `self-check ${i}`,
    fastPathNote(refusedPath(winograd, n)),
  ]),
  ['cam: exact', camNote(true, 'features')],
  ['cam: no Linear', camNote(false, 'features')],
  ['cam: no features', camNote(false, null)],
  ...backendChoices().map((c): [string, Note] => [
    `backend: ${c.reason}`,
    { text: c.reason, message: c.message },
  ]),
  ...(await architectures()).map((a): [string, Note] => [`arch: ${a.description}`, archNote(a)!]),
  ['layout: stripped prefix', checkpointLayoutNote('state_dict', 'module.')!],
  ...nonImages().map((b): [string, Note] => [`looks: ${nonImageNote(b).text}`, nonImageNote(b)]),
  ...nonImages()
    .filter((b) => sniffImageFormat(b) === null)
    .map((b): [string, Note] => [
      `not an image: ${nonImageNote(b).text}`,
      whyOf(() => requireSupportedImage(b)),
    ]),
  [
    'not a model: zip',
    whyOf(() => {
      throw notAnOnnxModel(ascii('PK\x03\x04rest'))!;
    }),
  ],
  ...precisionFindings().map((f): [string, Note] => [
    `precision: ${f.kind} tier ${f.tier} channel ${f.channel} value ${f.value}`,
    findingNote(f),
  ]),
];

/** One file of every kind `describeNonImage` tells apart. */
function nonImages(): Uint8Array[] {
  const ftyp = (brand: string) => Uint8Array.from([0, 0, 0, 16, ...ascii(`ftyp${brand}\0\0\0\0`)]);
  return [
    new Uint8Array(0),
    ascii('PK\x03\x04zip'),
    Uint8Array.from([0x1f, 0x8b, 8, 0]),
    ascii('%PDF-1.7'),
    ascii('\x7fELF\x02\x01'),
    ascii('8BPS\x00\x01'),
    Uint8Array.from([0xff, 0x0a, 0, 0]),
    ftyp('isom'),
    ftyp('abcd'),
    Uint8Array.from([0x08, 0x07, 0x12, 0x04, 0x74, 0x65, 0x73, 0x74]),
    ascii('<!DOCTYPE html><html>'),
    ascii('<?xml version="1.0"?><a/>'),
    ascii('{"a": 1}'),
    ascii('hello, world\n'),
    Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]),
    Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).slice(0, 8),
  ];
}

/** A LensError's English message and its `why`, as a note; through the worker's serialized form. */
function whyOf(run: () => unknown): Note {
  try {
    run();
  } catch (e) {
    const back = deserializeError(serializeError(e));
    expect(back.message).toBe((e as Error).message);
    return { text: back.message, message: back.why! };
  }
  throw new Error('did not throw');
}

/**
 * Architectures as the converter describes them: every RepOpt-VGG mode with and without SE, a
 * released size, and GhostNets of a released width and of another, in several forms.
 */
async function architectures(): Promise<DetectedArch[]> {
  const ghost = async (file: string) =>
    detectArch(
      (await readCheckpoint(readFileSync(resolve(ROOT, 'test/data/ghostnet', file)))).stateDict,
    );
  return [
    ...CONVERT_FIXTURES.map((name) => detectArch(loadFixture(name).sd)),
    detectArch(seededStateDict([4, 6, 16, 1], [2, 2, 2, 4], 1000)),
    detectArch(seededGhostNet(0.5)),
    detectArch(seededGhostNet(0.7, 10)),
    await ghost('deploy.pth'),
    await ghost('repghost.pth'),
  ];
}

/** Every kind of precision finding, with and without a channel, each branch of its wording. */
function precisionFindings(): Finding[] {
  const at = (kind: Finding['kind'], tier: number, value: number, channel: number | null = 7) => ({
    layer: 'stage2.0.conv',
    index: 3,
    channel,
    kind,
    tier,
    value,
  });
  return [
    at('weight-overflow', 3, 70000),
    at('weight-overflow', 3, 70000, null),
    at('bias-overflow', 3, 123456),
    at('activation-overflow', 3, 65520.5),
    at('non-finite', 3, 12),
    at('range-hog', 2, 14.25),
    at('range-hog', 1, 38.5),
    at('sqnr-drop', 2, 21.5),
    at('subnormal', 1, 0.0734),
    at('layer', 0, 3.2),
    at('layer', 0, -0.004),
    at('layer', 0, 2.5, null),
  ];
}

/** Every reason the fast path's self-check gives (src/core/fast/verify.ts). */
function selfCheckNotes(): Note[] {
  const ref = new Float32Array([1, 2, 3]);
  const notes = [
    compareOutputs(ref, new Float32Array([1, 2])),
    compareOutputs(ref, new Float32Array([1, NaN, 3])),
    compareOutputs(ref, new Float32Array([1, 2.5, 3])),
  ].flatMap((c) => (c.ok ? [] : [c.note]));
  const error = new Error('Reshape: the input cannot be reshaped');
  return [
    ...notes,
    fastFailureNote('create', error),
    fastFailureNote('run', error),
    fastFailureNote('reference', error),
    unpreparedNote(error),
  ];
}

/** Every backend choice and its reason: each preference against each kind of probe. */
function backendChoices(): BackendChoice[] {
  const adapter = (isFallback: boolean) => ({
    isFallback,
    description: 'google swiftshader',
    shaderF16: false,
  });
  const probes: GpuProbe[] = [
    { api: false, adapter: null },
    { api: true, adapter: null, error: 'requestAdapter threw' },
    { api: true, adapter: null },
    { api: true, adapter: adapter(true) },
    { api: true, adapter: adapter(false) },
  ];
  const prefs: BackendPreference[] = ['auto', 'wasm', 'webgpu'];
  return [
    ...prefs.flatMap((p) => probes.map((probe) => chooseBackend(p, probe))),
    webgpuFailed('device lost'),
    NODE_CHOICE,
    lensChoice('relaxed', 2),
    lensChoice('simd128', 1, chooseBackend('wasm', probes[0]!)),
    ...([0, 1, 2] as const).map((dot) => lensChoice('relaxed', 2, undefined, { dot, winograd: 7 })),
  ];
}

describe('engine messages', () => {
  it.each(notes)('%s: the English rendering is the English text', (_name, note) => {
    expect(renderMessage(en.t, note.message)).toBe(note.text);
  });

  it.each(notes)('%s: Chinese, with every value of the English', (_name, note) => {
    const text = renderMessage(zh.t, note.message);
    expect(text).toMatch(/[\u4e00-\u9fff]/);
    expect(text).not.toMatch(/\{\{/);
    for (const value of Object.values(note.message.params))
      if (typeof value !== 'object') expect(text).toContain(String(value));
  });

  it("the page's CMYK note in English is the decoder's note", () => {
    expect(en.t('results.cmyk')).toBe(CMYK_BROWSER_NOTE);
    expect(zh.t('results.cmyk')).toMatch(/CMYK JPEG：/);
  });

  it('says nothing when there is nothing to say', () => {
    expect(orientationNote(null, false)).toBeNull();
    expect(orientationNote(1, false)).toBeNull();
    expect(labelWarningNote(1000, 1000, null)).toBeNull();
    expect(classCountNote(1000, 'logits')).toBeNull();
    expect(toProbabilities(new Float32Array([1, 2]), 'logits').noteMessage).toBeNull();
  });

  it('precision findings: the English lines as before, and Chinese naming the layer and channel', () => {
    const [overflow, , , , , hog, , , subnormal, , gain] = precisionFindings();
    expect(describeFinding(overflow!)).toBe(
      "stage2.0.conv channel 7: a weight of 7.00e+4 is beyond fp16's 65504 (Infinity in fp16)",
    );
    expect(describeFinding(subnormal!)).toBe(
      'stage2.0.conv: 7.3 % of the non-zero activations are fp16 subnormals',
    );
    expect(describeFinding(gain!)).toBe(
      'stage2.0.conv channel 7: the median channel gains 4.00e-3 dB of SQNR here',
    );
    expect(renderMessage(zh.t, findingNote(hog!).message)).toBe(
      'stage2.0.conv 通道 7：这个通道占满了 int8 的范围；中位通道的 SQNR 下降 14.25 dB',
    );
    for (const f of precisionFindings()) {
      const text = renderMessage(zh.t, findingNote(f).message);
      expect(text).toMatch(/^stage2\.0\.conv/);
      if (f.channel !== null && f.kind !== 'subnormal') expect(text).toContain(`通道 ${f.channel}`);
    }
  });

  it("architectures: the note is the converter's description, for each kind", async () => {
    const archs = await architectures();
    expect(new Set(archs.map((a) => a.description.split(/[ ,(]/)[0])).size).toBeGreaterThan(2);
    for (const a of archs) expect(archNote(a)?.text).toBe(a.description);
    const b1 = archs.find((a) => a.name === 'B1')!;
    expect(renderMessage(zh.t, archNote(b1)!.message)).toBe(
      'RepOpt-VGG-B1（target 模式，1000 类）',
    );
    expect(checkpointLayoutNote('state_dict', null)).toBeNull();
  });

  it('reads well in Chinese', () => {
    expect(renderMessage(zh.t, fastPathNote(winograd).message)).toBe(
      'Winograd：28 个 3x3 卷积中的 23 个（F4 20, F2 3）',
    );
    expect(renderMessage(zh.t, fastPathNote(directPath(fastReason('off'))).message)).toBe(
      '直接卷积（快速路径已关闭）',
    );
    // A reason the catalogue does not know stays as the engine wrote it.
    expect(renderMessage(zh.t, fastPathNote(directPath(rewriteReason('no graph'))).message)).toBe(
      '直接卷积（no graph）',
    );
  });
});
