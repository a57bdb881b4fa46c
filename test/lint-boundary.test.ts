/**
 * The layering rules of eslint.config.js, run by ESLint itself on sources placed (virtually) in
 * nested folders: a rule that only matched files directly in src/core would fail here.
 */
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { boundaries } from '../eslint.config.js';
import { ROOT } from './helpers/fixtures';

const eslint = new ESLint({
  cwd: ROOT,
  overrideConfigFile: true,
  overrideConfig: [
    { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },
    ...boundaries,
  ],
});

async function messages(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}/${path}` });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('layer boundaries (eslint no-restricted-imports)', () => {
  const bad = [
    "import { useLens } from '../../app/store';",
    "import sharp from 'sharp';",
    "import * as ort from 'onnxruntime-web';",
    "import { readFileSync } from 'node:fs';",
    "import { Engine } from '../../engine/engine';",
    "import { create } from 'zustand';",
  ];

  it.each(bad)('refuses %s from a nested core folder', async (line) => {
    const found = await messages('src/core/checkpoint/probe.ts', `${line}\nexport {};\n`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^no-restricted-imports: /);
  });

  it('refuses the same from two levels down and from the engine', async () => {
    expect(await messages('src/core/onnx/generated/p.ts', `${bad[0]!}\nexport {};`)).toHaveLength(
      1,
    );
    expect(await messages('src/engine/p.ts', `${bad[0]!}\nexport {};`)).toHaveLength(1);
    expect(await messages('src/engine/p.ts', `${bad[2]!}\nexport {};`)).toHaveLength(1);
    expect(await messages('src/cli/p.ts', `${bad[0]!}\nexport {};`)).toHaveLength(1);
  });

  it('lets the core import the core, and the engine the core', async () => {
    const ok = "import { LensError } from '../errors';\nexport { LensError };\n";
    expect(await messages('src/core/checkpoint/probe.ts', ok)).toEqual([]);
    const ok2 = "import { rank } from '../core/inference/classify';\nexport { rank };\n";
    expect(await messages('src/engine/probe.ts', ok2)).toEqual([]);
    expect(
      await messages(
        'src/cli/probe.ts',
        "import { Engine } from '../engine/engine';\nexport { Engine };\n",
      ),
    ).toEqual([]);
  });

  it('keeps the shared catalogues (src/i18n) free of React, Node and the layers above', async () => {
    for (const line of [
      bad[0]!,
      bad[1]!,
      bad[3]!,
      "import { useTranslation } from 'react-i18next';",
    ])
      expect(await messages('src/i18n/p.ts', `${line}\nexport {};`)).toHaveLength(1);
    const ok =
      "import i18next from 'i18next';\nimport type { LensErrorCode } from '../core/errors';\nexport { i18next };\nexport type { LensErrorCode };\n";
    expect(await messages('src/i18n/p.ts', ok)).toEqual([]);
  });
});
