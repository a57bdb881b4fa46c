/**
 * The pickle VM's state and primitives: input reading, the stack with its MARKs, the memo, and
 * the container operations, each checked so malformed input is a 'corrupt' error and hostile
 * sizes an 'unsafe' one. pickle.ts maps opcodes onto these.
 */
import { corrupt, unsafe, unsupported } from './fail';
import { resolveGlobal } from './globals';
import { tooDeep } from './nesting';
import { latin1, normalizeInt } from './pickle-text';
import { PyObject, typeName } from './values';

export interface PickleLimits {
  /** Items on the stack at once. */
  maxStack: number;
  /** Containers inside containers: MARK depth while reading, object depth of the result. */
  maxDepth: number;
  /** Memo slots. */
  maxMemo: number;
  /** Containers, tuples and objects created. */
  maxObjects: number;
}

export const DEFAULT_PICKLE_LIMITS: Readonly<PickleLimits> = {
  maxStack: 1_000_000,
  maxDepth: 1000,
  maxMemo: 1_000_000,
  maxObjects: 2_000_000,
};

export interface UnpickleOptions {
  /** Where the pickle starts in `bytes` (legacy checkpoints hold several in a row). */
  start?: number;
  /** BINPERSID / PERSID: torch's storages. Without it a persistent id is an error. */
  persistentLoad?: (pid: unknown) => unknown;
  limits?: Partial<PickleLimits>;
  /** The pickle's name in messages, e.g. 'data.pkl'. */
  label?: string;
}

export interface Unpickled {
  value: unknown;
  /** The offset just past STOP. */
  end: number;
}

/** Python ints beyond this many bytes are not checkpoint data (and BigInt has a size limit). */
const MAX_LONG_BYTES = 65536;

export class Machine {
  readonly limits: PickleLimits;
  pos: number;
  readonly view: DataView;
  private readonly stack: unknown[] = [];
  /** Stack lengths at each open MARK. */
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, unknown>();
  private objects = 0;
  opcodeAt = 0;

  constructor(
    readonly bytes: Uint8Array,
    readonly options: UnpickleOptions,
  ) {
    this.limits = { ...DEFAULT_PICKLE_LIMITS, ...options.limits };
    this.pos = options.start ?? 0;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(detail: string): never {
    throw corrupt(`${this.options.label ?? 'the pickle'} ${detail} (at byte ${this.opcodeAt})`);
  }

  tooMany(what: string, limit: number): never {
    throw unsafe(
      `the checkpoint's ${this.options.label ?? 'pickle'} holds more than ${limit.toLocaleString('en-US')} ${what}`,
      'no real checkpoint does, and reading on could exhaust memory',
    );
  }

  // ---- input

  need(n: number): number {
    if (n < 0) this.fail('has a negative length');
    if (n > this.bytes.length - this.pos) this.fail('ends in the middle of an opcode');
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(): number {
    return this.bytes[this.need(1)]!;
  }

  u16(): number {
    return this.view.getUint16(this.need(2), true);
  }

  i32(): number {
    return this.view.getInt32(this.need(4), true);
  }

  u32(): number {
    return this.view.getUint32(this.need(4), true);
  }

  /** 8-byte sizes; anything beyond the input is caught by need() when it is used. */
  u64(): number {
    const at = this.need(8);
    const lo = this.view.getUint32(at, true);
    const hi = this.view.getUint32(at + 4, true);
    return hi >= 0x200000 ? Number.MAX_SAFE_INTEGER : hi * 0x1_0000_0000 + lo;
  }

  take(n: number): Uint8Array {
    const at = this.need(n);
    return this.bytes.subarray(at, at + n);
  }

  line(): Uint8Array {
    const nl = this.bytes.indexOf(0x0a, this.pos);
    if (nl < 0) this.fail('ends in the middle of a text line');
    const out = this.bytes.subarray(this.pos, nl);
    this.pos = nl + 1;
    return out;
  }

  long(n: number): number | bigint {
    if (n < 0) this.fail('has a negative integer size');
    if (n > MAX_LONG_BYTES) throw unsupported(`it holds a ${n}-byte integer`, 'remove it');
    const b = this.take(n);
    if (n === 0) return 0;
    let hex = '';
    for (let i = n - 1; i >= 0; i--) hex += b[i]!.toString(16).padStart(2, '0');
    let v = BigInt(`0x${hex}`);
    if (b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    return normalizeInt(v);
  }

  // ---- stack

  push(v: unknown): true {
    if (this.stack.length >= this.limits.maxStack)
      this.tooMany('items on its stack', this.limits.maxStack);
    this.stack.push(v);
    return true;
  }

  created<T>(v: T): T {
    if (++this.objects > this.limits.maxObjects) this.tooMany('objects', this.limits.maxObjects);
    return v;
  }

  private base(): number {
    return this.marks.length ? this.marks[this.marks.length - 1]! : 0;
  }

  pop(): unknown {
    if (this.stack.length <= this.base()) this.fail('pops from an empty stack');
    return this.stack.pop();
  }

  top(): unknown {
    if (this.stack.length <= this.base()) this.fail('uses an empty stack');
    return this.stack[this.stack.length - 1];
  }

  mark(): void {
    if (this.marks.length >= this.limits.maxDepth) throw tooDeep(this.limits.maxDepth);
    this.marks.push(this.stack.length);
  }

  /** POP: CPython pops a MARK when the stack above it is empty. */
  popOrMark(): void {
    if (this.stack.length > this.base()) this.stack.pop();
    else this.popMark();
  }

  popMark(): unknown[] {
    const at = this.marks.pop();
    if (at === undefined) this.fail('closes a MARK that was never opened');
    return this.stack.splice(at);
  }

  memoPut(slot: number): void {
    if (!this.memo.has(slot) && this.memo.size >= this.limits.maxMemo) {
      this.tooMany('memo entries', this.limits.maxMemo);
    }
    this.memo.set(slot, this.top());
  }

  memoize(): void {
    this.memoPut(this.memo.size);
  }

  memoGet(slot: number): unknown {
    if (!this.memo.has(slot)) this.fail(`refers to memo slot ${slot}, which was never set`);
    return this.memo.get(slot);
  }

  textIndex(): number {
    const n = Number(latin1(this.line()));
    if (!Number.isSafeInteger(n) || n < 0) this.fail('has a malformed memo index');
    return n;
  }

  // ---- containers

  append(items: unknown[]): void {
    const target = this.top();
    const list = target instanceof PyObject ? (target.list ??= []) : target;
    if (!Array.isArray(list) || Object.isFrozen(list))
      this.fail(`appends to a ${typeName(target)}`);
    for (const item of items) list.push(item);
  }

  setItems(kv: unknown[]): void {
    const target = this.top();
    const map = target instanceof PyObject ? (target.items ??= new Map()) : target;
    if (!(map instanceof Map)) this.fail(`sets items of a ${typeName(target)}`);
    if (kv.length % 2) this.fail('sets a key without a value');
    for (let i = 0; i < kv.length; i += 2) map.set(kv[i], kv[i + 1]);
  }

  dict(kv: unknown[]): Map<unknown, unknown> {
    if (kv.length % 2) this.fail('builds a dict with a key without a value');
    const map = new Map<unknown, unknown>();
    for (let i = 0; i < kv.length; i += 2) map.set(kv[i], kv[i + 1]);
    return map;
  }

  /** BUILD: a record keeps its state; dicts (state_dict `_metadata`) and tensors ignore it. */
  build(state: unknown): void {
    const target = this.top();
    if (target instanceof PyObject) target.state = state;
    else if (target === null || typeof target !== 'object')
      this.fail(`sets the state of a ${typeName(target)}`);
  }

  persistent(pid: unknown): unknown {
    const load = this.options.persistentLoad;
    if (!load) this.fail('refers to external data (a persistent id) where none is expected');
    return load(pid);
  }

  global(module: unknown, name: unknown): unknown {
    if (typeof module !== 'string' || typeof name !== 'string')
      this.fail('names a global with a non-string');
    return resolveGlobal(module, name);
  }
}
