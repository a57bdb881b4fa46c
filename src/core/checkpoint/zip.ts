/**
 * A minimal zip reader over bytes in memory: what torch.save writes (STORED entries, sizes in the
 * central directory, data 64-byte aligned behind padding) plus DEFLATE and ZIP64, for archives
 * rewritten by other tools or larger than 4 GB. Every offset and size is checked against the file
 * before it is used; stored entries are views into the input, never copies.
 */
import { crc32 } from '../bytes/crc32';
import { corrupt, unsafe, unsupported } from './fail';
import { inflateRaw } from './inflate';

export interface ZipEntry {
  readonly name: string;
  /** 0 STORED, 8 DEFLATE (anything else is refused when read). */
  readonly method: number;
  readonly flags: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc32: number;
  readonly localOffset: number;
}

export interface ZipOptions {
  /** Refuse archives whose entries declare more bytes than this in total (zip bombs). */
  maxTotalSize: number;
  /** Check each entry's CRC-32 when it is read (default true). */
  verifyCrc?: boolean;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_END64 = 0x06064b50;
const SIG_LOCATOR64 = 0x07064b50;
const MAX16 = 0xffff;
const MAX32 = 0xffffffff;

const utf8 = new TextDecoder('utf-8');

export class ZipArchive {
  /** By name; the first of duplicate names wins. */
  readonly entries = new Map<string, ZipEntry>();
  private readonly view: DataView;
  private readonly dataEnd: number;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly options: ZipOptions,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const end = this.findEnd();
    const dir = this.directory(end);
    this.dataEnd = dir.offset;
    this.readDirectory(dir);
  }

  /** The entry's bytes: a view for STORED entries, a new buffer for DEFLATE ones. */
  async read(entry: ZipEntry): Promise<Uint8Array> {
    if (entry.flags & 1)
      throw unsupported(`'${entry.name}' is encrypted`, 'save it again without a password');
    if (entry.method !== 0 && entry.method !== 8) {
      throw unsupported(
        `'${entry.name}' uses zip compression method ${entry.method}`,
        're-zip it with STORED or DEFLATE entries',
      );
    }
    const at = entry.localOffset;
    if (at + 30 > this.dataEnd || this.u32(at) !== SIG_LOCAL) {
      throw corrupt(`the zip entry '${entry.name}' is missing its local header`);
    }
    const start = at + 30 + this.u16(at + 26) + this.u16(at + 28);
    if (start + entry.compressedSize > this.dataEnd) {
      throw corrupt(`the zip entry '${entry.name}' runs past the end of the file's data`);
    }
    const raw = this.bytes.subarray(start, start + entry.compressedSize);
    const data = entry.method === 0 ? raw : await inflateRaw(raw, entry.size, entry.name);
    if (this.options.verifyCrc !== false && crc32(data) !== entry.crc32) {
      throw corrupt(`the zip entry '${entry.name}' fails its CRC-32 check`);
    }
    return data;
  }

  private u16(at: number): number {
    return this.view.getUint16(at, true);
  }

  private u32(at: number): number {
    return this.view.getUint32(at, true);
  }

  private u64(at: number): number {
    const v = this.view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt('a ZIP64 size is beyond any real file');
    return Number(v);
  }

  /** The end-of-central-directory record: the last one whose comment fits in the file. */
  private findEnd(): number {
    const b = this.bytes;
    for (let i = b.length - 22; i >= Math.max(0, b.length - 22 - MAX16); i--) {
      if (b[i] === 0x50 && this.u32(i) === SIG_END && i + 22 + this.u16(i + 20) <= b.length)
        return i;
    }
    throw corrupt('the end of its zip archive is missing, so the file is cut short');
  }

  private directory(end: number): { count: number; size: number; offset: number; limit: number } {
    let count = this.u16(end + 10);
    let size = this.u32(end + 12);
    let offset = this.u32(end + 16);
    let limit = end;
    if (this.u16(end + 4) !== 0 || this.u16(end + 6) !== 0) {
      throw unsupported('it is a zip archive split across several files', 'join the parts first');
    }
    const loc = end - 20;
    if (
      (count === MAX16 || size === MAX32 || offset === MAX32) &&
      loc >= 0 &&
      this.u32(loc) === SIG_LOCATOR64
    ) {
      const at = this.u64(loc + 8);
      if (at + 56 > loc || this.u32(at) !== SIG_END64)
        throw corrupt('its ZIP64 end record is missing');
      count = this.u64(at + 32);
      size = this.u64(at + 40);
      offset = this.u64(at + 48);
      limit = at;
    }
    if (offset + size > limit || count * 46 > size) {
      throw corrupt(
        `its zip directory (${count} entries, ${size} bytes at ${offset}) does not fit in the file`,
      );
    }
    return { count, size, offset, limit };
  }

  private readDirectory(dir: { count: number; size: number; offset: number }): void {
    const end = dir.offset + dir.size;
    let at = dir.offset;
    let total = 0;
    for (let i = 0; i < dir.count; i++) {
      if (at + 46 > end || this.u32(at) !== SIG_CENTRAL)
        throw corrupt(`zip directory entry ${i} is damaged`);
      const nameLength = this.u16(at + 28);
      const extraLength = this.u16(at + 30);
      const next = at + 46 + nameLength + extraLength + this.u16(at + 32);
      if (next > end) throw corrupt(`zip directory entry ${i} runs past the directory`);
      const name = utf8.decode(this.bytes.subarray(at + 46, at + 46 + nameLength));
      const sizes = {
        size: this.u32(at + 24),
        compressedSize: this.u32(at + 20),
        localOffset: this.u32(at + 42),
      };
      this.zip64Extra(at + 46 + nameLength, extraLength, sizes, name);
      const entry: ZipEntry = {
        name,
        method: this.u16(at + 10),
        flags: this.u16(at + 8),
        crc32: this.u32(at + 16),
        ...sizes,
      };
      if (entry.localOffset + 30 + entry.compressedSize > dir.offset) {
        throw corrupt(
          `the zip entry '${name}' claims ${entry.compressedSize} bytes that are not in the file`,
        );
      }
      if (entry.method === 0 && entry.size !== entry.compressedSize) {
        throw corrupt(`the stored zip entry '${name}' has two different sizes`);
      }
      total += entry.size;
      if (!this.entries.has(name)) this.entries.set(name, entry);
      at = next;
    }
    this.checkTotal(total);
  }

  /** ZIP64 extended information: 64-bit values for the fields saturated at 0xFFFFFFFF, in order. */
  private zip64Extra(
    at: number,
    length: number,
    sizes: { size: number; compressedSize: number; localOffset: number },
    name: string,
  ): void {
    const end = at + length;
    while (at + 4 <= end) {
      const id = this.u16(at);
      const fieldEnd = at + 4 + this.u16(at + 2);
      if (fieldEnd > end) throw corrupt(`the zip entry '${name}' has a damaged extra field`);
      if (id === 1) {
        let p = at + 4;
        for (const key of ['size', 'compressedSize', 'localOffset'] as const) {
          if (sizes[key] !== MAX32) continue;
          if (p + 8 > fieldEnd) throw corrupt(`the zip entry '${name}' has a short ZIP64 field`);
          sizes[key] = this.u64(p);
          p += 8;
        }
      }
      at = fieldEnd;
    }
  }

  private checkTotal(total: number): void {
    const limit = this.options.maxTotalSize;
    if (total <= limit) return;
    const sizes = `${total.toLocaleString('en-US')} bytes, more than the limit of ${limit.toLocaleString('en-US')}`;
    // Stored data cannot exceed the file; expansion past both the file and the limit is a bomb.
    if (total > this.bytes.length) {
      throw unsafe(
        `the zip archive would expand to ${sizes}`,
        'this is how a zip bomb exhausts memory',
      );
    }
    throw unsupported(
      `its contents take ${sizes}`,
      'raise the limit if this machine has the memory',
    );
  }
}

export function openZip(bytes: Uint8Array, options: ZipOptions): ZipArchive {
  if (bytes.length < 22) throw corrupt('the zip archive is cut short');
  return new ZipArchive(bytes, options);
}
