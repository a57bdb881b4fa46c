/**
 * The CLI in Chinese: `--lang zh-CN` or a Chinese POSIX locale translates the
 * human-readable lines; `--json` stays byte-identical and English whatever the language.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IMAGES, ROOT, TINY_MODEL } from './helpers/fixtures';

/** Runs the CLI with exactly these locale variables (the test runner's own are dropped). */
function cli(env: Record<string, string>, ...args: string[]) {
  const base = { ...process.env };
  for (const k of ['LC_ALL', 'LC_MESSAGES', 'LANG', 'LANGUAGE']) delete base[k];
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', resolve(ROOT, 'src/cli/index.ts'), ...args],
    { cwd: ROOT, encoding: 'utf8', env: { ...base, ...env } },
  );
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const ZH = { LANG: 'zh_CN.UTF-8' };
const photo = join(IMAGES, 'astronaut.png');

describe('CLI in 简体中文', () => {
  it('info: Chinese row names with --lang zh-CN and with LANG=zh_CN.UTF-8; English otherwise', () => {
    const flag = cli({}, 'info', '--lang', 'zh-CN', TINY_MODEL);
    const locale = cli(ZH, 'info', TINY_MODEL);
    const english = cli({ LANG: 'en_US.UTF-8' }, 'info', TINY_MODEL);
    expect(flag.status).toBe(0);
    expect(flag.stdout).toMatch(/^参数量 +文件中 181,856（BatchNorm 已融合进卷积）$/m);
    expect(flag.stdout).toMatch(/^类别数 +1000$/m);
    expect(locale.stdout).toBe(flag.stdout);
    expect(english.stdout).toMatch(/^params +181,856 in the file \(BatchNorm folded/m);
    expect(english.stdout).not.toMatch(/[\u4e00-\u9fff]/);
    // --lang wins over the locale, LC_ALL over LANG.
    expect(cli(ZH, 'info', '--lang=en', TINY_MODEL).stdout).toBe(english.stdout);
    expect(cli({ ...ZH, LC_ALL: 'C' }, 'info', TINY_MODEL).stdout).toBe(english.stdout);
  });

  it('--json is identical in every language (engine notes included)', () => {
    const rotated = join(IMAGES, 'exif-rotated.jpg');
    for (const args of [
      ['info', '--json', TINY_MODEL],
      ['classify', '--json', '--model', TINY_MODEL, photo, rotated],
    ]) {
      const en = cli({}, ...args);
      expect(en.status).toBe(0);
      expect(cli(ZH, ...args).stdout).toBe(en.stdout);
      expect(cli({}, '--lang', 'zh-CN', ...args).stdout).toBe(en.stdout);
    }
  });

  it("the engine's notes in Chinese (EXIF orientation)", () => {
    const r = cli(ZH, 'classify', '--model', TINY_MODEL, join(IMAGES, 'exif-rotated.jpg'));
    expect(r.stdout).toMatch(
      /exif-rotated\.jpg {2}\(已按 EXIF 方向 \d 旋转；PyTorch 的默认加载器不会旋转。\)/,
    );
    const en = cli({}, 'classify', '--model', TINY_MODEL, join(IMAGES, 'exif-rotated.jpg'));
    expect(en.stdout).toMatch(/exif-rotated\.jpg {2}\(Rotated per EXIF orientation \d;/);
  });

  it('skipped files, error lines and help are Chinese; the English detail follows a headline', () => {
    const missing = join(IMAGES, 'no-such-photo.jpg');
    const r = cli(ZH, 'classify', '--model', TINY_MODEL, photo, missing);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${missing}：文件不存在（链接失效？）`);
    expect(r.stdout).toContain('astronaut.png');

    const usage = cli({}, '--lang', 'zh-CN', 'classify');
    expect(usage.stderr).toMatch(/^错误：命令行无效：用法：repopt-lens classify --model/);
    const preset = cli(ZH, 'classify', '--model', TINY_MODEL, '--preset', 'nope', photo);
    expect(preset.stderr).toBe('错误：命令行无效：未知预设“nope”。\n');
    const model = cli(ZH, 'info', photo);
    expect(model.stderr).toMatch(/^错误：不是模型文件：|^错误：不是检查点文件：/);

    expect(cli(ZH, 'help').stdout).toMatch(/^RepOpt Lens 命令行\n/);
    expect(cli({}, 'help').stdout).toMatch(/^RepOpt Lens command line\n[^]*--lang en\|zh-CN/);
    const bad = cli(ZH, '--lang', 'fr', 'info', TINY_MODEL);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('错误：--lang 只能是 en 或 zh-CN，而不是“fr”。\n');
  });

  it('eval: the summary in Chinese, the JSON file English', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lens-zh-'));
    mkdirSync(join(dir, 'n01440764'));
    copyFileSync(photo, join(dir, 'n01440764', 'a.png'));
    writeFileSync(join(dir, 'n01440764', 'broken.jpg'), 'not a jpeg');
    const out = join(dir, 'r.json');
    const r = cli(ZH, 'eval', '--model', TINY_MODEL, '--data', dir, '--out', out);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^repopt-tiny\.onnx 在 .* 上（wnid-folders，torchvision-256-224）$/m);
    expect(r.stdout).toMatch(/^图片 1 {2}top-1 0\.00%（0） {2}top-5 /m);
    expect(r.stdout).toContain('跳过 1 个无法读取的文件：');
    expect(r.stdout).toContain('最差的类别（top-1）：');
    const report = JSON.parse(readFileSync(out, 'utf8')) as { skipped: { error: string }[] };
    expect(report.skipped[0]!.error).not.toMatch(/[\u4e00-\u9fff]/);

    const bad = cli({}, '--lang', 'zh-CN', 'eval', '--model', TINY_MODEL, '--data', IMAGES);
    expect(bad.stderr).toMatch(/^错误：输入无效：.*中有图片但没有类别文件夹/);
  });
});
