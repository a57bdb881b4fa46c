/** The page's and the CLI's language choice, and the message catalogues they share. */
import { describe, expect, it } from 'vitest';
import { columns, padEndColumns, padStartColumns } from '../src/cli/columns';
import { skipReason } from '../src/cli/common';
import { english, errorDetail, setCliLanguage, t, takeLanguage } from '../src/cli/i18n';
import { describeLayout } from '../src/cli/model-files';
import type { Checkpoint } from '../src/core/checkpoint/torch';
import { LensError, type LensErrorCode } from '../src/core/errors';
import { en } from '../src/i18n/en';
import { createI18n } from '../src/i18n/instance';
import { pickLanguage } from '../src/i18n/language';
import { languageFromLocale } from '../src/i18n/locale';
import { zhCN } from '../src/i18n/zh-CN';

type Tree = { [key: string]: string | Tree };
const flatten = (tree: Tree, prefix = ''): [string, string][] =>
  Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'string' ? [[prefix + k, v] as [string, string]] : flatten(v, `${prefix}${k}.`),
  );
const variables = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe('pickLanguage', () => {
  it('takes ?lang= first, then the browser languages, then English', () => {
    expect(pickLanguage('?lang=zh-CN', ['en-US']).language).toBe('zh-CN');
    expect(pickLanguage('?lang=en', ['zh-CN']).language).toBe('en');
    expect(pickLanguage('', ['zh-CN', 'en']).language).toBe('zh-CN');
    expect(pickLanguage('', ['zh']).language).toBe('zh-CN');
    expect(pickLanguage('', ['zh-Hans-CN']).language).toBe('zh-CN');
    expect(pickLanguage('', ['de-DE', 'en-GB']).language).toBe('en');
    expect(pickLanguage('', ['de-DE']).language).toBe('en');
    expect(pickLanguage('', []).language).toBe('en');
  });

  it('names an unknown ?lang= and falls back to the browser language', () => {
    expect(pickLanguage('?lang=fr', ['zh-CN'])).toEqual({ language: 'zh-CN', rejected: 'fr' });
    expect(pickLanguage('?lang=en', [])).toEqual({ language: 'en', rejected: null });
  });
});

describe('message catalogues', () => {
  const english = new Map(flatten(en));
  const chinese = new Map(flatten(zhCN));

  it('have the same keys, none empty', () => {
    expect([...chinese.keys()].sort()).toEqual([...english.keys()].sort());
    for (const [key, text] of chinese) expect(text.trim(), key).not.toBe('');
  });

  it('use the same interpolation variables in every message', () => {
    // The one exception: a Chinese error line puts the code's headline before the English detail.
    const extra: Record<string, string[]> = { errorDetail: ['headline'] };
    for (const [key, text] of english)
      expect(variables(chinese.get(key)!), key).toEqual(
        [...variables(text), ...(extra[key] ?? [])].sort(),
      );
  });

  it('translate what a reader sees (Chinese text in every message but names and formats)', () => {
    const untranslated = [...chinese].filter(([, t]) => !/[\u4e00-\u9fff]/.test(t)).map(([k]) => k);
    expect(untranslated.sort()).toEqual(
      [
        'backend.webgpu',
        'header.wasm',
        'panels.cam',
        'panels.gmacs',
        'panels.gmacsSuffix',
        'panels.of',
        'results.cam',
        // Punctuation only (full-width in Chinese).
        'app.colon',
        'untrained.sep',
        // The CLI's: layouts around interpolated values, and column names that are names.
        'cli.compare.note',
        'cli.convert.manifest',
        'errorDetail',
        'cli.eval.skippedFile',
        'cli.fileError',
        'cli.layout.key',
        'cli.quantize.columns.zp',
        'cli.rows.gmacs',
        'cli.rows.se',
        'cli.rows.sha256',
        'cli.rows.top1',
        // Layouts around values: a layer's name alone, a phase and its count.
        'engine.precision.at',
        'precision.progress',
        // Two translated messages joined (the WASM reason; the lens kernels; their int8 line).
        'engine.backend.lensAfter',
        'engine.backend.lensInt8',
      ].sort(),
    );
  });
});

describe('languageFromLocale (the CLI without --lang)', () => {
  it('reads LC_ALL, then LC_MESSAGES, then LANG; Chinese for zh and zh_CN only', () => {
    expect(languageFromLocale({ LANG: 'zh_CN.UTF-8' })).toBe('zh-CN');
    expect(languageFromLocale({ LANG: 'zh_CN' })).toBe('zh-CN');
    expect(languageFromLocale({ LANG: 'zh' })).toBe('zh-CN');
    expect(languageFromLocale({ LANG: 'zh_CN.GB18030@stroke' })).toBe('zh-CN');
    expect(languageFromLocale({ LANG: 'zh_TW.UTF-8' })).toBe('en');
    expect(languageFromLocale({ LANG: 'en_US.UTF-8' })).toBe('en');
    expect(languageFromLocale({ LANG: 'C' })).toBe('en');
    expect(languageFromLocale({})).toBe('en');
    expect(languageFromLocale({ LC_ALL: 'C', LANG: 'zh_CN.UTF-8' })).toBe('en');
    expect(languageFromLocale({ LC_MESSAGES: 'zh_CN.UTF-8', LANG: 'en_US.UTF-8' })).toBe('zh-CN');
    // An empty variable counts as unset (POSIX).
    expect(languageFromLocale({ LC_ALL: '', LC_MESSAGES: '', LANG: 'zh_CN.UTF-8' })).toBe('zh-CN');
  });
});

describe('takeLanguage (--lang, any command)', () => {
  const zh = { LANG: 'zh_CN.UTF-8' };
  it('takes --lang X or --lang=X out of argv, wherever it is, and wins over the locale', () => {
    expect(takeLanguage(['info', '--lang', 'en', 'm.onnx'], zh)).toEqual({
      language: 'en',
      argv: ['info', 'm.onnx'],
      rejected: null,
    });
    expect(takeLanguage(['--lang=zh-CN', 'info', 'm.onnx'], {})).toEqual({
      language: 'zh-CN',
      argv: ['info', 'm.onnx'],
      rejected: null,
    });
  });
  it('falls back to the locale, names a bad value, and leaves what follows -- alone', () => {
    expect(takeLanguage(['info', 'm.onnx'], zh).language).toBe('zh-CN');
    expect(takeLanguage(['--lang', 'fr', 'info'], zh)).toEqual({
      language: 'zh-CN',
      argv: ['info'],
      rejected: 'fr',
    });
    expect(takeLanguage(['--lang'], {}).rejected).toBe('');
    expect(takeLanguage(['x', '--', '--lang', 'en'], zh)).toEqual({
      language: 'zh-CN',
      argv: ['x', '--', '--lang', 'en'],
      rejected: null,
    });
  });
});

describe('the CLI catalogue', () => {
  it('has a Chinese headline for every LensError code', () => {
    const zh = createI18n('zh-CN');
    for (const code of Object.keys(en.errors) as LensErrorCode[])
      expect(zh.t(`errors.${code}`), code).toMatch(/[\u4e00-\u9fff]/);
  });

  it('keeps English error lines as they were, and puts the headline first in Chinese', async () => {
    const e = new LensError('not-a-model', 'x.onnx: not an ONNX model.');
    try {
      await setCliLanguage('en');
      expect(errorDetail(e)).toBe('x.onnx: not an ONNX model.');
      expect(t('cli.error', { detail: errorDetail(e) })).toBe('error: x.onnx: not an ONNX model.');
      await setCliLanguage('zh-CN');
      expect(t('cli.error', { detail: errorDetail(e) })).toBe(
        '错误：不是模型文件：x.onnx: not an ONNX model.',
      );
      expect(errorDetail(new Error('plain'))).toBe('plain');
    } finally {
      await setCliLanguage('en');
    }
  });

  it('translates the skip reasons the CLI states by their code, and passes other reasons through', async () => {
    const dangling = { error: en.cli.skip.noSuchFile, code: 'noSuchFile' as const };
    try {
      await setCliLanguage('zh-CN');
      expect(skipReason(dangling)).toBe('文件不存在（链接失效？）');
      expect(skipReason({ error: 'Not a JPEG.' })).toBe('Not a JPEG.');
      // The same English words from elsewhere (a decoder, say) are not taken for the CLI's own.
      expect(skipReason({ error: en.cli.skip.noSuchFile })).toBe(en.cli.skip.noSuchFile);
    } finally {
      await setCliLanguage('en');
    }
    expect(skipReason(dangling)).toBe(en.cli.skip.noSuchFile);
  });

  it('describes a checkpoint layout in the CLI language, and in English for JSON', async () => {
    const c = {
      format: 'zip',
      layout: 'state_dict',
      key: 'model',
      stripped: 'module.',
      extras: { optimizer: null, epoch: 3 },
    } as unknown as Checkpoint;
    const en =
      "zip format, weights in checkpoint['model'], 'module.' prefix removed; ignored: optimizer, epoch";
    try {
      await setCliLanguage('zh-CN');
      expect(describeLayout(c)).toBe(
        "zip 格式，权重位于 checkpoint['model']，已去掉前缀“module.”；已忽略：optimizer, epoch",
      );
      expect(describeLayout(c, english)).toBe(en);
    } finally {
      await setCliLanguage('en');
    }
    expect(describeLayout(c)).toBe(en);
  });

  it('does not interpolate what a value contains (file names are data)', () => {
    const zh = createI18n('zh-CN');
    expect(zh.t('cli.fileError', { file: '{{detail}}<b>', detail: 'x' })).toBe('{{detail}}<b>：x');
  });
});

describe('terminal columns', () => {
  it('counts CJK as two columns, so Chinese table headers line up', () => {
    expect(columns('params')).toBe(6);
    expect(columns('参数量')).toBe(6);
    expect(columns('输出 dB')).toBe(7);
    expect(padEndColumns('文件', 6)).toBe('文件  ');
    expect(padStartColumns('浮点', 6)).toBe('  浮点');
    expect(padEndColumns('toolong', 3)).toBe('toolong');
  });
});
