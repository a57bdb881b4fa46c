/**
 * Fault injection for tests, as a wrapper around the session factory: the engine and the runtime
 * adapter know nothing of it. Off unless the page sends a `faults` message (`?simulate=...`).
 */
import type { EngineDeps, LoadedSession } from '../engine/types';
import type { Faults } from './protocol';

type CreateSession = EngineDeps['createSession'];
/** The WebGPU adapter's factory: its third argument makes WebGPU session creation fail. */
type CreateWebSession = (
  ...args: [...Parameters<CreateSession>, failWebGpu: boolean]
) => ReturnType<CreateSession>;

export function withFaults(create: CreateWebSession, faults: Faults): CreateSession {
  return async (bytes, options) => {
    const session = await create(bytes, options, faults.webgpuFailure === true);
    return crashing(session, faults);
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
