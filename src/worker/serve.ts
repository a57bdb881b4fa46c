/**
 * The message adapter: each `call` becomes one engine call, with an AbortController the `cancel`
 * message reaches and progress sent back as it comes. Nothing else happens here.
 */
import { serializeError } from '../core/errors';
import type { CallOptions } from '../engine/types';
import {
  transferablesOf,
  type Api,
  type Call,
  type Faults,
  type Method,
  type Request,
  type Response,
  type Result,
} from './protocol';

export interface Port {
  postMessage(message: Response, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<Request>) => void): void;
}

export function serve(engine: Api, port: Port, faults: Faults): void {
  const controllers = new Map<number, AbortController>();
  const post = (m: Response, transfer: Transferable[] = []) => port.postMessage(m, transfer);
  port.addEventListener('message', ({ data: request }) => {
    switch (request.kind) {
      case 'cancel':
        return controllers.get(request.target)?.abort();
      case 'faults':
        return void Object.assign(faults, request.faults);
      case 'crash':
        // Outside any promise: the error reaches the worker's global handler, as a crash does.
        return void setTimeout(() => {
          throw new Error('worker crash requested by a test');
        });
      case 'call': {
        const { id } = request;
        const controller = new AbortController();
        controllers.set(id, controller);
        const options: CallOptions = {
          signal: controller.signal,
          onProgress: (progress) => post({ kind: 'progress', id, progress }),
        };
        invoke(engine, request, options)
          .then(
            (value) => post({ kind: 'result', id, value }, transferablesOf(value)),
            (e: unknown) => post({ kind: 'error', id, error: serializeError(e) }),
          )
          .finally(() => controllers.delete(id));
      }
    }
  });
}

/** The one untyped step: a method chosen by name at run time, given its own request object. */
function invoke(engine: Api, call: Call, options: CallOptions): Promise<Result<Method>> {
  const method = engine[call.method].bind(engine) as (request: object) => Promise<never>;
  return method({ ...call.args, ...options });
}
