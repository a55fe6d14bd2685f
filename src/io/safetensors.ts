/**
 * The safetensors file format (https://github.com/huggingface/safetensors):
 *
 * - 8 bytes: N, the header length, a little-endian u64.
 * - N bytes: a UTF-8 JSON object that maps each tensor name to
 *   `{ "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }`, plus an optional
 *   `"__metadata__"` object whose values are strings. Offsets count from the start of the data.
 * - The data: each tensor's elements, row-major and little-endian.
 *
 * decodeSafetensors applies the checks of the reference reader, `read_metadata` and
 * `Metadata::validate` in safetensors/src/tensor.rs. The header must fit in the file and in
 * 100 MB, the dtypes must be known, and each byte length must match its shape. The offsets must
 * start at 0, leave no gap, not overlap, and end exactly at the end of the file.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';

import { writeFileAtomic } from './atomic.js';

/** Element types as the engine names them, which are PyTorch's names without `torch.`. */
export type EngineDtype =
  | 'bool'
  | 'uint8'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float16'
  | 'bfloat16'
  | 'float32'
  | 'float64';

/** The subset of safetensors dtype names that the engine supports. */
export type SafetensorsDtype =
  'BOOL' | 'U8' | 'I8' | 'I16' | 'I32' | 'I64' | 'F16' | 'BF16' | 'F32' | 'F64';

/** One tensor as the raw little-endian bytes of its elements, in row-major order. */
export interface RawTensor {
  dtype: EngineDtype;
  shape: number[];
  data: Uint8Array;
}

export interface DecodedSafetensors {
  tensors: Map<string, RawTensor>;
  metadata: Record<string, string>;
}

/** A malformed safetensors file, or tensors that cannot be written as one. */
export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

/** Safetensors dtype name of each engine dtype. */
export const SAFETENSORS_DTYPES: Readonly<Record<EngineDtype, SafetensorsDtype>> = {
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

/** Engine dtype of each safetensors dtype name, the inverse of SAFETENSORS_DTYPES. */
export const ENGINE_DTYPES = Object.fromEntries(
  Object.entries(SAFETENSORS_DTYPES).map(([engine, file]) => [file, engine]),
) as Readonly<Record<SafetensorsDtype, EngineDtype>>;

const BYTES_PER_ELEMENT: Readonly<Record<EngineDtype, number>> = {
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

/** The header size limit of the reference implementation, MAX_HEADER_SIZE in tensor.rs. */
const MAX_HEADER_BYTES = 100_000_000;

const METADATA_KEY = '__metadata__';

function isEngineDtype(value: unknown): value is EngineDtype {
  return typeof value === 'string' && Object.hasOwn(SAFETENSORS_DTYPES, value);
}

function isSafetensorsDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.hasOwn(ENGINE_DTYPES, value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isValidShape(shape: unknown): shape is number[] {
  return Array.isArray(shape) && shape.every((size) => Number.isSafeInteger(size) && size >= 0);
}

/** Formats a value for an error message, cut to a readable length. */
function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Counts elements as a BigInt, so a hostile shape cannot overflow a double. */
function elementCount(shape: readonly number[]): bigint {
  return shape.reduce((count, size) => count * BigInt(size), 1n);
}

/** Explains a byte length mismatch, for example "6 elements x 4 bytes = 24". */
function describeSize(shape: readonly number[], dtype: EngineDtype, dtypeName: string): string {
  const count = elementCount(shape);
  const size = BYTES_PER_ELEMENT[dtype];
  const total = count * BigInt(size);
  return `shape ${show(shape)} of ${dtypeName} needs ${count} elements x ${size} bytes = ${total}`;
}

function checkTensorForEncoding(name: string, tensor: RawTensor): void {
  const fail = (message: string): never => {
    throw new SafetensorsError(`encodeSafetensors: tensor '${name}' ${message}`);
  };
  if (!isPlainObject(tensor)) {
    fail(`must be an object with dtype, shape and data, got ${show(tensor)}`);
  }
  if (!isEngineDtype(tensor.dtype)) {
    fail(
      `has unsupported dtype ${show(tensor.dtype)}; ` +
        `supported: ${Object.keys(SAFETENSORS_DTYPES).join(', ')}`,
    );
  }
  if (!isValidShape(tensor.shape)) {
    fail(`has invalid shape ${show(tensor.shape)}; expected an array of non-negative integers`);
  }
  if (!(tensor.data instanceof Uint8Array)) {
    fail(`has data of type ${typeof tensor.data}; expected a Uint8Array of its raw bytes`);
  }
  const expected = elementCount(tensor.shape) * BigInt(BYTES_PER_ELEMENT[tensor.dtype]);
  if (BigInt(tensor.data.byteLength) !== expected) {
    fail(
      `has ${tensor.data.byteLength} data bytes, but ` +
        `${describeSize(tensor.shape, tensor.dtype, tensor.dtype)}`,
    );
  }
}

function checkMetadataForEncoding(metadata: Record<string, string>): void {
  if (!isPlainObject(metadata)) {
    throw new SafetensorsError(
      `encodeSafetensors: metadata must be an object of string values, got ${show(metadata)}`,
    );
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') {
      throw new SafetensorsError(
        `encodeSafetensors: metadata value of '${key}' must be a string, got ${show(value)}; ` +
          'convert it with String() or JSON.stringify()',
      );
    }
  }
}

/**
 * Orders tensors by element size, largest first, then by name. Every offset is then a multiple
 * of its tensor's element size, and the data section starts 8-byte aligned, so a reader that maps
 * the file can view each tensor as a typed array in place. The reference writer also puts the
 * dtypes with larger elements first, for the same reason.
 */
function compareForLayout(
  [nameA, tensorA]: [string, RawTensor],
  [nameB, tensorB]: [string, RawTensor],
): number {
  const sizeOrder = BYTES_PER_ELEMENT[tensorB.dtype] - BYTES_PER_ELEMENT[tensorA.dtype];
  if (sizeOrder !== 0) return sizeOrder;
  if (nameA < nameB) return -1;
  if (nameA > nameB) return 1;
  return 0;
}

/**
 * Serialises tensors to the bytes of a safetensors file. Equal input gives identical bytes:
 * tensors are stored in compareForLayout order, and the header is padded with spaces to a
 * multiple of 8 bytes, as the reference writer does.
 */
export function encodeSafetensors(
  tensors: Record<string, RawTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  checkMetadataForEncoding(metadata);
  const ordered = Object.entries(tensors);
  for (const [name, tensor] of ordered) {
    if (name === '') throw new SafetensorsError('encodeSafetensors: a tensor name is empty');
    if (name === METADATA_KEY) {
      throw new SafetensorsError(
        `encodeSafetensors: tensor name '${METADATA_KEY}' is reserved for metadata; rename it`,
      );
    }
    checkTensorForEncoding(name, tensor);
  }
  ordered.sort(compareForLayout);

  // Object.fromEntries defines "__proto__" as a plain key, where assignment would not.
  const header: [string, unknown][] = [];
  if (Object.keys(metadata).length > 0) header.push([METADATA_KEY, metadata]);
  let offset = 0;
  for (const [name, tensor] of ordered) {
    const end = offset + tensor.data.byteLength;
    const entry = { dtype: SAFETENSORS_DTYPES[tensor.dtype], shape: tensor.shape };
    header.push([name, { ...entry, data_offsets: [offset, end] }]);
    offset = end;
  }

  const json = new TextEncoder().encode(JSON.stringify(Object.fromEntries(header)));
  const headerLength = Math.ceil(json.byteLength / 8) * 8;
  const bytes = new Uint8Array(8 + headerLength + offset);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(headerLength), true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.byteLength, 8 + headerLength);
  let position = 8 + headerLength;
  for (const [, tensor] of ordered) {
    bytes.set(tensor.data, position);
    position += tensor.data.byteLength;
  }
  return bytes;
}

/** A header entry after validation. begin and end are offsets into the data section. */
interface Entry {
  name: string;
  dtype: EngineDtype;
  shape: number[];
  begin: number;
  end: number;
}

type Fail = (message: string) => never;

/** Parses the header JSON and returns it with the offset where the data section starts. */
function parseHeader(
  bytes: Uint8Array,
  fail: Fail,
): { header: Record<string, unknown>; dataStart: number } {
  if (bytes.byteLength < 8) {
    fail(
      `the file is ${bytes.byteLength} bytes, shorter than the 8-byte header length field; ` +
        'it is truncated or not a safetensors file',
    );
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    fail(
      `header length ${headerLength} exceeds the limit of ${MAX_HEADER_BYTES} bytes; ` +
        'the file is damaged or not a safetensors file',
    );
  }
  if (headerLength > BigInt(bytes.byteLength - 8)) {
    fail(
      `header length ${headerLength} runs past the end of the file, which has only ` +
        `${bytes.byteLength - 8} bytes after the length field; the file is truncated`,
    );
  }
  const dataStart = 8 + Number(headerLength);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart));
  } catch {
    fail(`the ${headerLength}-byte header is not valid UTF-8; the file is damaged`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    fail(`the header is not valid JSON (${(error as Error).message}); the file is damaged`);
  }
  if (!isPlainObject(header)) fail(`the header must be a JSON object, got ${show(header)}`);
  return { header, dataStart };
}

function parseMetadata(value: unknown, fail: Fail): Record<string, string> {
  if (!isPlainObject(value)) {
    fail(`${METADATA_KEY} must be an object of string values, got ${show(value)}`);
  }
  const entries = Object.entries(value);
  for (const [key, text] of entries) {
    if (typeof text !== 'string') {
      fail(`${METADATA_KEY} value of '${key}' must be a string, got ${show(text)}`);
    }
  }
  // Object.fromEntries keeps a "__proto__" key as data instead of setting the prototype.
  return Object.fromEntries(entries) as Record<string, string>;
}

function parseEntry(name: string, value: unknown, fail: Fail): Entry {
  const failTensor: Fail = (message) => fail(`tensor '${name}' ${message}`);
  if (!isPlainObject(value)) {
    failTensor(`must be an object with dtype, shape and data_offsets, got ${show(value)}`);
  }

  const { dtype, shape, data_offsets: offsets } = value;
  if (!isSafetensorsDtype(dtype)) {
    failTensor(
      `has unsupported dtype ${show(dtype)}; supported: ${Object.keys(ENGINE_DTYPES).join(', ')}`,
    );
  }
  if (!isValidShape(shape)) {
    failTensor(`has invalid shape ${show(shape)}; expected an array of non-negative integers`);
  }
  const validOffsets =
    Array.isArray(offsets) &&
    offsets.length === 2 &&
    offsets.every((offset) => Number.isSafeInteger(offset) && offset >= 0) &&
    offsets[0] <= offsets[1];
  if (!validOffsets) {
    failTensor(
      `has invalid data_offsets ${show(offsets)}; expected [begin, end] with integers ` +
        '0 <= begin <= end',
    );
  }

  const [begin, end] = offsets as [number, number];
  const engineDtype = ENGINE_DTYPES[dtype];
  const expected = elementCount(shape) * BigInt(BYTES_PER_ELEMENT[engineDtype]);
  if (BigInt(end - begin) !== expected) {
    failTensor(
      `has ${end - begin} data bytes (data_offsets [${begin}, ${end}]), but ` +
        `${describeSize(shape, engineDtype, dtype)}; the file is damaged`,
    );
  }
  return { name, dtype: engineDtype, shape, begin, end };
}

function describeEntry(entry: Entry): string {
  return `tensor '${entry.name}' (data_offsets [${entry.begin}, ${entry.end}])`;
}

/** Validates the header's metadata and tensor entries; returns the entries sorted by offset. */
function parseEntries(
  header: Record<string, unknown>,
  fail: Fail,
): { metadata: Record<string, string>; entries: Entry[] } {
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) metadata = parseMetadata(value, fail);
    else entries.push(parseEntry(name, value, fail));
  }
  // NOTE: JSON.parse keeps only the last of two equal keys. The dropped entry's bytes then show
  // up as a gap or as trailing bytes, so such files are still rejected, but with that message.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  return { metadata, entries };
}

/** Checks that the tensors, sorted by offset, tile the data section exactly. */
function checkLayout(entries: readonly Entry[], dataLength: number, fail: Fail): void {
  let previous: Entry | undefined;
  for (const entry of entries) {
    const expectedBegin = previous?.end ?? 0;
    if (entry.begin < expectedBegin) {
      fail(`${describeEntry(entry)} overlaps ${describeEntry(previous!)}; the file is damaged`);
    }
    if (entry.begin > expectedBegin) {
      const before = previous === undefined ? 'the start of the data' : describeEntry(previous);
      fail(
        `no tensor covers data bytes ${expectedBegin} to ${entry.begin}, a gap between ` +
          `${before} and ${describeEntry(entry)}; the file is damaged`,
      );
    }
    previous = entry;
  }
  const end = previous?.end ?? 0;
  if (end > dataLength) {
    fail(
      `${describeEntry(previous!)} ends past the data section, which has only ${dataLength} ` +
        'bytes; the file is truncated',
    );
  }
  if (end < dataLength) {
    const last =
      previous === undefined ? 'the header, which lists no tensors' : describeEntry(previous);
    fail(
      `${dataLength - end} trailing bytes follow ${last}; the data section has ${dataLength} ` +
        `bytes but the tensors cover ${end}, so the file is damaged`,
    );
  }
}

/**
 * Parses and validates the bytes of a safetensors file. `source`, usually the file path, starts
 * every error message. Each tensor's data is copied into an ArrayBuffer of its own, so callers
 * may view it as any typed array, such as `new Float32Array(data.buffer)`.
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  source = 'safetensors bytes',
): DecodedSafetensors {
  const fail: Fail = (message) => {
    throw new SafetensorsError(`${source}: ${message}`);
  };
  const { header, dataStart } = parseHeader(bytes, fail);
  const { metadata, entries } = parseEntries(header, fail);
  checkLayout(entries, bytes.byteLength - dataStart, fail);

  const tensors = new Map<string, RawTensor>();
  for (const entry of entries) {
    const data = new Uint8Array(bytes.subarray(dataStart + entry.begin, dataStart + entry.end));
    tensors.set(entry.name, { dtype: entry.dtype, shape: entry.shape, data });
  }
  return { tensors, metadata };
}

/** Writes tensors and string metadata to a safetensors file, atomically (see writeFileAtomic). */
export async function writeSafetensors(
  path: string,
  tensors: Record<string, RawTensor>,
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/**
 * Reads and validates a whole safetensors file into memory. Node.js 20's readFileSync rejects
 * files over 2 GiB, so larger files raise a SafetensorsError that names this limit.
 */
export function readSafetensors(path: string): DecodedSafetensors {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new SafetensorsError(`${path}: file not found; check the path`);
    }
    if (code === 'ERR_FS_FILE_TOO_LARGE') {
      throw new SafetensorsError(
        `${path}: the file is larger than the 2 GiB that Node.js reads at once ` +
          `(${(error as Error).message}); save the tensors across several smaller files`,
      );
    }
    throw new SafetensorsError(`${path}: failed to read the file: ${(error as Error).message}`);
  }
  return decodeSafetensors(bytes, path);
}

/**
 * Checks a safetensors file's header and layout against its size without reading the tensor
 * data, and returns its metadata. This catches truncated and damaged files cheaply, but not
 * changed bytes inside the data.
 */
export function checkSafetensorsFile(path: string): Record<string, string> {
  const fail: Fail = (message) => {
    throw new SafetensorsError(`${path}: ${message}`);
  };
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') fail('file not found; check the path');
    fail(`failed to open the file: ${(error as Error).message}`);
  }
  try {
    const fileSize = fstatSync(fd).size;
    const prefix = new Uint8Array(8);
    const prefixRead = readSync(fd, prefix, 0, 8, 0);
    const headerLength = prefixRead < 8 ? 0 : Number(Buffer.from(prefix).readBigUInt64LE(0));
    // Reads no more than the file holds, so parseHeader reports a length past the end itself.
    const headerRead = Math.min(headerLength, MAX_HEADER_BYTES, Math.max(0, fileSize - 8));
    const bytes = new Uint8Array(prefixRead + headerRead);
    bytes.set(prefix.subarray(0, prefixRead));
    if (headerRead > 0) readSync(fd, bytes, 8, headerRead, 8);
    const { header, dataStart } = parseHeader(bytes, fail);
    const { metadata, entries } = parseEntries(header, fail);
    checkLayout(entries, fileSize - dataStart, fail);
    return metadata;
  } finally {
    closeSync(fd);
  }
}
