import assert from 'node:assert/strict';
import { test } from 'node:test';

import { requestedClassAccuracy } from '../../src/metrics/class-accuracy.js';
import { classHistogram } from '../../src/metrics/class-histogram.js';
import { classifierScore } from '../../src/metrics/classifier-score.js';
import { nn, tensor, tidy, zeros } from '../../src/index.js';

/** Builds logits [count, K] that predict class classes[i] for row i with near-certainty. */
function confidentLogits(classes: number[], numClasses: number) {
  return tidy(() =>
    nn.functional
      .oneHot(tensor(classes, { dtype: 'int64' }), numClasses)
      .double()
      .mul(50),
  );
}

test('classifier score is K for confident uniform predictions', () => {
  tidy(() => {
    const classes = Array.from({ length: 1000 }, (_, i) => i % 10);
    const score = classifierScore(confidentLogits(classes, 10), { splits: 1 });
    assert.ok(Math.abs(score.mean - 10) < 1e-6, `score ${score.mean}`);
    assert.equal(score.std, 0);
    assert.equal(score.splits, 1);
    // Shuffled parts of 100 hold uneven class counts, which lowers each part's score a little.
    const parts = classifierScore(confidentLogits(classes, 10));
    assert.equal(parts.splits, 10);
    assert.ok(parts.mean > 9, `score over 10 parts ${parts.mean}`);
    assert.ok(parts.mean < 10, `score over 10 parts ${parts.mean}`);
  });
});

test('classifier score is 1 for one class or flat predictions', () => {
  tidy(() => {
    const oneClass = classifierScore(confidentLogits(new Array(100).fill(3), 10), { splits: 1 });
    assert.ok(Math.abs(oneClass.mean - 1) < 1e-6, `one class: ${oneClass.mean}`);
    const flat = classifierScore(zeros([100, 10]), { splits: 1 });
    assert.ok(Math.abs(flat.mean - 1) < 1e-12, `flat: ${flat.mean}`);
  });
});

test('classifier score shuffles sorted classes', () => {
  tidy(() => {
    // Sorted by class, consecutive parts would each hold one class and score 1.
    const sorted = Array.from({ length: 1000 }, (_, i) => Math.floor(i / 100));
    const score = classifierScore(confidentLogits(sorted, 10));
    assert.ok(score.mean > 9, `score ${score.mean}`);
    const same = classifierScore(confidentLogits(sorted, 10));
    assert.equal(same.mean, score.mean, 'the default seed must give the same shuffle');
  });
});

test('classifier score rejects bad splits', () => {
  tidy(() => {
    assert.throws(
      () => classifierScore(zeros([5, 10]), { splits: 10 }),
      /splits must be an integer from 1/,
    );
  });
});

test('class histogram of uniform predictions', () => {
  tidy(() => {
    const histogram = classHistogram(confidentLogits([0, 1, 2, 3, 0, 1, 2, 3], 4));
    assert.deepEqual(histogram.counts, [2, 2, 2, 2]);
    assert.ok(Math.abs(histogram.entropy - Math.log(4)) < 1e-12);
    assert.ok(Math.abs(histogram.normalizedEntropy - 1) < 1e-12);
    assert.equal(histogram.maxShare, 0.25);
  });
});

test('class histogram of collapsed predictions', () => {
  tidy(() => {
    const histogram = classHistogram(confidentLogits([2, 2, 2, 2, 2, 1], 4));
    assert.deepEqual(histogram.counts, [0, 1, 5, 0]);
    assert.equal(histogram.maxClass, 2);
    assert.ok(Math.abs(histogram.maxShare - 5 / 6) < 1e-12);
    assert.ok(histogram.normalizedEntropy < 0.5);
  });
});

test('requested-class accuracy counts matches', () => {
  tidy(() => {
    const logits = confidentLogits([0, 1, 2, 3], 4);
    assert.equal(requestedClassAccuracy(logits, Int32Array.from([0, 1, 0, 3])), 0.75);
    assert.throws(() => requestedClassAccuracy(logits, Int32Array.from([0])), /1 requested/);
  });
});
