import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { DataError } from '../../src/data/errors.js';
import {
  encodeIdx,
  looksLikeIdxImages,
  parseIdx,
  readIdxImages,
  readIdxLabels,
} from '../../src/data/idx.js';
import { fromIdx } from '../../src/data/image-set.js';
import { makeTempDir, syntheticIdxPair, syntheticPixels } from './helpers.js';

const temp = makeTempDir();
after(temp.remove);

function writeFile(name: string, bytes: Uint8Array): string {
  const path = join(temp.dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** Builds an IDX header: magic with the given type code and dimension count, then the sizes. */
function header(typeCode: number, shape: number[]): Buffer {
  const bytes = Buffer.alloc(4 + 4 * shape.length);
  bytes[2] = typeCode;
  bytes[3] = shape.length;
  shape.forEach((size, axis) => bytes.writeUInt32BE(size, 4 + 4 * axis));
  return bytes;
}

describe('IDX round trip', () => {
  test('raw images file', () => {
    const pixels = syntheticPixels(5, 4, 3);
    const path = writeFile('raw-images-idx3-ubyte', encodeIdx(pixels, [5, 4, 3]));
    const images = readIdxImages(path);
    assert.equal(images.count, 5);
    assert.equal(images.height, 4);
    assert.equal(images.width, 3);
    assert.deepEqual(images.pixels, pixels);
  });

  test('gzip images and labels', () => {
    const pair = syntheticIdxPair(7);
    const imagesPath = writeFile('gz-images-idx3-ubyte.gz', pair.imagesFile);
    const labelsPath = writeFile('gz-labels-idx1-ubyte.gz', pair.labelsFile);
    assert.deepEqual(readIdxImages(imagesPath).pixels, pair.pixels);
    assert.deepEqual(readIdxLabels(labelsPath), pair.labels);
  });

  test('four dimensions parse to their shape', () => {
    const data = syntheticPixels(2, 3, 4 * 5);
    const parsed = parseIdx(encodeIdx(data, [2, 3, 4, 5]), 'memory');
    assert.deepEqual(parsed.shape, [2, 3, 4, 5]);
    assert.deepEqual(parsed.data, data);
  });

  test('encodeIdx rejects a shape that does not match the data', () => {
    assert.throws(() => encodeIdx(new Uint8Array(5), [2, 3]), /has 6 elements, but data has 5/);
    assert.throws(() => encodeIdx(new Uint8Array(1), [1, 1, 1, 1, 1]), /1 to 4 dimensions/);
  });
});

describe('IDX validation', () => {
  function assertDataError(bytes: Uint8Array, pattern: RegExp): void {
    const path = writeFile(`case-${Math.random().toString(16).slice(2)}`, bytes);
    assert.throws(
      () => readIdxImages(path),
      (error: unknown) => {
        assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`);
        assert.match(error.message, pattern);
        assert.ok(error.message.includes(path), `message does not name ${path}: ${error.message}`);
        return true;
      },
    );
  }

  test('bad magic number', () => {
    const bytes = Buffer.concat([Buffer.from([0x12, 0x34, 0x08, 0x03]), Buffer.alloc(12)]);
    assertDataError(bytes, /not an IDX file: its magic number starts with 0x12 0x34/);
  });

  test('too short for a magic number', () => {
    assertDataError(Buffer.from([0, 0]), /has 2 bytes, fewer than the 4-byte magic number/);
  });

  test('float32 type code', () => {
    const bytes = Buffer.concat([header(0x0d, [1, 1, 1]), Buffer.alloc(4)]);
    assertDataError(bytes, /type code 0x0d \(float32\); only 0x08 \(unsigned byte\)/);
  });

  test('unknown type code', () => {
    assertDataError(header(0x42, [1, 1, 1]), /type code 0x42 \(unknown\)/);
  });

  test('zero or too many dimensions', () => {
    assertDataError(header(0x08, []), /declares 0 dimensions, expected 1 to 4/);
    assertDataError(header(0x08, [1, 1, 1, 1, 1]), /declares 5 dimensions, expected 1 to 4/);
  });

  test('header cut inside the sizes', () => {
    assertDataError(header(0x08, [2, 2, 2]).subarray(0, 9), /truncated inside its header/);
  });

  test('a dimension of size zero', () => {
    assertDataError(header(0x08, [0, 28, 28]), /size 0 in dimension 0 of shape \[0, 28, 28\]/);
  });

  test('truncated data', () => {
    const bytes = Buffer.concat([header(0x08, [2, 3, 3]), Buffer.alloc(17)]);
    assertDataError(bytes, /truncated: expected 18 bytes of data for shape \[2, 3, 3\], found 17/);
  });

  test('truncated data inside gzip', () => {
    const bytes = gzipSync(Buffer.concat([header(0x08, [2, 3, 3]), Buffer.alloc(10)]));
    assertDataError(bytes, /expected 18 bytes of data .* found 10/);
  });

  test('trailing bytes', () => {
    const bytes = Buffer.concat([header(0x08, [2, 3, 3]), Buffer.alloc(21)]);
    assertDataError(bytes, /has 3 trailing bytes after the 18 bytes of data/);
  });

  test('corrupt gzip', () => {
    const gzip = Buffer.from(syntheticIdxPair(20).imagesFile);
    gzip.fill(0xab, 12, 40);
    assertDataError(gzip, /^corrupt or truncated gzip file .*download or copy the file again/);
  });

  test('truncated gzip', () => {
    const gzip = syntheticIdxPair(20).imagesFile;
    assertDataError(gzip.subarray(0, gzip.length - 10), /^corrupt or truncated gzip file/);
  });

  test('labels file passed as images', () => {
    const path = writeFile('only-labels-idx1-ubyte', encodeIdx(new Uint8Array(3), [3]));
    assert.throws(() => readIdxImages(path), /shape \[3\], expected 3 dimensions/);
  });

  test('images file passed as labels', () => {
    const path = writeFile('only-images-idx3-ubyte', encodeIdx(new Uint8Array(4), [1, 2, 2]));
    assert.throws(() => readIdxLabels(path), /shape \[1, 2, 2\], expected 1 dimension/);
  });

  test('missing file', () => {
    const path = join(temp.dir, 'absent-images-idx3-ubyte.gz');
    assert.throws(() => readIdxImages(path), { message: new RegExp(`${path}: not found`) });
  });
});

describe('fromIdx', () => {
  test('scales pixels to [-1, 1] and keeps labels', () => {
    const pair = syntheticIdxPair(6, 2, 2);
    const set = fromIdx(
      writeFile('set-images-idx3-ubyte.gz', pair.imagesFile),
      writeFile('set-labels-idx1-ubyte.gz', pair.labelsFile),
    );
    assert.equal(set.count, 6);
    assert.equal(set.channels, 1);
    assert.equal(set.images.length, 6 * 2 * 2);
    pair.pixels.forEach((byte, i) => {
      assert.ok(Math.abs((set.images[i] as number) - (byte / 127.5 - 1)) < 1e-6, `pixel ${i}`);
    });
    assert.deepEqual(Array.from(set.labels ?? []), Array.from(pair.labels));
  });

  test('label count mismatch names both files and counts', () => {
    const imagesPath = writeFile('five-images-idx3-ubyte.gz', syntheticIdxPair(5).imagesFile);
    const labelsPath = writeFile('four-labels-idx1-ubyte.gz', syntheticIdxPair(4).labelsFile);
    assert.throws(
      () => fromIdx(imagesPath, labelsPath),
      (error: unknown) => {
        assert.ok(error instanceof DataError);
        assert.ok(error.message.includes(`${imagesPath} has 5 images`), error.message);
        assert.ok(error.message.includes(`${labelsPath} has 4 labels`), error.message);
        return true;
      },
    );
  });
});

test('looksLikeIdxImages reads only the header', () => {
  const images = encodeIdx(new Uint8Array(20 * 28 * 28), [20, 28, 28]);
  const labels = encodeIdx(new Uint8Array(20), [20]);
  assert.equal(looksLikeIdxImages(writeFile('raw.bin', images)), true);
  assert.equal(looksLikeIdxImages(writeFile('packed.gz', gzipSync(images))), true);
  assert.equal(looksLikeIdxImages(writeFile('labels.gz', gzipSync(labels))), false);
  assert.equal(looksLikeIdxImages(writeFile('text.txt', Buffer.from('not idx'))), false);
  assert.equal(looksLikeIdxImages(writeFile('short.bin', new Uint8Array([0, 0]))), false);
  assert.equal(looksLikeIdxImages(join(temp.dir, 'missing.bin')), false);
});
