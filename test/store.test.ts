/** The zustand store's transitions, outside React, reset between tests with getInitialState(). */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useLens, type ResultItem } from '../src/app/store';
import type { ModelInfo } from '../src/engine/types';

const initial = useLens.getInitialState();
afterEach(() => useLens.setState(initial, true));

const item = (id: number): ResultItem => ({
  id,
  fileName: `${id}.png`,
  photoUrl: '',
  modelName: 'm',
  modelChoice: null,
  untrained: false,
  state: { kind: 'pending' },
  file: new Blob([]),
  presets: null,
  presetsNote: null,
  presetsOffer: null,
  compare: null,
});

const info = { name: 'tiny', untrained: true, numClasses: 1000 } as ModelInfo;

describe('store', () => {
  it('starts idle with no model, no results and the bundled labels', () => {
    const s = useLens.getState();
    expect(s.status).toEqual({ kind: 'idle' });
    expect(s.activeInfo).toBeNull();
    expect(s.results).toEqual([]);
    expect(s.labelsInfo.count).toBe(1000);
  });

  it('keeps results in arrival order and finishes, patches and clears them by id', () => {
    const s = useLens.getState();
    s.addResults([item(1), item(2)]);
    s.addResults([item(3)]);
    expect(useLens.getState().results.map((r) => r.id)).toEqual([1, 2, 3]);
    s.finishResult(
      2,
      { kind: 'error', error: { name: 'LensError', code: 'internal', message: 'm' } },
      'b',
      true,
    );
    s.patchResult(3, { photoUrl: 'blob:three' });
    const [one, two, three] = useLens.getState().results;
    expect(one!.state.kind).toBe('pending');
    expect(two).toMatchObject({ state: { kind: 'error' }, modelName: 'b', untrained: true });
    expect(three!.photoUrl).toBe('blob:three');
    const revoke = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    s.clearResults();
    expect(revoke).toHaveBeenCalledWith('blob:three');
    expect(useLens.getState().results).toEqual([]);
  });

  it('records the model in use beside the status of a newer load', () => {
    const s = useLens.getState();
    const choice = { type: 'url' as const, url: 'a.onnx' };
    s.setActive(info, info.untrained, choice);
    s.setStatus({
      kind: 'loading',
      startedAt: 0,
      bytesPerSecond: null,
      name: 'b',
      phase: 'download',
      loaded: 1,
      total: 2,
      stages: [],
    });
    const now = useLens.getState();
    expect(now.activeInfo).toBe(info);
    expect(now.activeUntrained).toBe(true);
    expect(now.activeChoice).toBe(choice);
    expect(now.status.kind).toBe('loading');
  });

  it('merges live camera patches without losing other fields', () => {
    const s = useLens.getState();
    s.setLive({ on: true, fps: 12 });
    s.setLive({ paused: true });
    expect(useLens.getState().live).toMatchObject({
      on: true,
      fps: 12,
      paused: true,
      mirror: true,
    });
  });
});
