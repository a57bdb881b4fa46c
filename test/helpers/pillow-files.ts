/**
 * Runs test/helpers/make_bmp_ico.py: BMP, ICO and WebP files with Pillow's decoded pixels, made at
 * test time. Without python3-PIL the caller skips, saying why, unless CI is set: there a missing
 * reference is a failure, never a silent skip.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './fixtures';

export interface PillowFile {
  file: string;
  size?: [number, number];
  mode?: string;
  error?: string;
}

export interface PillowFiles {
  dir: string;
  files: Record<string, PillowFile>;
  bytes: (name: string) => Uint8Array;
  rgb: (name: string) => Uint8Array;
}

export const PILLOW_MISSING =
  'skipped: /usr/bin/python3 with PIL (python3-pil) is needed to make the reference files';

export function pillowAvailable(): boolean {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import PIL.Image, PIL.features'], {
    encoding: 'utf8',
  });
  if (r.status === 0) return true;
  if (process.env['CI']) throw new Error(`CI is set but ${PILLOW_MISSING}: ${r.stderr ?? r.error}`);
  return false;
}

export function makePillowFiles(): PillowFiles {
  const dir = mkdtempSync(join(tmpdir(), 'pillow-files-'));
  const r = spawnSync('/usr/bin/python3', [join(ROOT, 'test/helpers/make_bmp_ico.py'), dir], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`make_bmp_ico.py failed: ${r.stderr}`);
  const files = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<
    string,
    PillowFile
  >;
  return {
    dir,
    files,
    bytes: (name) => new Uint8Array(readFileSync(join(dir, files[name]!.file))),
    rgb: (name) => new Uint8Array(readFileSync(join(dir, `${name}.rgb`))),
  };
}
