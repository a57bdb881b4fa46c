import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCheckpoint, toFloat32 } from '../src/core/checkpoint/torch';
import type { Tensor } from '../src/core/checkpoint/types';
import { type LensErrorCode } from '../src/core/errors';
import { lensRejection } from './helpers/errors';

/** Written by tools/make_checkpoint_fixtures.py from torch 1.13's own tensors. */
interface Expected {
  valid: Record<
    string,
    {
      format: string;
      layout: string;
      key: string | null;
      stripped: string | null;
      tensors: {
        name: string;
        dtype: string;
        shape: number[];
        sha256: string;
        float32_sha256: string;
      }[];
    }
  >;
  invalid: Record<string, LensErrorCode>;
}

const dataDir = new URL('./data/checkpoints/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('expected.json', dataDir), 'utf8')) as Expected;
const load = (name: string) => new Uint8Array(readFileSync(new URL(name, dataDir)));
const sha256 = (a: ArrayBufferView) =>
  createHash('sha256')
    .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex');
const PWNED = '/tmp/pwned-by-checkpoint';

describe('readCheckpoint gives the tensors torch.save wrote', () => {
  it.each(Object.entries(expected.valid))('%s', async (name, ref) => {
    const bytes = load(name);
    const ckpt = await readCheckpoint(bytes);
    expect({
      format: ckpt.format,
      layout: ckpt.layout,
      key: ckpt.key,
      stripped: ckpt.stripped,
    }).toEqual({ format: ref.format, layout: ref.layout, key: ref.key, stripped: ref.stripped });
    expect([...ckpt.stateDict.keys()]).toEqual(ref.tensors.map((t) => t.name));
    expect(ckpt.skipped).toEqual([]);
    for (const t of ref.tensors) {
      const got = ckpt.stateDict.get(t.name)!;
      expect({ name: t.name, dtype: got.dtype, shape: got.shape }).toEqual({
        name: t.name,
        dtype: t.dtype,
        shape: t.shape,
      });
      expect(got.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
      expect(sha256(got.data), t.name).toBe(t.sha256);
      expect(sha256(toFloat32(got).data), `${t.name} as float32`).toBe(t.float32_sha256);
      // Each tensor owns its values: nothing aliases the file.
      expect(got.data.buffer).not.toBe(bytes.buffer);
    }
  });

  it('covers every dtype, layout and format the fixtures promise', () => {
    const all = Object.values(expected.valid);
    const dtypes = new Set(all.flatMap((v) => v.tensors.map((t) => t.dtype)));
    expect([...dtypes].sort()).toEqual(
      ['bfloat16', 'bool', 'float16', 'float32', 'float64', 'int32', 'int64', 'uint8'].sort(),
    );
    expect(new Set(all.map((v) => v.layout))).toEqual(
      new Set(['state_dict', 'model', 'state_dict_key', 'other_key', 'pickled_module']),
    );
    expect(new Set(all.map((v) => v.format))).toEqual(new Set(['zip', 'legacy']));
  });

  it('widens float16 and bfloat16 exactly, infinities, NaN and subnormals included', async () => {
    const { stateDict } = await readCheckpoint(load('dtypes.pth'));
    const f16 = Array.from(stateDict.get('f16')!.data as Float32Array);
    expect(f16.slice(0, 9)).toEqual([
      0,
      -0,
      1,
      -2.5,
      65504,
      5.960464477539063e-8,
      0.000010013580322265625,
      Infinity,
      -Infinity,
    ]);
    expect(f16[9]).toBeNaN();
    expect(Object.is(f16[1], -0)).toBe(true);
    const bf16 = stateDict.get('bf16')!;
    expect(bf16.dtype).toBe('bfloat16');
    expect(bf16.data).toBeInstanceOf(Float32Array);
    expect(stateDict.get('num_batches_tracked')).toEqual({
      dtype: 'int64',
      shape: [],
      data: new BigInt64Array([12345n]),
    });
    expect(Array.from(stateDict.get('i64')!.data as BigInt64Array)).toEqual([
      0n,
      -1n,
      2n ** 40n,
      -(2n ** 63n),
      2n ** 62n,
      12345n,
    ]);
    expect(stateDict.get('empty')).toEqual({
      dtype: 'float32',
      shape: [0, 3],
      data: new Float32Array(0),
    });
    expect(stateDict.get('flags')!.data).toEqual(new Uint8Array([1, 0, 1]));
  });

  it('applies storage offsets and strides (views of one storage, expand, channels_last)', async () => {
    const { stateDict } = await readCheckpoint(load('views.pth'));
    const values = (name: string) => Array.from(stateDict.get(name)!.data as Float32Array);
    const base = values('base'); // arange(24).reshape(4, 6) * 0.5 - 3
    expect(base).toEqual(Array.from({ length: 24 }, (_, i) => i * 0.5 - 3));
    expect(values('column')).toEqual([0, 6, 12, 18].map((i) => base[i + 2]));
    expect(values('corner')).toEqual([9, 10, 15, 16].map((i) => base[i]));
    expect(values('transposed').slice(0, 4)).toEqual([0, 6, 12, 18].map((i) => base[i]));
    expect(values('expanded')).toEqual([
      1.5, -2, 3.25, 1.5, -2, 3.25, 1.5, -2, 3.25, 1.5, -2, 3.25,
    ]);
    expect(stateDict.get('every_third')!.data).toEqual(new BigInt64Array([2n, 5n, 8n]));
  });

  it("returns a training script's other entries as plain data, classes as inert records", async () => {
    const ckpt = await readCheckpoint(load('training.pth'));
    const { extras } = ckpt;
    expect(Object.keys(extras)).toEqual([
      'optimizer',
      'lr_scheduler',
      'max_accuracy',
      'epoch',
      'config',
    ]);
    expect(extras.epoch).toBe(3);
    expect(extras.max_accuracy).toBe(78.62);
    expect(extras.config).toEqual({
      __global__: '__main__.CfgNode',
      args: [],
      state: {
        __immutable__: true,
        __deprecated_keys__: { __set__: [] },
        __renamed_keys__: {},
        __new_allowed__: false,
      },
      items: {
        MODEL: {
          __global__: '__main__.CfgNode',
          args: [],
          state: expect.objectContaining({ __immutable__: true }) as unknown,
          items: { ARCH: 'RepOpt-VGG-tiny', NUM_CLASSES: 10 },
        },
        TRAIN: expect.objectContaining({ items: { EPOCHS: 120, BASE_LR: 0.1 } }) as unknown,
      },
    });
    const optimizer = extras.optimizer as {
      state: Record<string, { momentum_buffer: unknown }>;
      param_groups: { lr: number; momentum: number; params: number[] }[];
    };
    expect(optimizer.state['0']!.momentum_buffer).toEqual({
      __tensor__: 'float32',
      shape: [4, 3, 3, 3],
    });
    expect(optimizer.param_groups[0]).toMatchObject({ lr: 0.1, momentum: 0.9 });
    expect(optimizer.param_groups[0]!.params).toHaveLength(17);
    // JSON-safe: a CLI can print it, a worker can post it.
    expect(JSON.parse(JSON.stringify(extras))).toEqual(extras);
  });

  it("strips DataParallel's 'module.' and keeps the imagenet script's other keys", async () => {
    const ckpt = await readCheckpoint(load('module_prefix.pth'));
    expect([...ckpt.stateDict.keys()][0]).toBe('stage0.conv.weight');
    expect(ckpt.extras).toEqual({
      epoch: 90,
      arch: 'repopt_vgg_tiny',
      best_acc1: { __tensor__: 'float32', shape: [] },
    });
  });
});

describe('readCheckpoint refuses what it cannot or must not read', () => {
  const messages: Record<string, string | RegExp> = {
    'malicious.pth':
      'Refused: the checkpoint would call os.system(...) when loaded with torch.load; RepOpt Lens never executes checkpoint code.',
    'pickle_bomb.pth':
      'Refused: the checkpoint nests containers more than 1000 levels deep; no real checkpoint does (this is how a pickle bomb crashes readers).',
    'pickle_bomb_memo.pth':
      'Refused: the checkpoint nests containers more than 1000 levels deep; no real checkpoint does (this is how a pickle bomb crashes readers).',
    'truncated.pth':
      'The checkpoint file is damaged: the end of its zip archive is missing, so the file is cut short. Download or copy it again.',
    'not_checkpoint.zip':
      'This file is not a PyTorch checkpoint: it is a zip archive without data.pkl (it holds notes/readme.txt, notes/weights.bin).',
    'storage_size_lies.pth':
      "The checkpoint file is damaged: the zip entry 'storage_size_lies/data/0' holds 428 bytes, but the checkpoint declares 108 float32 values (432 bytes). Download or copy it again.",
    // Legacy storage keys are memory addresses of the saving process.
    'legacy_truncated.pth':
      /^The checkpoint file is damaged: storage '\d+' needs \d+ bytes, but the file ends after \d+\. Download or copy it again\.$/,
    'text.pth': 'This file is not a PyTorch checkpoint: it is a text file.',
    'plain_pickle.pkl':
      'This file is not a PyTorch checkpoint: it is a Python pickle, but not one written by torch.save.',
    'torchscript.pt':
      'RepOpt Lens cannot read this checkpoint: it is a TorchScript archive (torch.jit.save); load it with torch.jit.load and save model.state_dict() with torch.save.',
  };

  it('has a message for every refused fixture', () => {
    expect(Object.keys(messages).sort()).toEqual(Object.keys(expected.invalid).sort());
  });

  it.each(Object.entries(expected.invalid))('%s: %s', async (name, code) => {
    const error = await lensRejection(readCheckpoint(load(name)));
    expect(error.code).toBe(code);
    const message = messages[name]!;
    if (typeof message === 'string') expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
  });

  it('never runs the shell command in the malicious checkpoint', async () => {
    rmSync(PWNED, { force: true });
    const error = await lensRejection(readCheckpoint(load('malicious.pth')));
    expect(error.code).toBe('unsafe-checkpoint');
    expect(existsSync(PWNED)).toBe(false);
  });

  it.each([
    [
      'an empty file',
      new Uint8Array(0),
      'not-a-checkpoint',
      'This file is not a PyTorch checkpoint: the file is empty.',
    ],
    [
      'an ONNX model',
      new Uint8Array(readFileSync(new URL('../models/repopt-tiny.onnx', import.meta.url))),
      'not-a-checkpoint',
      'This file is not a PyTorch checkpoint: it looks like an ONNX model: open it as a model instead.',
    ],
    [
      'a gzip file',
      new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]),
      'not-a-checkpoint',
      'This file is not a PyTorch checkpoint: it is gzip-compressed: decompress it first.',
    ],
    [
      'a safetensors file',
      new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x22, 0x7d]),
      'unsupported-checkpoint',
      'RepOpt Lens cannot read this checkpoint: it is a safetensors file; save it as .pth with torch.save(safetensors.torch.load_file(path), "model.pth").',
    ],
    [
      'binary noise',
      new Uint8Array([0, 1, 2, 3, 4, 5, 0xff]),
      'not-a-checkpoint',
      'This file is not a PyTorch checkpoint: it is neither a zip archive nor a pickle, the two formats torch.save writes.',
    ],
  ] as const)('%s', async (_, bytes, code, message) => {
    expect(await lensRejection(readCheckpoint(bytes))).toEqual({ code, message });
  });

  it('notices a flipped bit in the weights (CRC-32), unless told not to check', async () => {
    const bytes = load('bare.pth');
    const at = Buffer.from(bytes).indexOf('bare/data/0') + 'bare/data/0'.length;
    // The data starts at the next 64-byte boundary after the local header's padding.
    const dataStart = Math.ceil((at + 4) / 64) * 64;
    bytes[dataStart + 5]! ^= 0x10;
    expect(await lensRejection(readCheckpoint(bytes))).toEqual({
      code: 'corrupt-checkpoint',
      message:
        "The checkpoint file is damaged: the zip entry 'bare/data/0' fails its CRC-32 check. Download or copy it again.",
    });
    await expect(readCheckpoint(bytes, { verifyCrc: false })).resolves.toBeTruthy();
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(
      (await lensRejection(readCheckpoint(load('bare.pth'), { signal: controller.signal }))).code,
    ).toBe('aborted');
  });
});

describe('toFloat32', () => {
  it('returns float32 data as is and converts the rest', () => {
    const f32: Tensor = { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) };
    expect(toFloat32(f32).data).toBe(f32.data);
    expect(
      toFloat32({ dtype: 'float64', shape: [1], data: new Float64Array([1 / 3]) }).data,
    ).toEqual(new Float32Array([1 / 3]));
    expect(toFloat32({ dtype: 'int64', shape: [2], data: new BigInt64Array([-3n, 5n]) })).toEqual({
      shape: [2],
      data: new Float32Array([-3, 5]),
    });
  });
});
