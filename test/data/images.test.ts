import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { encode as encodeJpeg } from 'jpeg-js';

import { DataError } from '../../src/data/errors.js';
import { decodeImage, isGrayscale, loadImageFolder, toChannels } from '../../src/data/images.js';
import { encodePng } from '../../src/data/png.js';
import { cropCenterSquare, resizePixels } from '../../src/data/resize.js';
import { makeTempDir } from './helpers.js';

const temp = makeTempDir();
after(temp.remove);

function folder(name: string, files: Record<string, Uint8Array | string>): string {
  const dir = join(temp.dir, name);
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), content);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Encodes a width x height PNG whose every pixel has the given channel values. */
function solidPng(width: number, height: number, color: number[]): Buffer {
  const pixels = Uint8Array.from({ length: width * height * color.length }, (_, i) => {
    return color[i % color.length] as number;
  });
  return encodePng(pixels, width, height, color.length as 1 | 3 | 4);
}

function grayPng(width: number, height: number, values: number[]): Buffer {
  return encodePng(Uint8Array.from(values), width, height, 1);
}

function solidJpeg(width: number, height: number, rgb: number[]): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let p = 0; p < width * height; p++) data.set([...rgb, 255], 4 * p);
  return encodeJpeg({ data, width, height }, 95).data;
}

function assertClose(actual: ArrayLike<number>, expected: number[], tolerance = 1e-5): void {
  assert.equal(actual.length, expected.length, 'length');
  expected.forEach((value, i) => {
    const got = actual[i] as number;
    assert.ok(Math.abs(got - value) <= tolerance, `index ${i}: expected ${value}, got ${got}`);
  });
}

const toUnit = (bytes: number[]) => bytes.map((b) => b / 127.5 - 1);

describe('resize', () => {
  const row = (values: number[]) => ({ data: Float32Array.from(values), height: 1, channels: 1 });

  test('area average for an integer factor', () => {
    const out = resizePixels({ ...row([0, 10, 20, 40]), width: 4 }, 2, 1);
    assertClose(out, [5, 30]);
  });

  test('area average for a fractional factor', () => {
    const out = resizePixels({ ...row([30, 60, 90]), width: 3 }, 2, 1);
    assertClose(out, [(30 + 0.5 * 60) / 1.5, (0.5 * 60 + 90) / 1.5]);
  });

  test('bilinear with half-pixel centers when enlarging', () => {
    const out = resizePixels({ ...row([0, 100]), width: 2 }, 4, 1);
    assertClose(out, [0, 25, 75, 100]);
  });

  test('both axes of an interleaved RGB image', () => {
    // 2x2 RGB, shrunk to 1x1: each channel averages its four values.
    const data = Uint8Array.from([0, 10, 20, 40, 50, 60, 80, 90, 100, 120, 130, 140]);
    const out = resizePixels({ data, width: 2, height: 2, channels: 3 }, 1, 1);
    assertClose(out, [60, 70, 80]);
  });

  test('center crop of a wide image', () => {
    const data = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]); // 4x2 gray
    const square = cropCenterSquare({ data, width: 4, height: 2, channels: 1 });
    assert.equal(square.width, 2);
    assert.deepEqual(Array.from(square.data), [2, 3, 6, 7]);
  });
});

describe('decodeImage', () => {
  test('PNG to RGBA', () => {
    const image = decodeImage(solidPng(3, 2, [10, 20, 30]), 'solid.png');
    assert.equal(image.width, 3);
    assert.equal(image.height, 2);
    assert.deepEqual(Array.from(image.data.subarray(0, 8)), [10, 20, 30, 255, 10, 20, 30, 255]);
    assert.equal(isGrayscale(image), false);
  });

  test('gray PNG is grayscale', () => {
    const image = decodeImage(grayPng(2, 1, [7, 200]), 'gray.png');
    assert.equal(isGrayscale(image), true);
    assert.deepEqual(Array.from(toChannels(image, 1)), [7, 200]);
  });

  test('JPEG to RGBA', () => {
    const image = decodeImage(solidJpeg(8, 8, [200, 100, 50]), 'solid.jpg');
    assert.equal(image.width, 8);
    assertClose(Array.from(image.data.subarray(0, 4)), [200, 100, 50, 255], 4);
  });

  test('luma of a color pixel', () => {
    const image = { width: 1, height: 1, data: Uint8Array.from([255, 0, 0, 255]) };
    assert.deepEqual(Array.from(toChannels(image, 1)), [76]);
  });

  test('truncated PNG and JPEG', () => {
    const png = solidPng(16, 16, [10, 20, 30]);
    assert.throws(() => decodeImage(png.subarray(0, png.length - 20), 'cut.png'), DataError);
    assert.throws(
      () => decodeImage(png.subarray(0, png.length - 20), 'cut.png'),
      /cut\.png is a damaged or truncated PNG file \(decoder message: .+\); replace it/,
    );
    const jpeg = solidJpeg(16, 16, [10, 20, 30]);
    assert.throws(
      () => decodeImage(jpeg.subarray(0, 40), 'cut.jpg'),
      /cut\.jpg is a damaged or truncated JPEG file/,
    );
  });

  test('unknown format', () => {
    assert.throws(
      () => decodeImage(Buffer.from('GIF89a'), 'x.png'),
      /x.png is neither PNG nor JPEG/,
    );
  });
});

describe('loadImageFolder', () => {
  test('gray PNGs resized, auto picks one channel', () => {
    const dir = folder('gray', {
      'b.png': grayPng(
        4,
        4,
        Array.from({ length: 16 }, (_, i) => (i % 4 < 2 ? 0 : 254)),
      ),
      'a.png': grayPng(2, 2, [0, 51, 102, 153]),
    });
    const set = loadImageFolder(dir, { size: 2, channels: 'auto' });
    assert.equal(set.count, 2);
    assert.equal(set.channels, 1);
    assert.equal(set.height, 2);
    assert.equal(set.width, 2);
    assert.equal(set.labels, null);
    assertClose(set.images.subarray(0, 4), toUnit([0, 51, 102, 153])); // a.png sorts first
    assertClose(set.images.subarray(4, 8), toUnit([0, 254, 0, 254]));
  });

  test('one color image makes auto pick three channels', () => {
    const dir = folder('mixed', {
      'gray.png': grayPng(1, 1, [100]),
      'red.jpg': solidJpeg(16, 16, [250, 0, 0]),
    });
    const set = loadImageFolder(dir, { size: 4, channels: 'auto' });
    assert.equal(set.channels, 3);
    assert.equal(set.images.length, 2 * 3 * 4 * 4);
    assertClose(set.images.subarray(0, 48), Array(48).fill(100 / 127.5 - 1));
    const red = set.images.subarray(48);
    assertClose(red.subarray(0, 16), Array(16).fill(250 / 127.5 - 1), 0.05); // R plane
    assertClose(red.subarray(16, 32), Array(16).fill(-1), 0.05); // G plane
  });

  test('explicit channels convert, color with warning', () => {
    const dir = folder('explicit', {
      'c.png': solidPng(3, 3, [255, 0, 0]),
      'g.png': grayPng(3, 3, Array(9).fill(76)),
    });
    const warnings: string[] = [];
    const gray = loadImageFolder(dir, { size: 3, channels: 1, warn: (m) => warnings.push(m) });
    assert.equal(gray.channels, 1);
    assertClose(gray.images, Array(18).fill(76 / 127.5 - 1));
    assert.deepEqual(warnings.length, 1);
    assert.match(warnings[0] ?? '', /^converted 1 of 2 images in .*explicit from color to gray/);
    const rgb = loadImageFolder(folder('explicit-gray', { 'g.png': grayPng(1, 1, [0]) }), {
      size: 1,
      channels: 3,
    });
    assert.equal(rgb.channels, 3);
    assertClose(rgb.images, [-1, -1, -1]);
  });

  test('non-square image is center cropped', () => {
    const dir = folder('wide', { 'w.png': grayPng(3, 1, [10, 20, 30]) });
    const set = loadImageFolder(dir, { size: 1, channels: 1 });
    assertClose(set.images, toUnit([20]));
  });

  test('subfolders become classes', () => {
    const dir = folder('classes', {
      'dog/1.png': grayPng(1, 1, [1]),
      'cat/2.png': grayPng(1, 1, [2]),
      'cat/1.png': grayPng(1, 1, [3]),
      'empty/readme.txt': 'no images here',
    });
    const warnings: string[] = [];
    const set = loadImageFolder(dir, { size: 1, channels: 'auto', warn: (m) => warnings.push(m) });
    assert.deepEqual(warnings.length, 1);
    assert.match(warnings[0] ?? '', /^skipped 1 file in .* extension: empty\/readme\.txt$/);
    assert.deepEqual(set.classNames, ['cat', 'dog']);
    assert.deepEqual(Array.from(set.labels ?? []), [0, 0, 1]);
    assertClose(set.images, toUnit([3, 2, 1]));
  });

  test('non-image files are skipped with one warning', () => {
    const dir = folder('skips', {
      'img.png': grayPng(1, 1, [5]),
      'notes.txt': 'x',
      'data.csv': 'x',
      'b.bin': 'x',
      'c.md': 'x',
      '.DS_Store': 'x',
    });
    const warnings: string[] = [];
    const set = loadImageFolder(dir, { size: 1, channels: 'auto', warn: (m) => warnings.push(m) });
    assert.equal(set.count, 1);
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0] ?? '',
      /^skipped 4 files in .* without a \.png\/\.jpg\/\.jpeg extension/,
    );
    assert.match(warnings[0] ?? '', /b\.bin, c\.md, data\.csv and 1 more$/);
  });

  test('unreadable images are skipped with a warning', () => {
    const dir = folder('broken', {
      'good.png': grayPng(1, 1, [5]),
      'bad.png': 'not a png',
    });
    const warnings: string[] = [];
    const set = loadImageFolder(dir, { size: 1, channels: 1, warn: (m) => warnings.push(m) });
    assert.equal(set.count, 1);
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0] ?? '',
      /^skipped 1 unreadable image in .*broken: .*bad\.png \(.*neither PNG nor/,
    );
  });

  test('no readable image left', () => {
    const dir = folder('all-broken', { 'bad.png': 'not a png', 'bad2.jpg': 'nor a jpeg' });
    assert.throws(() => loadImageFolder(dir, { size: 1, channels: 1, warn: () => {} }), {
      name: 'DataError',
      message: /^no readable image in .*all-broken: all 2 image files failed to decode/,
    });
  });

  test('empty folder', () => {
    const dir = folder('empty', {});
    assert.throws(() => loadImageFolder(dir, { size: 8, channels: 1 }), /image folder .* is empty/);
  });

  test('folder without images', () => {
    const dir = folder('text-only', { 'a.txt': 'x' });
    assert.throws(
      () => loadImageFolder(dir, { size: 8, channels: 1 }),
      /no \.png\/\.jpg\/\.jpeg files in .*text-only or its subfolders \(found only a\.txt\)/,
    );
  });

  test('missing folder', () => {
    const dir = join(temp.dir, 'does-not-exist');
    assert.throws(
      () => loadImageFolder(dir, { size: 8, channels: 1 }),
      (error: unknown) => error instanceof DataError && error.message.includes(`${dir}: not found`),
    );
  });
});
