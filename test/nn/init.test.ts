/**
 * Initial weights: PyTorch's defaults and Glorot-uniform stay within their bounds and spread
 * across them. With thousands of samples of U(-b, b), the largest |w| falls below 0.97 b with
 * probability about 0.97^n, which is negligible here.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { manualSeed, type Tensor, tidy } from '../../src/index.js';
import {
  BatchNorm2d,
  Conv2d,
  ConvTranspose2d,
  Embedding,
  init,
  Linear,
  LSTM,
} from '../../src/nn/index.js';
import { assertClose, assertIdentical, values } from '../helpers/assert.js';

/** Asserts w ~ U(-bound, bound): inside the bound, reaching close to it, with std bound / sqrt(3). */
function assertUniform(weight: Tensor, bound: number, name: string): void {
  const xs = values(weight);
  const largest = Math.max(...xs.map(Math.abs));
  assert.ok(largest <= bound, `${name}: max |w| ${largest} exceeds ${bound}`);
  const reach = xs.length >= 1000 ? 0.97 : 0.8;
  assert.ok(largest >= reach * bound, `${name}: max |w| ${largest} is far below ${bound}`);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  if (xs.length >= 1000) {
    assertClose(std, bound / Math.sqrt(3), { rtol: 0.05, message: `${name} std` });
  }
}

describe('PyTorch defaults', () => {
  test('Linear weight and bias bounds', () =>
    tidy(() => {
      manualSeed(0);
      const layer = new Linear(100, 60);
      assertUniform(layer.weight, 1 / Math.sqrt(100), 'weight');
      assertUniform(layer.bias!, 1 / Math.sqrt(100), 'bias');
    }));

  test('Conv2d bound uses fan_in', () =>
    tidy(() => {
      manualSeed(1);
      const conv = new Conv2d(8, 16, 3);
      assertUniform(conv.weight, 1 / Math.sqrt(8 * 9), 'weight');
      assertUniform(conv.bias!, 1 / Math.sqrt(8 * 9), 'bias');
      const grouped = new Conv2d(8, 16, 3, { groups: 4 });
      assertUniform(grouped.weight, 1 / Math.sqrt(2 * 9), 'grouped weight');
    }));

  test('ConvTranspose2d fan_in is dim 1', () =>
    tidy(() => {
      manualSeed(2);
      // weight [in 16, out 8, 4, 4]: PyTorch's fan_in is 8 * 16 = 128.
      const conv = new ConvTranspose2d(16, 8, 4);
      assert.deepEqual(init.fans(conv.weight), { fanIn: 128, fanOut: 256 });
      assertUniform(conv.weight, 1 / Math.sqrt(128), 'weight');
      assertUniform(conv.bias!, 1 / Math.sqrt(128), 'bias');
    }));

  test('LSTM uses 1 / sqrt(hidden)', () =>
    tidy(() => {
      manualSeed(3);
      const lstm = new LSTM(20, 25);
      for (const [name, p] of lstm.namedParameters()) assertUniform(p, 1 / 5, name);
    }));

  test('Embedding is standard normal', () =>
    tidy(() => {
      manualSeed(4);
      const xs = values(new Embedding(100, 50).weight);
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
      assertClose(mean, 0, { atol: 0.05 });
      assertClose(std, 1, { atol: 0.05 });
    }));

  test('Embedding zeroes the padding row', () =>
    tidy(() => {
      const embedding = new Embedding(5, 3, { paddingIdx: 2 });
      assert.deepEqual(values(embedding.weight.select(0, 2)), [0, 0, 0]);
    }));

  test('BatchNorm starts at identity', () =>
    tidy(() => {
      const norm = new BatchNorm2d(3);
      assert.deepEqual(values(norm.weight!), [1, 1, 1]);
      assert.deepEqual(values(norm.bias!), [0, 0, 0]);
      assert.deepEqual(values(norm.runningMean!), [0, 0, 0]);
      assert.deepEqual(values(norm.runningVar!), [1, 1, 1]);
    }));

  test('manualSeed reproduces initial weights', () =>
    tidy(() => {
      manualSeed(9);
      const a = new Conv2d(2, 3, 3);
      manualSeed(9);
      const b = new Conv2d(2, 3, 3);
      assertIdentical(b.weight, a.weight);
      assertIdentical(b.bias!, a.bias!);
    }));
});

describe('Glorot uniform', () => {
  test('Linear keras scheme', () =>
    tidy(() => {
      manualSeed(5);
      const layer = new Linear(100, 50, { init: 'keras' });
      assertUniform(layer.weight, Math.sqrt(6 / 150), 'weight');
      assert.deepEqual(new Set(values(layer.bias!)), new Set([0]));
    }));

  test('Conv2d keras scheme', () =>
    tidy(() => {
      manualSeed(6);
      const conv = new Conv2d(8, 16, 3, { init: 'keras' });
      assertUniform(conv.weight, Math.sqrt(6 / ((8 + 16) * 9)), 'weight');
    }));

  test('glorotUniformInit in place', () =>
    tidy(() => {
      manualSeed(7);
      const layer = new Linear(30, 70);
      const same = init.glorotUniformInit(layer.weight);
      assert.equal(same, layer.weight);
      assertUniform(layer.weight, Math.sqrt(6 / 100), 'weight');
      assert.equal(layer.weight.requiresGrad, true);
      assert.equal(layer.weight.isLeaf, true);
    }));
});
