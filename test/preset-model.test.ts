/** Issue 12, row 8: which model answers "Compare presets" on a card (src/app/preset-model.ts). */
import { describe, expect, it } from 'vitest';
import type { ModelEntry } from '../src/core/model/manifest';
import { presetRunnerFor, sameChoice, type LoadedModels } from '../src/app/preset-model';
import type { ModelChoice } from '../src/app/store';
import type { ModelInfo } from '../src/engine/types';

const entry = (id: string, name: string) => ({ id, name }) as ModelEntry;
const a: ModelChoice = { type: 'manifest', entry: entry('a', 'A') };
const fileB: ModelChoice = { type: 'file', file: new File([], 'B.onnx') };
const info = (name: string) => ({ name }) as ModelInfo;
const none: LoadedModels = {
  activeInfo: null,
  activeChoice: null,
  compareStatus: { kind: 'idle' },
  compareChoice: null,
};
const loaded = (
  main: ModelChoice | null,
  mainName: string | null,
  second?: [ModelChoice, string],
) =>
  ({
    activeInfo: mainName === null ? null : info(mainName),
    activeChoice: main,
    compareStatus: second
      ? { kind: 'ready', name: second[1], info: info(second[1]) }
      : { kind: 'idle' },
    compareChoice: second?.[0] ?? null,
  }) satisfies LoadedModels;

describe('presetRunnerFor', () => {
  it('runs on the main model when it made the card', () => {
    expect(presetRunnerFor({ modelName: 'A', modelChoice: a }, loaded(a, 'A'))).toEqual({
      kind: 'main',
    });
    // The same manifest entry chosen again is the same model.
    const again: ModelChoice = { type: 'manifest', entry: entry('a', 'A') };
    expect(presetRunnerFor({ modelName: 'A', modelChoice: a }, loaded(again, 'A')).kind).toBe(
      'main',
    );
  });

  it('runs on the comparison model when that one made the card', () => {
    expect(
      presetRunnerFor({ modelName: 'A', modelChoice: a }, loaded(fileB, 'B.onnx', [a, 'A'])),
    ).toEqual({ kind: 'compare' });
  });

  it('offers to load the card model when neither holds it, never picking another silently', () => {
    expect(presetRunnerFor({ modelName: 'A', modelChoice: a }, loaded(fileB, 'B.onnx'))).toEqual({
      kind: 'offer',
      choice: a,
    });
    // A different file with the same name is not the card's model.
    const other: ModelChoice = { type: 'file', file: new File([], 'B.onnx') };
    expect(
      presetRunnerFor({ modelName: 'B.onnx', modelChoice: fileB }, loaded(other, 'B.onnx')),
    ).toEqual({ kind: 'offer', choice: fileB });
  });

  it('names the active model when the card model cannot be loaded, and none when none is', () => {
    expect(presetRunnerFor({ modelName: 'A', modelChoice: null }, loaded(fileB, 'B.onnx'))).toEqual(
      { kind: 'other', model: 'B.onnx' },
    );
    expect(presetRunnerFor({ modelName: 'A', modelChoice: null }, loaded(a, 'A')).kind).toBe(
      'main',
    );
    expect(presetRunnerFor({ modelName: 'A', modelChoice: null }, none)).toEqual({ kind: 'none' });
  });

  it('compares choices by what they load', () => {
    expect(sameChoice({ type: 'url', url: 'x' }, { type: 'url', url: 'x' })).toBe(true);
    expect(sameChoice({ type: 'url', url: 'x' }, a)).toBe(false);
    expect(sameChoice(a, null)).toBe(false);
  });
});
