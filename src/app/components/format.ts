import type { Backend } from '../../core/inference/backend';

export function backendText(backend: Backend, threads: number): string {
  return backend === 'webgpu' ? 'WebGPU' : `WASM, ${threads} thread${threads === 1 ? '' : 's'}`;
}

export function ms(value: number): string {
  return value < 10 ? value.toFixed(1) : String(Math.round(value));
}
