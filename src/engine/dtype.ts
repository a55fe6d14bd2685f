/** Element types, named as PyTorch names them without the `torch.` prefix. */
export type DType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool';

/** Where a tensor lives: the CPU, or a CUDA device when the linked libtorch has CUDA. */
export type Device = 'cpu' | 'cuda' | `cuda:${number}`;

/**
 * The typed array that carries each dtype across the native boundary. float16 and bfloat16
 * travel as raw bits in a Uint16Array, and int64 as a BigInt64Array.
 */
export interface TypedArrayOf {
  float32: Float32Array;
  float64: Float64Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
  int64: BigInt64Array;
  int32: Int32Array;
  int16: Int16Array;
  int8: Int8Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}

export type AnyTypedArray = TypedArrayOf[DType];

export const DTYPES: readonly DType[] = [
  'float32',
  'float64',
  'float16',
  'bfloat16',
  'int64',
  'int32',
  'int16',
  'int8',
  'uint8',
  'bool',
];

export const DTYPE_SIZES: Record<DType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

const ARRAY_CONSTRUCTORS = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  int64: BigInt64Array,
  int32: Int32Array,
  int16: Int16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
} as const;

/** Views `buffer` as the typed array of `dtype`, without copying. */
export function typedArrayView<D extends DType>(dtype: D, buffer: ArrayBuffer): TypedArrayOf[D] {
  return new ARRAY_CONSTRUCTORS[dtype](buffer) as TypedArrayOf[D];
}

/** The dtype that a typed array carries when none is given: Float32Array gives float32. */
export function dtypeOfTypedArray(array: AnyTypedArray): DType {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof BigInt64Array) return 'int64';
  if (array instanceof Int32Array) return 'int32';
  if (array instanceof Int16Array) return 'int16';
  if (array instanceof Int8Array) return 'int8';
  if (array instanceof Uint8Array) return 'uint8';
  throw new TypeError(
    'a Uint16Array may hold float16 or bfloat16 bits; pass { dtype } to say which',
  );
}

export function isFloatingDtype(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}

export function assertDtype(value: unknown): asserts value is DType {
  if (!DTYPES.includes(value as DType)) {
    throw new TypeError(`unknown dtype '${String(value)}'; expected one of ${DTYPES.join(', ')}`);
  }
}
