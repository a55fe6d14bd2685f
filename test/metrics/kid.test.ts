import assert from 'node:assert/strict';
import { test } from 'node:test';

import { kid, polynomialKernel, unbiasedMmd2 } from '../../src/metrics/kid.js';
import { Generator, randn, tensor, tidy } from '../../src/index.js';

function samples(count: number, dim: number, seed: number, shift = 0) {
  return tidy(() =>
    randn([count, dim], { dtype: 'float64', generator: new Generator(seed) }).add(shift),
  );
}

/** MMD^2_u written out with loops over the samples, the definition the tensor code follows. */
function naiveMmd2(x: number[][], y: number[][]): number {
  const d = x[0]!.length;
  const k = (a: number[], b: number[]) => (a.reduce((s, v, i) => s + v * b[i]!, 0) / d + 1) ** 3;
  const m = x.length;
  let xx = 0;
  let yy = 0;
  let xy = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      if (i !== j) xx += k(x[i]!, x[j]!);
      if (i !== j) yy += k(y[i]!, y[j]!);
      xy += k(x[i]!, y[j]!);
    }
  }
  return (xx + yy) / (m * (m - 1)) - (2 * xy) / (m * m);
}

test('polynomialKernel is (x.y / d + 1)^3', () => {
  tidy(() => {
    const a = tensor(Float64Array.from([1, 2, 0, -1]), { shape: [2, 2] });
    const kernel = (polynomialKernel(a, a).toArray() as number[][]).flat();
    const expected = [(5 / 2 + 1) ** 3, (-2 / 2 + 1) ** 3, (-2 / 2 + 1) ** 3, (1 / 2 + 1) ** 3];
    kernel.forEach((value, i) => {
      assert.ok(Math.abs(value - expected[i]!) < 1e-12, `element ${i}: ${value}`);
    });
  });
});

test('unbiasedMmd2 matches the definition', () => {
  tidy(() => {
    const x = samples(12, 3, 1);
    const y = samples(12, 3, 2, 0.5);
    const expected = naiveMmd2(x.toArray() as number[][], y.toArray() as number[][]);
    const value = unbiasedMmd2(x, y);
    assert.ok(Math.abs(value - expected) < 1e-9, `got ${value}, expected ${expected}`);
  });
});

test('kid is near 0 on one distribution', () => {
  tidy(() => {
    const result = kid(samples(1000, 16, 3), samples(1000, 16, 4), {
      subsets: 10,
      subsetSize: 500,
    });
    assert.equal(result.subsets, 10);
    assert.equal(result.subsetSize, 500);
    assert.ok(Math.abs(result.mean) < 0.01, `KID of one distribution is ${result.mean}`);
    assert.ok(result.std > 1e-4, `subsets must differ, got std ${result.std}`);
  });
});

test('kid is clearly positive on two distributions', () => {
  tidy(() => {
    const options = { subsets: 10, subsetSize: 500 };
    const shifted = kid(samples(1000, 16, 3), samples(1000, 16, 5, 0.5), options);
    assert.ok(shifted.mean > 0.5, `KID of shifted distributions is ${shifted.mean}`);
    assert.ok(shifted.mean - 3 * shifted.std > 0, 'the shift must exceed the subset noise');
  });
});

test('kid caps subsets at the smaller set', () => {
  tidy(() => {
    const result = kid(samples(300, 8, 1), samples(50, 8, 2), { subsets: 3 });
    assert.equal(result.subsetSize, 50);
  });
});

test('kid is reproducible with a seed', () => {
  tidy(() => {
    const a = samples(500, 8, 1);
    const b = samples(500, 8, 2);
    const first = kid(a, b, { subsets: 5, subsetSize: 100, seed: 7 });
    const second = kid(a, b, { subsets: 5, subsetSize: 100, seed: 7 });
    assert.equal(first.mean, second.mean);
  });
});

test('kid rejects bad input', () => {
  tidy(() => {
    assert.throws(() => kid(samples(1, 4, 1), samples(10, 4, 2)), /at least 2 samples/);
    assert.throws(() => kid(samples(10, 4, 1), samples(10, 5, 2)), /4 and 5 dimensions/);
    assert.throws(() => kid(samples(10, 4, 1), samples(10, 4, 2), { subsets: 0 }), /subsets/);
  });
});
