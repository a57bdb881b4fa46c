import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseBackend, webgpuFailed, type GpuProbe } from '../src/core/inference/backend';
import { LensError } from '../src/core/errors';
import { onlyUntrained, parseManifest, resolveModelUrl } from '../src/core/model/manifest';
import { checkModelIo } from '../src/core/inference/model-io';
import { ROOT } from './helpers/fixtures';

const gpu = (isFallback: boolean): GpuProbe => ({
  api: true,
  adapter: {
    isFallback,
    description: isFallback ? 'google swiftshader' : 'nvidia ampere',
    shaderF16: !isFallback,
  },
});

describe('backend choice', () => {
  it('uses WebGPU on a real adapter', () => {
    expect(chooseBackend('auto', gpu(false))).toEqual({
      backend: 'webgpu',
      reason: 'WebGPU: nvidia ampere',
      message: { key: 'backend.adapter', params: { adapter: 'nvidia ampere' } },
      fellBack: false,
    });
  });
  it('prefers WASM over a software fallback adapter, unless WebGPU is forced', () => {
    expect(chooseBackend('auto', gpu(true)).backend).toBe('wasm');
    expect(chooseBackend('auto', gpu(true)).reason).toMatch(/software fallback/);
    expect(chooseBackend('webgpu', gpu(true)).backend).toBe('webgpu');
  });
  it('says why WebGPU is not used', () => {
    expect(chooseBackend('auto', { api: false, adapter: null }).reason).toBe(
      'WebGPU: not supported by this browser',
    );
    expect(chooseBackend('auto', { api: true, adapter: null })).toEqual({
      backend: 'wasm',
      reason: 'WebGPU: no adapter',
      message: { key: 'backend.noAdapter', params: {} },
      fellBack: false,
    });
    expect(chooseBackend('webgpu', { api: true, adapter: null }).reason).toBe(
      'WebGPU: no adapter (WebGPU was requested)',
    );
    expect(chooseBackend('wasm', gpu(false)).backend).toBe('wasm');
  });
});

describe('model manifest', () => {
  it('reads the shipped models/models.json', () => {
    const manifest = parseManifest(readFileSync(resolve(ROOT, 'models/models.json'), 'utf8'));
    expect(manifest.models.length).toBeGreaterThan(0);
    const tiny = manifest.models.find((m) => m.id === 'repopt-tiny-seeded')!;
    expect(tiny.untrained).toBe(true);
    expect(tiny.preset).toBe('torchvision-256-224');
    expect(resolveModelUrl(tiny, 'http://localhost:4173/models/models.json')).toBe(
      'http://localhost:4173/models/repopt-tiny.onnx',
    );
  });
  it('accepts the bicubic preset in a manifest (GhostNets are evaluated with it)', () => {
    const m = parseManifest('{"models":[{"id":"g","file":"g.onnx","preset":"bicubic-256-224"}]}');
    expect(m.models[0]!.preset).toBe('bicubic-256-224');
  });
  it('knows when only seeded models are on offer', () => {
    const m = parseManifest(
      '{"models":[{"id":"a","file":"a.onnx","untrained":true},{"id":"b","file":"b.onnx"}]}',
    );
    expect(onlyUntrained(m)).toBe(false);
    expect(onlyUntrained({ models: m.models.slice(0, 1) })).toBe(true);
  });
  it('refuses bad manifests with a message naming the problem', () => {
    expect(() => parseManifest('{')).toThrow(/not valid JSON/);
    expect(() => parseManifest('{"models":[{"id":"a"}]}')).toThrow(
      /model "a" has a missing or invalid "file"/,
    );
    expect(() => parseManifest('{"models":[{"id":"a","file":"x"},{"id":"a","file":"y"}]}')).toThrow(
      /appears twice/,
    );
    expect(() => parseManifest('{"models":[{"id":"a","file":"x","preset":"nope"}]}')).toThrow(
      /unknown preset/,
    );
  });
});

describe('model inputs and outputs', () => {
  const image = (shape: (number | string)[]) => [
    { name: 'input', isTensor: true, type: 'float32', shape },
  ];
  const logits = [{ name: 'logits', isTensor: true, type: 'float32', shape: ['N', 1000] }];
  it('accepts [N,3,224,224] and dynamic sizes, and reads the class count', () => {
    expect(checkModelIo(image(['N', 3, 224, 224]), logits, 224)).toEqual({
      inputName: 'input',
      outputName: 'logits',
      outputKind: 'logits',
      numClasses: 1000,
      featuresName: null,
    });
    expect(checkModelIo(image(['N', 3, 'H', 'W']), logits, 224).inputName).toBe('input');
  });
  it('picks "logits" among several outputs and notes "features"', () => {
    const outs = [
      { name: 'features', isTensor: true, type: 'float32', shape: [1, 2048, 7, 7] },
      ...logits,
    ];
    expect(checkModelIo(image([1, 3, 224, 224]), outs, 224)).toMatchObject({
      outputName: 'logits',
      featuresName: 'features',
    });
  });
  it.each([
    [image([1, 3, 32, 32]), /fixed size \[1, 3, 32, 32\]/],
    [image([1, 224, 224, 3]), /channels last \(NHWC\)/],
    [image([1, 1, 224, 224]), /1 channels/],
    [image([1, 3, 224]), /expected an image batch/],
    [[{ name: 'ids', isTensor: true, type: 'int64', shape: [1, 16] }], /int64/],
  ])('refuses an incompatible input %#', (inputs, message) => {
    expect(() => checkModelIo(inputs, logits, 224)).toThrow(LensError);
    expect(() => checkModelIo(inputs, logits, 224)).toThrow(message);
  });
});

describe('a WebGPU session that failed to start', () => {
  it('answers with WASM and says it fell back, as a flag the page reads (not the English)', () => {
    const c = webgpuFailed('device lost');
    expect(c).toMatchObject({ backend: 'wasm', fellBack: true });
    expect(c.reason).toBe('WebGPU failed (device lost); fell back to WASM');
    expect(chooseBackend('wasm', { api: false, adapter: null }).fellBack).toBe(false);
  });
});
