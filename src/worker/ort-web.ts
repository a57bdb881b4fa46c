/**
 * onnxruntime-web behind the `LoadedSession` interface. The runtime's .wasm is served by the app
 * itself (Vite emits it as an asset); never from a CDN.
 */
import type * as Ort from 'onnxruntime-web';
import jsepWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import plainWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import {
  chooseBackend,
  webgpuFailed,
  type Backend,
  type BackendPreference,
  type GpuProbe,
} from '../core/inference/backend';
import { LensError } from '../core/errors';
import { inferenceError, modelLoadError } from '../core/inference/model-io';
import { layoutOnnxModel } from '../core/onnx/writer';
import { ioMeta, loadedSession } from '../engine/session';
import type { LoadedSession, PreparedModel, SessionOptions } from '../engine/types';

type Runtime = typeof Ort;
let plain: Promise<Runtime> | null = null;
let withGpu: Promise<Runtime> | null = null;

/**
 * The runtime a backend needs, loaded once: the plain WASM build (14 MB .wasm) for WASM, the
 * WebGPU-capable one (28 MB) only when a session asks for WebGPU. Each gets an explicit .wasm
 * path: without one a production build with threads can hang at session creation.
 */
export function runtime(backend: 'wasm' | 'webgpu'): Promise<Runtime> {
  const load = async (module: Promise<Runtime>, url: string) => {
    const ort = await module;
    ort.env.wasm.wasmPaths = { wasm: new URL(url, self.location.href).href };
    ort.env.wasm.numThreads = threads;
    return ort;
  };
  if (backend === 'wasm') return (plain ??= load(import('onnxruntime-web/wasm'), plainWasmUrl));
  return (withGpu ??= load(import('onnxruntime-web'), jsepWasmUrl));
}

// SharedArrayBuffer (and so threads) exists only when the page is cross-origin isolated.
const maxThreads = self.crossOriginIsolated
  ? Math.max(1, Math.min(navigator.hardwareConcurrency || 1, 8))
  : 1;
let threads = maxThreads;
let runtimeStarted = false;

/**
 * The WASM thread count is fixed when onnxruntime-web starts (at the first session); a request
 * for another count afterwards needs a new worker, so it is ignored then.
 */
function configureThreads(requested: number | undefined): void {
  if (runtimeStarted) return;
  runtimeStarted = true;
  if (requested !== undefined && requested >= 1)
    threads = Math.min(Math.floor(requested), maxThreads);
}

/**
 * Starts the WASM runtime (fetching and compiling its .wasm, starting its threads) while the model
 * is still being read: onnxruntime-web does that at its first session, so a one-node session is
 * made and released here. Concurrent sessions share the runtime's start. Nothing for WebGPU. The
 * engine calls it only when no backend asked before onnxruntime wants the load (the lens kernels,
 * the page's default, run every model it serves; this start beside the model's read slowed B1's
 * read from Cache Storage from 1.3 s to 1.8-2.4 s); a model they decline starts the runtime at
 * its session.
 */
export function startWebRuntime(options: { backend: BackendPreference; threads?: number }): void {
  if (runtimeStarted) return;
  configureThreads(options.threads);
  void (async () => {
    if (chooseBackend(options.backend, await probeGpu()).backend !== 'wasm') return;
    const ort = await runtime('wasm');
    const session = await ort.InferenceSession.create(identityModel(), {
      executionProviders: ['wasm'],
    });
    await session.release();
  })().catch(() => undefined); // the model's own session reports any real failure
}

function identityModel(): Uint8Array {
  return layoutOnnxModel({
    irVersion: 7,
    opsetVersion: 13,
    producerName: 'repopt-lens',
    producerVersion: '0',
    docString: '',
    graphName: 'start',
    inputs: [{ name: 'x', elemType: 'float32', shape: [1] }],
    outputs: [{ name: 'y', elemType: 'float32', shape: [1] }],
    nodes: [{ opType: 'Identity', name: 'identity', inputs: ['x'], outputs: ['y'] }],
    initializers: [],
    metadata: {},
  }).bytes;
}

/** The little of WebGPU's API this file touches (the DOM lib in TypeScript 5.9 has none of it). */
interface MiniGpuAdapter {
  info?: {
    vendor?: string;
    architecture?: string;
    description?: string;
    isFallbackAdapter?: boolean;
  };
  isFallbackAdapter?: boolean;
  features: { has(name: string): boolean };
}
interface MiniGpu {
  requestAdapter(): Promise<MiniGpuAdapter | null>;
}

let probe: Promise<GpuProbe> | null = null;

/** Asked once per worker: requestAdapter is slow and its answer does not change. */
export function probeGpu(): Promise<GpuProbe> {
  probe ??= (async (): Promise<GpuProbe> => {
    const gpu = (navigator as WorkerNavigator & { gpu?: MiniGpu }).gpu;
    if (!gpu) return { api: false, adapter: null };
    try {
      const adapter = await gpu.requestAdapter();
      if (!adapter) return { api: true, adapter: null };
      const info = adapter.info ?? {};
      const description =
        [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') ||
        'unknown adapter';
      return {
        api: true,
        adapter: {
          isFallback: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
          description,
          shaderF16: adapter.features.has('shader-f16'),
        },
      };
    } catch (e) {
      return { api: true, adapter: null, error: (e as Error).message };
    }
  })();
  return probe;
}

/**
 * The model as the session should run it: the engine's load-time rewrite for this backend, with
 * the model's own external data and any the rewrite added.
 */
async function prepared(
  bytes: Uint8Array,
  backend: Backend,
  options: SessionOptions,
): Promise<PreparedModel> {
  const own = options.externalData ?? [];
  if (!options.prepare) return { bytes, externalData: own };
  const out = await options.prepare(bytes, backend);
  return { bytes: out.bytes, externalData: [...own, ...out.externalData] };
}

export async function createWebSession(
  bytes: Uint8Array,
  options: SessionOptions,
): Promise<LoadedSession> {
  configureThreads(options.threads);
  let choice = chooseBackend(options.backend, await probeGpu());
  let session: Ort.InferenceSession;
  let ort: Runtime;
  try {
    ort = await runtime(choice.backend);
    session = await create(ort, await prepared(bytes, choice.backend, options), choice.backend);
  } catch (e) {
    if (choice.backend !== 'webgpu') throw loadError(bytes, e);
    // A WebGPU failure (device lost, unsupported op) must not stop the demo: fall back to WASM.
    choice = webgpuFailed((e as Error).message);
    try {
      ort = await runtime('wasm');
      session = await create(ort, await prepared(bytes, 'wasm', options), 'wasm');
    } catch (e2) {
      throw loadError(bytes, e2);
    }
  }
  // Only the size: the closure must not keep the model's bytes alive beside the session.
  const fileBytes = bytes.byteLength;
  return loadedSession({
    choice,
    threads: choice.backend === 'wasm' ? threads : 0,
    inputs: session.inputMetadata.map(ioMeta),
    outputs: session.outputMetadata.map(ioMeta),
    async runOutputs(inputName, input, dims, names) {
      const feed = new ort.Tensor('float32', input, dims);
      let results: Ort.InferenceSession.ReturnType;
      try {
        results = await session.run({ [inputName]: feed }, names);
      } catch (e) {
        throw inferenceError(fileBytes, e);
      } finally {
        feed.dispose();
      }
      const out = [];
      for (const name of names) {
        const tensor = results[name]!;
        out.push({
          data: ((await tensor.getData()) as Float32Array).slice(),
          dims: [...tensor.dims],
        });
        tensor.dispose();
      }
      return out;
    },
    release: () => session.release(),
  });
}

function create(
  ort: Runtime,
  { bytes, externalData }: PreparedModel,
  backend: 'wasm' | 'webgpu',
): Promise<Ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, {
    executionProviders: [backend],
    graphOptimizationLevel: 'all',
    ...(externalData.length > 0
      ? { externalData: externalData.map((f) => ({ path: f.path, data: new Uint8Array(f.bytes) })) }
      : {}),
  });
}

function loadError(bytes: Uint8Array, e: unknown): LensError {
  return modelLoadError(bytes, e, 'onnxruntime-web');
}
