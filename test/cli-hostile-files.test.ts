/**
 * Issue 12, rows 1, 2, 3 and 11 (first round's fixes, tested here): `eval` and `classify` on
 * folders holding a 0-byte image, a dangling symbolic link, a link loop and a FIFO named `.jpg`.
 * Every unreadable entry is reported with its reason, the good images are all classified (as the
 * tiny model classifies them alone), nothing hangs on the FIFO, and bad numeric options are refused
 * by name. The expected top-5 come from PyTorch (e2e/fixtures/references.json).
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IMAGES, references, ROOT, TINY_MODEL } from './helpers/fixtures';

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', resolve(ROOT, 'src/cli/index.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000, // a read blocked on the FIFO would end here, failing the test
  });

const GOOD = 'chelsea.png';
const WNID = readFileSync(resolve(ROOT, 'src/data/imagenet1k-wnids.txt'), 'utf8').split('\n')[0]!;

/** A class folder: `good` copies of GOOD, then the hostile entries. */
function hostileFolder(good: number): { dir: string; folder: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lens-hostile-'));
  const folder = join(dir, WNID);
  mkdirSync(folder);
  for (let i = 0; i < good; i++)
    copyFileSync(join(IMAGES, GOOD), join(folder, `g${String(i).padStart(2, '0')}.png`));
  writeFileSync(join(folder, 'empty.jpg'), '');
  symlinkSync(join(dir, 'nowhere.jpg'), join(folder, 'dangling.jpg'));
  symlinkSync(join(folder, 'loop-b.jpg'), join(folder, 'loop-a.jpg'));
  symlinkSync(join(folder, 'loop-a.jpg'), join(folder, 'loop-b.jpg'));
  const fifo = spawnSync('mkfifo', [join(folder, 'pipe.jpg')]);
  expect(fifo.status, 'mkfifo').toBe(0);
  return { dir, folder };
}

const REASONS: Record<string, RegExp> = {
  'empty.jpg': /empty file \(0 bytes\)/,
  'dangling.jpg': /a broken symbolic link \(its target does not exist\)/,
  'loop-a.jpg': /symbolic link loop/,
  'loop-b.jpg': /symbolic link loop/,
  'pipe.jpg': /not a regular file \(a FIFO, socket or device\)/,
};

describe('hostile folder entries in the CLI', () => {
  it('eval counts each unreadable entry with its reason and finishes (rows 1, 3)', () => {
    const { dir } = hostileFolder(20);
    const out = join(dir, 'out.json');
    const r = cli('eval', '--model', TINY_MODEL, '--data', dir, '--batch', '4', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as {
      count: number;
      skipped: { file: string; error: string }[];
      results: { top5: number[] }[];
    };
    expect(report.count).toBe(20);
    const top5 = references.images[GOOD]!.top5.map((t) => t.index);
    for (const res of report.results) expect(res.top5).toEqual(top5);
    expect(report.skipped.map((s) => s.file.split('/').pop()).sort()).toEqual(
      Object.keys(REASONS).sort(),
    );
    for (const s of report.skipped)
      expect(s.error, s.file).toMatch(REASONS[s.file.split('/').pop()!]!);
  });

  it('classify keeps every good result, reports the others per file, exits 1 at the end (rows 2, 3)', () => {
    const { folder } = hostileFolder(3);
    const r = cli('classify', '--model', TINY_MODEL, '--json', folder);
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout) as { file: string; top5: { index: number }[] }[];
    expect(out).toHaveLength(3);
    const top5 = references.images[GOOD]!.top5.map((t) => t.index);
    for (const item of out) expect(item.top5.map((t) => t.index)).toEqual(top5);
    for (const [name, reason] of Object.entries(REASONS)) {
      const line = r.stderr.split('\n').find((l) => l.includes(name));
      expect(line, name).toMatch(reason);
    }
  });

  it('numeric options are checked by name (row 11)', () => {
    const { dir } = hostileFolder(1);
    for (const [option, value] of [
      ['--batch', 'abc'],
      ['--limit', 'abc'],
      ['--limit', '0'],
      ['--threads', '1.5'],
    ] as const) {
      const r = cli('eval', '--model', TINY_MODEL, '--data', dir, option, value);
      expect(r.status, `${option} ${value}`).toBe(1);
      expect(r.stderr).toContain(`${option} must be a whole number of at least 1, not "${value}".`);
    }
  });
});
