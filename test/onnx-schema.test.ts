/**
 * src/core/onnx/generated/schema.ts is the protobufjs JSON descriptor of the vendored onnx.proto. This test
 * is also its generator: `UPDATE_ONNX_SCHEMA=1 npx vitest run test/onnx-schema.test.ts` rewrites
 * it (prettier-formatted) from onnx.proto; without the variable it checks that they agree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as prettier from 'prettier';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { onnxDescriptor } from '../src/core/onnx/generated/schema';
import { ROOT } from './helpers/fixtures';

const PROTO = resolve(ROOT, 'src/core/onnx/onnx.proto');
const SCHEMA = resolve(ROOT, 'src/core/onnx/generated/schema.ts');

const HEADER = `/**
 * The ONNX protobuf schema as a protobufjs JSON descriptor, generated from ../onnx.proto (ONNX
 * 1.12.0, Copyright (c) ONNX Project Contributors, SPDX-License-Identifier: Apache-2.0; see
 * ATTRIBUTION.md). Do not edit: \`UPDATE_ONNX_SCHEMA=1 npx vitest run test/onnx-schema.test.ts\`
 * regenerates it from onnx.proto with protobufjs's parser.
 */
`;

describe('ONNX schema descriptor', () => {
  it('is protobufjs.parse(onnx.proto)', async () => {
    const parsed = protobuf.parse(readFileSync(PROTO, 'utf8'), { keepCase: false }).root.toJSON();
    if (process.env['UPDATE_ONNX_SCHEMA']) {
      const text = `${HEADER}export const onnxDescriptor = ${JSON.stringify(parsed)};\n`;
      const options = await prettier.resolveConfig(SCHEMA);
      writeFileSync(SCHEMA, await prettier.format(text, { ...options, filepath: SCHEMA }));
      return;
    }
    expect(JSON.parse(JSON.stringify(onnxDescriptor))).toEqual(JSON.parse(JSON.stringify(parsed)));
  });
});
