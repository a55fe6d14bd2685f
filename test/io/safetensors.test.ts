import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import {
  checkSafetensorsFile,
  decodeSafetensors,
  ENGINE_DTYPES,
  encodeSafetensors,
  type EngineDtype,
  type RawTensor,
  readSafetensors,
  SAFETENSORS_DTYPES,
  SafetensorsError,
  writeSafetensors,
} from '../../src/io/safetensors.js';

const folder = mkdtempSync(join(tmpdir(), 'aigc-safetensors-'));
after(() => rmSync(folder, { recursive: true, force: true }));

const SOURCE = 'model.safetensors';

const ELEMENT_BYTES: Record<EngineDtype, number> = {
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

/** Builds a tensor whose bytes differ from those of tensors built with another seed. */
function rawTensor(dtype: EngineDtype, shape: number[], seed: number): RawTensor {
  const count = shape.reduce((product, size) => product * size, 1);
  const data = new Uint8Array(count * ELEMENT_BYTES[dtype]);
  for (let i = 0; i < data.length; i++) data[i] = (seed * 31 + i * 7) & 0xff;
  if (dtype === 'bool') data.forEach((_, i) => (data[i] = (seed + i) % 2));
  return { dtype, shape, data };
}

/** Builds a file from a header given as an object or as raw JSON text, and `dataLength` bytes. */
function fileWithHeader(header: object | string, dataLength: number): Uint8Array {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const bytes = new Uint8Array(8 + json.length + dataLength);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  return bytes;
}

function f32(shape: number[], begin: number, end: number): object {
  return { dtype: 'F32', shape, data_offsets: [begin, end] };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Asserts that decoding fails with a SafetensorsError whose message names the file. */
function assertRejects(bytes: Uint8Array, message: RegExp): void {
  assert.throws(
    () => decodeSafetensors(bytes, SOURCE),
    (error: unknown) => {
      assert.ok(error instanceof SafetensorsError, `expected a SafetensorsError, got ${error}`);
      assert.ok(error.message.startsWith(`${SOURCE}: `), error.message);
      assert.match(error.message, message);
      return true;
    },
  );
}

function assertEncodeRejects(encode: () => unknown, message: RegExp): void {
  assert.throws(encode, (error: unknown) => {
    assert.ok(error instanceof SafetensorsError, `expected a SafetensorsError, got ${error}`);
    assert.match(error.message, message);
    return true;
  });
}

describe('safetensors dtype names', () => {
  test('map both ways', () => {
    const engineNames = Object.keys(SAFETENSORS_DTYPES) as EngineDtype[];
    assert.equal(engineNames.length, 10);
    assert.equal(Object.keys(ENGINE_DTYPES).length, 10);
    for (const dtype of engineNames) {
      assert.equal(ENGINE_DTYPES[SAFETENSORS_DTYPES[dtype]], dtype);
    }
  });
});

describe('safetensors round trip', () => {
  test('every dtype with metadata', () => {
    const tensors: Record<string, RawTensor> = {};
    (Object.keys(SAFETENSORS_DTYPES) as EngineDtype[]).forEach((dtype, seed) => {
      tensors[`layer.${dtype}`] = rawTensor(dtype, [2, 3], seed);
    });
    tensors['scalar'] = rawTensor('float32', [], 20);
    tensors['empty'] = rawTensor('int64', [0, 4], 21);
    const metadata = { format: 'pt', note: 'ünïcödé ✓', empty: '' };

    const decoded = decodeSafetensors(encodeSafetensors(tensors, metadata), SOURCE);

    assert.deepEqual(decoded.metadata, metadata);
    assert.deepEqual([...decoded.tensors.keys()].sort(), Object.keys(tensors).sort());
    for (const [name, expected] of Object.entries(tensors)) {
      const actual = decoded.tensors.get(name)!;
      assert.equal(actual.dtype, expected.dtype, name);
      assert.deepEqual(actual.shape, expected.shape, name);
      assert.deepEqual(actual.data, expected.data, name);
    }
  });

  test('without metadata returns an empty map', () => {
    const decoded = decodeSafetensors(encodeSafetensors({ w: rawTensor('uint8', [3], 1) }));
    assert.deepEqual(decoded.metadata, {});
    assert.equal(decoded.tensors.size, 1);
  });

  test('no tensors', () => {
    const decoded = decodeSafetensors(encodeSafetensors({}, { step: '0' }));
    assert.equal(decoded.tensors.size, 0);
    assert.deepEqual(decoded.metadata, { step: '0' });
  });

  test('data views as typed arrays', () => {
    const values = new Float64Array([1.5, -2.25, 3e100]);
    const bytes = encodeSafetensors({
      a: rawTensor('uint8', [3], 1),
      b: { dtype: 'float64', shape: [3], data: new Uint8Array(values.buffer) },
    });
    // Place the file at an odd offset of a larger buffer, as a Buffer from a pool may be.
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const decoded = decodeSafetensors(shifted.subarray(3), SOURCE);

    const data = decoded.tensors.get('b')!.data;
    assert.equal(data.byteOffset, 0);
    assert.equal(data.buffer.byteLength, data.byteLength);
    assert.deepEqual(new Float64Array(data.buffer, data.byteOffset, 3), values);
  });

  test('decoded data is a copy', () => {
    const bytes = encodeSafetensors({ w: rawTensor('uint8', [4], 1) });
    const decoded = decodeSafetensors(bytes);
    decoded.tensors.get('w')!.data.fill(0);
    assert.deepEqual(
      decodeSafetensors(bytes).tensors.get('w')!.data,
      rawTensor('uint8', [4], 1).data,
    );
  });

  test('__proto__ names stay data', () => {
    const tensors = Object.fromEntries([['__proto__', rawTensor('int8', [2], 3)]]);
    const metadata = Object.fromEntries([['__proto__', 'value']]) as Record<string, string>;
    const decoded = decodeSafetensors(encodeSafetensors(tensors, metadata));
    assert.deepEqual(decoded.tensors.get('__proto__')!.data, rawTensor('int8', [2], 3).data);
    assert.equal(Object.getOwnPropertyDescriptor(decoded.metadata, '__proto__')?.value, 'value');
  });

  test('write and read a file', async () => {
    const path = join(folder, 'weights.safetensors');
    const tensors = { w: rawTensor('float32', [2, 2], 4), b: rawTensor('float32', [2], 5) };
    await writeSafetensors(path, tensors, { epoch: '3' });

    const read = readSafetensors(path);
    assert.deepEqual(read.metadata, { epoch: '3' });
    assert.deepEqual(read.tensors.get('w'), tensors.w);
    assert.deepEqual(read.tensors.get('b'), tensors.b);
    assert.deepEqual(readFileSync(path), Buffer.from(encodeSafetensors(tensors, { epoch: '3' })));
  });
});

describe('safetensors layout', () => {
  // The reference implementation's test_serialization_forced_alignement (safetensors/src/tensor.rs
  // in huggingface/safetensors) pins this file: a 65-byte header padded with 7 spaces to 72.
  test('one tensor matches the reference bytes', () => {
    const values = new Float32Array([0, 1, 2, 3, 4, 5]);
    const bytes = encodeSafetensors({
      attn0: { dtype: 'float32', shape: [1, 1, 2, 3], data: new Uint8Array(values.buffer) },
    });

    const json = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}';
    assert.equal(json.length, 65);
    const expected = Buffer.concat([
      Buffer.from([72, 0, 0, 0, 0, 0, 0, 0]),
      Buffer.from(json + ' '.repeat(7)),
      Buffer.from([
        0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
      ]),
    ]);
    assert.deepEqual(Buffer.from(bytes), expected);
  });

  test('no tensors matches the reference bytes', () => {
    const empty = [8, 0, 0, 0, 0, 0, 0, 0, ...Buffer.from('{}      ')];
    assert.deepEqual([...encodeSafetensors({})], empty);
    const json = '{"__metadata__":{"framework":"pt"}}';
    const withMetadata = [40, 0, 0, 0, 0, 0, 0, 0, ...Buffer.from(json + ' '.repeat(5))];
    assert.deepEqual([...encodeSafetensors({}, { framework: 'pt' })], withMetadata);
  });

  test('two tensors: larger elements first, then by name', () => {
    const bytes = encodeSafetensors({
      mask: { dtype: 'uint8', shape: [3], data: new Uint8Array([1, 2, 3]) },
      w: { dtype: 'float32', shape: [1], data: new Uint8Array([0, 0, 128, 63]) },
      v: { dtype: 'float32', shape: [1], data: new Uint8Array([0, 0, 0, 64]) },
    });

    const json =
      '{"v":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},' +
      '"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},' +
      '"mask":{"dtype":"U8","shape":[3],"data_offsets":[8,11]}}';
    assert.equal(json.length, 163);
    const headerLength = 168;
    assert.equal(bytes.length, 8 + headerLength + 11);
    assert.equal(new DataView(bytes.buffer).getBigUint64(0, true), BigInt(headerLength));
    assert.equal(Buffer.from(bytes.subarray(8, 8 + json.length)).toString(), json);
    assert.deepEqual([...bytes.subarray(8 + json.length, 8 + headerLength)], [32, 32, 32, 32, 32]);
    assert.deepEqual([...bytes.subarray(8 + headerLength)], [0, 0, 0, 64, 0, 0, 128, 63, 1, 2, 3]);
  });

  test('unpadded header from another writer', () => {
    // The example file in the doc comment of SafeTensors::deserialize (tensor.rs): a 60-byte
    // header and no padding.
    const json = '{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}';
    const bytes = fileWithHeader(json, 16);
    assert.equal(bytes[0], 60);
    const tensor = decodeSafetensors(bytes, SOURCE).tensors.get('test')!;
    assert.equal(tensor.dtype, 'int32');
    assert.deepEqual(tensor.shape, [2, 2]);
    assert.equal(tensor.data.byteLength, 16);
  });

  test('offsets in any header order', () => {
    const header = { b: f32([1], 4, 8), a: f32([1], 0, 4) };
    const decoded = decodeSafetensors(fileWithHeader(header, 8), SOURCE);
    assert.deepEqual([...decoded.tensors.keys()], ['a', 'b']);
  });
});

describe('safetensors decode rejects', () => {
  const valid = encodeSafetensors({ w: rawTensor('float32', [2], 1) });

  test('file shorter than 8 bytes', () => {
    assertRejects(
      valid.subarray(0, 5),
      /the file is 5 bytes, shorter than the 8-byte header length/,
    );
  });

  test('header length past the end', () => {
    const bytes = valid.slice();
    new DataView(bytes.buffer).setBigUint64(0, 1000n, true);
    assertRejects(bytes, /header length 1000 runs past the end of the file/);
    assertRejects(bytes, new RegExp(`only ${valid.length - 8} bytes after the length field`));
  });

  test('header length over the limit', () => {
    const bytes = valid.slice();
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 63n, true);
    assertRejects(bytes, /header length 9223372036854775808 exceeds the limit of 100000000 bytes/);
  });

  test('data shorter than the offsets', () => {
    assertRejects(valid.subarray(0, valid.length - 1), /tensor 'w' .* ends past the data section/);
    assertRejects(
      valid.subarray(0, valid.length - 1),
      /which has only 7 bytes; the file is truncated/,
    );
  });

  test('overlapping offsets', () => {
    const bytes = fileWithHeader({ a: f32([2], 0, 8), b: f32([2], 4, 12) }, 12);
    assertRejects(
      bytes,
      /tensor 'b' \(data_offsets \[4, 12\]\) overlaps tensor 'a' \(data_offsets \[0, 8\]\)/,
    );
  });

  test('gap between offsets', () => {
    const bytes = fileWithHeader({ a: f32([1], 0, 4), b: f32([1], 8, 12) }, 12);
    assertRejects(bytes, /no tensor covers data bytes 4 to 8, a gap between tensor 'a'/);
  });

  test('gap before the first tensor', () => {
    const bytes = fileWithHeader({ a: f32([1], 4, 8) }, 8);
    assertRejects(bytes, /no tensor covers data bytes 0 to 4, a gap between the start of the data/);
  });

  test('trailing bytes after the data', () => {
    const bytes = new Uint8Array(valid.length + 3);
    bytes.set(valid);
    assertRejects(bytes, /3 trailing bytes follow tensor 'w' \(data_offsets \[0, 8\]\)/);
  });

  test('data with no tensors', () => {
    assertRejects(
      fileWithHeader({}, 2),
      /2 trailing bytes follow the header, which lists no tensors/,
    );
  });

  test('unknown dtype', () => {
    const bytes = fileWithHeader({ w: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, 1);
    const known = Object.keys(ENGINE_DTYPES).join(', ');
    assert.equal(known, 'BOOL, U8, I8, I16, I32, I64, F16, BF16, F32, F64');
    assertRejects(bytes, /tensor 'w' has unsupported dtype "F8_E4M3"/);
    assertRejects(bytes, new RegExp(`; supported: ${known}$`));
  });

  test('byte length that does not match the shape', () => {
    const bytes = fileWithHeader({ w: f32([3], 0, 8) }, 8);
    assertRejects(bytes, /tensor 'w' has 8 data bytes \(data_offsets \[0, 8\]\), but shape \[3\]/);
    assertRejects(
      bytes,
      /shape \[3\] of F32 needs 3 elements x 4 bytes = 12; the file is damaged$/,
    );
  });

  test('shape whose size overflows a double', () => {
    const big = Number.MAX_SAFE_INTEGER;
    const header = { w: { dtype: 'F64', shape: [big, big], data_offsets: [0, 8] } };
    const elements = BigInt(big) * BigInt(big);
    assertRejects(fileWithHeader(header, 8), new RegExp(`needs ${elements} elements x 8 bytes`));
  });

  test('invalid shape', () => {
    for (const shape of [[-1], [1.5], '2', [2 ** 53]]) {
      const header = { w: { dtype: 'U8', shape, data_offsets: [0, 0] } };
      assertRejects(
        fileWithHeader(header, 0),
        /tensor 'w' has invalid shape .*non-negative integers/,
      );
    }
  });

  test('invalid data_offsets', () => {
    for (const offsets of [[8, 4], [0], [0, 4, 8], [-4, 0], [0, '4'], null]) {
      const header = { w: { dtype: 'U8', shape: [4], data_offsets: offsets } };
      const bytes = fileWithHeader(header, 4);
      assertRejects(
        bytes,
        new RegExp(`tensor 'w' has invalid data_offsets ${escapeRegExp(JSON.stringify(offsets))};`),
      );
      assertRejects(bytes, /; expected \[begin, end\] with integers 0 <= begin <= end$/);
    }
  });

  test('entry that is not an object', () => {
    assertRejects(fileWithHeader({ w: [1, 2] }, 0), /tensor 'w' must be an object .*, got \[1,2\]/);
  });

  test('invalid JSON', () => {
    assertRejects(fileWithHeader('{"w": {', 0), /the header is not valid JSON \(.+\)/);
  });

  test('invalid UTF-8', () => {
    const bytes = fileWithHeader('{"w":1}', 0);
    bytes[10] = 0xff;
    assertRejects(bytes, /the 7-byte header is not valid UTF-8/);
  });

  test('header that is not an object', () => {
    assertRejects(fileWithHeader('[1, 2]', 0), /the header must be a JSON object, got \[1,2\]/);
    assertRejects(fileWithHeader('null', 0), /the header must be a JSON object, got null/);
  });

  test('non-string metadata', () => {
    const header = { __metadata__: { epoch: 3 }, w: f32([1], 0, 4) };
    assertRejects(
      fileWithHeader(header, 4),
      /__metadata__ value of 'epoch' must be a string, got 3/,
    );
  });

  test('metadata that is not an object', () => {
    assertRejects(
      fileWithHeader({ __metadata__: 'pt' }, 0),
      /__metadata__ must be an object .*, got "pt"/,
    );
  });
});

describe('safetensors file check', () => {
  const tensors = { w: rawTensor('float32', [4], 1), b: rawTensor('uint8', [3], 2) };
  const bytes = encodeSafetensors(tensors, { step: '7' });

  function writeBytes(name: string, content: Uint8Array): string {
    const path = join(folder, name);
    writeFileSync(path, content);
    return path;
  }

  test('whole file returns metadata', () => {
    assert.deepEqual(checkSafetensorsFile(writeBytes('whole.safetensors', bytes)), { step: '7' });
  });

  test('truncated data', () => {
    const path = writeBytes('short-data.safetensors', bytes.subarray(0, bytes.length - 2));
    assert.throws(() => checkSafetensorsFile(path), SafetensorsError);
    assert.throws(() => checkSafetensorsFile(path), /ends past the data section.*truncated/);
  });

  test('truncated header', () => {
    const path = writeBytes('short-header.safetensors', bytes.subarray(0, 20));
    assert.throws(() => checkSafetensorsFile(path), /runs past the end of the file/);
  });

  test('file shorter than the length field', () => {
    const path = writeBytes('tiny.safetensors', bytes.subarray(0, 3));
    assert.throws(() => checkSafetensorsFile(path), /the file is 3 bytes, shorter than/);
  });

  test('missing file', () => {
    const path = join(folder, 'absent.safetensors');
    assert.throws(() => checkSafetensorsFile(path), /absent\.safetensors: file not found/);
  });
});

describe('safetensors encode rejects', () => {
  test('byte length that does not match the shape', () => {
    const tensor: RawTensor = { dtype: 'float32', shape: [2, 2], data: new Uint8Array(12) };
    assertEncodeRejects(
      () => encodeSafetensors({ w: tensor }),
      /tensor 'w' has 12 data bytes, but shape \[2,2\] of float32 needs 4 elements x 4 bytes = 16/,
    );
  });

  test('empty name', () => {
    assertEncodeRejects(
      () => encodeSafetensors({ '': rawTensor('uint8', [1], 1) }),
      /a tensor name is empty/,
    );
  });

  test('reserved name', () => {
    assertEncodeRejects(
      () => encodeSafetensors({ __metadata__: rawTensor('uint8', [1], 1) }),
      /tensor name '__metadata__' is reserved for metadata/,
    );
  });

  test('non-string metadata', () => {
    const metadata = { epoch: 3 } as unknown as Record<string, string>;
    assertEncodeRejects(
      () => encodeSafetensors({}, metadata),
      /metadata value of 'epoch' must be a string, got 3/,
    );
  });

  test('unknown dtype', () => {
    const tensor = { dtype: 'complex64', shape: [1], data: new Uint8Array(8) };
    assertEncodeRejects(
      () => encodeSafetensors({ w: tensor as unknown as RawTensor }),
      /tensor 'w' has unsupported dtype "complex64"; supported: bool, uint8, /,
    );
  });

  test('invalid shape', () => {
    const tensor: RawTensor = { dtype: 'uint8', shape: [-2], data: new Uint8Array(0) };
    assertEncodeRejects(
      () => encodeSafetensors({ w: tensor }),
      /tensor 'w' has invalid shape \[-2\]/,
    );
  });
});

describe('readSafetensors', () => {
  test('missing file', () => {
    const path = join(folder, 'missing.safetensors');
    assert.throws(() => readSafetensors(path), {
      name: 'SafetensorsError',
      message: `${path}: file not found; check the path`,
    });
  });

  test('file over 2 GiB', () => {
    // A sparse file: truncate allocates no blocks on the usual Linux and macOS file systems.
    const path = join(folder, 'huge.safetensors');
    writeFileSync(path, '');
    truncateSync(path, 3 * 2 ** 30);
    assert.throws(() => readSafetensors(path), {
      name: 'SafetensorsError',
      message: /larger than the 2 GiB that Node\.js reads at once .*several smaller files$/,
    });
    rmSync(path);
  });

  test('damaged file names its path', () => {
    const path = join(folder, 'damaged.safetensors');
    writeFileSync(path, new Uint8Array(3));
    assert.throws(() => readSafetensors(path), {
      name: 'SafetensorsError',
      message: new RegExp(`^${path}: the file is 3 bytes`),
    });
  });
});
