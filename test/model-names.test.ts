/** The bundled models' names in the page's language: the catalogue's, keyed by manifest id. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelDisplayName } from '../src/app/components/model-name';
import { parseManifest } from '../src/core/model/manifest';
import { en } from '../src/i18n/en';
import { createI18n } from '../src/i18n/instance';
import { zhCN } from '../src/i18n/zh-CN';
import { ROOT } from './helpers/fixtures';

const manifest = parseManifest(readFileSync(resolve(ROOT, 'models/models.json'), 'utf8'));

describe('model names', () => {
  it("the catalogue's English is the manifest's name, for every bundled model", () => {
    expect(Object.keys(en.modelNames).sort()).toEqual(manifest.models.map((m) => m.id).sort());
    for (const m of manifest.models)
      expect(en.modelNames[m.id as keyof typeof en.modelNames]).toBe(m.name);
  });

  it('Chinese names for each (ids with dots too), the manifest name for a model it does not know', () => {
    const zh = createI18n('zh-CN').t;
    for (const m of manifest.models) {
      const name = modelDisplayName(zh, 'zh-CN', m);
      expect(name).toBe(zhCN.modelNames[m.id as keyof typeof zhCN.modelNames]);
      expect(name).toMatch(/[\u4e00-\u9fff]/);
      expect(modelDisplayName(createI18n('en').t, 'en', m)).toBe(m.name);
    }
    expect(modelDisplayName(zh, 'zh-CN', { id: 'mine', name: 'My model' })).toBe('My model');
    expect(modelDisplayName(zh, 'zh-CN', { id: 'ghostnet-0.5x-seeded', name: 'x' })).toBe(
      'RepGhostNet-0.5x（随机种子，未训练）',
    );
  });
});
