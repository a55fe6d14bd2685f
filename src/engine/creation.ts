/** Tensor factories, named and defaulted as PyTorch's: float32 on the CPU unless told. */
import {
  type AnyTypedArray,
  assertDtype,
  type Device,
  type DType,
  dtypeOfTypedArray,
  DTYPE_SIZES,
} from './dtype.js';
import { native } from './native.js';
import { type Tensor, wrap } from './tensor.js';

export interface TensorOptions {
  /** Element type. Default float32, or the typed array's own type. */
  dtype?: DType;
  /** Default 'cpu'. */
  device?: Device;
}

export interface FromDataOptions extends TensorOptions {
  /** The shape of a flat typed array. Default: one dimension of its length. */
  shape?: readonly number[];
}

type Nested = number | boolean | Nested[];

/**
 * Creates a tensor from a number, nested arrays of numbers or booleans, or a typed array.
 * Numbers become float32 unless `dtype` says otherwise, because JavaScript does not tell an
 * integer literal from a float one; booleans become bool. The data is copied.
 */
export function tensor(data: Nested | AnyTypedArray, options: FromDataOptions = {}): Tensor {
  if (options.dtype !== undefined) assertDtype(options.dtype);
  if (ArrayBuffer.isView(data)) return fromTypedArray(data as AnyTypedArray, options);
  const shape = inferShape(data);
  const flat: (number | boolean)[] = [];
  flatten(data, flat);
  const isBool = flat.length > 0 && typeof flat[0] === 'boolean';
  const dtype = options.dtype ?? (isBool ? 'bool' : 'float32');
  if (options.shape !== undefined) {
    throw new TypeError('tensor(): `shape` applies to typed arrays; nested arrays carry their own');
  }
  return fromTypedArray(toTypedArray(flat, dtype), { ...options, dtype, shape });
}

function flatten(data: Nested, out: (number | boolean)[]): void {
  if (!Array.isArray(data)) out.push(data);
  else for (const item of data) flatten(item, out);
}

function inferShape(data: Nested): number[] {
  const shape: number[] = [];
  let level: Nested = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0] as Nested;
  }
  checkRagged(data, shape, 0);
  return shape;
}

function checkRagged(data: Nested, shape: number[], depth: number): void {
  if (!Array.isArray(data)) return;
  if (data.length !== shape[depth]) {
    throw new TypeError(
      `tensor(): ragged nested array: expected length ${shape[depth]} at depth ${depth}, ` +
        `got ${data.length}; every row must have the same length`,
    );
  }
  for (const item of data) checkRagged(item, shape, depth + 1);
}

const INTEGER_RANGES: Partial<Record<DType, [number, number]>> = {
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int16: [-(2 ** 15), 2 ** 15 - 1],
  int8: [-128, 127],
  uint8: [0, 255],
};

/** Rejects numbers that an integer dtype would silently wrap or truncate, as PyTorch does. */
function checkIntegers(numbers: number[], dtype: DType): void {
  const range = INTEGER_RANGES[dtype];
  if (range === undefined) return;
  const bad = numbers.find((v) => !Number.isInteger(v) || v < range[0] || v > range[1]);
  if (bad !== undefined) {
    throw new RangeError(
      `tensor(): ${bad} does not fit dtype ${dtype} (integers from ${range[0]} to ${range[1]}); ` +
        'choose a wider dtype or round the data first',
    );
  }
}

function toTypedArray(flat: (number | boolean)[], dtype: DType): AnyTypedArray {
  const numbers = flat.map(Number);
  checkIntegers(numbers, dtype);
  switch (dtype) {
    case 'float32':
      return Float32Array.from(numbers);
    case 'float64':
      return Float64Array.from(numbers);
    case 'int64':
      return BigInt64Array.from(numbers.map((v) => BigInt(Math.trunc(v))));
    case 'int32':
      return Int32Array.from(numbers);
    case 'int16':
      return Int16Array.from(numbers);
    case 'int8':
      return Int8Array.from(numbers);
    case 'uint8':
      return Uint8Array.from(numbers);
    case 'bool':
      return Uint8Array.from(numbers.map((v) => (v ? 1 : 0)));
    default:
      // float16 and bfloat16 have no JavaScript array type: build in float32, then convert.
      return Float32Array.from(numbers);
  }
}

function fromTypedArray(data: AnyTypedArray, options: FromDataOptions): Tensor {
  const dtype = options.dtype ?? dtypeOfTypedArray(data);
  const shape = options.shape ? [...options.shape] : [data.length];
  const device = options.device ?? null;
  const carried = data.BYTES_PER_ELEMENT === DTYPE_SIZES[dtype] || dtype === 'bool';
  if ((dtype === 'float16' || dtype === 'bfloat16') && data instanceof Float32Array) {
    const float = wrap(native.fromData(data, shape, 'float32', device));
    const converted = float.to(dtype);
    float.dispose();
    return converted;
  }
  if (!carried) {
    throw new TypeError(
      `tensor(): a ${data.constructor.name} cannot carry dtype ${dtype}; pass the matching ` +
        'typed array or omit dtype',
    );
  }
  return wrap(native.fromData(data, shape, dtype, device));
}

function opts(options: TensorOptions): [DType | null, Device | null] {
  return [options.dtype ?? null, options.device ?? null];
}

export function zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return wrap(native.zeros([...shape], ...opts(options)));
}

export function ones(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return wrap(native.ones([...shape], ...opts(options)));
}

/** A tensor of uninitialised memory, for outputs that are overwritten at once. */
export function empty(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return wrap(native.empty([...shape], ...opts(options)));
}

export function full(
  shape: readonly number[],
  value: number | boolean,
  options: TensorOptions = {},
): Tensor {
  return wrap(native.full([...shape], value, ...opts(options)));
}

function likeOptions(like: Tensor, options: TensorOptions): TensorOptions {
  return { dtype: options.dtype ?? like.dtype, device: options.device ?? like.device };
}

export function zerosLike(like: Tensor, options: TensorOptions = {}): Tensor {
  return zeros(like.shape, likeOptions(like, options));
}

export function onesLike(like: Tensor, options: TensorOptions = {}): Tensor {
  return ones(like.shape, likeOptions(like, options));
}

export function fullLike(like: Tensor, value: number, options: TensorOptions = {}): Tensor {
  return full(like.shape, value, likeOptions(like, options));
}

/**
 * Values from `start` up to, not including, `end`: arange(5) or arange(2, 10, 2). The dtype
 * defaults to int64 when every bound is an integer, as in PyTorch, else float32.
 */
export function arange(end: number, options?: TensorOptions): Tensor;
export function arange(start: number, end: number, step?: number, options?: TensorOptions): Tensor;
export function arange(...args: (number | TensorOptions | undefined)[]): Tensor {
  const numbers = args.filter((a): a is number => typeof a === 'number');
  const options = (args.find((a) => typeof a === 'object') ?? {}) as TensorOptions;
  const [start, end, step] =
    numbers.length === 1 ? [0, numbers[0]!, 1] : [numbers[0]!, numbers[1]!, numbers[2] ?? 1];
  const integral = [start, end, step].every(Number.isInteger);
  const dtype = options.dtype ?? (integral ? 'int64' : 'float32');
  return wrap(native.arange(start, end, step, dtype, options.device ?? null));
}

export function linspace(
  start: number,
  end: number,
  steps: number,
  options: TensorOptions = {},
): Tensor {
  return wrap(native.linspace(start, end, steps, ...opts(options)));
}

export function eye(n: number, m = n, options: TensorOptions = {}): Tensor {
  return wrap(native.eye(n, m, ...opts(options)));
}
