/**
 * Issue 12, row 11: `eval --merge` checks each file before merging. A file that is not JSON, or
 * JSON that is not an `eval --out` result, is refused by name with what is wrong, never a
 * TypeError, and nothing is merged.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseShardReport } from '../src/core/data/eval';
import { lensError } from './helpers/errors';
import { ROOT } from './helpers/fixtures';

const tail = '. --merge takes the JSON files that eval --out wrote.';
const good = {
  model: 'm.onnx',
  data: '/d',
  layout: 'wnid-folders',
  preset: 'torchvision-256-224',
  seconds: 2,
  skipped: [],
  results: [{ file: 'a/1.jpg', label: 3, top5: [3, 1, 2, 4, 5], probability: 0.5 }],
};

describe('eval --merge inputs (row 11)', () => {
  it('names the file and what is wrong with it', () => {
    const cases: [string, string][] = [
      ['{"model": "m"', 'it is not JSON ('],
      ['[1, 2]', 'it holds a list, not an object'],
      ['"text"', 'it holds string, not an object'],
      [JSON.stringify({ ...good, results: undefined }), 'it has no "results" list'],
      [JSON.stringify({ ...good, results: { a: 1 } }), 'it has no "results" list'],
      [
        JSON.stringify({ ...good, results: [...good.results, { file: 'b', top5: 'x' }] }),
        "results[1] is not an image's result ({file, label, top5, probability})",
      ],
      [JSON.stringify({ ...good, model: 7 }), 'it has no "model" name'],
      [
        JSON.stringify({ ...good, skipped: 'x' }),
        'its "skipped" entry is not a list of {file, error}',
      ],
    ];
    for (const [text, why] of cases) {
      const e = lensError(() => parseShardReport(text, 'shard-1.json'));
      expect(e.code, text).toBe('bad-dataset');
      expect(e.message, text).toMatch(/^shard-1\.json is not a result of eval --out: /);
      expect(e.message, text).toContain(why);
      expect(e.message.endsWith(tail), text).toBe(true);
    }
    expect(parseShardReport(JSON.stringify(good), 'ok.json').results).toEqual(good.results);
  });

  it('the CLI exits 1 with that message, and merges good files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lens-merge-'));
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    writeFileSync(a, JSON.stringify(good));
    writeFileSync(b, JSON.stringify({ model: 'm.onnx', preset: 'torchvision-256-224' }));
    const run = (...files: string[]) =>
      spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          resolve(ROOT, 'src/cli/index.ts'),
          'eval',
          '--merge',
          ...files,
          '--json',
        ],
        { cwd: ROOT, encoding: 'utf8' },
      );
    const bad = run(a, b);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(`${b} is not a result of eval --out: it has no "results" list`);
    expect(bad.stderr).not.toMatch(/TypeError|not iterable/);
    expect(bad.stdout).toBe('');
    const missing = run(a, join(dir, 'nope.json'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(`Cannot read ${join(dir, 'nope.json')}: ENOENT`);
    const ok = run(a);
    expect(ok.status, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as { count: number }).count).toBe(1);
  });
});
