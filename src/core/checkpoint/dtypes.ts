/** PyTorch element types as they appear in checkpoints: storage class names and dtype globals. */
import type { DType } from './types';

export interface ElementType {
  /** torch's name without the `torch.` prefix, e.g. 'float32', 'int8'. */
  name: string;
  itemSize: number;
  /** The reader's dtype, or null for types it recognises (to check sizes) but cannot return. */
  dtype: DType | null;
}

const TYPES: readonly (readonly [
  name: string,
  itemSize: number,
  storage: string,
  aliases: string,
])[] = [
  ['float32', 4, 'FloatStorage', 'float'],
  ['float64', 8, 'DoubleStorage', 'double'],
  ['float16', 2, 'HalfStorage', 'half'],
  ['bfloat16', 2, 'BFloat16Storage', ''],
  ['int64', 8, 'LongStorage', 'long'],
  ['int32', 4, 'IntStorage', 'int'],
  ['int16', 2, 'ShortStorage', 'short'],
  ['int8', 1, 'CharStorage', ''],
  ['uint8', 1, 'ByteStorage', ''],
  ['bool', 1, 'BoolStorage', ''],
  ['complex32', 4, 'ComplexHalfStorage', 'chalf'],
  ['complex64', 8, 'ComplexFloatStorage', 'cfloat'],
  ['complex128', 16, 'ComplexDoubleStorage', 'cdouble'],
  ['qint8', 1, 'QInt8Storage', ''],
  ['quint8', 1, 'QUInt8Storage', ''],
  ['qint32', 4, 'QInt32Storage', ''],
  ['quint4x2', 1, 'QUInt4x2Storage', ''],
  ['quint2x4', 1, 'QUInt2x4Storage', ''],
  ['uint16', 2, 'UInt16Storage', ''],
  ['uint32', 4, 'UInt32Storage', ''],
  ['uint64', 8, 'UInt64Storage', ''],
  ['float8_e4m3fn', 1, 'Float8_e4m3fnStorage', ''],
  ['float8_e5m2', 1, 'Float8_e5m2Storage', ''],
];

const SUPPORTED: ReadonlySet<string> = new Set<DType>([
  'float32',
  'float16',
  'bfloat16',
  'float64',
  'int64',
  'int32',
  'uint8',
  'bool',
]);

function elementType(name: string, itemSize: number): ElementType {
  return { name, itemSize, dtype: SUPPORTED.has(name) ? (name as DType) : null };
}

const byStorage = new Map<string, ElementType>();
const byDtype = new Map<string, ElementType>();
for (const [name, itemSize, storage, aliases] of TYPES) {
  const t = elementType(name, itemSize);
  byStorage.set(storage, t);
  byDtype.set(name, t);
  for (const alias of aliases.split(' ')) if (alias) byDtype.set(alias, t);
}
// Untyped storages (torch >= 1.13 for some tensors, `torch.UntypedStorage`) count bytes.
const UNTYPED = elementType('uint8', 1);

/** `torch.FloatStorage` -> float32, `torch.UntypedStorage` -> bytes; undefined if unknown. */
export function storageElementType(name: string): ElementType | undefined {
  if (name === 'UntypedStorage' || name === '_UntypedStorage') return UNTYPED;
  return byStorage.get(name);
}

/** `torch.float32` / `torch.float` -> float32; undefined if unknown. */
export function dtypeElementType(name: string): ElementType | undefined {
  return byDtype.get(name);
}
