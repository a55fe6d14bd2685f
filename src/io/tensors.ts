/**
 * Tensors to and from safetensors files. The file format code (safetensors.ts) works on raw
 * bytes; this module converts between those and engine tensors.
 */
import { tensor } from '../engine/creation.js';
import { type DType, DTYPE_SIZES } from '../engine/dtype.js';
import { tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { type RawTensor, readSafetensors, writeSafetensors } from './safetensors.js';

/** Copies a tensor's elements into the little-endian bytes safetensors stores. */
export function toRawTensor(value: Tensor): RawTensor {
  const data = tidy(() => value.contiguous().cpu().toTypedArray());
  return {
    dtype: value.dtype,
    shape: value.shape,
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

export function fromRawTensor(raw: RawTensor): Tensor {
  const dtype = raw.dtype as DType;
  // Copy into a buffer of its own: raw.data may be a view at any offset of a larger buffer.
  const bytes = new Uint8Array(raw.data).buffer;
  const count = raw.data.byteLength / DTYPE_SIZES[dtype];
  const options = { dtype, shape: raw.shape };
  switch (dtype) {
    case 'float32':
      return tensor(new Float32Array(bytes, 0, count), options);
    case 'float64':
      return tensor(new Float64Array(bytes, 0, count), options);
    case 'float16':
    case 'bfloat16':
      return tensor(new Uint16Array(bytes, 0, count), options);
    case 'int64':
      return tensor(new BigInt64Array(bytes, 0, count), options);
    case 'int32':
      return tensor(new Int32Array(bytes, 0, count), options);
    case 'int16':
      return tensor(new Int16Array(bytes, 0, count), options);
    case 'int8':
      return tensor(new Int8Array(bytes, 0, count), options);
    default:
      return tensor(new Uint8Array(bytes, 0, count), options);
  }
}

/** Writes named tensors and string metadata to a safetensors file, atomically. */
export async function saveTensors(
  path: string,
  tensors: Map<string, Tensor> | Record<string, Tensor>,
  metadata: Record<string, string> = {},
): Promise<void> {
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const raw: Record<string, RawTensor> = {};
  for (const [name, value] of entries) raw[name] = toRawTensor(value);
  await writeSafetensors(path, raw, metadata);
}

/** Reads every tensor of a safetensors file; the tensors belong to the current scope. */
export function loadTensors(path: string): {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
} {
  const file = readSafetensors(path);
  const tensors = new Map<string, Tensor>();
  for (const [name, raw] of file.tensors) tensors.set(name, fromRawTensor(raw));
  return { tensors, metadata: file.metadata };
}
