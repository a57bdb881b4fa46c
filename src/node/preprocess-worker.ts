/** A worker thread: reads, decodes and preprocesses one image per message, off the inference thread. */
import { readFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { serializeError } from '../core/errors';
import { PRESETS } from '../core/preprocess/preprocess';
import { preprocess } from '../core/preprocess/preprocess';
import { decodeBytes } from './decode-node';
import type { PoolRequest, PoolResponse } from './preprocess-pool';

const port = parentPort!;
port.on('message', (request: PoolRequest) => {
  void (async () => {
    let reply: PoolResponse;
    try {
      // A path in bytes (a name that is not UTF-8) arrives as a plain Uint8Array.
      const path = typeof request.path === 'string' ? request.path : Buffer.from(request.path);
      const decoded = await decodeBytes(new Uint8Array(await readFile(path)), request.exif);
      const pre = preprocess(decoded.image, PRESETS[request.preset]);
      reply = { id: request.id, ok: true, tensor: pre.tensor, rotated: decoded.rotated };
      port.postMessage(reply, [pre.tensor.buffer as ArrayBuffer]);
    } catch (e) {
      reply = { id: request.id, ok: false, error: serializeError(e) };
      port.postMessage(reply);
    }
  })();
});
