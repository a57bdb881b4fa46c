/** The page's URL options: good values used, bad ones named in a notice, unsafe models refused. */
import { describe, expect, it } from 'vitest';
import {
  readPageOptions,
  resolveModelParam,
  sessionOptionsOf,
  type NoticeT,
} from '../src/app/options';
import { createI18n } from '../src/i18n/instance';
import { parseManifest } from '../src/core/model/manifest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT } from './helpers/fixtures';

const manifest = parseManifest(readFileSync(resolve(ROOT, 'models/models.json'), 'utf8'));

describe('readPageOptions', () => {
  it('takes good values and says nothing', () => {
    expect(readPageOptions('?backend=wasm&preset=squash-256-224&threads=2&fast=0&model=x')).toEqual(
      {
        backend: 'wasm',
        preset: 'squash-256-224',
        threads: 2,
        fast: false,
        fastBackgroundMb: 32,
        kernels: null,
        model: 'x',
        notices: [],
      },
    );
  });

  it('takes ?kernels= and passes it to every load; names a bad value', () => {
    expect(sessionOptionsOf(readPageOptions('?kernels=lens'))).toEqual({
      kernels: 'lens',
      fastInBackgroundFrom: 32 * 2 ** 20,
    });
    expect(readPageOptions('?kernels=lens-simd128')).toMatchObject({
      kernels: 'lens-simd128',
      notices: [],
    });
    expect(readPageOptions('?kernels=xnnpack')).toMatchObject({
      kernels: null,
      notices: ['?kernels=xnnpack is not one of onnxruntime, lens, lens-simd128: using lens.'],
    });
  });

  it('takes ?preset=bicubic-256-224', () => {
    expect(readPageOptions('?preset=bicubic-256-224')).toMatchObject({
      preset: 'bicubic-256-224',
      notices: [],
    });
  });

  it('names every bad value and what is used instead', () => {
    const o = readPageOptions('?backend=cuda&preset=big&threads=two');
    expect(o).toMatchObject({ backend: null, preset: null, threads: null });
    expect(o.notices).toEqual([
      '?backend=cuda is not one of auto, wasm, webgpu: using auto.',
      expect.stringMatching(
        /^\?preset=big is not a preset \(torchvision-256-224, .*\): using the model's own\.$/,
      ) as unknown,
      '?threads=two is not a whole number from 1 to 16: using the default.',
    ]);
    expect(readPageOptions('?threads=0').notices).toHaveLength(1);
    expect(readPageOptions('?fast=maybe')).toMatchObject({
      fast: null,
      notices: ['?fast=maybe is not 0 or 1: the fast path stays on.'],
    });
    expect(readPageOptions('?threads=1.5').notices).toHaveLength(1);
    expect(readPageOptions('?fastbg=lots')).toMatchObject({
      fastBackgroundMb: 32,
      notices: [
        '?fastbg=lots is not a whole number of MB: models from 32 MB get the fast path in the background.',
      ],
    });
  });

  it('says it in the page language: every notice through the catalogue, the values as typed', () => {
    const zh = createI18n('zh-CN').t as unknown as NoticeT;
    const o = readPageOptions(
      '?backend=cuda&preset=big&threads=two&fast=maybe&fastbg=lots',
      16,
      zh,
    );
    expect(o.notices).toEqual([
      '?backend=cuda 不是 auto、wasm、webgpu 之一：使用 auto。',
      expect.stringMatching(
        /^\?preset=big 不是预设（torchvision-256-224, .*）：使用模型自己的预设。$/,
      ) as unknown,
      '?threads=two 不是 1 到 16 之间的整数：使用默认值。',
      '?fast=maybe 不是 0 或 1：快速路径保持开启。',
      '?fastbg=lots 不是以 MB 为单位的整数：32 MB 及以上的模型在后台准备快速路径。',
    ]);
    expect(resolveModelParam('file:///etc/passwd', manifest, zh)).toEqual({
      kind: 'error',
      message:
        '不允许 ?model=file:…：只能加载 https: 网址、本站路径和 models/models.json 中的模型 id。',
    });
    expect(resolveModelParam('nope', manifest, zh)).toMatchObject({
      message: expect.stringMatching(
        /^models\/models\.json 中没有 id 为“nope”的模型（可用 id：repopt-tiny-seeded/,
      ) as unknown,
    });
  });

  it("turns ?fastbg= into the load request's byte threshold", () => {
    expect(sessionOptionsOf(readPageOptions('?fastbg=0'))).toEqual({ fastInBackgroundFrom: 0 });
    expect(sessionOptionsOf(readPageOptions('?fast=0&threads=1'))).toEqual({
      threads: 1,
      fast: false,
      fastInBackgroundFrom: 32 * 2 ** 20,
    });
  });
});

describe('resolveModelParam', () => {
  const first = manifest.models[0]!;

  it('finds manifest ids and passes URLs and paths through', () => {
    expect(resolveModelParam(first.id, manifest)).toEqual({ kind: 'entry', entry: first });
    expect(resolveModelParam('https://x.test/m.onnx', manifest)).toEqual({
      kind: 'url',
      url: 'https://x.test/m.onnx',
    });
    expect(resolveModelParam('models/m.onnx', manifest)).toEqual({
      kind: 'url',
      url: 'models/m.onnx',
    });
    expect(resolveModelParam('m.onnx', manifest)).toEqual({ kind: 'url', url: 'm.onnx' });
  });

  it('says an unknown id is unknown and lists the ids', () => {
    expect(resolveModelParam('nope', manifest)).toEqual({
      kind: 'error',
      message: `There is no model with id 'nope' in models/models.json (ids: ${manifest.models.map((m) => m.id).join(', ')}).`,
    });
  });

  it.each([
    'javascript:alert(1)',
    'data:application/octet-stream;base64,AAAA',
    'file:///etc/passwd',
    'blob:x',
  ])('refuses the scheme of %s by name', (url) => {
    const r = resolveModelParam(url, manifest);
    expect(r.kind).toBe('error');
    expect(r.kind === 'error' && r.message).toMatch(/^\?model=[a-z]+:… is not allowed/);
  });
});
