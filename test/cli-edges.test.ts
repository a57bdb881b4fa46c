/**
 * Issue 20, "The CLI and the page": the command line's last sharp edges, run as a user runs them
 * (a child process): --help everywhere, usage errors with a usage code, quantize refusing to write
 * over its input and finding external data beside the model.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IMAGES, ROOT, TINY_MODEL } from './helpers/fixtures';

function cli(args: string[], cwd = ROOT): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    // The installed command (tsx found from its own folder): it runs from any working directory.
    [resolve(ROOT, 'bin/repopt-lens.mjs'), '--lang', 'en', ...args],
    { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
  );
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const COMMANDS = ['classify', 'eval', 'compare', 'convert', 'info', 'quantize', 'bench'];

describe('--help and usage errors (finding 12)', () => {
  it('every command answers --help and -h with what it does and its usage, exit 0', () => {
    for (const name of COMMANDS) {
      for (const flag of ['--help', '-h']) {
        const r = cli([name, flag]);
        expect(r.status, `${name} ${flag}: ${r.stderr}`).toBe(0);
        const [about, blank, usage] = r.stdout.split('\n');
        expect(about!.length, name).toBeGreaterThan(20);
        expect(blank).toBe('');
        expect(usage).toMatch(new RegExp(`^usage: repopt-lens ${name} `));
        expect(r.stderr).toBe('');
      }
    }
  });

  it('repopt-lens --help describes each command in one line', () => {
    const r = cli(['--help']);
    expect(r.status).toBe(0);
    for (const name of COMMANDS) {
      const line = r.stdout.split('\n').find((l) => l.startsWith(`  ${name} `));
      expect(line, name).toMatch(new RegExp(`^  ${name} +\\S.{20,}$`));
    }
  });

  it('eval with no arguments prints its two usage lines as lines, not a literal \\n', () => {
    const r = cli(['eval']);
    expect(r.status).toBe(1);
    expect(r.stderr).not.toContain('\\n');
    expect(r.stderr).toMatch(
      /^error: usage: repopt-lens eval --model [^\n]*\nrepopt-lens eval --merge /,
    );
  });

  it('bench --runs abc is a usage error like the other counts, not an internal error', () => {
    const r = cli(['bench', '--runs', 'abc']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('error: --runs must be a whole number of at least 1, not "abc".\n');
  });

  it('an unknown option names itself and shows the usage (balanced quotes)', () => {
    const r = cli(['classify', '--bogus']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: Unknown option --bogus\.\nusage: repopt-lens classify /);
  });

  it('usage errors carry the usage code: its headline in Chinese, not "invalid input"', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        resolve(ROOT, 'src/cli/index.ts'),
        '--lang',
        'zh-CN',
        'eval',
        '--batch',
        'x',
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(r.stderr).toContain('命令行无效');
    expect(r.stderr).not.toContain('输入无效');
  });
});

const work = mkdtempSync(join(tmpdir(), 'lens-edges-'));
const calib = join(work, 'calib');
mkdirSync(calib);
for (const f of ['chelsea.png', 'rocket.jpg']) copyFileSync(join(IMAGES, f), join(calib, f));

describe('quantize -o and its input (finding 6)', () => {
  it('refuses -o naming the input, by the same path, another path, a link or a hard link', () => {
    const model = join(work, 'float.onnx');
    copyFileSync(TINY_MODEL, model);
    const before = readFileSync(model);
    symlinkSync(model, join(work, 'link.onnx'));
    linkSync(model, join(work, 'hard.onnx'));
    mkdirSync(join(work, 'sub'));
    for (const out of [
      model,
      join(work, 'sub/../float.onnx'),
      join(work, 'link.onnx'),
      join(work, 'hard.onnx'),
    ]) {
      const r = cli(['quantize', model, '--calib', calib, '-o', out]);
      expect(r.status, out).toBe(1);
      expect(r.stderr, out).toContain(
        `-o ${out} is the model being quantized: write the int8 model to another file.`,
      );
      expect(r.stderr).not.toMatch(/internal error/);
    }
    expect(Buffer.compare(readFileSync(model), before)).toBe(0);
  });
});

describe('quantize with external data (finding 7)', () => {
  /** The tiny model saved by onnx with its weights in `ext.onnx.data`, in a folder of its own. */
  function externalModel(): string {
    const dir = mkdtempSync(join(tmpdir(), 'lens-edges-ext-'));
    const made = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        `import onnx, sys
m = onnx.load(sys.argv[1])
onnx.save_model(m, sys.argv[2] + '/ext.onnx', save_as_external_data=True, all_tensors_to_one_file=True, location='ext.onnx.data', size_threshold=0)`,
        TINY_MODEL,
        dir,
      ],
      { encoding: 'utf8' },
    );
    expect(made.status, made.stderr).toBe(0);
    return dir;
  }

  interface QuantJson {
    report: { agreement: unknown; layers: unknown };
  }

  it('reads the data beside the model (not the working directory), as classify does: the same int8 model as the single file', () => {
    const dir = externalModel();
    const elsewhere = mkdtempSync(join(tmpdir(), 'lens-edges-cwd-'));
    const ext = cli(
      [
        'quantize',
        join(dir, 'ext.onnx'),
        '--calib',
        calib,
        '-o',
        join(work, 'ext-int8.onnx'),
        '--json',
      ],
      elsewhere,
    );
    expect(ext.stderr).not.toMatch(/internal error|onnxruntime/i);
    expect(ext.status, ext.stderr).toBe(0);
    const one = cli([
      'quantize',
      TINY_MODEL,
      '--calib',
      calib,
      '-o',
      join(work, 'one-int8.onnx'),
      '--json',
    ]);
    expect(one.status, one.stderr).toBe(0);
    const a = JSON.parse(ext.stdout) as QuantJson;
    const b = JSON.parse(one.stdout) as QuantJson;
    expect(a.report.agreement).toEqual(b.report.agreement);
    expect(a.report.layers).toEqual(b.report.layers);
  });

  it('names the data file and where it was looked for when it is missing', () => {
    const dir = externalModel();
    rmSync(join(dir, 'ext.onnx.data'));
    const r = cli([
      'quantize',
      join(dir, 'ext.onnx'),
      '--calib',
      calib,
      '-o',
      join(work, 'x.onnx'),
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `(ONNX external data: "ext.onnx.data"), which is not beside it. Put the data file in the model's folder`,
    );
    expect(r.stderr).not.toMatch(/internal error|onnxruntime/i);
  });
});

describe('eval --labels with a subset of the listed images (finding 8)', () => {
  const data = mkdtempSync(join(tmpdir(), 'lens-edges-subset-'));
  copyFileSync(join(IMAGES, 'chelsea.png'), join(data, 'a.png'));
  copyFileSync(join(IMAGES, 'rocket.jpg'), join(data, 'b.jpg'));
  symlinkSync('no-such-target.jpg', join(data, 'dangling.jpg'));
  const truth = join(work, 'val.txt');
  // Three of the five listed images are not usable: two absent, one a dangling link.
  writeFileSync(truth, 'a.png 1\nb.jpg 2\ndangling.jpg 3\ngone-1.jpg 4\ngone-2.jpg 5\n');

  interface Json {
    count: number;
    missing: number;
    skipped: { file: string; error: string }[];
    results: { file: string }[];
  }

  it('evaluates the images present and counts the missing ones; the dangling link is skipped with its reason', () => {
    const args = ['eval', '--model', TINY_MODEL, '--data', data, '--labels', truth];
    const json = cli([...args, '--json']);
    expect(json.status, json.stderr).toBe(0);
    const r = JSON.parse(json.stdout) as Json;
    expect(r.count).toBe(2);
    expect(r.results.map((x) => x.file)).toEqual(['a.png', 'b.jpg']);
    expect(r.missing).toBe(2);
    expect(r.skipped).toEqual([
      { file: 'dangling.jpg', error: 'a broken symbolic link (its target does not exist)' },
    ]);
    const text = cli(args);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain(
      '2 images listed in the ground-truth file are not in the folder: the figures cover the images present (--strict refuses such a run).',
    );
    expect(text.stdout).toContain(
      'dangling.jpg: a broken symbolic link (its target does not exist)',
    );
  });

  it('--strict restores the refusal, naming the absent images (not the unreadable one)', () => {
    const r = cli(['eval', '--model', TINY_MODEL, '--data', data, '--labels', truth, '--strict']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'error: The ground-truth file names 2 images not in the folder, e.g. gone-1.jpg, gone-2.jpg.\n',
    );
  });
});

describe('file names that are not UTF-8 (finding 9)', () => {
  const data = mkdtempSync(join(tmpdir(), 'lens-edges-bytes-'));
  // "café.png" in Latin-1: the byte 0xe9 alone is not UTF-8.
  const latin1 = Buffer.concat([
    Buffer.from(`${data}/caf`),
    Buffer.from([0xe9]),
    Buffer.from('.png'),
  ]);
  writeFileSync(latin1, readFileSync(join(IMAGES, 'chelsea.png')));
  copyFileSync(join(IMAGES, 'chelsea.png'), join(data, 'plain.png'));

  interface Classified {
    file: string;
    top5: { index: number; probability: number }[];
  }

  it('classify reads them, and prints the name escaped: the same answer as the same image under a UTF-8 name', () => {
    const r = cli(['classify', '--model', TINY_MODEL, '--json', data]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Classified[];
    expect(out.map((o) => o.file)).toEqual([join(data, 'caf\\xe9.png'), join(data, 'plain.png')]);
    expect(out[0]!.top5).toEqual(out[1]!.top5);
    const text = cli(['classify', '--model', TINY_MODEL, data]);
    expect(text.stdout).toContain(`${join(data, 'caf\\xe9.png')}\n`);
    expect(text.stderr).not.toMatch(/no such file/);
  });

  it('eval reads them too (through the preprocessing workers)', () => {
    const truth = join(work, 'bytes-val.txt');
    writeFileSync(truth, 'caf\\xe9.png 1\nplain.png 1\n');
    const r = cli(['eval', '--model', TINY_MODEL, '--data', data, '--labels', truth, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as { count: number; skipped: unknown[]; missing: number };
    expect(json).toMatchObject({ count: 2, skipped: [], missing: 0 });
  });
});

describe('a model with a fixed batch of 2 (finding 10)', () => {
  it('is refused at load with a plain message, in classify and eval, not an internal error', () => {
    const model = join(work, 'batch2.onnx');
    const made = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        `import onnx, sys
m = onnx.load(sys.argv[1])
for v in list(m.graph.input) + list(m.graph.output):
    v.type.tensor_type.shape.dim[0].dim_value = 2
onnx.save(m, sys.argv[2])`,
        TINY_MODEL,
        model,
      ],
      { encoding: 'utf8' },
    );
    expect(made.status, made.stderr).toBe(0);
    const why =
      'has a fixed batch of 2 ([2, 3, 224, 224]); RepOpt Lens runs one image at a time. Export the model with a batch of 1 or a dynamic batch axis';
    const c = cli(['classify', '--model', model, join(IMAGES, 'chelsea.png')]);
    expect(c.status).toBe(1);
    expect(c.stderr).toContain(why);
    expect(c.stderr).not.toMatch(/internal error/);
    const data = mkdtempSync(join(tmpdir(), 'lens-edges-b2-'));
    copyFileSync(join(IMAGES, 'chelsea.png'), join(data, 'a.png'));
    const truth = join(data, 'val.txt');
    writeFileSync(truth, 'a.png 1\n');
    const e = cli(['eval', '--model', model, '--data', data, '--labels', truth, '--batch', '2']);
    expect(e.status).toBe(1);
    expect(e.stderr).toContain(why);
  });
});

describe('convert -o outside the manifest folder (finding 11)', () => {
  it('writes the model but no entry the page cannot load, and says how to register it', () => {
    const served = mkdtempSync(join(tmpdir(), 'lens-edges-served-'));
    const manifest = join(served, 'models.json');
    const elsewhere = mkdtempSync(join(tmpdir(), 'lens-edges-outside-'));
    const out = join(elsewhere, 'outside.onnx');
    const checkpoint = resolve(ROOT, 'test/data/checkpoints/deflated.pth');
    const r = cli(['convert', checkpoint, '-o', out, '--manifest', manifest]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(out).length).toBeGreaterThan(1000);
    expect(r.stderr).toContain(
      `note: ${out} is outside ${served}, which is the only folder the app serves models from, so it was not added to the manifest. To use it in the page, move it there and run convert again with -o ${join(served, 'outside.onnx')}.`,
    );
    // No manifest written at all (there was none), so nothing names ../.. paths.
    expect(() => readFileSync(manifest)).toThrow();
    const json = cli(['convert', checkpoint, '-o', out, '--manifest', manifest, '--json']);
    expect(json.status, json.stderr).toBe(0);
    const m = (JSON.parse(json.stdout) as { manifest: { action: string; note?: string } }).manifest;
    expect(m.action).toBe('not-registered');
    expect(m.note).toMatch(/was not added to the manifest/);
    // Inside the folder it is registered as before.
    const inside = cli([
      'convert',
      checkpoint,
      '-o',
      join(served, 'in.onnx'),
      '--manifest',
      manifest,
    ]);
    expect(inside.status, inside.stderr).toBe(0);
    const entries = (JSON.parse(readFileSync(manifest, 'utf8')) as { models: { file: string }[] })
      .models;
    expect(entries.map((e) => e.file)).toEqual(['in.onnx']);
  });
});
