import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { unpickle, type UnpickleOptions } from '../src/core/checkpoint/pickle';
import { PyGlobal, PyObject } from '../src/core/checkpoint/values';
import { lensError } from './helpers/errors';

const dataDir = new URL('./data/checkpoints/', import.meta.url);
/** Python's own pickle.dumps of one sample object at protocols 0-5, and its plain form. */
const sample = JSON.parse(readFileSync(new URL('pickles.json', dataDir), 'utf8')) as unknown;

/** The plain form tools/make_checkpoint_fixtures.py writes (its to_json). */
function toJson(v: unknown): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string' || typeof v === 'number')
    return v;
  if (typeof v === 'bigint') return { int: v.toString() };
  if (v instanceof Uint8Array) return { bytes: Buffer.from(v).toString('hex') };
  if (Array.isArray(v)) return v.map(toJson);
  if (v instanceof Set) return { set: [...v].map(toJson).sort((a, b) => Number(a) - Number(b)) };
  if (v instanceof Map) return { dict: [...v].map(([k, x]) => [toJson(k), toJson(x)]) };
  if (v instanceof PyObject) return { global: v.__global__, state: toJson(v.state) };
  throw new Error(`unexpected value of type ${typeof v}`);
}

/** Pickle bytes from a string of opcodes, with \xNN escapes as written in pickletools listings. */
const op = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

function run(bytes: Uint8Array, options?: UnpickleOptions): unknown {
  return unpickle(bytes, options).value;
}

describe('unpickle reads what Python writes', () => {
  it.each([0, 1, 2, 3, 4, 5])('protocol %i', (protocol) => {
    const bytes = new Uint8Array(readFileSync(new URL(`pickles/sample_p${protocol}.pkl`, dataDir)));
    const { value, end } = unpickle(bytes);
    expect(end).toBe(bytes.length);
    expect(toJson(value)).toEqual(sample);
  });

  it('keeps shared references shared (memo)', () => {
    const bytes = new Uint8Array(readFileSync(new URL('pickles/sample_p2.pkl', dataDir)));
    const shared = (unpickle(bytes).value as Map<string, unknown[]>).get('shared')!;
    expect(shared[0]).toBe(shared[1]);
  });

  it('reads protocol 0 and Python 2 text opcodes', () => {
    // STRING with escapes, INT, LONG, FLOAT, DICT, LIST, PUT/GET, POP, DUP, POP_MARK, TUPLE
    const text = op(
      "(S'a\\n\\x41\\'b'\np0\nI-5\nL123456789012345678901L\n(lp1\nF2.5\naF-inf\na(I1\n1g0\n0g0\n2t.",
    );
    expect(run(text)).toEqual(
      Object.freeze(["a\nA'b", -5, 123456789012345678901n, [2.5, -Infinity], "a\nA'b", "a\nA'b"]),
    );
    expect(run(op("(S'k'\nI01\nV\\u20ac\nI00\nd."))).toEqual(
      new Map<unknown, unknown>([
        ['k', true],
        ['\u20ac', false],
      ]),
    );
  });

  it('builds inert records for INST, OBJ, NEWOBJ_EX and unknown classes', () => {
    const inst = run(op('(I1\niargparse\nNamespace\n.')) as PyObject;
    expect(inst).toBeInstanceOf(PyObject);
    expect(inst).toMatchObject({ __global__: 'argparse.Namespace', args: [1], state: null });
    const obj = run(op('(cyacs.config\nCfgNode\nK\x02o}X\x01\x00\x00\x00aK\x01sb.')) as PyObject;
    expect(obj.__global__).toBe('yacs.config.CfgNode');
    expect(obj.state).toEqual(new Map([['a', 1]]));
    const ex = run(op('\x80\x04\x8c\x05numpy\x94\x8c\x05dtype\x94\x93)}\x92.')) as PyObject;
    expect(ex.__global__).toBe('numpy.dtype');
    const global = run(op('cnumpy\nfloat32\n.'));
    expect(global).toEqual(new PyGlobal('numpy', 'float32'));
  });

  it('treats names that are JavaScript internals as plain names', () => {
    expect(run(op('c__proto__\nconstructor\n.'))).toEqual(new PyGlobal('__proto__', 'constructor'));
    expect(run(op('ctoString\nvalueOf\n)R.'))).toMatchObject({ __global__: 'toString.valueOf' });
    const dict = run(op('}X\t\x00\x00\x00__proto__K\x01s.')) as Map<string, number>;
    expect(dict.get('__proto__')).toBe(1);
  });

  it('passes persistent ids to the hook', () => {
    const seen: unknown[] = [];
    const persistentLoad = (pid: unknown) => (seen.push(pid), 'loaded');
    expect(run(op('\x80\x02K\x07\x85Q.'), { persistentLoad })).toBe('loaded');
    expect(run(op('Pkey\n.'), { persistentLoad })).toBe('loaded');
    expect(seen).toEqual([[7], 'key']);
  });

  it('reads pickles back to back from an offset', () => {
    const two = op('\x80\x02K\x01.\x80\x02K\x02.');
    const first = unpickle(two);
    expect(first).toEqual({ value: 1, end: 5 });
    expect(unpickle(two, { start: first.end })).toEqual({ value: 2, end: 10 });
  });
});

describe('unpickle refuses code and hostile shapes', () => {
  const refused = (module: string, name: string) =>
    `Refused: the checkpoint would call ${module}.${name}(...) when loaded with torch.load; RepOpt Lens never executes checkpoint code.`;

  it.each([
    ['GLOBAL posix.system', 'cposix\nsystem\n(S"id"\ntR.', 'os', 'system'],
    ['GLOBAL nt.system', 'cnt\nsystem\n.', 'os', 'system'],
    ['GLOBAL subprocess.Popen', 'csubprocess\nPopen\n.', 'subprocess', 'Popen'],
    ['GLOBAL __builtin__.eval', 'c__builtin__\neval\n.', 'builtins', 'eval'],
    ['GLOBAL builtins.getattr', 'cbuiltins\ngetattr\n.', 'builtins', 'getattr'],
    ['STACK_GLOBAL builtins.exec', '\x80\x04\x8c\x08builtins\x8c\x04exec\x93.', 'builtins', 'exec'],
    ['INST os.system', '(S"id"\nios\nsystem\n.', 'os', 'system'],
    ['GLOBAL runpy._run_code', 'crunpy\n_run_code\n.', 'runpy', '_run_code'],
    [
      'GLOBAL importlib.import_module',
      'cimportlib\nimport_module\n.',
      'importlib',
      'import_module',
    ],
    ['GLOBAL pickle.loads', 'cpickle\nloads\n.', 'pickle', 'loads'],
    ['GLOBAL shutil.rmtree', 'cshutil\nrmtree\n.', 'shutil', 'rmtree'],
    ['GLOBAL socket.socket', 'csocket\nsocket\n.', 'socket', 'socket'],
    ['GLOBAL webbrowser.open', 'cwebbrowser\nopen\n.', 'webbrowser', 'open'],
    ['GLOBAL torch.hub.load', 'ctorch.hub\nload\n.', 'torch.hub', 'load'],
    ['GLOBAL os.path.join (a submodule)', 'cos.path\njoin\n.', 'os.path', 'join'],
  ])('%s', (_, pickle, module, name) => {
    expect(lensError(() => run(op(pickle)))).toEqual({
      code: 'unsafe-checkpoint',
      message: refused(module, name),
    });
  });

  it('refuses the extension registry, whose globals cannot be checked', () => {
    expect(lensError(() => run(op('\x80\x02\x82\x01.'))).code).toBe('unsafe-checkpoint');
  });

  it('refuses nesting bombs, on the stack and through the memo', () => {
    const marks = op('('.repeat(2000));
    expect(lensError(() => run(marks)).message).toBe(
      'Refused: the checkpoint nests containers more than 1000 levels deep; no real checkpoint does (this is how a pickle bomb crashes readers).',
    );
    const depth = 5000;
    const stacked = op(`\x80\x02${']'.repeat(depth)}${'a'.repeat(depth - 1)}.`);
    expect(lensError(() => run(stacked)).code).toBe('unsafe-checkpoint');
    expect(() => run(stacked, { limits: { maxDepth: depth } })).not.toThrow();
  });

  it('enforces its object, memo and stack limits', () => {
    const lists = op(`\x80\x02(${']'.repeat(100)}l.`);
    expect(lensError(() => run(lists, { limits: { maxObjects: 50 } })).message).toBe(
      "Refused: the checkpoint's pickle holds more than 50 objects; no real checkpoint does, and reading on could exhaust memory.",
    );
    const memo = op(
      `\x80\x02N${Array.from({ length: 20 }, (_, i) => `q${String.fromCharCode(i)}`).join('')}.`,
    );
    expect(lensError(() => run(memo, { limits: { maxMemo: 10 } })).code).toBe('unsafe-checkpoint');
    expect(lensError(() => run(op(`${'N'.repeat(20)}.`), { limits: { maxStack: 10 } })).code).toBe(
      'unsafe-checkpoint',
    );
  });

  it.each([
    [
      'truncated input',
      '\x80\x02X\x10\x00\x00\x00abc',
      'ends in the middle of an opcode (at byte 2)',
    ],
    ['no STOP', '\x80\x02N', 'ends before its STOP opcode (at byte 3)'],
    ['an unknown opcode', '\x80\x02\xff.', 'has an unknown opcode 0xff (at byte 2)'],
    ['a negative length', 'T\xff\xff\xff\xff.', 'has a negative length (at byte 0)'],
    ['a stack underflow', '\x80\x02a.', 'pops from an empty stack (at byte 2)'],
    [
      'an unset memo slot',
      '\x80\x02h\x05.',
      'refers to memo slot 5, which was never set (at byte 2)',
    ],
    ['SETITEMS on a list', '\x80\x02](K\x01K\x02u.', 'sets items of a list (at byte 8)'],
    ['APPEND to a tuple', '\x80\x02)K\x01a.', 'appends to a tuple (at byte 5)'],
    [
      'a persistent id without storage',
      '\x80\x02K\x01Q.',
      'refers to external data (a persistent id) where none is expected (at byte 4)',
    ],
    [
      'a frame longer than the data',
      '\x80\x04\x95\xff\x00\x00\x00\x00\x00\x00\x00N.',
      'has a frame longer than the data (at byte 2)',
    ],
  ])('calls %s corrupt', (_, pickle, detail) => {
    expect(lensError(() => run(op(pickle), { label: 'data.pkl' }))).toEqual({
      code: 'corrupt-checkpoint',
      message: `The checkpoint file is damaged: data.pkl ${detail}. Download or copy it again.`,
    });
  });

  it('refuses protocols newer than 5', () => {
    expect(lensError(() => run(op('\x80\x06N.'))).code).toBe('unsupported-checkpoint');
  });
});
