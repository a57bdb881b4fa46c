/** A SHA-256 as lowercase hex: the platform's digest where it exists, else the plain one here. */
import { sha256 } from './sha256';

export async function sha256Hex(bytes: Uint8Array | Float32Array): Promise<string> {
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Not a secure context (plain http from another machine): no crypto.subtle, hash in JS.
  const subtle = globalThis.crypto?.subtle as SubtleCrypto | undefined;
  const digest = subtle ? await subtle.digest('SHA-256', view.slice()) : sha256(view);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
