import { readFileSync } from 'node:fs';
import { crc32 as zlibCrc32, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../src/core/bytes/crc32';
import { readCheckpoint } from '../src/core/checkpoint/torch';
import { openZip } from '../src/core/checkpoint/zip';
import { lensRejection } from './helpers/errors';

interface Entry {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
  /** Lie about the uncompressed size in the directory. */
  size?: number;
  flags?: number;
  method?: number;
}

/** A plain zip (no ZIP64) written the simple way: local header, data, central directory. */
function zipOf(entries: Entry[], comment = ''): Uint8Array {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const body = e.deflate ? deflateRawSync(e.data) : Buffer.from(e.data);
    const method = e.method ?? (e.deflate ? 8 : 0);
    const size = e.size ?? e.data.length;
    const crc = zlibCrc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.flags ?? 0, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(e.flags ?? 0, 8);
    dir.writeUInt16LE(method, 10);
    dir.writeUInt32LE(crc, 16);
    dir.writeUInt32LE(body.length, 20);
    dir.writeUInt32LE(size, 24);
    dir.writeUInt16LE(name.length, 28);
    dir.writeUInt32LE(offset, 42);
    parts.push(local, name, body);
    central.push(dir, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(comment.length, 20);
  return new Uint8Array(Buffer.concat([...parts, cd, end, Buffer.from(comment)]));
}

const load = (name: string) =>
  new Uint8Array(readFileSync(new URL(`./data/checkpoints/${name}`, import.meta.url)));

/** The entries of a fixture, re-read with Node's own unzip-free parsing: via our reader. */
async function entriesOf(name: string): Promise<Entry[]> {
  const zip = openZip(load(name), { maxTotalSize: 1e9 });
  return Promise.all(
    [...zip.entries.values()].map(async (e) => ({
      name: e.name,
      data: (await zip.read(e)).slice(),
    })),
  );
}

describe('zip reader', () => {
  it('computes the same CRC-32 as zlib', () => {
    const data = new Uint8Array(100_003).map((_, i) => (i * 2654435761) >>> 24);
    expect(crc32(data)).toBe(zlibCrc32(data));
    expect(crc32(data.subarray(0, 7))).toBe(zlibCrc32(data.subarray(0, 7)));
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('reads a checkpoint re-zipped without torch: DEFLATE, no padding, a comment, no folder', async () => {
    const entries = (await entriesOf('bare.pth')).map((e) => ({
      ...e,
      name: e.name.replace(/^bare\//, ''),
      deflate: true,
    }));
    const ckpt = await readCheckpoint(zipOf(entries, 'made by hand'));
    const reference = await readCheckpoint(load('bare.pth'));
    expect(ckpt.stateDict).toEqual(reference.stateDict);
  });

  it('refuses a deflated entry that expands past the size limit (zip bomb)', async () => {
    const bomb = zipOf([{ name: 'x/data.pkl', data: new Uint8Array(8 << 20), deflate: true }]);
    expect(bomb.length).toBeLessThan(20_000);
    expect(await lensRejection(readCheckpoint(bomb, { maxBytes: 1 << 20 }))).toEqual({
      code: 'unsafe-checkpoint',
      message:
        'Refused: the zip archive would expand to 8,388,608 bytes, more than the limit of 1,048,576; this is how a zip bomb exhausts memory.',
    });
  });

  it('stops inflating an entry at the size it declares', async () => {
    const liar = zipOf([
      { name: 'x/data.pkl', data: new Uint8Array(8 << 20), deflate: true, size: 1000 },
    ]);
    expect(await lensRejection(readCheckpoint(liar))).toEqual({
      code: 'corrupt-checkpoint',
      message:
        "The checkpoint file is damaged: 'x/data.pkl' expands beyond the 1,000 bytes its zip entry declares. Download or copy it again.",
    });
  });

  it('refuses data that is not DEFLATE', async () => {
    const bad = zipOf([{ name: 'x/data.pkl', data: new Uint8Array([1, 2, 3]), method: 8 }]);
    expect((await lensRejection(readCheckpoint(bad))).message).toBe(
      "The checkpoint file is damaged: 'x/data.pkl' is not valid DEFLATE data. Download or copy it again.",
    );
  });

  it('reads ZIP64 records (the torch-written fixture, rewritten with 64-bit sizes)', async () => {
    const ckpt = await readCheckpoint(load('zip64.pth'));
    expect(ckpt.stateDict.size).toBe(12);
  });

  it.each([
    ['an encrypted entry', { flags: 1 }, 'unsupported-checkpoint', /is encrypted/],
    ['an unknown compression method', { method: 12 }, 'unsupported-checkpoint', /method 12/],
  ] as const)('refuses %s', async (_, change, code, message) => {
    const zip = zipOf([
      { name: 'x/data.pkl', data: new Uint8Array([0x80, 2, 0x4e, 0x2e]), ...change },
    ]);
    const error = await lensRejection(readCheckpoint(zip));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it('refuses directories and entries that do not fit in the file', async () => {
    const good = zipOf([{ name: 'x/data.pkl', data: new Uint8Array([0x80, 2, 0x4e, 0x2e]) }]);
    const view = new DataView(good.buffer);
    const end = good.length - 22;

    const farDirectory = good.slice();
    new DataView(farDirectory.buffer).setUint32(end + 16, 1e6, true);
    expect(await lensRejection(readCheckpoint(farDirectory))).toEqual({
      code: 'corrupt-checkpoint',
      message: expect.stringMatching(
        /its zip directory \(1 entries, \d+ bytes at 1000000\) does not fit in the file/,
      ) as unknown,
    });

    const manyEntries = good.slice();
    new DataView(manyEntries.buffer).setUint16(end + 10, 5000, true);
    expect((await lensRejection(readCheckpoint(manyEntries))).code).toBe('corrupt-checkpoint');

    const hugeEntry = good.slice();
    const cd = view.getUint32(end + 16, true);
    new DataView(hugeEntry.buffer).setUint32(cd + 20, 0x7fffffff, true);
    expect((await lensRejection(readCheckpoint(hugeEntry))).message).toMatch(
      /the zip entry 'x\/data.pkl' claims 2147483647 bytes that are not in the file/,
    );
  });

  it('reads the first of two entries with the same name, as torch does', async () => {
    const pickle = (v: number) => new Uint8Array([0x80, 2, 0x4b, v, 0x2e]);
    const zip = openZip(
      zipOf([
        { name: 'x/a', data: pickle(1) },
        { name: 'x/a', data: pickle(2) },
      ]),
      { maxTotalSize: 1e6 },
    );
    expect(Array.from(await zip.read(zip.entries.get('x/a')!))).toEqual(Array.from(pickle(1)));
  });
});
