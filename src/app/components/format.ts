import type { Backend } from '../../core/inference/backend';
import { i18next } from '../i18n';

export function backendText(backend: Backend, threads: number): string {
  return backend === 'webgpu'
    ? i18next.t('backend.webgpu')
    : i18next.t('backend.wasm', { count: threads });
}

export function ms(value: number): string {
  return value < 10 ? value.toFixed(1) : String(Math.round(value));
}

/** Storage and download sizes: MB below a gigabyte, GB above ("10.77 GB", not "10768.4 MB"). */
export function bytesText(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : `${(n / 1e6).toFixed(1)} MB`;
}
