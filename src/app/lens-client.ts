/**
 * The engine, seen from the main thread: the same `LensEngine` interface, each call sent to the
 * worker and answered by id. Signals become `cancel` messages and progress comes back as it
 * happens. If the worker dies, every pending call fails with `worker-crashed` and a fresh worker
 * is started; `onCrash` lets the app reload its model.
 *
 * Hand-written rather than comlink: comlink leaves pending calls hanging forever when a worker
 * dies, needs a proxied MessagePort per progress callback and has no AbortSignal; this file does
 * all three in a few lines and keeps the wire format the one `protocol.ts` derives from the engine.
 */
import { deserializeError, LensError } from '../core/errors';
import type { CallOptions, Progress } from '../engine/types';
import type {
  Api,
  Call,
  Faults,
  Method,
  Request,
  Response,
  Result,
  WireArgs,
} from '../worker/protocol';

/** What the client needs of a Worker (a fake one in Node tests). */
export interface WorkerLike {
  postMessage(message: Request, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<Response>) => void): void;
  addEventListener(type: 'error', listener: (e: ErrorEvent) => void): void;
  terminate(): void;
}

interface Pending {
  settle: (message: Extract<Response, { kind: 'result' | 'error' }>) => void;
  reject: (error: LensError) => void;
  onProgress: ((p: Progress) => void) | undefined;
}

export class LensClient implements Api {
  private worker: WorkerLike;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private crashes: number[] = [];
  /** Faults to inject into every worker this client starts (debug hooks, tests only). */
  private faults: Faults = {};
  /** Called after the worker crashed and was replaced; `reload` is false after 3 crashes in a minute. */
  onCrash: ((message: string, reload: boolean) => void) | null = null;

  constructor(private readonly spawn: () => WorkerLike) {
    this.worker = this.start();
  }

  load(request: Parameters<Api['load']>[0]) {
    const { source } = request;
    return this.send('load', request, source.type === 'bytes' ? [source.bytes] : []);
  }

  convert(request: Parameters<Api['convert']>[0]) {
    return this.send('convert', request, [request.bytes]);
  }

  classify(request: Parameters<Api['classify']>[0]) {
    return this.send('classify', request);
  }

  /** The crop is handed over, not copied: the caller got it from the other worker for this. */
  classifyPrepared(request: Parameters<Api['classifyPrepared']>[0]) {
    return this.send('classifyPrepared', request, [request.prepared.crop.data.buffer]);
  }

  classifyFrame(request: Parameters<Api['classifyFrame']>[0]) {
    return this.send('classifyFrame', request, [request.frame]);
  }

  classifyTensors(request: Parameters<Api['classifyTensors']>[0]) {
    return this.send('classifyTensors', request);
  }

  setLabels(request: Parameters<Api['setLabels']>[0]) {
    return this.send('setLabels', request);
  }

  inspect(request: Parameters<Api['inspect']>[0] = {}) {
    return this.send('inspect', request);
  }

  /** The model bytes are copied, not transferred: the caller usually keeps its model. */
  quantize(request: Parameters<Api['quantize']>[0]) {
    return this.send('quantize', request);
  }

  precision(request: Parameters<Api['precision']>[0]) {
    return this.send('precision', request);
  }

  cancel() {
    return this.send('cancel', {});
  }

  dispose() {
    return this.send('dispose', {});
  }

  /** Debug hook: faults for this worker and its replacements (`?simulate=`, tests). */
  injectFaults(faults: Faults): void {
    this.faults = { ...this.faults, ...faults };
    this.post({ kind: 'faults', id: this.nextId++, faults: this.faults });
  }

  /** Debug hook: the worker dies inside its next inference (once; a restarted worker is sound). */
  crashInNextInference(): void {
    this.post({ kind: 'faults', id: this.nextId++, faults: { crashInInference: true } });
  }

  /** Debug hook: kill the worker the way a crash would. */
  crash(): void {
    this.post({ kind: 'crash', id: this.nextId++ });
  }

  private post(message: Request, transfer: Transferable[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  private send<M extends Method>(
    method: M,
    request: WireArgs<M> & CallOptions,
    transfer: Transferable[] = [],
  ): Promise<Result<M>> {
    const { signal, onProgress, ...args } = request;
    const id = this.nextId++;
    return new Promise<Result<M>>((resolve, reject) => {
      if (signal?.aborted) return reject(new LensError('aborted', 'The request was cancelled.'));
      signal?.addEventListener(
        'abort',
        () => this.post({ kind: 'cancel', id: this.nextId++, target: id }),
        { once: true },
      );
      this.pending.set(id, {
        // The worker answers a call with its own method's result: `serve` guarantees the pairing.
        settle: (m) =>
          m.kind === 'result' ? resolve(m.value as Result<M>) : reject(deserializeError(m.error)),
        reject,
        onProgress,
      });
      this.post({ kind: 'call', id, method, args } satisfies Call, transfer);
    });
  }

  private start(): WorkerLike {
    const worker = this.spawn();
    worker.addEventListener('message', (e: MessageEvent<Response>) => this.receive(e.data));
    worker.addEventListener('error', (e: ErrorEvent) => {
      e.preventDefault();
      this.crashed(e.message || 'the worker stopped unexpectedly');
    });
    if (Object.keys(this.faults).length > 0)
      worker.postMessage({ kind: 'faults', id: this.nextId++, faults: this.faults }, []);
    return worker;
  }

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
    if (message.kind === 'progress') return p.onProgress?.(message.progress);
    this.pending.delete(message.id);
    p.settle(message);
  }
}
