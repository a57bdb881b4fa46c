/**
 * Issue 21, item 13: the CLI says what the page says. An untrained (seeded) model's answers carry
 * the page's caveat, in English and Chinese, and `--json` gains `untrainedNote` (no other field
 * changes); a PyTorch checkpoint given as the model is converted in memory, says so on stderr,
 * and answers what PyTorch answers (e2e/fixtures/checkpoint-reference.json,
 * tools/make_checkpoint_reference.py).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { en } from '../src/i18n/en';
import { zhCN } from '../src/i18n/zh-CN';
import { FIXTURES, IMAGES, ROOT, TINY_MODEL } from './helpers/fixtures';

function cli(...args: string[]) {
  const env = { ...process.env };
  for (const k of ['LC_ALL', 'LC_MESSAGES', 'LANG', 'LANGUAGE']) delete env[k];
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', resolve(ROOT, 'src/cli/index.ts'), ...args],
    { cwd: ROOT, encoding: 'utf8', env },
  );
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

interface Item {
  file: string;
  top5: { index: number; probability: number; label: string }[];
  logits: number[];
  untrainedNote?: string;
}

const photo = join(IMAGES, 'chelsea.png');
const RELEASE = 'https://github.com/DingXiaoH/RepOptimizers';
const work = mkdtempSync(join(tmpdir(), 'lens-untrained-'));

describe('classify with an untrained model (models.json marks it so)', () => {
  it('human output: the page caveat under every answer and the notice once, in English and Chinese', () => {
    const second = join(IMAGES, 'rocket.jpg');
    const r = cli('classify', '--model', TINY_MODEL, photo, second);
    expect(r.status, r.stderr).toBe(0);
    const tag = `  (${en.untrained.tag})\n`;
    expect(r.stdout.split(tag)).toHaveLength(3); // once after each photo's five rows
    expect(r.stdout).toMatch(/chelsea\.png\n(?: +[\d.]+% +\d+ {2}.+\n){5} {2}\(untrained: /);
    expect(r.stderr).toContain(`${TINY_MODEL}: ${en.untrained.short} Trained weights: ${RELEASE}`);

    const zh = cli('--lang', 'zh-CN', 'classify', '--model', TINY_MODEL, photo);
    expect(zh.status, zh.stderr).toBe(0);
    expect(zh.stdout).toContain(`  (${zhCN.untrained.tag})\n`);
    expect(zh.stdout).not.toContain(en.untrained.tag);
    expect(zh.stderr).toContain(`${TINY_MODEL}：${zhCN.untrained.short}训练好的权重：${RELEASE}`);
  });

  it('--json: every item gains untrainedNote, in English whatever the language; nothing else moves', () => {
    const r = cli('classify', '--json', '--model', TINY_MODEL, photo);
    expect(r.status, r.stderr).toBe(0);
    const [item] = JSON.parse(r.stdout) as Item[];
    expect(Object.keys(item!)).toEqual(['file', 'top5', 'logits', 'untrainedNote']);
    expect(item!.untrainedNote).toBe(en.untrained.short);
    expect(cli('--lang', 'zh-CN', 'classify', '--json', '--model', TINY_MODEL, photo).stdout).toBe(
      r.stdout,
    );
  });

  it('a copy elsewhere is the same seeded model (size and sha256); a model no manifest marks is not flagged', () => {
    const copy = join(work, 'renamed.onnx');
    copyFileSync(TINY_MODEL, copy);
    const [item] = JSON.parse(cli('classify', '--json', '--model', copy, photo).stdout) as Item[];
    expect(item!.untrainedNote).toBe(en.untrained.short);

    const other = resolve(FIXTURES, 'bad-models/classes-10.onnx');
    const plain = cli('classify', '--model', other, photo);
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stdout).not.toContain('untrained');
    expect(plain.stderr).not.toContain(en.untrained.short);
    const json = JSON.parse(cli('classify', '--json', '--model', other, photo).stdout) as Item[];
    expect(Object.keys(json[0]!)).toEqual(['file', 'top5', 'logits']);
  });

  it('the models.json beside a model marks it by path, as the page reads its manifest', () => {
    const model = join(work, 'mine.onnx');
    copyFileSync(resolve(FIXTURES, 'bad-models/classes-10.onnx'), model);
    const entry = { id: 'mine', name: 'Mine', file: 'mine.onnx', untrained: true };
    writeFileSync(join(work, 'models.json'), JSON.stringify({ models: [entry] }));
    const [item] = JSON.parse(cli('classify', '--json', '--model', model, photo).stdout) as Item[];
    expect(item!.untrainedNote).toBe(en.untrained.short);
    writeFileSync(
      join(work, 'models.json'),
      JSON.stringify({ models: [{ ...entry, untrained: false }] }),
    );
    const [again] = JSON.parse(cli('classify', '--json', '--model', model, photo).stdout) as Item[];
    expect(again!.untrainedNote).toBeUndefined();
  });

  it('eval and compare say it on stderr too', () => {
    const c = cli('compare', '--model', TINY_MODEL, '--model', TINY_MODEL, photo);
    expect(c.status, c.stderr).toBe(0);
    expect(c.stderr).toContain(`${TINY_MODEL}: ${en.untrained.short}`);
  });
});

describe('a PyTorch checkpoint as the model: converted in memory', () => {
  const checkpoint = resolve(ROOT, 'test/data/checkpoints/training.pth');
  const reference = JSON.parse(
    readFileSync(resolve(FIXTURES, 'checkpoint-reference.json'), 'utf8'),
  ) as { images: Record<string, { top5: { index: number; probability: number }[] }> };

  it("classify answers PyTorch's top-5 and says on stderr that it converted, and how to keep the file", () => {
    const names = Object.keys(reference.images);
    expect(names.length).toBeGreaterThanOrEqual(2);
    const r = cli(
      'classify',
      '--json',
      '--model',
      checkpoint,
      ...names.map((n) => join(IMAGES, n)),
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`converted ${checkpoint} to ONNX in memory (RepOpt-VGG`);
    expect(r.stderr).toContain(`npm run cli -- convert ${checkpoint}`);
    const out = JSON.parse(r.stdout) as Item[];
    expect(out).toHaveLength(names.length);
    for (const item of out) {
      const want = reference.images[item.file.split('/').pop()!]!.top5;
      expect(item.top5.map((p) => p.index)).toEqual(want.map((p) => p.index));
      item.top5.forEach((p, i) =>
        expect(Math.abs(p.probability - want[i]!.probability)).toBeLessThan(1e-5),
      );
      expect(item.untrainedNote).toBeUndefined(); // no manifest says anything about it
    }
    const zh = cli('--lang', 'zh-CN', 'classify', '--model', checkpoint, photo);
    expect(zh.status, zh.stderr).toBe(0);
    expect(zh.stderr).toContain(
      `已在内存中把 ${checkpoint} 转换为 ONNX（RepOpt-VGG，各阶段块数 [1, 1, 1, 1]，宽度 [0.0625, 0.0625, 0.0625, 0.0625]（target 模式，10 类），`,
    );
  });

  it('compare and eval take a checkpoint too', () => {
    const c = cli('compare', '--json', '--model', checkpoint, '--model', checkpoint, photo);
    expect(c.status, c.stderr).toBe(0);
    expect(c.stderr).toContain('to ONNX in memory');
    expect(JSON.parse(c.stdout)).toMatchObject({ top1Agreement: 1 });

    const data = mkdtempSync(join(tmpdir(), 'lens-pth-eval-'));
    copyFileSync(photo, join(data, 'a.png'));
    writeFileSync(join(data, 'val.txt'), 'a.png 3\n');
    const e = cli(
      'eval',
      '--json',
      '--model',
      checkpoint,
      '--data',
      data,
      '--labels',
      join(data, 'val.txt'),
    );
    expect(e.status, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout)).toMatchObject({ count: 1, top1: 1 });
  });

  it('a hostile checkpoint is refused by the same safe reader, and nothing runs', () => {
    const pwned = '/tmp/pwned-by-checkpoint';
    const r = cli(
      'classify',
      '--model',
      resolve(ROOT, 'test/data/checkpoints/malicious.pth'),
      photo,
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/malicious\.pth: Refused: the checkpoint would call/);
    expect(existsSync(pwned)).toBe(false);
  });
});
