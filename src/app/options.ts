/**
 * The page's URL options (`?model=`, `?backend=`, `?preset=`, `?threads=`, `?fast=`, `?fastbg=`,
 * `?kernels=`),
 * read once and checked: a bad value is named in a notice with what is used instead, never dropped
 * in silence. Pure, so Node tests cover it.
 */
import { isBackendPreference, type BackendPreference } from '../core/inference/backend';
import {
  isKernelsPreference,
  KERNELS_PREFERENCES,
  type KernelsPreference,
} from '../engine/backends';
import type { Manifest, ModelEntry } from '../core/model/manifest';
import { isPresetId, PRESETS, type PresetId } from '../core/preprocess/preprocess';
import type { Messages } from '../i18n/en';
import { createI18n } from '../i18n/instance';

/** What renders a notice: the page passes its own `t` (its language); English by default. */
export type NoticeT = (key: OptionNoticeKey, params: Record<string, string | number>) => string;
export type OptionNoticeKey = `notice.options.${keyof Messages['notice']['options']}`;

let englishT: NoticeT | null = null;
/** The catalogue's English, made on first use (Node tests, and the page before its language). */
function english(): NoticeT {
  if (englishT === null) {
    const t = createI18n('en').t as unknown as (key: string, params: object) => string;
    englishT = (key, params) => t(key, params);
  }
  return englishT;
}

export interface PageOptions {
  backend: BackendPreference | null;
  preset: PresetId | null;
  threads: number | null;
  /** `?fast=0`: the model's convolutions as they are (no Winograd rewrite); null: default (on). */
  fast: boolean | null;
  /**
   * `?fastbg=N`: models of at least N MB answer with their convolutions as they are while the
   * fast path is prepared in the background (default `FAST_BACKGROUND_MB`; 0: every model).
   */
  fastBackgroundMb: number;
  /**
   * `?kernels=onnxruntime`: onnxruntime-web's kernels for every model; `lens` (the default) or
   * `lens-simd128`: the project's own WebAssembly kernels where they run the model; null: default.
   */
  kernels: KernelsPreference | null;
  model: string | null;
  /** One sentence per bad value. */
  notices: string[];
}

/** Below this a model's rewrite takes well under a second: the fast path is ready first. */
export const FAST_BACKGROUND_MB = 32;

export function readPageOptions(
  search: string,
  maxThreads = 16,
  t: NoticeT = english(),
): PageOptions {
  const params = new URLSearchParams(search);
  const notices: string[] = [];
  const backendText = params.get('backend');
  const presetText = params.get('preset');
  const threadsText = params.get('threads');
  let backend: BackendPreference | null = null;
  if (backendText !== null) {
    if (isBackendPreference(backendText)) backend = backendText;
    else notices.push(t('notice.options.backend', { value: backendText }));
  }
  let preset: PresetId | null = null;
  if (presetText !== null) {
    if (isPresetId(presetText)) preset = presetText;
    else
      notices.push(
        t('notice.options.preset', { value: presetText, presets: Object.keys(PRESETS).join(', ') }),
      );
  }
  let threads: number | null = null;
  if (threadsText !== null) {
    const n = Number(threadsText);
    if (/^\d+$/.test(threadsText) && n >= 1 && n <= maxThreads) threads = n;
    else notices.push(t('notice.options.threads', { value: threadsText, max: maxThreads }));
  }
  const fastText = params.get('fast');
  let fast: boolean | null = null;
  if (fastText !== null) {
    if (fastText === '0' || fastText === 'false') fast = false;
    else if (fastText === '1' || fastText === 'true') fast = true;
    else notices.push(t('notice.options.fast', { value: fastText }));
  }
  const bgText = params.get('fastbg');
  let fastBackgroundMb = FAST_BACKGROUND_MB;
  if (bgText !== null) {
    if (/^\d+$/.test(bgText)) fastBackgroundMb = Number(bgText);
    else notices.push(t('notice.options.fastbg', { value: bgText, mb: FAST_BACKGROUND_MB }));
  }
  const kernelsText = params.get('kernels');
  let kernels: KernelsPreference | null = null;
  if (kernelsText !== null) {
    if (isKernelsPreference(kernelsText)) kernels = kernelsText;
    else
      notices.push(
        `?kernels=${kernelsText} is not one of ${KERNELS_PREFERENCES.join(', ')}: using lens.`,
      );
  }
  return {
    backend,
    preset,
    threads,
    fast,
    fastBackgroundMb,
    kernels,
    model: params.get('model'),
    notices,
  };
}

/** What a load request takes from the URL: `?threads=N`, `?fast=0`, `?fastbg=N`, `?kernels=`. */
export function sessionOptionsOf(options: PageOptions): {
  threads?: number;
  fast?: boolean;
  kernels?: KernelsPreference;
  fastInBackgroundFrom: number;
} {
  return {
    ...(options.threads ? { threads: options.threads } : {}),
    ...(options.fast !== null ? { fast: options.fast } : {}),
    ...(options.kernels !== null ? { kernels: options.kernels } : {}),
    fastInBackgroundFrom: options.fastBackgroundMb * 2 ** 20,
  };
}

export type ModelParam =
  | { kind: 'entry'; entry: ModelEntry }
  | { kind: 'url'; url: string }
  | { kind: 'error'; message: string };

/** `?model=`: a manifest id, or a URL or path the page may fetch (http(s) only). */
export function resolveModelParam(
  wanted: string,
  manifest: Manifest | null,
  t: NoticeT = english(),
): ModelParam {
  const entry = manifest?.models.find((m) => m.id === wanted);
  if (entry) return { kind: 'entry', entry };
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(wanted)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'https' && scheme !== 'http')
    return {
      kind: 'error',
      message: t('notice.options.modelScheme', { scheme }),
    };
  // A bare word is an id, not a file: fetching it would get the page itself back.
  if (scheme === undefined && /^[\w-]+$/.test(wanted)) {
    const ids = manifest?.models.map((m) => m.id) ?? [];
    return {
      kind: 'error',
      message: ids.length
        ? t('notice.options.modelIdList', { id: wanted, ids: ids.join(', ') })
        : t('notice.options.modelId', { id: wanted }),
    };
  }
  return { kind: 'url', url: wanted };
}
