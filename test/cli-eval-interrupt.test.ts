/**
 * Issue 12, row 3: Ctrl-C in `eval --out` writes the results gathered so far, marked partial, and
 * exits 130. The CLI runs on a pseudo-terminal (util-linux `script`), as a user's does: its
 * progress bar is what the test waits for, and the Ctrl-C is the byte ^C typed into the terminal,
 * which the terminal turns into SIGINT for the foreground process. No sleeps: the test acts on the
 * CLI's output, and the dataset (4,000 images) is far too large to finish in the moment it takes.
 * Each result's top-5 is PyTorch's for its image (e2e/fixtures/references.json).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IMAGES, references, ROOT, TINY_MODEL } from './helpers/fixtures';

const TOTAL = 4000;
const WNID = readFileSync(resolve(ROOT, 'src/data/imagenet1k-wnids.txt'), 'utf8').split('\n')[0]!;
const SOURCES = Object.keys(references.images).filter((n) => n.endsWith('.png'));
const hasScript = spawnSync('script', ['--version']).status === 0;

/** `TOTAL` hard links (no copies) cycling over the PNG fixtures, in one class folder. */
function dataset(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lens-eval-interrupt-'));
  mkdirSync(join(dir, WNID));
  for (let i = 0; i < TOTAL; i++) {
    const source = SOURCES[i % SOURCES.length]!;
    linkSync(join(IMAGES, source), join(dir, WNID, `${String(i).padStart(5, '0')}-${source}`));
  }
  return dir;
}

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

describe('Ctrl-C in eval: a partial result is written, never a torn file', () => {
  const dir = dataset();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!hasScript)(
    'writes the results so far to --out, marked partial, each PyTorch top-5, and exits 130',
    async () => {
      const out = join(dir, 'out.json');
      const command = [
        process.execPath,
        '--import',
        'tsx',
        resolve(ROOT, 'src/cli/index.ts'),
        'eval',
        '--model',
        TINY_MODEL,
        '--data',
        dir,
        '--out',
        out,
      ]
        .map(quote)
        .join(' ');
      // -e: script exits with the command's status; -f: output as it comes.
      const child = spawn('script', ['-qefc', command, '/dev/null'], {
        cwd: ROOT,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let output = '';
      let doneAtCtrlC = 0;
      const exited = new Promise<number | null>((settle) => child.on('close', settle));
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        output += chunk;
        // The progress bar: "eval [###   ] 12/4000 …", redrawn in place.
        const counts = [...output.matchAll(/eval \[[# ]*\] (\d+)\/(\d+)/g)];
        const last = counts.at(-1);
        if (doneAtCtrlC === 0 && last && Number(last[1]) >= 1) {
          doneAtCtrlC = Number(last[1]);
          child.stdin.write('\x03');
        }
      });
      const status = await exited;
      expect(doneAtCtrlC, output).toBeGreaterThanOrEqual(1);
      expect(status, output).toBe(130);
      expect(existsSync(out), output).toBe(true);
      const report = JSON.parse(readFileSync(out, 'utf8')) as {
        partial?: boolean;
        count: number;
        skipped: unknown[];
        results: { file: string; top5: number[]; probability: number }[];
      };
      expect(report.partial).toBe(true);
      expect(report.skipped).toEqual([]);
      // At least what the bar showed when ^C was typed; far from all of it.
      expect(report.results.length).toBeGreaterThanOrEqual(doneAtCtrlC);
      expect(report.results.length).toBeLessThan(TOTAL);
      expect(report.count).toBe(report.results.length);
      console.log(
        `eval interrupted at ${doneAtCtrlC}/${TOTAL} on the bar: ${report.results.length} results written`,
      );
      for (const r of report.results) {
        const source = r.file.split('/').pop()!.replace(/^\d+-/, '');
        const ref = references.images[source]!;
        expect(r.top5, r.file).toEqual(ref.top5.map((t) => t.index));
        expect(Math.abs(r.probability - ref.top5[0]!.probability), r.file).toBeLessThan(1e-5);
      }
      // Every result is one of the images in order from the start: none skipped, none twice.
      const names = report.results.map((r) => r.file.split('/').pop()!);
      expect(new Set(names).size).toBe(names.length);
      const indices = names.map((n) => Number(n.slice(0, 5))).sort((a, b) => a - b);
      expect(indices).toEqual(indices.map((_, i) => i));
    },
  );
});
