/** Which onnxruntime-web execution provider to use, and why: decided from a probe, as data. */
import { message, type Message } from '../message';

export type Backend = 'webgpu' | 'wasm';
export type BackendPreference = 'auto' | Backend;

export interface GpuProbe {
  /** `navigator.gpu` exists. */
  api: boolean;
  /** The adapter `requestAdapter()` gave, or null. */
  adapter: { isFallback: boolean; description: string; shaderF16: boolean } | null;
  /** Why probing failed, if it threw. */
  error?: string;
}

export interface BackendChoice {
  backend: Backend;
  /** Why, in English (the status line, automation). */
  reason: string;
  /** `reason` as a catalogue message, for a page in another language. */
  message: Message;
  /** The backend chosen failed to start and WASM runs instead (the page says so at once). */
  fellBack: boolean;
}

const choice = (backend: Backend, reason: string, why: Message): BackendChoice => ({
  backend,
  reason,
  message: why,
  fellBack: false,
});

export function isBackendPreference(v: unknown): v is BackendPreference {
  return v === 'auto' || v === 'wasm' || v === 'webgpu';
}

export function chooseBackend(preference: BackendPreference, probe: GpuProbe): BackendChoice {
  if (preference === 'wasm')
    return choice('wasm', 'WASM chosen in settings', message('backend.wasmChosen'));
  const gpuProblem: [string, Message] | null = !probe.api
    ? ['WebGPU: not supported by this browser', message('backend.unsupported')]
    : probe.error !== undefined
      ? [`WebGPU: ${probe.error}`, message('backend.probeError', { error: probe.error })]
      : probe.adapter === null
        ? ['WebGPU: no adapter', message('backend.noAdapter')]
        : null;
  if (gpuProblem !== null) {
    const [text, why] = gpuProblem;
    return preference === 'webgpu'
      ? choice(
          'wasm',
          `${text} (WebGPU was requested)`,
          message('backend.requested', { problem: why }),
        )
      : choice('wasm', text, why);
  }
  const adapter = probe.adapter!.description;
  if (preference === 'webgpu')
    return choice(
      'webgpu',
      `WebGPU forced in settings (${adapter})`,
      message('backend.forced', { adapter }),
    );
  if (probe.adapter!.isFallback) {
    // A software rasterizer (SwiftShader) ran a small model ~100x slower than WASM here.
    return choice(
      'wasm',
      `WebGPU: only a software fallback adapter (${adapter}); WASM is faster`,
      message('backend.softwareAdapter', { adapter }),
    );
  }
  return choice('webgpu', `WebGPU: ${adapter}`, message('backend.adapter', { adapter }));
}

/** After a WebGPU session failed to start: WASM, and why. */
export function webgpuFailed(error: string): BackendChoice {
  return {
    ...choice(
      'wasm',
      `WebGPU failed (${error}); fell back to WASM`,
      message('backend.webgpuFailed', { error }),
    ),
    fellBack: true,
  };
}

/** onnxruntime-node's one choice. */
export const NODE_CHOICE: BackendChoice = choice(
  'wasm',
  'onnxruntime-node (native CPU)',
  message('backend.node'),
);
