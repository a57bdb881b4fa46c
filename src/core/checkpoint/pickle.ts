/**
 * A pickle virtual machine that only builds data. It interprets every opcode of protocols 0-5 the
 * way CPython's Unpickler does, except that GLOBAL names go through globals.ts (stand-ins, inert
 * records, or a refusal) and nothing is ever imported or called.
 *
 * Each opcode consumes at least one byte and creates at most one object, so time and memory are
 * linear in the input; the limits of pickle-machine.ts turn hostile shapes (a million-deep
 * nesting, a memo or object count no checkpoint needs) into an 'unsafe-checkpoint' error instead
 * of a stack overflow later, in code that walks the result.
 */
import { unsafe, unsupported } from './fail';
import { callGlobal } from './globals';
import { checkNesting } from './nesting';
import { Op } from './opcodes';
import { Machine, type UnpickleOptions, type Unpickled } from './pickle-machine';
import {
  latin1,
  parseFloatLine,
  parseIntLine,
  parseRawUnicode,
  parseStringLiteral,
} from './pickle-text';
import { tuple, typeName } from './values';

export { DEFAULT_PICKLE_LIMITS } from './pickle-machine';
export type { PickleLimits, UnpickleOptions, Unpickled } from './pickle-machine';

const utf8 = new TextDecoder('utf-8');

export function unpickle(bytes: Uint8Array, options: UnpickleOptions = {}): Unpickled {
  const vm = new Machine(bytes, options);
  for (;;) {
    vm.opcodeAt = vm.pos;
    if (vm.pos >= bytes.length) vm.fail('ends before its STOP opcode');
    const op = bytes[vm.pos++]!;
    if (op === Op.STOP) break;
    if (!(
      scalar(vm, op) ||
      container(vm, op) ||
      memo(vm, op) ||
      object(vm, op) ||
      control(vm, op)
    )) {
      vm.fail(`has an unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
  const value = vm.pop();
  checkNesting(value, vm.limits.maxDepth);
  return { value, end: vm.pos };
}

/** Constants, numbers, strings and bytes. Bytes are views of the input, never copies. */
function scalar(vm: Machine, op: number): boolean {
  switch (op) {
    case Op.NONE:
      return vm.push(null);
    case Op.NEWTRUE:
      return vm.push(true);
    case Op.NEWFALSE:
      return vm.push(false);
    case Op.BININT1:
      return vm.push(vm.u8());
    case Op.BININT2:
      return vm.push(vm.u16());
    case Op.BININT:
      return vm.push(vm.i32());
    case Op.LONG1:
      return vm.push(vm.long(vm.u8()));
    case Op.LONG4:
      return vm.push(vm.long(vm.i32()));
    case Op.BINFLOAT:
      return vm.push(vm.view.getFloat64(vm.need(8), false));
    case Op.BINUNICODE:
      return vm.push(utf8.decode(vm.take(vm.u32())));
    case Op.SHORT_BINUNICODE:
      return vm.push(utf8.decode(vm.take(vm.u8())));
    case Op.BINUNICODE8:
      return vm.push(utf8.decode(vm.take(vm.u64())));
    // Python 2 str; torch.load decodes it as UTF-8
    case Op.BINSTRING:
      return vm.push(utf8.decode(vm.take(vm.i32())));
    case Op.SHORT_BINSTRING:
      return vm.push(utf8.decode(vm.take(vm.u8())));
    case Op.BINBYTES:
      return vm.push(vm.take(vm.u32()));
    case Op.SHORT_BINBYTES:
      return vm.push(vm.take(vm.u8()));
    case Op.BINBYTES8:
      return vm.push(vm.take(vm.u64()));
    case Op.BYTEARRAY8:
      return vm.push(vm.take(vm.u64()).slice());
    // protocol 0 text forms
    case Op.INT:
    case Op.LONG:
      return vm.push(parsed(vm, parseIntLine(latin1(vm.line())), 'integer'));
    case Op.FLOAT:
      return vm.push(parsed(vm, parseFloatLine(latin1(vm.line())), 'float'));
    case Op.STRING:
      return vm.push(parsed(vm, parseStringLiteral(latin1(vm.line())), 'string literal'));
    case Op.UNICODE:
      return vm.push(parsed(vm, parseRawUnicode(latin1(vm.line())), 'string literal'));
    default:
      return false;
  }
}

function parsed<T>(vm: Machine, v: T | null, what: string): T {
  if (v === null) vm.fail(`has a malformed ${what}`);
  return v;
}

function container(vm: Machine, op: number): boolean {
  switch (op) {
    case Op.EMPTY_TUPLE:
      return vm.push(vm.created(tuple([])));
    case Op.EMPTY_LIST:
      return vm.push(vm.created([]));
    case Op.EMPTY_DICT:
      return vm.push(vm.created(new Map()));
    case Op.EMPTY_SET:
      return vm.push(vm.created(new Set()));
    case Op.TUPLE:
      return vm.push(vm.created(tuple(vm.popMark())));
    case Op.TUPLE1:
      return vm.push(vm.created(tuple([vm.pop()])));
    case Op.TUPLE2:
    case Op.TUPLE3: {
      const items = op === Op.TUPLE2 ? [vm.pop(), vm.pop()] : [vm.pop(), vm.pop(), vm.pop()];
      return vm.push(vm.created(tuple(items.reverse())));
    }
    case Op.LIST:
      return vm.push(vm.created(vm.popMark()));
    case Op.DICT:
      return vm.push(vm.created(vm.dict(vm.popMark())));
    case Op.FROZENSET:
      return vm.push(vm.created(new Set(vm.popMark())));
    case Op.APPEND:
      vm.append([vm.pop()]);
      return true;
    case Op.APPENDS:
      vm.append(vm.popMark());
      return true;
    case Op.SETITEM: {
      const value = vm.pop();
      vm.setItems([vm.pop(), value]);
      return true;
    }
    case Op.SETITEMS:
      vm.setItems(vm.popMark());
      return true;
    case Op.ADDITEMS: {
      const items = vm.popMark();
      const target = vm.top();
      if (!(target instanceof Set)) vm.fail(`adds items to a ${typeName(target)}`);
      for (const item of items) target.add(item);
      return true;
    }
    default:
      return false;
  }
}

function memo(vm: Machine, op: number): boolean {
  switch (op) {
    case Op.BINPUT:
      vm.memoPut(vm.u8());
      return true;
    case Op.LONG_BINPUT:
      vm.memoPut(vm.u32());
      return true;
    case Op.PUT:
      vm.memoPut(vm.textIndex());
      return true;
    case Op.MEMOIZE:
      vm.memoize();
      return true;
    case Op.BINGET:
      return vm.push(vm.memoGet(vm.u8()));
    case Op.LONG_BINGET:
      return vm.push(vm.memoGet(vm.u32()));
    case Op.GET:
      return vm.push(vm.memoGet(vm.textIndex()));
    default:
      return false;
  }
}

/** Globals, calls and objects: globals.ts decides what each name may become. */
function object(vm: Machine, op: number): boolean {
  switch (op) {
    case Op.GLOBAL: {
      const module = utf8.decode(vm.line());
      return vm.push(vm.global(module, utf8.decode(vm.line())));
    }
    case Op.STACK_GLOBAL: {
      const name = vm.pop();
      return vm.push(vm.global(vm.pop(), name));
    }
    // REDUCE calls, NEWOBJ instantiates: the same for a reader that does neither
    case Op.REDUCE:
    case Op.NEWOBJ: {
      const args = vm.pop();
      return vm.push(vm.created(callGlobal(vm.pop(), args)));
    }
    case Op.NEWOBJ_EX: {
      const kwargs = vm.pop();
      const args = vm.pop();
      const cls = vm.pop();
      if (!Array.isArray(args)) vm.fail('builds an object from non-tuple arguments');
      const all = [...(args as unknown[])];
      if (kwargs instanceof Map && kwargs.size) all.push(kwargs);
      return vm.push(vm.created(callGlobal(cls, tuple(all))));
    }
    case Op.INST: {
      const module = utf8.decode(vm.line());
      const cls = vm.global(module, utf8.decode(vm.line()));
      return vm.push(vm.created(callGlobal(cls, tuple(vm.popMark()))));
    }
    case Op.OBJ: {
      const [cls, ...args] = vm.popMark();
      return vm.push(vm.created(callGlobal(cls, tuple(args))));
    }
    case Op.BUILD:
      vm.build(vm.pop());
      return true;
    case Op.BINPERSID:
      return vm.push(vm.persistent(vm.pop()));
    case Op.PERSID:
      return vm.push(vm.persistent(latin1(vm.line())));
    case Op.EXT1:
    case Op.EXT2:
    case Op.EXT4:
      throw unsafe(
        'the checkpoint names code through the pickle extension registry, which torch.save never uses and which cannot be checked',
      );
    default:
      return false;
  }
}

function control(vm: Machine, op: number): boolean {
  switch (op) {
    case Op.PROTO: {
      const version = vm.u8();
      if (version > 5) {
        throw unsupported(
          `it uses pickle protocol ${version}`,
          'save it with protocol 2 (the default)',
        );
      }
      return true;
    }
    case Op.FRAME:
      // A length hint for buffered reading; only checked for consistency.
      if (vm.u64() > vm.bytes.length - vm.pos) vm.fail('has a frame longer than the data');
      return true;
    case Op.MARK:
      vm.mark();
      return true;
    case Op.POP_MARK:
      vm.popMark();
      return true;
    case Op.POP:
      vm.popOrMark();
      return true;
    case Op.DUP:
      return vm.push(vm.top());
    case Op.NEXT_BUFFER:
      throw unsupported('it uses out-of-band pickle buffers', 'save it with torch.save');
    case Op.READONLY_BUFFER:
      vm.top();
      return true;
    default:
      return false;
  }
}
