/** A Worker whose other side runs the real transport (`serve`) over an engine in this process. */
import type { WorkerLike } from '../../src/app/lens-client';
import type { Engine } from '../../src/engine/engine';
import type { Faults, Request, Response } from '../../src/worker/protocol';
import { serve, type Port } from '../../src/worker/serve';

type Listener = (e: { data: unknown }) => void;

/** A Worker whose other side is `serve(engine)` in this process; messages hop a macrotask. */
export class FakeWorker implements WorkerLike {
  readonly toWorker: Listener[] = [];
  readonly fromWorker: Listener[] = [];
  readonly errors: ((e: ErrorEvent) => void)[] = [];
  readonly posted: Request[] = [];
  terminated = false;
  readonly faults: Faults = {};

  constructor(engine: Engine) {
    const port: Port = {
      postMessage: (m: Response) =>
        setTimeout(() => !this.terminated && this.fromWorker.forEach((l) => l({ data: m }))),
      addEventListener: (_type, listener) => this.toWorker.push(listener as Listener),
    };
    serve(engine, port, this.faults);
  }

  postMessage(message: Request): void {
    this.posted.push(message);
    if (message.kind === 'crash') return void setTimeout(() => this.die('requested'));
    setTimeout(() => !this.terminated && this.toWorker.forEach((l) => l({ data: message })));
  }

  addEventListener(type: 'message' | 'error', listener: never): void {
    (type === 'message' ? this.fromWorker : this.errors).push(listener);
  }

  /** What a crash looks like from the main thread: an error event. */
  die(message: string): void {
    const event = { message, preventDefault: () => undefined } as ErrorEvent;
    this.errors.forEach((l) => l(event));
  }

  terminate(): void {
    this.terminated = true;
  }
}
