/** Which onnxruntime-web execution provider to use, and why: decided from a probe, as data. */

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
  reason: string;
}

export function isBackendPreference(v: unknown): v is BackendPreference {
  return v === 'auto' || v === 'wasm' || v === 'webgpu';
}

export function chooseBackend(preference: BackendPreference, probe: GpuProbe): BackendChoice {
  if (preference === 'wasm') return { backend: 'wasm', reason: 'WASM chosen in settings' };
  const gpuProblem = !probe.api
    ? 'WebGPU: not supported by this browser'
    : probe.error !== undefined
      ? `WebGPU: ${probe.error}`
      : probe.adapter === null
        ? 'WebGPU: no adapter'
        : null;
  if (gpuProblem !== null) {
    return {
      backend: 'wasm',
      reason: preference === 'webgpu' ? `${gpuProblem} (WebGPU was requested)` : gpuProblem,
    };
  }
  const adapter = probe.adapter!;
  if (preference === 'webgpu') {
    return { backend: 'webgpu', reason: `WebGPU forced in settings (${adapter.description})` };
  }
  if (adapter.isFallback) {
    // A software rasterizer (SwiftShader) ran a small model ~100x slower than WASM here.
    return {
      backend: 'wasm',
      reason: `WebGPU: only a software fallback adapter (${adapter.description}); WASM is faster`,
    };
  }
  return { backend: 'webgpu', reason: `WebGPU: ${adapter.description}` };
}
