/**
 * Raw DEFLATE through the platform's DecompressionStream (browsers and Node 20), into a buffer of
 * the size the zip declares. Output beyond that size stops the stream at once, so a small entry
 * that claims little and expands to gigabytes (a zip bomb) costs no more than its claim.
 */
import { isLensError } from '../errors';
import { allocate, corrupt, unsupported } from './fail';

const CHUNK = 1 << 20;

export async function inflateRaw(
  data: Uint8Array,
  size: number,
  name: string,
): Promise<Uint8Array> {
  if (typeof DecompressionStream === 'undefined') {
    throw unsupported(
      `'${name}' is compressed and this environment has no DecompressionStream`,
      'use a current browser or Node 20',
    );
  }
  const out = allocate(size, `'${name}'`);
  const stream = new DecompressionStream('deflate-raw');
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  // Written concurrently with the reads below: a write resolves only once its output is taken.
  const writing = (async () => {
    for (let i = 0; i < data.length; i += CHUNK)
      await writer.write(data.subarray(i, i + CHUNK) as Uint8Array<ArrayBuffer>);
    await writer.close();
  })();
  writing.catch(() => undefined);
  let pos = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value.length > size - pos) {
        await reader.cancel().catch(() => undefined);
        throw corrupt(
          `'${name}' expands beyond the ${size.toLocaleString('en-US')} bytes its zip entry declares`,
        );
      }
      out.set(value, pos);
      pos += value.length;
    }
    await writing;
  } catch (e) {
    if (isLensError(e)) throw e;
    throw corrupt(`'${name}' is not valid DEFLATE data`);
  }
  if (pos !== size) {
    throw corrupt(
      `'${name}' expands to ${pos.toLocaleString('en-US')} bytes, but its zip entry declares ${size.toLocaleString('en-US')}`,
    );
  }
  return out;
}
