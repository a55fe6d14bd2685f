/**
 * Reading and writing IDX files, the format of MNIST and Fashion-MNIST, raw or gzip-compressed.
 *
 * Format (big-endian): two zero bytes, a type code, the number of dimensions D, then D uint32
 * sizes and the data in row-major order. Only the unsigned-byte type (0x08) is read here, because
 * image and label files use it. Format description: http://yann.lecun.com/exdb/mnist/
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { constants, gunzipSync, gzipSync } from 'node:zlib';

import { DataError, describeError } from './errors.js';

/** An n-dimensional array of unsigned bytes read from an IDX file. */
export interface IdxArray {
  /** Sizes of the dimensions, outermost first, such as [60000, 28, 28]. */
  shape: number[];
  /** Values in row-major order; its length is the product of `shape`. */
  data: Uint8Array;
}

/** Images from an IDX file of shape [count, height, width], one grayscale byte per pixel. */
export interface IdxImages {
  count: number;
  height: number;
  width: number;
  /** Pixels in [count, height, width] order, 0 (black) to 255 (white). */
  pixels: Uint8Array;
}

const UBYTE = 0x08;
const MAX_DIMS = 4;

const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

/** Returns true when the bytes start with the gzip magic number 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Returns true when the file at `path` starts like an IDX images file (magic 0x00000803), raw
 * or gzip-compressed. Reads only the first bytes, and returns false for unreadable files.
 */
export function looksLikeIdxImages(path: string): boolean {
  let head: Uint8Array;
  try {
    const fd = openSync(path, 'r');
    try {
      const buffer = Buffer.alloc(256);
      head = buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0));
    } finally {
      closeSync(fd);
    }
    // With a sync flush, gunzip returns what the first bytes decode to instead of throwing.
    if (isGzip(head)) head = gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH });
  } catch {
    return false;
  }
  return head.length >= 4 && head[0] === 0 && head[1] === 0 && head[2] === UBYTE && head[3] === 3;
}

/** Parses an IDX file's content, raw or gzip-compressed; `path` only names the file in errors. */
export function parseIdx(bytes: Uint8Array, path: string): IdxArray {
  const raw = isGzip(bytes) ? gunzip(bytes, path) : bytes;
  const shape = parseHeader(raw, path);
  const headerLength = 4 + 4 * shape.length;
  const expected = shape.reduce((product, size) => product * size, 1);
  const found = raw.length - headerLength;
  if (found < expected) {
    throw new DataError(
      `IDX file ${path} is truncated: expected ${expected} bytes of data for shape ` +
        `[${shape.join(', ')}], found ${found}; download or copy the file again`,
    );
  }
  if (found > expected) {
    throw new DataError(
      `IDX file ${path} has ${found - expected} trailing bytes after the ${expected} bytes of ` +
        `data that its shape [${shape.join(', ')}] declares; the header or the file is corrupt, ` +
        'so download or copy the file again',
    );
  }
  // A copy, so that the array owns exactly its bytes and does not keep the file buffer alive.
  return { shape, data: new Uint8Array(raw.subarray(headerLength)) };
}

function gunzip(bytes: Uint8Array, path: string): Uint8Array {
  try {
    return gunzipSync(bytes);
  } catch (error) {
    throw new DataError(
      `corrupt or truncated gzip file ${path} (${describeError(error)}); ` +
        'download or copy the file again',
      { cause: error },
    );
  }
}

/** Checks the magic number and returns the shape that the header declares. */
function parseHeader(raw: Uint8Array, path: string): number[] {
  checkMagic(raw, path);
  const dims = raw[3] ?? 0;
  if (dims < 1 || dims > MAX_DIMS) {
    throw new DataError(
      `IDX file ${path} declares ${dims} dimensions, expected 1 to ${MAX_DIMS}; ` +
        'the header is corrupt, so download or copy the file again',
    );
  }
  if (raw.length < 4 + 4 * dims) {
    throw new DataError(
      `IDX file ${path} is truncated inside its header: ${dims} dimensions need ` +
        `${4 + 4 * dims} bytes, found ${raw.length}; download or copy the file again`,
    );
  }

  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const shape = Array.from({ length: dims }, (_, axis) => view.getUint32(4 + 4 * axis));
  const zeroAxis = shape.indexOf(0);
  if (zeroAxis >= 0) {
    throw new DataError(
      `IDX file ${path} has size 0 in dimension ${zeroAxis} of shape [${shape.join(', ')}], ` +
        'so it contains no data; use a file with at least one item',
    );
  }
  return shape;
}

function checkMagic(raw: Uint8Array, path: string): void {
  if (raw.length < 4) {
    throw new DataError(
      `${path} is not an IDX file: it has ${raw.length} bytes, fewer than the 4-byte magic number`,
    );
  }
  if (raw[0] !== 0 || raw[1] !== 0) {
    throw new DataError(
      `${path} is not an IDX file: its magic number starts with ${hex(raw[0])} ${hex(raw[1])}, ` +
        'expected 0x00 0x00; pass an IDX file such as train-images-idx3-ubyte.gz',
    );
  }
  const typeCode = raw[2] ?? 0;
  if (typeCode !== UBYTE) {
    const name = TYPE_NAMES[typeCode] ?? 'unknown';
    throw new DataError(
      `IDX file ${path} has type code ${hex(typeCode)} (${name}); only ${hex(UBYTE)} ` +
        '(unsigned byte), the type of image and label files, is supported',
    );
  }
}

function hex(byte: number | undefined): string {
  return `0x${(byte ?? 0).toString(16).padStart(2, '0')}`;
}

/** Reads and parses an IDX file, raw or gzip-compressed. */
export function readIdx(path: string): IdxArray {
  return parseIdx(readBytes(path), path);
}

/** Reads an IDX file of shape [count, height, width], such as train-images-idx3-ubyte.gz. */
export function readIdxImages(path: string): IdxImages {
  const { shape, data } = readIdx(path);
  const [count, height, width] = shape;
  if (shape.length !== 3 || count === undefined || height === undefined || width === undefined) {
    throw new DataError(
      `IDX file ${path} has shape [${shape.join(', ')}], expected 3 dimensions ` +
        '[count, height, width] for images; pass an images file (its name usually contains ' +
        "'images-idx3')",
    );
  }
  return { count, height, width, pixels: data };
}

/** Reads an IDX file of shape [count], such as train-labels-idx1-ubyte.gz. */
export function readIdxLabels(path: string): Uint8Array {
  const { shape, data } = readIdx(path);
  if (shape.length !== 1) {
    throw new DataError(
      `IDX file ${path} has shape [${shape.join(', ')}], expected 1 dimension [count] for ` +
        "labels; pass a labels file (its name usually contains 'labels-idx1')",
    );
  }
  return data;
}

/** Encodes unsigned bytes of the given shape (1 to 4 dimensions) as an IDX file. */
export function encodeIdx(
  data: Uint8Array,
  shape: readonly number[],
  options: { gzip?: boolean } = {},
): Buffer {
  if (shape.length < 1 || shape.length > MAX_DIMS) {
    throw new RangeError(`encodeIdx: shape [${shape.join(', ')}] must have 1 to 4 dimensions`);
  }
  if (!shape.every((n) => Number.isInteger(n) && n >= 1 && n <= 0xffffffff)) {
    throw new RangeError(
      `encodeIdx: shape [${shape.join(', ')}] must contain integers from 1 to 2^32 - 1`,
    );
  }
  const size = shape.reduce((product, n) => product * n, 1);
  if (size !== data.length) {
    throw new RangeError(
      `encodeIdx: shape [${shape.join(', ')}] has ${size} elements, but data has ${data.length}`,
    );
  }
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = UBYTE;
  header[3] = shape.length;
  shape.forEach((n, axis) => header.writeUInt32BE(n, 4 + 4 * axis));
  const file = Buffer.concat([header, data]);
  return options.gzip ? gzipSync(file) : file;
}

function readBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'not found' : describeError(error);
    throw new DataError(`cannot read IDX file ${path}: ${reason}; check the path`, {
      cause: error,
    });
  }
}
