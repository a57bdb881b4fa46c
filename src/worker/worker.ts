/// <reference lib="webworker" />
/** The worker entry: the engine over the browser's decoder, onnxruntime-web, the lens kernels and fetch. */
import labelsText from '../data/imagenet1k-labels.txt?raw';
import { parseLabels } from '../core/data/labels';
import { Engine } from '../engine/engine';
import { decodeFrame, decodeInWorker } from './decode-browser';
import { backendWithFaults, withFaults } from './faults';
import { fetchModel } from './fetch-model';
import { lensWebBackend } from './lens-web';
import { createWebSession, startWebRuntime } from './ort-web';
import type { Faults } from './protocol';
import { serve } from './serve';
import { makeThumbnail } from './thumbnail';

declare const self: DedicatedWorkerGlobalScope;

const faults: Faults = {};
const engine = new Engine<ImageBitmap>({
  decode: decodeInWorker,
  decodeFrame,
  makeThumbnail,
  createSession: withFaults(createWebSession, faults),
  // The project's own WebAssembly kernels run every graph they can on WASM (`?kernels=onnxruntime`:
  // none); onnxruntime-web the rest, and WebGPU.
  backends: [backendWithFaults(lensWebBackend(), faults)],
  startRuntime: startWebRuntime,
  // Cache Storage as the browser has it; what is downloaded (a model, its data) decides the checks.
  fetchModel: (url, onProgress, signal, options) =>
    fetchModel(url, onProgress, signal, undefined, options),
  labels: { name: 'ImageNet-1k', labels: parseLabels(labelsText).labels },
});

// serve() listens with addEventListener, not `self.onmessage =`: onnxruntime-web's thread
// workers may load this chunk, and an assignment would replace their own handler.
serve(engine, self, faults);
