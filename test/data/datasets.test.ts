import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import {
  cacheRoot,
  DATASET_NAMES,
  DEBIAN_FASHION_MNIST_DIR,
  loadDataset,
} from '../../src/data/datasets.js';
import { DataError } from '../../src/data/errors.js';
import { encodeIdx } from '../../src/data/idx.js';
import { encodePng } from '../../src/data/png.js';
import { makeTempDir, syntheticIdxPair } from './helpers.js';

const temp = makeTempDir();
after(temp.remove);

function folder(name: string, files: Record<string, Uint8Array>): string {
  const dir = join(temp.dir, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
  return dir;
}

const train = syntheticIdxPair(6);
const t10k = syntheticIdxPair(3);
const idxFolder = folder('idx', {
  'train-images-idx3-ubyte.gz': train.imagesFile,
  'train-labels-idx1-ubyte.gz': train.labelsFile,
  't10k-images-idx3-ubyte.gz': t10k.imagesFile,
  't10k-labels-idx1-ubyte.gz': t10k.labelsFile,
});

describe('loadDataset with a path', () => {
  test('IDX folder, train split', async () => {
    const set = await loadDataset(idxFolder);
    assert.equal(set.count, 6);
    assert.equal(set.height, 4);
    assert.equal(set.width, 3);
    assert.deepEqual(Array.from(set.labels ?? []), Array.from(train.labels));
  });

  test('IDX folder, test split', async () => {
    const set = await loadDataset(idxFolder, { split: 'test' });
    assert.equal(set.count, 3);
    assert.deepEqual(Array.from(set.labels ?? []), Array.from(t10k.labels));
  });

  test('IDX pair without split names serves both splits', async () => {
    const dir = folder('plain', {
      'images-idx3-ubyte': encodeIdx(train.pixels, [6, 4, 3]),
      'labels-idx1-ubyte': encodeIdx(train.labels, [6]),
    });
    assert.equal((await loadDataset(dir)).count, 6);
    assert.equal((await loadDataset(dir, { split: 'test' })).count, 6);
  });

  test('IDX folder without the requested split', async () => {
    const dir = folder('train-only', { 'train-images-idx3-ubyte.gz': train.imagesFile });
    await assert.rejects(loadDataset(dir, { split: 'test' }), {
      name: 'DataError',
      message: /train-only has no test images-idx3 file, only the train file train-images/,
    });
  });

  test('IDX folder with only the test split', async () => {
    const dir = folder('test-only', { 't10k-images-idx3-ubyte.gz': train.imagesFile });
    await assert.rejects(loadDataset(dir), {
      name: 'DataError',
      message: /has no train images-idx3 file, only the test file t10k-.*contains 'train'/,
    });
  });

  test('IDX images without labels', async () => {
    const dir = folder('unlabeled', { 'train-images-idx3-ubyte.gz': train.imagesFile });
    const set = await loadDataset(dir);
    assert.equal(set.count, 6);
    assert.equal(set.labels, null);
  });

  test('single IDX images file finds its labels', async () => {
    const set = await loadDataset(join(idxFolder, 't10k-images-idx3-ubyte.gz'));
    assert.equal(set.count, 3);
    assert.deepEqual(Array.from(set.labels ?? []), Array.from(t10k.labels));
  });

  test('size resizes IDX images', async () => {
    const set = await loadDataset(idxFolder, { size: 8 });
    assert.equal(set.width, 8);
    assert.equal(set.height, 8);
    assert.equal(set.images.length, 6 * 8 * 8);
  });

  test('image folder', async () => {
    const gray = encodePng(new Uint8Array(100).fill(9), 10, 10, 1);
    const dir = folder('pictures', { 'one.png': gray, 'two.png': gray });
    const set = await loadDataset(dir, { size: 5 });
    assert.equal(set.count, 2);
    assert.equal(set.channels, 1);
    assert.equal(set.width, 5);
    assert.equal(set.labels, null);
  });

  test('missing path', async () => {
    const path = join(temp.dir, 'nowhere');
    await assert.rejects(loadDataset(path), (error: unknown) => {
      assert.ok(error instanceof DataError);
      assert.ok(error.message.startsWith(`dataset path ${path} not found`), error.message);
      assert.match(error.message, /--data PATH/);
      return true;
    });
  });
});

describe('cacheRoot', () => {
  test('AIGC_HOME wins', () => {
    assert.equal(cacheRoot({ AIGC_HOME: '/srv/aigc' }), '/srv/aigc');
  });

  test('falls back to ~/.cache/aigc', () => {
    assert.match(cacheRoot({}), /[/\\]\.cache[/\\]aigc$/);
    assert.match(cacheRoot({ AIGC_HOME: '' }), /[/\\]\.cache[/\\]aigc$/);
  });
});

describe('loadDataset with a name', () => {
  test('unknown name lists the known ones', async () => {
    await assert.rejects(loadDataset('cifar10'), (error: unknown) => {
      assert.ok(error instanceof DataError);
      assert.match(error.message, /^unknown dataset 'cifar10'/);
      assert.ok(error.message.includes(`known names: ${DATASET_NAMES.join(', ')}`), error.message);
      assert.match(error.message, /--data PATH/);
      return true;
    });
  });

  const skip = existsSync(DEBIAN_FASHION_MNIST_DIR)
    ? false
    : `${DEBIAN_FASHION_MNIST_DIR} is absent`;
  for (const [split, count] of [
    ['train', 60000],
    ['test', 10000],
  ] as const) {
    test(`Debian fashion-mnist ${split} split`, { skip }, async () => {
      const set = await loadDataset('fashion-mnist', { split, cacheDir: join(temp.dir, 'unused') });
      assert.equal(set.count, count);
      assert.equal(set.channels, 1);
      assert.equal(set.height, 28);
      assert.equal(set.width, 28);
      assert.equal(set.images.length, count * 28 * 28);
      assert.equal(set.classNames?.length, 10);
      const labelCounts = new Array<number>(10).fill(0);
      for (const label of set.labels ?? []) {
        assert.ok(label >= 0, `label ${label} below 0`);
        assert.ok(label <= 9, `label ${label} above 9`);
        labelCounts[label] = (labelCounts[label] ?? 0) + 1;
      }
      // Fashion-MNIST is balanced: each class has a tenth of each split.
      assert.deepEqual(labelCounts, new Array(10).fill(count / 10));
      let min = Infinity;
      let max = -Infinity;
      for (const value of set.images) {
        min = Math.min(min, value);
        max = Math.max(max, value);
      }
      assert.equal(min, -1);
      assert.equal(max, 1);
      assert.equal(existsSync(join(temp.dir, 'unused')), false, 'nothing is downloaded');
    });
  }
});
