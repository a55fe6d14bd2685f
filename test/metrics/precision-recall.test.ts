import assert from 'node:assert/strict';
import { test } from 'node:test';

import { precisionRecall } from '../../src/metrics/precision-recall.js';
import { cat, Generator, randn, tidy } from '../../src/index.js';

function samples(count: number, dim: number, seed: number, shift = 0) {
  return tidy(() => randn([count, dim], { generator: new Generator(seed) }).add(shift));
}

function distance(a: number[], b: number[]): number {
  return Math.sqrt(a.reduce((sum, v, i) => sum + (v - b[i]!) ** 2, 0));
}

/** Measures the share of `probes` inside the k-NN ball of some manifold point, by brute force. */
function naiveCoverage(probes: number[][], manifold: number[][], k: number): number {
  const radii = manifold.map((point, i) => {
    const others = manifold.filter((_, j) => j !== i).map((other) => distance(point, other));
    return others.sort((x, y) => x - y)[k - 1]!;
  });
  const inside = probes.filter((probe) =>
    manifold.some((point, i) => distance(probe, point) <= radii[i]!),
  );
  return inside.length / probes.length;
}

test('precision and recall are 1 for identical sets', () => {
  tidy(() => {
    const real = samples(500, 16, 1);
    const result = precisionRecall(real, real.clone(), { blockSize: 128 });
    assert.equal(result.precision, 1);
    assert.equal(result.recall, 1);
    assert.equal(result.k, 3);
  });
});

test('precision and recall are 0 for disjoint sets', () => {
  tidy(() => {
    const result = precisionRecall(samples(400, 8, 1), samples(400, 8, 2, 20));
    assert.equal(result.precision, 0);
    assert.equal(result.recall, 0);
  });
});

test('precision drops with off-manifold samples', () => {
  tidy(() => {
    const real = samples(1000, 4, 1);
    const generated = cat([samples(500, 4, 2), samples(500, 4, 3, 20)]);
    const result = precisionRecall(real, generated);
    assert.ok(result.precision > 0.4, `precision ${result.precision}`);
    assert.ok(result.precision < 0.51, `precision ${result.precision}`);
    assert.ok(result.recall > 0.8, `recall ${result.recall}`);
  });
});

test('precision and recall match brute force', () => {
  tidy(() => {
    const real = samples(60, 3, 4);
    const generated = samples(50, 3, 5, 0.7);
    const result = precisionRecall(real, generated, { k: 3, blockSize: 7 });
    const r = real.toArray() as number[][];
    const g = generated.toArray() as number[][];
    assert.ok(Math.abs(result.precision - naiveCoverage(g, r, 3)) < 1e-12);
    assert.ok(Math.abs(result.recall - naiveCoverage(r, g, 3)) < 1e-12);
  });
});

test('precision and recall reject bad input', () => {
  tidy(() => {
    assert.throws(() => precisionRecall(samples(3, 4, 1), samples(10, 4, 2)), /at least 4/);
    assert.throws(() => precisionRecall(samples(10, 4, 1), samples(10, 4, 2), { k: 0 }), /k must/);
    assert.throws(() => precisionRecall(samples(10, 4, 1), samples(10, 2, 2)), /4 and 2/);
  });
});
