/**
 * Strings from files never reach the terminal raw: a crafted ONNX whose
 * producer clears the screen, sets the window title and prints a fake line, with control
 * characters in its tensor names, doc string and metadata, and a file name with an ESC sequence,
 * through `info`, `info --json`, `compare` and an error, as a user runs them.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layoutOnnxModel } from '../src/core/onnx/writer';
import { jsonTerminalSafe, terminalSafe } from '../src/core/terminal-safe';
import { IMAGES, ROOT } from './helpers/fixtures';

const PRODUCER = '\x1b[2J\x1b]0;x\x07FAKE: all tests passed';
const OUTPUT = 'logits\u009b31m\u202eevil';
const DESCRIPTION = 'RepOpt\x1b[31m red\r\nFAKE: line';

function cli(...args: string[]) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', resolve(ROOT, 'src/cli/index.ts'), ...args],
    { cwd: ROOT, encoding: 'utf8' },
  );
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Any character that can drive a terminal: C0 except newline, DEL, C1, bidi controls. */
// eslint-disable-next-line no-control-regex -- looking for control characters is the test
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function craftedModel(): Uint8Array {
  return layoutOnnxModel({
    irVersion: 8,
    opsetVersion: 13,
    producerName: PRODUCER,
    producerVersion: '1\x1b[0m',
    docString: 'doc\x1b]8;;http://x\x07',
    graphName: 'g\x07',
    inputs: [{ name: 'input', elemType: 'float32', shape: [1, 3, 224, 224] }],
    outputs: [{ name: OUTPUT, elemType: 'float32', shape: [1, 3] }],
    nodes: [
      { opType: 'GlobalAveragePool', name: 'pool', inputs: ['input'], outputs: ['pooled'] },
      { opType: 'Flatten', name: 'flat\x1b', inputs: ['pooled'], outputs: [OUTPUT] },
    ],
    initializers: [],
    metadata: { description: DESCRIPTION, mode: 'target\x1b[5m' },
  }).bytes;
}

describe('terminalSafe', () => {
  it('escapes C0, DEL, C1 and bidi controls, and nothing else', () => {
    expect(terminalSafe(PRODUCER)).toBe('\\x1b[2J\\x1b]0;x\\x07FAKE: all tests passed');
    expect(terminalSafe('a\nb\r\tc\x7f\u0085\u009b\u202e\u2066')).toBe(
      'a\\nb\\r\\tc\\x7f\\x85\\x9b\\u202e\\u2066',
    );
    const plain = 'tabby cat, 虎斑猫 🐈 C:\\models\\é';
    expect(terminalSafe(plain)).toBe(plain);
    expect(terminalSafe(terminalSafe(PRODUCER))).toBe(terminalSafe(PRODUCER));
  });

  it('jsonTerminalSafe keeps the parsed value', () => {
    const value = { producer: PRODUCER, out: OUTPUT, list: ['\u0085', '\u2029'] };
    const json = jsonTerminalSafe(JSON.stringify(value, null, 2));
    expect(json).not.toMatch(RAW);
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('the CLI prints strings from files escaped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'safe-output-'));
  const model = join(dir, 'crafted\x1b]0;pwned\x07.onnx');
  writeFileSync(model, craftedModel());

  it('info: producer, names, doc string, metadata and file name', () => {
    const r = cli('info', model);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(RAW);
    expect(r.stdout).toContain('producer \\x1b[2J\\x1b]0;x\\x07FAKE: all tests passed');
    expect(r.stdout).toContain('crafted\\x1b]0;pwned\\x07.onnx');
    expect(r.stdout).toContain('logits\\x9b31m\\u202eevil');
    // No line of output starts with the fake text.
    expect(r.stdout.split('\n').some((l) => l.startsWith('FAKE'))).toBe(false);
  });

  it('info --json: the same values, as JSON escapes', () => {
    const r = cli('info', model, '--json');
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(RAW);
    const report = JSON.parse(r.stdout) as { file: string; container: string };
    expect(report.file).toBe(model);
    expect(report.container).toContain(PRODUCER);
  });

  it('compare: model file names', () => {
    const other = join(dir, 'b\u202e.onnx');
    copyFileSync(model, other);
    const r = cli(
      'compare',
      '--model',
      model,
      '--model',
      other,
      '--data',
      join(IMAGES, 'china.jpg'),
    );
    expect(r.stderr).not.toMatch(RAW);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(RAW);
    expect(r.stdout).toContain('crafted\\x1b]0;pwned\\x07.onnx vs b\\u202e.onnx on 1 images');
  });

  it('errors: a file name in a message', () => {
    const r = cli('info', join(dir, 'missing\x1b[2J.onnx'));
    expect(r.status).toBe(1);
    expect(r.stderr).not.toMatch(RAW);
    expect(r.stderr).toContain('missing\\x1b[2J.onnx: no such file');
  });
});
