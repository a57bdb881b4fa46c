/**
 * Fault injection for tests, as a wrapper around the session factory: the engine and the runtime
 * adapter know nothing of it. Off unless the page sends a `faults` message (`?simulate=...`).
 */
import type { SessionBackend } from '../engine/backends';
import type { EngineDeps, LoadedSession } from '../engine/types';
import type { Faults } from './protocol';

type CreateSession = EngineDeps['createSession'];

export function withFaults(create: CreateSession, faults: Faults): CreateSession {
  return async (bytes, options) => {
    const session = await create(bytes, {
      ...options,
      // The runtime prepares the model for the backend it chose, inside its own fallback: a
      // WebGPU failure here is met as a real one would be (WASM, and the page says why).
      prepare: (model, runtime) => {
        if (faults.webgpuFailure === true && runtime === 'webgpu')
          return Promise.reject(new Error('simulated WebGPU failure (test hook)'));
        return options.prepare
          ? options.prepare(model, runtime)
          : Promise.resolve({ bytes: model, externalData: [] });
      },
    });
    return crashing(session, faults);
  };
}

/** The same faults for a backend asked before the runtime (the lens kernels): its sessions crash too. */
export function backendWithFaults(backend: SessionBackend, faults: Faults): SessionBackend {
  return {
    ...backend,
    open: async (bytes, options) => {
      const claim = await backend.open(bytes, options);
      return 'session' in claim ? { session: crashing(claim.session, faults) } : claim;
    },
  };
}

/** Dies inside inference when asked: the throw escapes every promise, as a runtime crash would. */
function crashing(session: LoadedSession, faults: Faults): LoadedSession {
  const die = <T>(): Promise<T> => {
    setTimeout(() => {
      throw new Error('worker crashed during inference (test hook)');
    });
    return new Promise<T>(() => undefined);
  };
  return {
    ...session,
    bind: (...args) => session.bind(...args),
    dispose: () => session.dispose(),
    run: (input, dims) => (faults.crashInInference ? die() : session.run(input, dims)),
    runWithFeatures: (input, dims) =>
      faults.crashInInference ? die() : session.runWithFeatures(input, dims),
  };
}
