/**
 * The words a user reads when onnxruntime refuses a model. The runtime messages here are the ones
 * onnxruntime-web 1.30 gave in chromium for e2e/fixtures/bad-models (see e2e/bad-models.spec.ts);
 * the out-of-memory one at session creation (a model file of about 1.1 GB or more) is too costly
 * for the browser tests, so it is checked here only.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inferenceError, modelLoadError, runtimeDetail } from '../src/core/inference/model-io';
import { ROOT, TINY_MODEL } from './helpers/fixtures';

const onnx = new Uint8Array(readFileSync(TINY_MODEL));
const ort = (code: number, message: string) =>
  new Error(`Can't create a session. ERROR_CODE: ${code}, ERROR_MESSAGE: ${message}`);

describe('model load errors', () => {
  it('says what a non-ONNX file looks like', () => {
    const text = new Uint8Array(
      readFileSync(resolve(ROOT, 'e2e/fixtures/images/not-a-model.onnx')),
    );
    const e = modelLoadError(text, ort(7, 'protobuf parsing failed'), 'onnxruntime-web');
    expect(e.code).toBe('not-a-model');
    expect(e.message).toBe('This file is not an ONNX model (looks like text).');
    expect(modelLoadError(new Uint8Array(0), new Error('x'), 'onnxruntime-web').message).toBe(
      'The model file is empty (0 bytes).',
    );
  });

  it('tells a truncated file from a corrupt one', () => {
    const half = onnx.subarray(0, onnx.length >> 1);
    const failed = ort(7, 'Failed to load model because protobuf parsing failed.');
    expect(modelLoadError(half, failed, 'onnxruntime-web').message).toBe(
      'The ONNX file is truncated: it ends in the middle of its data (365 KB read). Download or copy it again.',
    );
    const corrupt = onnx.slice();
    corrupt.fill(0x07, 64, 84); // tags of wire type 7, which protobuf does not have
    expect(modelLoadError(corrupt, failed, 'onnxruntime-web').message).toMatch(
      /^The ONNX file is corrupt: its bytes do not parse as an ONNX model \(invalid wire type 7 at offset \d+\)\.$/,
    );
  });

  it('names a missing operator, custom domain or standard', () => {
    const custom = ort(1, 'Fatal error: com.example:Foo(-1) is not a registered function/op');
    expect(modelLoadError(onnx, custom, 'onnxruntime-web').message).toBe(
      'The model uses an operator that onnxruntime-web does not implement: com.example:Foo. Re-export it with standard ONNX operators. (Fatal error: com.example:Foo(-1) is not a registered function/op)',
    );
    const kernel = ort(9, "Could not find an implementation for Foo(13) node with name 'n0'");
    const e = modelLoadError(onnx, kernel, 'onnxruntime-node');
    expect(e.code).toBe('model-incompatible');
    expect(e.message).toMatch(
      /^The model uses an operator that onnxruntime-node does not implement: Foo \(opset 13\)\./,
    );
  });

  it('says the 4 GiB limit and suggests fp16 when memory runs out, at creation or at a run', () => {
    const big = new Uint8Array(1_500_000_000 / 1000); // the size is only read, not the bytes
    big[0] = 0x08;
    Object.defineProperty(big, 'byteLength', { value: 1_500_000_000 });
    for (const detail of ['std::bad_alloc', 'Aborted(). Build with -sASSERTIONS for more info.']) {
      const e = modelLoadError(big, ort(6, detail), 'onnxruntime-web');
      expect(e.code).toBe('model-load-failed');
      expect(e.message).toBe(
        `The model needs more memory than the browser gives WebAssembly (4 GiB at most), shared by its weights and every tensor it computes; it ran out while loading (the file is 1500 MB). Try an fp16 export (convert --fp16 halves the weights) or a smaller model. (${detail})`,
      );
    }
    const run = inferenceError(
      16_474,
      new Error('failed to call OrtRun(). ERROR_CODE: 6, ERROR_MESSAGE: std::bad_alloc'),
    );
    expect(run.code).toBe('inference-failed');
    expect(run.message).toMatch(
      /\(4 GiB at most\).*it ran out while running \(the file is 16 KB\)\. Try an fp16 export/,
    );
  });

  it('keeps other failures as they are, without the runtime prefix and source path', () => {
    const overflow = new Error(
      'failed to call OrtRun(). ERROR_CODE: 1, ERROR_MESSAGE: /mnt/azure_nvme_temp/_work/1/s/onnxruntime/core/common/safeint.h:17 static void SafeIntExceptionHandler<onnxruntime::OnnxRuntimeException>::SafeIntOnOverflow() Integer overflow\n',
    );
    expect(runtimeDetail(overflow)).toBe('Integer overflow');
    expect(inferenceError(100, overflow).message).toMatch(/^The model needs more memory/);
    expect(inferenceError(100, new Error('shape mismatch')).message).toBe(
      'Inference failed: shape mismatch',
    );
    expect(modelLoadError(onnx, ort(2, 'Type mismatch'), 'onnxruntime-web').message).toBe(
      'The ONNX model could not be loaded: Type mismatch',
    );
  });
});
