/**
 * The page's controller: `createController` (create-controller.ts) given this page's worker
 * clients, store, URL options and language. Components import its actions from here.
 */
import { LANGUAGE_NAMES } from '../i18n/language';
import { createController } from './create-controller';
import { createCompare } from './create-compare';
import { i18next, initial } from './i18n';
import { LensClient } from './lens-client';
import { refreshOffline } from './offline';
import { readPageOptions, sessionOptionsOf, type NoticeT } from './options';
import { useLens } from './store';

export { choiceName } from './models';
export { isCheckpointFile, ZH_LABELS_NAME } from './create-controller';

export const MANIFEST_URL = new URL('models/models.json', document.baseURI).href;

/** A classifier worker with the page's debug hooks applied (`?simulate=webgpu-failure`). */
function spawnClient(name: string): LensClient {
  const client = new LensClient(
    () => new Worker(new URL('../worker/worker.ts', import.meta.url), { type: 'module', name }),
  );
  if (new URLSearchParams(location.search).get('simulate') === 'webgpu-failure')
    client.injectFaults({ webgpuFailure: true });
  return client;
}

/** The URL options' notices in the page's language (its i18next is ready: resources are inline). */
const noticeT: NoticeT = (key, params) =>
  (i18next.t as unknown as (key: string, params: object) => string)(key, params);
const options = readPageOptions(location.search, undefined, noticeT);
const urls = { manifest: MANIFEST_URL, base: document.baseURI };
const objectUrl = (blob: Blob) => URL.createObjectURL(blob);

export const controller = createController({
  client: spawnClient('repopt-lens'),
  store: useLens,
  options,
  urls,
  compare: createCompare({
    spawn: () => spawnClient('repopt-lens-compare'),
    store: useLens,
    session: () => sessionOptionsOf(options),
    urls,
    objectUrl,
  }),
  language: {
    initial: initial.language,
    rejectedNotice:
      initial.rejected === null
        ? null
        : i18next.t('notice.badLang', {
            asked: initial.rejected,
            used: LANGUAGE_NAMES[initial.language],
          }),
  },
  zhLabels: async () => (await import('../data/imagenet1k-labels.zh.json')).default.labels,
  fetch: (input, init) => fetch(input, init),
  objectUrl,
  afterLoad: () => void refreshOffline(),
  noticeT,
});

export const {
  start,
  loadModel,
  openModelFiles,
  convertCheckpoint,
  openFiles,
  loadLabels,
  setLabelLanguage,
  cancelModelLoad,
  classifyFiles,
  classifyFrame,
  comparePresets,
  loadAndComparePresets,
  effectivePreset,
  crashWorkerForTest,
  compareOtherPrecision,
  loadCompareModel,
  compareClient,
  sourceOf,
  engineClient,
} = controller;
