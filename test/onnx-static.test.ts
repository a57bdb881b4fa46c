/**
 * src/core/onnx/generated/onnx-static.mjs is protobufjs's precompiled ("static") code for onnx.proto: the
 * ONNX encoders and decoders as plain functions. The reflection API would generate them at run
 * time with `Function()`, which the app's Content-Security-Policy (no 'unsafe-eval') refuses,
 * in the page and in the worker. This test is also its generator:
 * `UPDATE_ONNX_STATIC=1 npx vitest run test/onnx-static.test.ts` rewrites it from onnx.proto with
 * protobufjs-cli's pbjs (prettier-formatted); without the variable it checks that they agree.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as prettier from 'prettier';
import { pbjs } from 'protobufjs-cli';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/fixtures';

const PROTO = resolve(ROOT, 'src/core/onnx/onnx.proto');
const STATIC = resolve(ROOT, 'src/core/onnx/generated/onnx-static.mjs');

const HEADER = `// Precompiled protobufjs code for ../onnx.proto (ONNX 1.12.0, Apache-2.0; see ../ATTRIBUTION.md).
// Generated, do not edit: UPDATE_ONNX_STATIC=1 npx vitest run test/onnx-static.test.ts
`;

async function generate(): Promise<string> {
  const out = join(mkdtempSync(join(tmpdir(), 'onnx-static-')), 'onnx.mjs');
  const args = ['-t', 'static-module', '-w', 'es6', '--no-create', '--no-verify', '--no-convert'];
  args.push('--no-delimited', '--no-service', '--no-comments', '-o', out, PROTO);
  await new Promise<void>((done, fail) => pbjs.main(args, (err) => (err ? fail(err) : done())));
  // protobufjs is CommonJS: Node's ESM loader (the CLI, via tsx) gives it as a default export only.
  const text =
    HEADER +
    readFileSync(out, 'utf8')
      .replace(/^\/\*eslint-disable[^\n]*\n/, '')
      .replace(
        'import * as $protobuf from "protobufjs/minimal";',
        'import $protobuf from "protobufjs/minimal.js";',
      );
  if (!text.includes('import $protobuf from'))
    throw new Error('pbjs output changed: fix the import');
  const options = await prettier.resolveConfig(STATIC);
  return prettier.format(text, { ...options, filepath: STATIC });
}

describe('precompiled ONNX codecs', () => {
  it('are pbjs static code for onnx.proto', async () => {
    const text = await generate();
    if (process.env['UPDATE_ONNX_STATIC']) {
      writeFileSync(STATIC, text);
      return;
    }
    expect(readFileSync(STATIC, 'utf8') === text, 'run UPDATE_ONNX_STATIC=1 ...').toBe(true);
  }, 60_000);

  it('contain no run-time code generation', () => {
    expect(readFileSync(STATIC, 'utf8')).not.toMatch(/\bFunction\(|\beval\(|codegen/);
  });
});
