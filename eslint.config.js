import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/** What a layer may not import, as regular expressions over the import specifier. */
const forbid = (what, regex) => ({ regex, message: `${what} (see the folder's README).` });
const NO_PLATFORM = [
  forbid('No React or zustand here', '^(react|react-dom|zustand)(/|$)'),
  forbid('No onnxruntime here: sessions come from the platform adapters', '^onnxruntime-'),
  forbid('No Node built-ins or native packages here', '^(node:|sharp$|fs$|path$|os$)'),
];
const upward = (folders) =>
  forbid(`No imports from ${folders.join(', ')}`, `(^|/)(${folders.join('|')})(/|$)`);

/**
 * The layering, enforced at every depth (src/core/checkpoint/x.ts included): the pure core
 * imports nothing of the platform or the layers above it; the engine imports only the core.
 * Exported so test/lint-boundary.test.ts can prove the rules fire from nested folders.
 */
export const boundaries = [
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...NO_PLATFORM, upward(['app', 'worker', 'engine', 'node', 'cli', 'sw'])] },
      ],
    },
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...NO_PLATFORM, upward(['app', 'worker', 'node', 'cli', 'sw'])] },
      ],
    },
  },
  {
    // The catalogues are shared by the page and the CLI: no React, DOM-bound or Node code.
    files: ['src/i18n/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...NO_PLATFORM,
            upward(['app', 'worker', 'engine', 'node', 'cli', 'sw']),
            forbid('No react-i18next here: the page binds it (src/app/i18n)', '^react-i18next$'),
          ],
        },
      ],
    },
  },
  {
    // The command line never reaches into the page.
    files: ['src/cli/**/*.ts', 'src/node/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [upward(['app', 'worker', 'sw'])] }] },
  },
];

export default tseslint.config(
  { ignores: ['dist', 'dist-*', 'node_modules', 'test-results', 'playwright-report', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['src/app/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  ...boundaries,
  {
    files: ['eslint.config.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
