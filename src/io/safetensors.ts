/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of UTF-8 JSON, then the tensor data, row-major and little-endian.
 * The JSON maps each tensor name to { dtype, shape, data_offsets: [begin, end] } relative to
 * the start of the data, plus an optional "__metadata__" map of strings to strings.
 *
 * Reading validates everything the reference reader does: header bounds, JSON, dtype names,
 * shapes against byte lengths (without overflow), and offsets that start at 0, leave no gaps,
 * do not overlap, and end exactly at the end of the file.
 */
import { existsSync, readFileSync } from 'node:fs';

import type { DType } from '../engine/dtype.js';
import { writeFileAtomic } from './atomic.js';

/** One tensor as raw little-endian bytes. */
export interface RawTensor {
  dtype: DType;
  shape: number[];
  data: Uint8Array;
}

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

/** Engine dtype names and their safetensors names; one table drives both directions. */
export const SAFETENSORS_DTYPES: Record<DType, string> = {
  bool: 'BOOL',
  uint8: 'U8',
  int8: 'I8',
  int16: 'I16',
  int32: 'I32',
  int64: 'I64',
  float16: 'F16',
  bfloat16: 'BF16',
  float32: 'F32',
  float64: 'F64',
};

const ITEM_SIZES: Record<DType, number> = {
  bool: 1,
  uint8: 1,
  int8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  float16: 2,
  bfloat16: 2,
  float32: 4,
  float64: 8,
};

const FROM_SAFETENSORS = new Map(
  Object.entries(SAFETENSORS_DTYPES).map(([engine, file]) => [file, engine as DType]),
);

/** The reference implementation's limit on the header size. */
const MAX_HEADER_BYTES = 100_000_000;

function byteLength(shape: readonly number[], dtype: DType): bigint {
  return shape.reduce((n, size) => n * BigInt(size), BigInt(ITEM_SIZES[dtype]));
}

/** Serialises tensors, sorted by name, with the header padded to a multiple of 8 bytes. */
export function encodeSafetensors(
  tensors: Record<string, RawTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') {
      throw new SafetensorsError(
        `metadata value of '${key}' must be a string, got ${typeof value}`,
      );
    }
  }
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const names = Object.keys(tensors).sort();
  let offset = 0;
  for (const name of names) {
    if (name === '' || name === '__metadata__') {
      throw new SafetensorsError(`invalid tensor name '${name}'`);
    }
    const tensor = tensors[name]!;
    const expected = byteLength(tensor.shape, tensor.dtype);
    if (BigInt(tensor.data.byteLength) !== expected) {
      throw new SafetensorsError(
        `tensor '${name}' has ${tensor.data.byteLength} bytes, but shape [${tensor.shape}] of ` +
          `${tensor.dtype} needs ${expected}`,
      );
    }
    const dtype = SAFETENSORS_DTYPES[tensor.dtype];
    header[name] = {
      dtype,
      shape: tensor.shape,
      data_offsets: [offset, offset + tensor.data.byteLength],
    };
    offset += tensor.data.byteLength;
  }
  let json = JSON.stringify(header);
  const jsonBytes = Buffer.byteLength(json, 'utf8');
  json += ' '.repeat((8 - (jsonBytes % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.byteLength;
  for (const name of names) {
    out.set(tensors[name]!.data, position);
    position += tensors[name]!.data.byteLength;
  }
  return out;
}

interface Entry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

function parseEntry(name: string, value: unknown, fail: (m: string) => never): Entry {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(`entry '${name}' must be an object with dtype, shape and data_offsets`);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  const engineDtype = FROM_SAFETENSORS.get(String(dtype));
  if (engineDtype === undefined) {
    fail(
      `tensor '${name}' has unknown dtype '${String(dtype)}'; known: ` +
        `${[...FROM_SAFETENSORS.keys()].join(', ')}`,
    );
  }
  if (!Array.isArray(shape) || !shape.every((s) => Number.isSafeInteger(s) && s >= 0)) {
    fail(`tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offsets[0] > offsets[1]
  ) {
    fail(`tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  const expected = byteLength(shape as number[], engineDtype);
  if (BigInt(end - begin) !== expected) {
    fail(
      `tensor '${name}' spans ${end - begin} bytes, but shape [${shape}] of ${String(dtype)} ` +
        `needs ${expected}`,
    );
  }
  return { name, dtype: engineDtype, shape: shape as number[], begin, end };
}

/** Parses and validates a whole safetensors file; `source` names it in error messages. */
export function decodeSafetensors(
  bytes: Uint8Array,
  source = 'safetensors data',
): { tensors: Map<string, RawTensor>; metadata: Record<string, string> } {
  const fail = (message: string): never => {
    throw new SafetensorsError(`${source}: ${message}`);
  };
  if (bytes.byteLength < 8)
    fail(`truncated: ${bytes.byteLength} bytes, shorter than the 8-byte header length`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    fail(`header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  if (headerLength > BigInt(bytes.byteLength - 8)) {
    fail(
      `header length ${headerLength} runs past the end of the ${bytes.byteLength}-byte file (truncated?)`,
    );
  }
  const dataStart = 8 + Number(headerLength);
  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart));
    header = JSON.parse(text);
  } catch (error) {
    fail(`invalid header: ${(error as Error).message}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    fail('the header must be a JSON object');
  }
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        fail('__metadata__ must be an object of strings');
      }
      for (const [key, text] of Object.entries(value as Record<string, unknown>)) {
        if (typeof text !== 'string') fail(`metadata value of '${key}' must be a string`);
        metadata[key] = text as string;
      }
    } else {
      entries.push(parseEntry(name, value, fail));
    }
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expectedBegin = 0;
  for (const entry of entries) {
    if (entry.begin < expectedBegin) {
      fail(
        `tensor '${entry.name}' at bytes ${entry.begin}..${entry.end} overlaps the tensor before it`,
      );
    }
    if (entry.begin > expectedBegin) {
      fail(`gap in the data: no tensor covers bytes ${expectedBegin}..${entry.begin}`);
    }
    expectedBegin = entry.end;
  }
  const dataLength = bytes.byteLength - dataStart;
  if (expectedBegin !== dataLength) {
    fail(
      expectedBegin > dataLength
        ? `truncated: the tensors need ${expectedBegin} data bytes, the file has ${dataLength}`
        : `${dataLength - expectedBegin} trailing bytes after the last tensor`,
    );
  }
  const tensors = new Map<string, RawTensor>();
  for (const entry of entries) {
    // A copy into a fresh buffer, so callers may view it as any typed array. (Buffer's slice()
    // would return a view into the file's pooled buffer instead.)
    const data = new Uint8Array(bytes.subarray(dataStart + entry.begin, dataStart + entry.end));
    tensors.set(entry.name, { dtype: entry.dtype, shape: entry.shape, data });
  }
  return { tensors, metadata };
}

/** Writes a safetensors file atomically. */
export async function writeSafetensors(
  path: string,
  tensors: Record<string, RawTensor>,
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

export function readSafetensors(path: string) {
  if (!existsSync(path)) throw new SafetensorsError(`${path}: file not found`);
  return decodeSafetensors(readFileSync(path), path);
}
