import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  checkFidSampleCount,
  fid,
  frechetDistance,
  gaussianStatistics,
} from '../../src/metrics/fid.js';
import { MetricsError } from '../../src/metrics/errors.js';
import { Generator, randn, tensor, tidy } from '../../src/index.js';

/** Draws samples [count, dim] of N(mean, diag(variances)) in float64. */
function gaussianSamples(count: number, mean: number[], variances: number[], seed: number) {
  return tidy(() => {
    const noise = randn([count, mean.length], { dtype: 'float64', generator: new Generator(seed) });
    const std = tensor(Float64Array.from(variances, Math.sqrt));
    return noise.mul(std).add(tensor(Float64Array.from(mean)));
  });
}

function statistics(mean: number[], covariance: number[][]) {
  const dim = mean.length;
  return {
    mean: tensor(Float64Array.from(mean)),
    covariance: tensor(Float64Array.from(covariance.flat()), { shape: [dim, dim] }),
    count: 1000,
  };
}

function diagonal(values: number[]): number[][] {
  return values.map((v, i) => values.map((_, j) => (i === j ? v : 0)));
}

/** ||mu1 - mu2||^2 + sum(s1 + s2 - 2 sqrt(s1 s2)) for diagonal covariances s1, s2. */
function diagonalFid(mu1: number[], s1: number[], mu2: number[], s2: number[]): number {
  let value = 0;
  for (let i = 0; i < mu1.length; i++) {
    value += (mu1[i]! - mu2[i]!) ** 2 + s1[i]! + s2[i]! - 2 * Math.sqrt(s1[i]! * s2[i]!);
  }
  return value;
}

test('fid of a set against itself is 0', () => {
  tidy(() => {
    const features = randn([1000, 128], { generator: new Generator(1) }).relu();
    const value = fid(features, features);
    assert.ok(Math.abs(value) < 1e-6, `FID of a set against itself is ${value}`);
  });
});

test('frechetDistance matches diagonal Gaussians', () => {
  tidy(() => {
    const mu1 = [0, 1, -2, 0.5];
    const mu2 = [1, 1, 0, -0.5];
    const s1 = [1, 4, 0.25, 2];
    const s2 = [2, 1, 0.25, 0.5];
    const value = frechetDistance(statistics(mu1, diagonal(s1)), statistics(mu2, diagonal(s2)));
    const expected = diagonalFid(mu1, s1, mu2, s2);
    assert.ok(Math.abs(value - expected) < 1e-9, `got ${value}, expected ${expected}`);
  });
});

test('frechetDistance matches 2x2 non-commuting covariances', () => {
  tidy(() => {
    // For 2x2 M with non-negative eigenvalues: tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)).
    const a = [
      [2, 0.8],
      [0.8, 1],
    ];
    const b = [
      [0.5, -0.3],
      [-0.3, 3],
    ];
    const m = [
      [
        a[0]![0]! * b[0]![0]! + a[0]![1]! * b[1]![0]!,
        a[0]![0]! * b[0]![1]! + a[0]![1]! * b[1]![1]!,
      ],
      [
        a[1]![0]! * b[0]![0]! + a[1]![1]! * b[1]![0]!,
        a[1]![0]! * b[0]![1]! + a[1]![1]! * b[1]![1]!,
      ],
    ];
    const traceM = m[0]![0]! + m[1]![1]!;
    const detM = m[0]![0]! * m[1]![1]! - m[0]![1]! * m[1]![0]!;
    const traceSqrt = Math.sqrt(traceM + 2 * Math.sqrt(detM));
    const expected = 1 + 4 + (2 + 1) + (0.5 + 3) - 2 * traceSqrt; // ||(1, 2)||^2 = 5
    const value = frechetDistance(statistics([0, 0], a), statistics([1, 2], b));
    assert.ok(Math.abs(value - expected) < 1e-9, `got ${value}, expected ${expected}`);
  });
});

test('fid of samples approaches the analytic value', () => {
  tidy(() => {
    const mu1 = [0, 0, 1, 0];
    const mu2 = [0.5, 0, 0, 0];
    const s1 = [1, 2, 1, 0.5];
    const s2 = [1, 0.5, 2, 0.5];
    const value = fid(gaussianSamples(20000, mu1, s1, 2), gaussianSamples(20000, mu2, s2, 3));
    const expected = diagonalFid(mu1, s1, mu2, s2);
    assert.ok(Math.abs(value - expected) < 0.03 * expected, `got ${value}, expected ${expected}`);
  });
});

test('fid rejects too few samples', () => {
  tidy(() => {
    const few = randn([50, 128]);
    const many = randn([500, 128]);
    assert.throws(
      () => fid(few, many),
      (error: unknown) => {
        assert.ok(error instanceof MetricsError);
        assert.match(error.message, /at least 129 samples for 128-dimensional features, got 50/);
        return true;
      },
    );
    assert.throws(() => gaussianStatistics(randn([128, 128])), /at least 129/);
    assert.doesNotThrow(() => checkFidSampleCount(129, 128));
  });
});

test('fid rejects different feature sizes', () => {
  tidy(() => {
    assert.throws(() => fid(randn([300, 16]), randn([300, 32])), /16 and 32 dimensions/);
  });
});
