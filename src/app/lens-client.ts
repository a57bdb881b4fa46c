/**
 * Main-thread side of the worker protocol: pending promises keyed by request id, progress
 * callbacks, and typed errors. If the worker dies, every pending request fails with
 * `worker-crashed` and a fresh worker is started; the caller reloads the model.
 */
import type { BackendPreference } from '../core/inference/backend';
import { deserializeError, LensError } from '../core/errors';
import type { PresetId } from '../core/preprocess/preprocess';
import type {
  ClassifyPayload,
  ConvertedModel,
  ModelInfo,
  ModelSource,
  Request,
  Response,
} from '../worker/protocol';

type Pending = {
  resolve: (value: never) => void;
  reject: (error: LensError) => void;
  onProgress?: (p: Extract<Response, { kind: 'progress' }>) => void;
};

/** `?simulate=webgpu-failure`: tests make the WebGPU path fail to prove the fallback. */
const simulateWebGpuFailure =
  typeof location !== 'undefined' &&
  new URLSearchParams(location.search).get('simulate') === 'webgpu-failure';

export class LensClient {
  private worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Called after the worker crashed and was replaced. */
  /** Called after the worker crashed and was replaced; `reload` is false after 3 crashes in a minute. */
  onCrash: ((message: string, reload: boolean) => void) | null = null;

  constructor(private readonly spawn: () => Worker) {
    this.worker = this.start();
  }

  private start(): Worker {
    const worker = this.spawn();
    worker.addEventListener('message', (e: MessageEvent<Response>) => this.receive(e.data));
    worker.addEventListener('error', (e) => {
      e.preventDefault();
      this.crashed(e.message || 'the worker stopped unexpectedly');
    });
    return worker;
  }

  private crashes: number[] = [];

  private crashed(reason: string): void {
    // A worker that keeps dying (a model that always crashes it) is not restarted forever.
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < 60_000), now];
    this.worker.terminate();
    const error = new LensError(
      'worker-crashed',
      `The classifier worker crashed (${reason}); it was restarted.`,
    );
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    this.worker = this.start();
    this.onCrash?.(error.message, this.crashes.length <= 3);
  }

  private receive(message: Response): void {
    const p = this.pending.get(message.id);
    if (!p) return;
    switch (message.kind) {
      case 'progress':
        p.onProgress?.(message);
        return;
      case 'error':
        this.pending.delete(message.id);
        p.reject(deserializeError(message.error));
        return;
      case 'model-ready':
        this.pending.delete(message.id);
        (p.resolve as (v: { info: ModelInfo; converted?: ConvertedModel }) => void)(message);
        return;
      case 'labels-set':
        this.pending.delete(message.id);
        (p.resolve as (v: number) => void)(message.count);
        return;
      case 'classified':
        this.pending.delete(message.id);
        (p.resolve as (v: ClassifyPayload) => void)(message.result);
        return;
    }
  }

  private send<T>(
    request: Request,
    transfer: Transferable[] = [],
    onProgress?: Pending['onProgress'],
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { resolve, reject };
      if (onProgress) entry.onProgress = onProgress;
      this.pending.set(request.id, entry);
      this.worker.postMessage(request, transfer);
    });
  }

  /** Id of the newest load request, for `cancelLoad`. */
  private lastLoad = 0;

  /** Cancels the newest model load (its promise rejects with an `aborted` LensError). */
  cancelLoad(): void {
    if (this.lastLoad)
      this.worker.postMessage({
        kind: 'cancel',
        id: this.nextId++,
        target: this.lastLoad,
      } satisfies Request);
  }

  loadModel(
    source: ModelSource,
    backend: BackendPreference,
    threads: number | null,
    onProgress?: Pending['onProgress'],
  ): Promise<ModelInfo> {
    const transfer = source.type === 'bytes' ? [source.bytes] : [];
    this.lastLoad = this.nextId;
    return this.send<{ info: ModelInfo }>(
      {
        kind: 'load-model',
        id: this.nextId++,
        source,
        backend,
        ...(threads ? { threads } : {}),
        ...(simulateWebGpuFailure ? { simulateWebGpuFailure } : {}),
      },
      transfer,
      onProgress,
    ).then((r) => r.info);
  }

  /** Converts a checkpoint in the worker and makes it the active model. */
  convert(
    bytes: ArrayBuffer,
    name: string,
    options: {
      fp16: boolean;
      features: boolean;
      backend: BackendPreference;
      threads: number | null;
    },
    onProgress?: Pending['onProgress'],
  ): Promise<{ info: ModelInfo; converted: ConvertedModel }> {
    this.lastLoad = this.nextId;
    const { threads, ...rest } = options;
    return this.send(
      { kind: 'convert', id: this.nextId++, bytes, name, ...rest, ...(threads ? { threads } : {}) },
      [bytes],
      onProgress,
    );
  }

  setLabels(labels: string[]): Promise<number> {
    return this.send({ kind: 'set-labels', id: this.nextId++, labels });
  }

  classify(file: Blob, name: string, preset: PresetId): Promise<ClassifyPayload> {
    return this.send({ kind: 'classify', id: this.nextId++, file, name, preset });
  }

  classifyFrame(frame: ImageBitmap, preset: PresetId): Promise<ClassifyPayload> {
    return this.send({ kind: 'classify-frame', id: this.nextId++, frame, preset }, [frame]);
  }

  /** Test hook: kill the worker the way a crash would. */
  crashForTest(): void {
    this.worker.postMessage({ kind: 'crash', id: this.nextId++ } satisfies Request);
  }
}
