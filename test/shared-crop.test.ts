/**
 * Issue 12, row 4: with a comparison model the photo is decoded once. The main engine answers its
 * crop (`classify` with `share`), the comparison engine classifies that crop (`classifyPrepared`)
 * without calling its decoder, and its result is the one it gives from the file itself, PyTorch's
 * for the tiny model. Through the page's client and the worker transport, with messages cloned as
 * postMessage clones them (`structuredClone` with the transfer list): the crop is moved, not copied.
 */
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LensClient, type WorkerLike } from '../src/app/lens-client';
import { decodePng } from '../src/core/image/png';
import type { Engine } from '../src/engine/engine';
import type { ClassifyPayload, EngineDeps } from '../src/engine/types';
import { transferablesOf, type Request, type Response } from '../src/worker/protocol';
import { serve, type Port } from '../src/worker/serve';
import { bytesSource, imageBlob, testEngine, tinyBytes } from './helpers/engine';
import { references, ROOT } from './helpers/fixtures';

const preset = 'torchvision-256-224' as const;
type Listener = (e: { data: unknown }) => void;

/** `serve(engine)` behind a Worker's interface; each message is cloned with its transfer list. */
class ClonedWorker implements WorkerLike {
  private readonly toWorker: Listener[] = [];
  private readonly fromWorker: Listener[] = [];

  constructor(engine: Engine) {
    const port: Port = {
      postMessage: (m: Response, transfer) => {
        const copy = structuredClone(m, { transfer });
        setTimeout(() => this.fromWorker.forEach((l) => l({ data: copy })));
      },
      addEventListener: (_type, listener) => this.toWorker.push(listener as Listener),
    };
    serve(engine, port, {});
  }

  postMessage(message: Request, transfer: Transferable[]): void {
    const copy = structuredClone(message, { transfer });
    setTimeout(() => this.toWorker.forEach((l) => l({ data: copy })));
  }

  addEventListener(type: 'message' | 'error', listener: never): void {
    if (type === 'message') this.fromWorker.push(listener);
  }

  terminate(): void {}
}

/** An engine whose decoder (the project's PNG decoder, as `testEngine`'s) counts its calls. */
function counted(): { engine: Engine; decodes: () => number } {
  let n = 0;
  const decode: EngineDeps['decode'] = async (file) => {
    n++;
    const { image } = await decodePng(new Uint8Array(await file.arrayBuffer()));
    return { image, orientation: null, rotated: false };
  };
  return { engine: testEngine({ decode }), decodes: () => n };
}

/** What a comparison result must equal: everything but timings. */
const essence = (p: ClassifyPayload) => ({
  top5: p.top5,
  logits: Array.from(p.logits),
  cropSha256: p.cropSha256,
  cropRgba: new Uint8Array(p.cropRgba),
  width: p.width,
  height: p.height,
  resized: p.resized,
  orientation: p.orientation,
  orientationNote: p.orientationNote,
  decodeNote: p.decodeNote,
  modelName: p.modelName,
});

describe('one decode for two models: the comparison model takes the crop of the main one', () => {
  it("hands the main model's crop to the comparison model: no second decode, the same result", async () => {
    const main = counted();
    const second = counted();
    const mainClient = new LensClient(() => new ClonedWorker(main.engine));
    const secondClient = new LensClient(() => new ClonedWorker(second.engine));
    await mainClient.load({ source: tinyBytes(), backend: 'wasm' });
    // A different model in the comparison worker: 10 classes.
    const ten = new Uint8Array(
      readFileSync(resolve(ROOT, 'e2e/fixtures/bad-models/classes-10.onnx')),
    );
    await secondClient.load({ source: bytesSource(ten, 'classes-10.onnx'), backend: 'wasm' });

    for (const name of ['chelsea.png', 'astronaut.png']) {
      const before = { main: main.decodes(), second: second.decodes() };
      const first = await mainClient.classify({ file: imageBlob(name), preset, share: true });
      const prepared = first.prepared!;
      expect(prepared.crop.width).toBe(224);
      // The worker hands the crop to the page with the result (moved, as the display crop is).
      expect(transferablesOf(first)).toContain(prepared.crop.data.buffer);
      const compared = await secondClient.classifyPrepared({ prepared, preset });
      // Moved to the comparison worker, not copied.
      expect(prepared.crop.data.byteLength, name).toBe(0);
      expect(main.decodes() - before.main, name).toBe(1);
      expect(second.decodes() - before.second, name).toBe(0);
      expect(compared.timings.decodeMs).toBe(0);
      expect([first.decoded, compared.decoded]).toEqual([true, false]);
      expect(compared.thumbnail).toBeNull();
      expect(compared.prepared).toBeUndefined();
      // The main model's result is PyTorch's, its crop the reference crop.
      expect(first.cropSha256).toBe(references.images[name]!.presets[preset]!.crop_sha256);
      expect(first.top5.map((p) => p.index)).toEqual(
        references.images[name]!.top5.map((p) => p.index),
      );
      // What the comparison model gives from the file itself (decoding it, as before).
      const own = await secondClient.classify({ file: imageBlob(name), preset });
      expect(essence(compared), name).toEqual(essence(own));
      expect(compared.top5.every((p) => p.index < 10)).toBe(true);
    }
  });

  it("the tiny model given the crop answers PyTorch's top-5; a crop of the wrong size is refused", async () => {
    const a = testEngine();
    const b = counted();
    await a.load({ source: tinyBytes(), backend: 'wasm' });
    await b.engine.load({ source: tinyBytes(), backend: 'wasm' });
    const name = 'coffee.png';
    const { prepared } = await a.classify({ file: imageBlob(name), preset, share: true });
    const r = await b.engine.classifyPrepared({ prepared: prepared!, preset });
    expect(b.decodes()).toBe(0);
    const ref = references.images[name]!;
    expect(r.top5.map((p) => p.index)).toEqual(ref.top5.map((p) => p.index));
    r.top5.forEach((p, i) =>
      expect(Math.abs(p.probability - ref.top5[i]!.probability)).toBeLessThan(1e-5),
    );
    expect(r.cropSha256).toBe(ref.presets[preset]!.crop_sha256);
    const small = {
      ...prepared!,
      crop: { width: 32, height: 32, data: new Uint8Array(32 * 32 * 3) },
    };
    await expect(b.engine.classifyPrepared({ prepared: small, preset })).rejects.toThrow(
      /32x32 crop cannot stand for the 224x224 crop/,
    );
  });
});
