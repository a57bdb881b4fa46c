/**
 * An ArrayBuffer holding exactly a view's bytes, to hand over (a worker transfer, an onnxruntime
 * external-data file, a download): the view's own buffer when the view covers all of it, else a
 * copy. Never `Buffer#slice`, which is a view of the same pool: Node's small reads share one pool,
 * and a 366-byte model read as the pool's first bytes would carry the pool's other bytes along.
 */
export function ownedBuffer(view: Uint8Array): ArrayBuffer {
  if (
    view.byteOffset === 0 &&
    view.byteLength === view.buffer.byteLength &&
    view.buffer instanceof ArrayBuffer
  )
    return view.buffer;
  const copy = new ArrayBuffer(view.byteLength);
  new Uint8Array(copy).set(view);
  return copy;
}
