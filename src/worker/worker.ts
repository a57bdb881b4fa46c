/// <reference lib="webworker" />
/** The worker entry: wires the handler to the browser's decoder, onnxruntime-web and fetch. */
import labelsText from '../data/imagenet1k-labels.txt?raw';
import { parseLabels } from '../core/data/labels';
import { decodeFrame, decodeInWorker } from './decode-browser';
import { fetchModelCached } from './fetch-model';
import { createHandler } from './handler';
import { createWebSession } from './ort-web';
import { makeThumbnail } from './thumbnail';
import type { Request, Response } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

const handle = createHandler(
  {
    decode: decodeInWorker,
    decodeFrame,
    makeThumbnail,
    createSession: createWebSession,
    fetchModel: fetchModelCached,
    labels: parseLabels(labelsText).labels,
  },
  (message: Response, transfer: Transferable[] = []) => self.postMessage(message, transfer),
);

// addEventListener, not `self.onmessage =`: onnxruntime-web's thread workers may load this
// chunk, and an assignment would replace their own handler.
self.addEventListener('message', (event: MessageEvent<Request>) => {
  void handle(event.data);
});
