import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../src/core/bytes/sha256';

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
