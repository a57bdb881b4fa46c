/** The page's language choice and its message catalogues. */
import { describe, expect, it } from 'vitest';
import { en } from '../src/i18n/en';
import { pickLanguage } from '../src/i18n/language';
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
    for (const [key, text] of english)
      expect(variables(chinese.get(key)!), key).toEqual(variables(text));
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
      ].sort(),
    );
  });
});
