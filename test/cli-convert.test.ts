/**
 * `convert` and `info` as a user runs them (a child process). Every RepOpt-VGG checkpoint fixture
 * is converted and run in onnxruntime-node against PyTorch's logits (tools/make_cli_fixtures.py);
 * every broken or hostile one must fail with its exact message, exit 1, and leave nothing behind.
 */
import { runOnnx } from './helpers/onnx-run';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../src/core/checkpoint/torch';
import { parseManifest } from '../src/core/model/manifest';
import { readOnnxModel } from '../src/core/onnx';
import { topK } from '../src/core/inference/postprocess';
import { ROOT } from './helpers/fixtures';

/** Measured over all fixtures below: float32 at most 3.6e-7 from PyTorch, float16 5.3e-4. */
const FP32_TOL = 1e-4;
const FP16_TOL = 2e-3;
const PWNED = '/tmp/pwned-by-checkpoint';

function run(command: string[], ...args: string[]) {
  const r = spawnSync(process.execPath, [...command, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const cli = (...args: string[]) =>
  run(['--import', 'tsx', resolve(ROOT, 'src/cli/index.ts')], ...args);
const bin = (...args: string[]) => run([resolve(ROOT, 'bin/repopt-lens.mjs')], ...args);

const readJson = <T>(path: string) => JSON.parse(readFileSync(resolve(ROOT, path), 'utf8')) as T;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

interface Reference {
  logits: number[][];
  top5: number[][];
  params: number;
  macs: number;
}
const cliExpected = readJson<{
  input: { shape: number[] };
  checkpoints: Record<string, Reference>;
  shapes_only: Record<string, { params?: number; macs?: number }>;
}>('test/data/cli/expected.json');
const checkpointFixtures = readJson<{
  valid: Record<string, unknown>;
  invalid: Record<string, string>;
}>('test/data/checkpoints/expected.json');

/** The inputs tools/make_cli_fixtures.py describes: a 32-bit hash of the element index. */
function referenceInputs(): { data: Float32Array; dims: number[] } {
  const shape = cliExpected.input.shape;
  const x = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < x.length; i++) {
    let h = Math.imul(i, 0x9e3779b1) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
    x[i] = ((h >>> 29) - 4) / 2;
  }
  return { data: x, dims: shape };
}
const inputs = referenceInputs();

async function logitsOf(onnx: Uint8Array): Promise<Float32Array> {
  const out = await runOnnx(onnx, { input: inputs }, { threads: 1 });
  return out['logits']!.data;
}

const maxAbsDiff = (got: Float32Array, want: number[]) => {
  expect(got.length).toBe(want.length);
  return want.reduce((d, w, i) => Math.max(d, Math.abs(got[i]! - w)), 0);
};
const top5Of = (logits: Float32Array, rows: number) => {
  const classes = logits.length / rows;
  return [...Array(rows).keys()].map((r) =>
    topK(Array.from(logits.subarray(r * classes, (r + 1) * classes)), 5).map((t) => t.index),
  );
};

const work = mkdtempSync(join(tmpdir(), 'lens-convert-'));
const manifest = join(work, 'models.json');
const projectManifest = resolve(ROOT, 'models/models.json');
const projectManifestBefore = readFileSync(projectManifest);
const measured: string[] = [];

afterAll(() => {
  // The project's own manifest is never touched by these tests.
  expect(readFileSync(projectManifest).equals(projectManifestBefore)).toBe(true);
  if (measured.length > 0) console.log(`max |logit - PyTorch|: ${measured.join('; ')}`);
});

interface ConvertJson {
  architecture: { name: string | null; mode: string; blocks: number[]; numClasses: number };
  params: number;
  macs: number;
  gmacs: number;
  output: { file: string; bytes: number; sha256: string; weights: string };
  manifest: { file: string; id: string; action: 'added' | 'replaced' };
  entry: Record<string, unknown>;
}

describe('repopt-lens convert: every RepOpt-VGG checkpoint fixture gives PyTorch logits', () => {
  const cases = Object.entries(cliExpected.checkpoints);
  it('covers every RepOpt-VGG fixture of test/data/checkpoints', () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
    for (const name of [
      'bare',
      'training',
      'module_prefix',
      'other_key',
      'pickled_module',
      'deflated',
    ])
      expect(cases.map(([f]) => f)).toContain(`test/data/checkpoints/${name}.pth`);
  });

  for (const [file, ref] of cases) {
    for (const fp16 of [false, true]) {
      it(`${file} (${fp16 ? 'float16' : 'float32'} weights)`, async () => {
        const id = `${basename(file, '.pth')}${fp16 ? '-fp16' : ''}`;
        const out = join(work, `${id}.onnx`);
        const flags = fp16 ? ['--fp16'] : [];
        const r = cli(
          'convert',
          file,
          '-o',
          out,
          '--id',
          id,
          '--manifest',
          manifest,
          '--json',
          ...flags,
        );
        expect(r.status, r.stderr).toBe(0);
        expect(r.stderr).toBe(''); // no progress bar when stderr is not a terminal
        const report = JSON.parse(r.stdout) as ConvertJson;
        expect(report.architecture).toMatchObject({ name: null, mode: 'target', numClasses: 10 });
        expect(report.params).toBe(ref.params);
        expect(report.macs).toBe(ref.macs);

        const onnx = new Uint8Array(readFileSync(out));
        expect(report.output).toMatchObject({ bytes: onnx.length, sha256: sha256(onnx) });
        const meta = readOnnxModel(onnx).metadata;
        expect(meta['weights']).toBe(fp16 ? 'float16' : 'float32');
        expect(meta['source_sha256']).toBe(sha256(readFileSync(resolve(ROOT, file))));

        const logits = await logitsOf(onnx);
        const diff = maxAbsDiff(logits, ref.logits.flat());
        measured.push(`${id} ${diff.toExponential(2)}`);
        expect(diff).toBeLessThanOrEqual(fp16 ? FP16_TOL : FP32_TOL);
        expect(top5Of(logits, ref.logits.length)).toEqual(ref.top5);
      });
    }
  }
});

describe('repopt-lens convert: the manifest entry', () => {
  it("has export_onnx.py's schema, is replaced by id, and is written atomically", () => {
    const dir = mkdtempSync(join(tmpdir(), 'lens-manifest-'));
    const m = join(dir, 'models.json');
    writeFileSync(m, readFileSync(projectManifest));
    const src = 'test/data/checkpoints/training.pth';
    const first = cli('convert', src, '-o', join(dir, 'tiny.onnx'), '--manifest', m, '--json');
    expect(first.status, first.stderr).toBe(0);
    const a = JSON.parse(first.stdout) as ConvertJson;
    expect(a.manifest).toMatchObject({ id: 'repopt-vgg-custom', action: 'added' });

    const again = cli(
      'convert',
      src,
      '-o',
      join(dir, 'tiny.onnx'),
      '--manifest',
      m,
      '--json',
      '--id',
      'repopt-vgg-custom',
      '--name',
      'Tiny',
      '--untrained',
      '--preset',
      'squash-256-224',
    );
    expect(again.status, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as ConvertJson).manifest.action).toBe('replaced');

    const text = readFileSync(m, 'utf8');
    const parsed = parseManifest(text);
    const shipped = parseManifest(readFileSync(projectManifest, 'utf8')).models.map((e) => e.id);
    expect(parsed.models.map((e) => e.id)).toEqual([...shipped, 'repopt-vgg-custom']);
    const onnx = readFileSync(join(dir, 'tiny.onnx'));
    const entry = (JSON.parse(text) as { models: Record<string, unknown>[] }).models.at(-1)!;
    const sourceSha = sha256(readFileSync(resolve(ROOT, src)));
    expect(entry).toEqual({
      id: 'repopt-vgg-custom',
      name: 'Tiny',
      file: 'tiny.onnx',
      architecture:
        'RepOpt-VGG target, blocks [1, 1, 1, 1], widths [0.0625, 0.0625, 0.0625, 0.0625]',
      inputSize: 224,
      preset: 'squash-256-224',
      numClasses: 10,
      published: null,
      params: 6758,
      gmacs: 0.002484,
      source: `converted from training.pth (sha256 ${sourceSha}) by repopt-lens convert 1.0.0`,
      untrained: true,
      bytes: onnx.length,
      sha256: sha256(onnx),
    });
    expect(Object.keys(entry)).toEqual(
      Object.keys(
        (JSON.parse(readFileSync(projectManifest, 'utf8')) as { models: object[] }).models[0]!,
      ),
    );
    expect(readdirSync(dir).sort()).toEqual(['models.json', 'tiny.onnx']); // no temp files left
  });

  it('leaves an invalid manifest alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lens-manifest-'));
    const m = join(dir, 'models.json');
    writeFileSync(m, '{"models": [{"name": "no id"}]}');
    const r = cli(
      'convert',
      'test/data/checkpoints/bare.pth',
      '-o',
      join(dir, 'x.onnx'),
      '--manifest',
      m,
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `error: ${m} is not a valid manifest, so it was left alone: models.json: entry 0 has a missing or invalid "id".\n`,
    );
    expect(readFileSync(m, 'utf8')).toBe('{"models": [{"name": "no id"}]}');
    expect(readdirSync(dir)).toEqual(['models.json']); // checked before converting
  });

  it('prints the architecture, counts and sha256 for people', () => {
    const out = join(work, 'text.onnx');
    const r = cli(
      'convert',
      'test/data/checkpoints/module_prefix.pth',
      '-o',
      out,
      '--manifest',
      manifest,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^checkpoint +test\/data\/checkpoints\/module_prefix\.pth \(37,076 bytes\)\n +zip format, weights in checkpoint\['state_dict'\], 'module\.' prefix removed; ignored: epoch, arch, best_acc1\n/,
    );
    expect(r.stdout).toMatch(/\nmode +target\n/);
    expect(r.stdout).toMatch(/\nblocks +\[1, 1, 1, 1\]/);
    expect(r.stdout).toMatch(/\nSE +no\n/);
    expect(r.stdout).toMatch(/\nparams +6,758 /);
    expect(r.stdout).toMatch(/\nGMACs +0\.002484 /);
    expect(r.stdout).toContain(`\nsha256        ${sha256(readFileSync(out))}\n`);
  });
});

/** The reader's messages, as the user sees them (the file name first). */
const MESSAGES: Record<string, string> = {
  'malicious.pth':
    'Refused: the checkpoint would call os.system(...) when loaded with torch.load; RepOpt Lens never executes checkpoint code.',
  'pickle_bomb.pth':
    'Refused: the checkpoint nests containers more than 1000 levels deep; no real checkpoint does (this is how a pickle bomb crashes readers).',
  'pickle_bomb_memo.pth':
    'Refused: the checkpoint nests containers more than 1000 levels deep; no real checkpoint does (this is how a pickle bomb crashes readers).',
  'truncated.pth':
    'The checkpoint file is damaged: the end of its zip archive is missing, so the file is cut short. Download or copy it again.',
  'not_checkpoint.zip':
    'This file is not a PyTorch checkpoint: it is a zip archive without data.pkl (it holds notes/readme.txt, notes/weights.bin).',
  'storage_size_lies.pth':
    "The checkpoint file is damaged: the zip entry 'storage_size_lies/data/0' holds 428 bytes, but the checkpoint declares 108 float32 values (432 bytes). Download or copy it again.",
  'legacy_truncated.pth':
    "The checkpoint file is damaged: storage '834550096' needs 10 bytes, but the file ends after 8. Download or copy it again.",
  'text.pth': 'This file is not a PyTorch checkpoint: it is a text file.',
  'plain_pickle.pkl':
    'This file is not a PyTorch checkpoint: it is a Python pickle, but not one written by torch.save.',
  'torchscript.pt':
    'RepOpt Lens cannot read this checkpoint: it is a TorchScript archive (torch.jit.save); load it with torch.jit.load and save model.state_dict() with torch.save.',
};

describe('repopt-lens convert: refused files', () => {
  it('knows a message for every invalid fixture', () => {
    expect(Object.keys(MESSAGES).sort()).toEqual(Object.keys(checkpointFixtures.invalid).sort());
  });

  for (const [name, message] of Object.entries(MESSAGES)) {
    it(name, () => {
      const pwnedBefore = existsSync(PWNED);
      const dir = mkdtempSync(join(tmpdir(), 'lens-refused-'));
      const file = `test/data/checkpoints/${name}`;
      const r = cli(
        'convert',
        file,
        '-o',
        join(dir, 'x.onnx'),
        '--manifest',
        join(dir, 'models.json'),
      );
      // Legacy files name storages by Python object ids: regenerated fixtures get other numbers.
      const stderr =
        name === 'legacy_truncated.pth'
          ? r.stderr.replace(/storage '\d+'/, "storage '834550096'")
          : r.stderr;
      expect(stderr).toBe(`error: ${file}: ${message}\n`);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(readdirSync(dir)).toEqual([]); // no model, no manifest, no temp file
      if (!pwnedBefore) expect(existsSync(PWNED)).toBe(false);
    });
  }

  it('a checkpoint of another architecture is named, with what was expected', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lens-refused-'));
    const file = 'test/data/cli/resnet18_shapes_only.pth';
    const r = cli(
      'convert',
      file,
      '-o',
      join(dir, 'x.onnx'),
      '--manifest',
      join(dir, 'models.json'),
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `error: ${file}: This checkpoint is not a RepOpt-VGG model: it looks like a ResNet (conv1, layer1-4, fc). ` +
        'Found 122 tensors (conv1.weight, bn1.weight, bn1.bias, bn1.running_mean, bn1.running_var, … (122 in all)); ' +
        'expected RepOpt-VGG keys such as stage0.conv.weight, stage1.0.conv.weight, …, stage4.0.bn.weight, linear.weight.\n',
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('valid checkpoints that are not RepOpt-VGG are refused the same way', () => {
    const others = Object.keys(checkpointFixtures.valid)
      .map((n) => `test/data/checkpoints/${n}`)
      .filter((f) => !(f in cliExpected.checkpoints));
    expect(others.length).toBeGreaterThan(0);
    for (const file of others.slice(0, 3)) {
      const r = cli('convert', file, '--manifest', join(work, 'unused', 'models.json'));
      expect(r.status, file).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(`^error: ${file}: This checkpoint is not a RepOpt-VGG model\\.`),
      );
    }
    expect(existsSync(join(work, 'unused'))).toBe(false);
  });

  it('a missing file and bad options', () => {
    expect(cli('convert', 'no/such.pth')).toMatchObject({
      status: 1,
      stderr: 'error: Cannot read no/such.pth: no such file.\n',
    });
    expect(cli('convert', 'test/data/checkpoints/bare.pth', '--preset', 'nope')).toMatchObject({
      status: 1,
      stderr: 'error: Unknown preset "nope".\n',
    });
    expect(cli('convert', 'test/data/checkpoints/bare.pth', '--id', '../x').stderr).toMatch(
      /^error: --id "\.\.\/x": use letters, digits/,
    );
  });
});

interface InfoJson {
  kind: 'onnx' | 'checkpoint';
  architecture: { name: string | null; mode: string; blocks: number[]; widths: number[] } | null;
  params: number;
  paramsAsTrained: number | null;
  macs: number;
  gmacs: number;
  published: { params: number; gmacs: number | null; top1: number } | null;
  thop: { ops: number; seedTableGflops: number; seedTableGflopsFromMacs: number } | null;
}

describe('repopt-lens info', () => {
  const b1 = 'test/data/cli/b1_shapes_only.pth';

  it('B1 from its shapes: 51,841,832 params, 11.815 GMACs, beside the published figures', () => {
    const r = cli('info', b1, '--json');
    expect(r.status, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout) as InfoJson;
    const want = cliExpected.shapes_only[b1]!;
    expect(info.kind).toBe('checkpoint');
    expect(info.architecture).toMatchObject({
      name: 'B1',
      mode: 'target',
      blocks: [4, 6, 16, 1],
      widths: [2, 2, 2, 4],
    });
    expect(info.params).toBe(51_841_832);
    expect(info.params).toBe(want.params);
    expect(info.macs).toBe(want.macs);
    expect(info.gmacs).toBeCloseTo(11.815, 3);
    expect(info.published).toMatchObject({ params: 51.842e6, gmacs: 11.83, top1: 78.62 });
    // thop: + 2 per BatchNorm output + (49 + 1) per pooled output; "26.281" = that / 9e8 x 2.
    expect(info.thop!.ops).toBe(11_826_225_152);
    expect(info.thop!.seedTableGflops.toFixed(3)).toBe('26.281');
    expect(info.thop!.seedTableGflopsFromMacs.toFixed(3)).toBe('26.257');
  });

  it('reads only the vectors it needs: the 4-D kernels stay in the file', async () => {
    const bytes = new Uint8Array(readFileSync(resolve(ROOT, b1)));
    const c = await readCheckpoint(bytes, { select: (_name, shape) => shape.length <= 1 });
    expect(c.shapes.size).toBe(c.stateDict.size + 29); // 28 block kernels and linear.weight
    expect(c.shapes.get('stage3.15.conv.weight')).toEqual([512, 512, 3, 3]);
    let elements = 0;
    for (const t of c.stateDict.values()) elements += t.data.length;
    expect(elements).toBeLessThan(100_000);
  });

  it("says where the seed table's 26.281 GFLOPs comes from", () => {
    const r = cli('info', b1);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\narchitecture +RepOpt-VGG-B1\n/);
    expect(r.stdout).toMatch(/\nparams +51,841,832 .*\n +published 51\.842 M/);
    expect(r.stdout).toContain(
      'the seed table\'s "26.281 GFLOPs" is thop\'s count divided by 9e8 and doubled',
    );
    expect(r.stdout).toContain('11,826,225,152 / 9e8 x 2 = 26.2805, which rounds to 26.281.');
    expect(r.stdout).toContain('11,815,485,440 / 9e8 x 2 = 26.2566');
  });

  it("a converted ONNX model: the graph's counts, the mode from its metadata", () => {
    const out = join(work, 'info.onnx');
    expect(
      cli('convert', 'test/data/checkpoints/bare.pth', '-o', out, '--manifest', manifest).status,
    ).toBe(0);
    const info = JSON.parse(cli('info', out, '--json').stdout) as InfoJson;
    expect(info.kind).toBe('onnx');
    expect(info.architecture).toMatchObject({ name: null, mode: 'target', blocks: [1, 1, 1, 1] });
    expect(info.macs).toBe(2_484_032);
    expect(info.paramsAsTrained).toBe(6758);
    expect(info.params).toBe(6758 - 64); // each block's BatchNorm (2 per channel) became one bias
    expect(info.published).toBeNull();
  });

  it('tells the kind of file from its bytes, not its name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lens-info-'));
    copyFileSync(resolve(ROOT, 'models/repopt-tiny.onnx'), join(dir, 'model.pth'));
    copyFileSync(resolve(ROOT, 'test/data/checkpoints/bare.pth'), join(dir, 'weights.onnx'));
    const onnx = JSON.parse(cli('info', join(dir, 'model.pth'), '--json').stdout) as InfoJson;
    expect(onnx).toMatchObject({ kind: 'onnx', macs: 10_062_848, architecture: { mode: 'fused' } });
    const pth = JSON.parse(cli('info', join(dir, 'weights.onnx'), '--json').stdout) as InfoJson;
    expect(pth).toMatchObject({ kind: 'checkpoint', params: 6758, macs: 2_484_032 });
  });

  it('refuses what it cannot read, with exit code 1', () => {
    expect(cli('info', 'test/data/checkpoints/malicious.pth')).toMatchObject({
      status: 1,
      stderr: `error: test/data/checkpoints/malicious.pth: ${MESSAGES['malicious.pth']}\n`,
    });
    expect(cli('info', 'README.md')).toMatchObject({
      status: 1,
      stderr: 'error: README.md: This file is not a PyTorch checkpoint: it is a text file.\n',
    });
  });
});

describe('the installed command (bin/repopt-lens.mjs)', () => {
  it('runs convert and info', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lens-bin-'));
    const out = join(dir, 'm.onnx');
    const c = bin(
      'convert',
      'test/data/checkpoints/deflated.pth',
      '-o',
      out,
      '--manifest',
      join(dir, 'models.json'),
      '--json',
    );
    expect(c.status, c.stderr).toBe(0);
    expect((JSON.parse(c.stdout) as ConvertJson).output.sha256).toBe(sha256(readFileSync(out)));
    const i = bin('info', out, '--json');
    expect(i.status, i.stderr).toBe(0);
    expect((JSON.parse(i.stdout) as InfoJson).kind).toBe('onnx');
    expect(bin('--help').stdout).toMatch(
      /repopt-lens convert <checkpoint\.pth>[^\n]*\nrepopt-lens info /,
    );
  });
});
