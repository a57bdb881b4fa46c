import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256HexInSlices } from '../src/core/bytes/digest';
import { Sha256, sha256 } from '../src/core/bytes/sha256';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const node = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('sha256 (for pages without crypto.subtle)', () => {
  it('gives the FIPS 180-4 test vectors', () => {
    expect(hex(sha256(new TextEncoder().encode('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(hex(sha256(new Uint8Array(0)))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('equals Node for every length around the block and padding boundaries, and at offsets', () => {
    const data = randomBytes(300);
    for (let n = 0; n <= 200; n++)
      expect(hex(sha256(data.subarray(0, n))), `${n}`).toBe(node(data.subarray(0, n)));
    const inner = data.subarray(7, 7 + 129);
    expect(hex(sha256(inner))).toBe(node(inner));
    const big = randomBytes(1 << 20);
    expect(hex(sha256(big))).toBe(node(big));
  });
});

describe('Sha256 (incremental) and sha256HexInSlices', () => {
  it('gives the one-shot digest for any split into pieces, across block boundaries', () => {
    const data = randomBytes(1000);
    for (const cuts of [
      [0],
      [1],
      [63],
      [64],
      [65],
      [3, 70, 200],
      [128, 129, 130, 999],
      [500, 500],
    ]) {
      const h = new Sha256();
      let at = 0;
      for (const c of cuts) {
        h.update(data.subarray(at, c));
        at = c;
      }
      h.update(data.subarray(at));
      expect(hex(h.digest()), cuts.join(',')).toBe(node(data));
    }
  });

  it('refuses to be used after its digest', () => {
    const h = new Sha256().update(new Uint8Array(3));
    h.digest();
    expect(() => h.update(new Uint8Array(1))).toThrow(/after digest/);
    expect(() => h.digest()).toThrow(/twice/);
  });

  it('hashes in slices, pausing between them (not after the last), to the same hex as Node', async () => {
    const data = randomBytes(10_000);
    for (const slice of [64, 1000, 3333, 10_000, 20_000]) {
      let pauses = 0;
      const got = await sha256HexInSlices(data, () => Promise.resolve(pauses++), slice);
      expect(got, `${slice}`).toBe(node(data));
      expect(pauses, `${slice}`).toBe(Math.ceil(data.length / slice) - 1);
    }
    expect(await sha256HexInSlices(new Uint8Array(0), () => Promise.resolve())).toBe(
      node(new Uint8Array(0)),
    );
  });
});
