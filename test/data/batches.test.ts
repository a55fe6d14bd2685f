import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  Xoshiro128,
  batchIndices,
  epochPermutation,
  gatherImages,
  gatherLabels,
} from '../../src/data/batches.js';
import type { ImageSet } from '../../src/data/image-set.js';

function assertIsPermutation(order: Uint32Array, count: number): void {
  assert.equal(order.length, count);
  const seen = new Uint8Array(count);
  for (const index of order) {
    assert.ok(index < count, `index ${index} out of range`);
    assert.equal(seen[index], 0, `index ${index} appears twice`);
    seen[index] = 1;
  }
}

describe('Xoshiro128', () => {
  // Outputs of a C build of the reference xoshiro128** next() with the same SplitMix32 seeding.
  test('matches the reference outputs', () => {
    const cases: [number, number[]][] = [
      [0, [3809008728, 1133695204, 53579671, 2891528803, 139681546, 2203266335]],
      [42, [2837322924, 544945897, 479756282, 3500138142, 339756180, 113173290]],
    ];
    for (const [seed, expected] of cases) {
      const random = new Xoshiro128(seed);
      assert.deepEqual(
        expected.map(() => random.next()),
        expected,
        `seed ${seed}`,
      );
    }
  });

  test('nextBelow stays in range and reaches every value', () => {
    const random = new Xoshiro128(7);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const value = random.nextBelow(5);
      assert.ok(Number.isInteger(value), `value ${value}`);
      assert.ok(value >= 0, `value ${value}`);
      assert.ok(value < 5, `value ${value}`);
      seen.add(value);
    }
    assert.equal(seen.size, 5);
  });
});

describe('epochPermutation', () => {
  test('is a permutation', () => {
    for (const count of [0, 1, 2, 10, 1000])
      assertIsPermutation(epochPermutation(count, 3, 0), count);
  });

  test('depends only on seed and epoch', () => {
    assert.deepEqual(epochPermutation(500, 1234, 7), epochPermutation(500, 1234, 7));
    // A resumed run requests epoch 7 directly, without epochs 0..6 before it.
    for (let epoch = 0; epoch < 7; epoch++) epochPermutation(500, 1234, epoch);
    assert.deepEqual(epochPermutation(500, 1234, 7), epochPermutation(500, 1234, 7));
  });

  test('differs across epochs and seeds', () => {
    const base = epochPermutation(100, 1, 0);
    assert.notDeepEqual(epochPermutation(100, 1, 1), base);
    assert.notDeepEqual(epochPermutation(100, 2, 0), base);
    assert.notDeepEqual(epochPermutation(100, 1 + 2 ** 32, 0), base, 'high seed bits count');
    assert.notDeepEqual(
      base,
      Uint32Array.from({ length: 100 }, (_, i) => i),
    );
  });

  test('rejects invalid arguments', () => {
    assert.throws(() => epochPermutation(-1, 0, 0), /count must be an integer/);
    assert.throws(() => epochPermutation(4, 0.5, 0), /seed must be an integer/);
    assert.throws(() => epochPermutation(4, 0, -2), /epoch must be an integer/);
  });
});

describe('batchIndices', () => {
  const order = Uint32Array.from([4, 2, 0, 3, 1, 6, 5]);

  test('keeps the short last batch by default', () => {
    const batches = batchIndices(order, 3).map((batch) => Array.from(batch));
    assert.deepEqual(batches, [[4, 2, 0], [3, 1, 6], [5]]);
  });

  test('dropLast removes the short batch', () => {
    assert.equal(batchIndices(order, 3, { dropLast: true }).length, 2);
    assert.equal(batchIndices(order, 8, { dropLast: true }).length, 0);
    assert.equal(batchIndices(order, 7, { dropLast: true }).length, 1);
  });

  test('rejects a batch size below 1', () => {
    assert.throws(() => batchIndices(order, 0), /batchSize must be a positive integer, got 0/);
  });
});

describe('gather', () => {
  // Three 1x1x2 images whose values encode their index.
  const set: ImageSet = {
    images: Float32Array.from([0, 0.5, 1, 1.5, 2, 2.5]),
    labels: Int32Array.from([7, 8, 9]),
    count: 3,
    channels: 1,
    height: 1,
    width: 2,
    classNames: null,
    source: 'memory',
  };

  test('images and labels in index order', () => {
    const indices = Uint32Array.from([2, 0]);
    assert.deepEqual(Array.from(gatherImages(set, indices)), [2, 2.5, 0, 0.5]);
    assert.deepEqual(Array.from(gatherLabels(set, indices)), [9, 7]);
  });

  test('index out of range', () => {
    assert.throws(() => gatherImages(set, Uint32Array.from([3])), /index 3 is out of range for 3/);
  });

  test('labels of an unlabeled set', () => {
    const unlabeled = { ...set, labels: null };
    assert.throws(() => gatherLabels(unlabeled, Uint32Array.from([0])), /memory has no labels/);
  });
});
