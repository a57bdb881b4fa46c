/**
 * Seeded fuzzing: mutated fixtures and noise must either read or fail with a LensError that names
 * the file's fault (never 'internal', never another exception), and every input must finish fast.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findWeights } from '../src/core/checkpoint/layout';
import { storageLoader } from '../src/core/checkpoint/persistent';
import { unpickle } from '../src/core/checkpoint/pickle';
import { toPlainRecord } from '../src/core/checkpoint/plain';
import { readCheckpoint } from '../src/core/checkpoint/torch';
import { openZip } from '../src/core/checkpoint/zip';
import { isLensError } from '../src/core/errors';

const FILE_FAULTS = new Set([
  'not-a-checkpoint',
  'corrupt-checkpoint',
  'unsafe-checkpoint',
  'unsupported-checkpoint',
]);

const load = (name: string) =>
  new Uint8Array(readFileSync(new URL(`./data/checkpoints/${name}`, import.meta.url)));

/** mulberry32: small, seeded, good enough to pick mutations. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(src: Uint8Array, random: () => number): Uint8Array {
  let b = src.slice();
  const int = (n: number) => Math.floor(random() * n);
  const rounds = 1 + int(4);
  for (let r = 0; r < rounds && b.length > 0; r++) {
    const at = int(b.length);
    switch (int(6)) {
      case 0:
        b[at] = b[at]! ^ (1 << int(8));
        break;
      case 1:
        b[at] = [0, 0xff, 0x7f, 0x80, 0x28, 0x2e][int(6)]!;
        break;
      case 2:
        b = b.slice(0, at);
        break;
      case 3: {
        const v = new DataView(b.buffer);
        if (at + 4 <= b.length)
          v.setUint32(at, [0xffffffff, 0x7fffffff, int(1 << 20)][int(3)]!, true);
        break;
      }
      case 4: {
        const len = 1 + int(64);
        b = new Uint8Array([...b.subarray(0, at), ...b.subarray(at + len)]);
        break;
      }
      default: {
        const chunk = b.subarray(at, at + 1 + int(32));
        b = new Uint8Array([...b.subarray(0, at), ...chunk, ...b.subarray(at)]);
      }
    }
  }
  return b;
}

function expectFileFault(e: unknown, input: string): void {
  if (!isLensError(e) || !FILE_FAULTS.has(e.code)) {
    throw new Error(`${input}: ${e instanceof Error ? `${e.name} ${e.message}` : String(e)}`);
  }
}

describe('fuzz', () => {
  it('the pickle VM and the layout walk survive mutated pickles', async () => {
    const pickles: Uint8Array[] = [];
    for (const name of [
      'bare.pth',
      'training.pth',
      'views.pth',
      'protocol4.pth',
      'pickled_module.pth',
    ]) {
      const zip = openZip(load(name), { maxTotalSize: 1e9 });
      const entry = [...zip.entries.values()].find((e) => e.name.endsWith('data.pkl'))!;
      pickles.push((await zip.read(entry)).slice());
    }
    for (let p = 0; p <= 5; p++) pickles.push(load(`pickles/sample_p${p}.pkl`));

    const random = rng(1234);
    let slowest = 0;
    for (let i = 0; i < 3000; i++) {
      const input = mutate(pickles[i % pickles.length]!, random);
      const start = performance.now();
      try {
        const { value } = unpickle(input, { persistentLoad: storageLoader(new Map()) });
        const found = findWeights(value);
        JSON.stringify(toPlainRecord(found.rest));
      } catch (e) {
        expectFileFault(e, `pickle #${i}`);
      }
      slowest = Math.max(slowest, performance.now() - start);
    }
    expect(slowest).toBeLessThan(1000);
  });

  it('the pickle VM survives random opcode programs (allow-listed calls with odd arguments)', () => {
    const snippets = [
      '(',
      ')',
      ']',
      '}',
      'N',
      '\x88',
      'K\x01',
      'K\x00',
      'J\xff\xff\xff\xff',
      'G\x7f\xf0\x00\x00\x00\x00\x00\x00',
      'X\x01\x00\x00\x00a',
      'C\x02ab',
      'a',
      'e',
      's',
      'u',
      't',
      'l',
      'd',
      '\x85',
      '\x86',
      '\x87',
      '\x8f',
      '\x90',
      '\x91',
      'R',
      'b',
      '\x81',
      '0',
      '1',
      '2',
      'Q',
      'q\x00',
      'h\x00',
      '\x94',
      'j\x00\x00\x00\x00',
      'cbuiltins\nset\n',
      'ccollections\nOrderedDict\n',
      'c_codecs\nencode\n',
      'ccopy_reg\n_reconstructor\n',
      'ctorch._utils\n_rebuild_tensor_v2\n',
      'ctorch._utils\n_rebuild_parameter\n',
      'ctorch._tensor\n_rebuild_from_type_v2\n',
      'ctorch\nFloatStorage\n',
      'ctorch\nfloat16\n',
      'ctorch\nSize\n',
      'cyacs.config\nCfgNode\n',
      'c__proto__\nconstructor\n',
      'X\x0b\x00\x00\x00constructor',
      '(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQ',
    ];
    const random = rng(77);
    for (let i = 0; i < 3000; i++) {
      let program = '\x80\x02';
      const n = 1 + Math.floor(random() * 40);
      for (let k = 0; k < n; k++) program += snippets[Math.floor(random() * snippets.length)]!;
      const input = Uint8Array.from(`${program}.`, (c) => c.charCodeAt(0));
      try {
        const { value } = unpickle(input, { persistentLoad: storageLoader(new Map()) });
        JSON.stringify(toPlainRecord(new Map([['v', value]])));
        findWeights(value);
      } catch (e) {
        expectFileFault(e, `program #${i} ${JSON.stringify(program)}`);
      }
    }
  });

  it('readCheckpoint survives mutated files and noise', async () => {
    const files = [
      'bare.pth',
      'legacy.pth',
      'dtypes.pth',
      'views.pth',
      'big_endian.pth',
      'zip64.pth',
      'deflated.pth',
      'training.pth',
    ].map(load);
    const random = rng(42);
    let slowest = 0;
    let read = 0;
    for (let i = 0; i < 1500; i++) {
      const input =
        i % 10 === 9
          ? Uint8Array.from({ length: Math.floor(random() * 300) }, () =>
              Math.floor(random() * 256),
            )
          : mutate(files[i % files.length]!, random);
      const start = performance.now();
      try {
        const ckpt = await readCheckpoint(input, { verifyCrc: false, maxBytes: 16 << 20 });
        JSON.stringify(ckpt.extras);
        read++;
      } catch (e) {
        expectFileFault(e, `file #${i}`);
      }
      slowest = Math.max(slowest, performance.now() - start);
    }
    expect(slowest).toBeLessThan(2000);
    expect(read).toBeGreaterThan(100); // many mutations land in weights and still read
  });
});
