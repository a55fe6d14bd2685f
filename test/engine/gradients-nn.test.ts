/** Gradients of the functional nn ops and losses against central differences in float64. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  cat,
  grad,
  ones,
  setNumThreads,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '../../src/index.js';
import { functional as F } from '../../src/nn/index.js';
import { uniform, values } from '../helpers/assert.js';
import { gradcheck } from '../helpers/gradcheck.js';

// Central differences run thousands of tiny ops, where waking a second thread costs more than
// the op itself.
setNumThreads(1);

type Op = (xs: Tensor[]) => Tensor;
type Case = [name: string, op: Op, inputs: () => Tensor[]];

function check(cases: Case[]): void {
  for (const [name, op, inputs] of cases) {
    test(name, () => tidy(() => gradcheck(name, op, inputs())));
  }
}

function awayFromZero(shape: number[], seed: number): Tensor {
  const sign = uniform(shape, seed + 1000)
    .gt(0)
    .mul(2)
    .sub(1);
  return uniform(shape, seed, 0.2, 1.2).mul(sign);
}

function labels(data: number[]): Tensor {
  return tensor(data, { dtype: 'int64' });
}

describe('layers', () => {
  const image = (c: number, size = 5) => uniform([2, c, size, size], 1);
  check([
    [
      'linear',
      ([x, w, b]) => F.linear(x!, w!, b!),
      () => [uniform([3, 4], 1), uniform([2, 4], 2), uniform([2], 3)],
    ],
    [
      'linear without bias',
      ([x, w]) => F.linear(x!, w!),
      () => [uniform([2, 3, 4], 1), uniform([2, 4], 2)],
    ],
    [
      'conv2d stride 2 padding 1',
      ([x, w, b]) => F.conv2d(x!, w!, b!, { stride: 2, padding: 1 }),
      () => [image(3), uniform([4, 3, 3, 3], 2), uniform([4], 3)],
    ],
    [
      'conv2d groups 2',
      ([x, w, b]) => F.conv2d(x!, w!, b!, { groups: 2, padding: [0, 1] }),
      () => [image(4), uniform([6, 2, 3, 2], 2), uniform([6], 3)],
    ],
    [
      'conv2d dilation 2',
      ([x, w]) => F.conv2d(x!, w!, null, { dilation: 2 }),
      () => [image(2), uniform([3, 2, 2, 2], 2)],
    ],
    [
      'convTranspose2d stride 2 outputPadding 1',
      ([x, w, b]) => F.convTranspose2d(x!, w!, b!, { stride: 2, padding: 1, outputPadding: 1 }),
      () => [image(3, 3), uniform([3, 2, 3, 3], 2), uniform([2], 3)],
    ],
    [
      'convTranspose2d kernel 4 stride 2',
      ([x, w, b]) => F.convTranspose2d(x!, w!, b!, { stride: 2, padding: 1 }),
      () => [image(2, 3), uniform([2, 3, 4, 4], 2), uniform([3], 3)],
    ],
    [
      'convTranspose2d stride 1 as conv2d',
      ([x, w, b]) => F.convTranspose2d(x!, w!, b!, { padding: [1, 0] }),
      () => [image(3, 3), uniform([3, 2, 3, 2], 2), uniform([2], 3)],
    ],
    [
      'convTranspose2d groups 2',
      ([x, w]) => F.convTranspose2d(x!, w!, null, { groups: 2, stride: 2, outputPadding: 1 }),
      () => [image(4, 3), uniform([4, 1, 2, 2], 2)],
    ],
    ['maxPool2d kernel 2', ([x]) => F.maxPool2d(x!, 2), () => [image(2, 4)]],
    [
      'maxPool2d stride 2 padding 1',
      ([x]) => F.maxPool2d(x!, 3, { stride: 2, padding: 1 }),
      () => [image(2, 5)],
    ],
    ['avgPool2d kernel 2', ([x]) => F.avgPool2d(x!, 2), () => [image(2, 4)]],
    [
      'avgPool2d padding without count',
      ([x]) => F.avgPool2d(x!, 3, { stride: 2, padding: 1, countIncludePad: false }),
      () => [image(2, 5)],
    ],
    ['avgPool2d ceilMode', ([x]) => F.avgPool2d(x!, 2, { ceilMode: true }), () => [image(1, 5)]],
    ['adaptiveAvgPool2d', ([x]) => F.adaptiveAvgPool2d(x!, 3), () => [image(2, 5)]],
    ['interpolate nearest', ([x]) => F.interpolate(x!, { scaleFactor: 2 }), () => [image(2, 3)]],
    [
      'interpolate bilinear',
      ([x]) => F.interpolate(x!, { size: [5, 4], mode: 'bilinear' }),
      () => [image(2, 3)],
    ],
    [
      'interpolate bilinear alignCorners',
      ([x]) => F.interpolate(x!, { size: 6, mode: 'bilinear', alignCorners: true }),
      () => [image(1, 3)],
    ],
  ]);
});

describe('normalization', () => {
  check([
    [
      'batchNorm training',
      ([x, w, b]) => {
        const [mean, variance] = [
          zeros([3], { dtype: 'float64' }),
          ones([3], { dtype: 'float64' }),
        ];
        return F.batchNorm(x!, mean, variance, { weight: w!, bias: b!, training: true });
      },
      () => [uniform([4, 3, 2, 2], 1), uniform([3], 2), uniform([3], 3)],
    ],
    [
      'batchNorm training without stats',
      ([x]) => F.batchNorm(x!, null, null, { training: true }),
      () => [uniform([5, 3], 1)],
    ],
    [
      'batchNorm eval',
      ([x, w]) => {
        const mean = tensor([0.1, -0.2, 0.3], { dtype: 'float64' });
        const variance = tensor([0.5, 1.5, 2], { dtype: 'float64' });
        return F.batchNorm(x!, mean, variance, { weight: w!, training: false });
      },
      () => [uniform([4, 3], 1), uniform([3], 2)],
    ],
    [
      'layerNorm',
      ([x, w, b]) => F.layerNorm(x!, [3, 4], w!, b!),
      () => [uniform([2, 3, 4], 1), uniform([3, 4], 2), uniform([3, 4], 3)],
    ],
    [
      'groupNorm',
      ([x, w, b]) => F.groupNorm(x!, 2, w!, b!),
      () => [uniform([2, 4, 3, 3], 1), uniform([4], 2), uniform([4], 3)],
    ],
  ]);
});

describe('embedding and lstm', () => {
  check([
    [
      'embedding repeats',
      ([w]) => F.embedding(labels([1, 3, 1, 0]).reshape(2, 2), w!),
      () => [uniform([5, 3], 1)],
    ],
    [
      'lstm 2 layers',
      ([x, h0, c0, ...weights]) => {
        const options = { numLayers: 2, hasBiases: true, dropout: 0, training: true };
        const run = F.lstm(x!, [h0!, c0!], weights, {
          ...options,
          bidirectional: false,
          batchFirst: false,
        });
        return cat([run.output.flatten(), run.h.flatten(), run.c.flatten()]);
      },
      () => {
        const [input, hidden, gates] = [2, 3, 12];
        const layer = (inputSize: number, seed: number) => [
          uniform([gates, inputSize], seed),
          uniform([gates, hidden], seed + 1),
          uniform([gates], seed + 2),
          uniform([gates], seed + 3),
        ];
        return [
          uniform([4, 2, input], 1),
          uniform([2, 2, hidden], 2),
          uniform([2, 2, hidden], 3),
          ...layer(input, 10),
          ...layer(hidden, 20),
        ];
      },
    ],
  ]);

  test('embedding paddingIdx row gets no gradient', () =>
    tidy(() => {
      const weight = uniform([4, 2], 1).requiresGrad_(true);
      const out = F.embedding(labels([0, 2, 2, 3]), weight, 2);
      const [gradient] = grad(out.sum(), [weight]);
      assert.deepEqual(gradient!.toArray(), [
        [1, 1],
        [0, 0],
        [0, 0],
        [1, 1],
      ]);
    }));
});

describe('activations', () => {
  const x = () => [uniform([3, 4], 1, -3, 3)];
  const nonzero = () => [awayFromZero([3, 4], 2)];
  check([
    ['relu', ([v]) => F.relu(v!), nonzero],
    ['leakyRelu', ([v]) => F.leakyRelu(v!, 0.2), nonzero],
    ['elu', ([v]) => F.elu(v!), nonzero],
    ['gelu exact', ([v]) => F.gelu(v!), x],
    ['gelu tanh', ([v]) => F.gelu(v!, 'tanh'), x],
    ['silu', ([v]) => F.silu(v!), x],
    ['tanh', ([v]) => F.tanh(v!), x],
    ['sigmoid', ([v]) => F.sigmoid(v!), x],
    ['softplus', ([v]) => F.softplus(v!, 2), x],
    ['softmax', ([v]) => F.softmax(v!, 1), x],
    ['logSoftmax', ([v]) => F.logSoftmax(v!, 0), x],
  ]);
});

describe('losses', () => {
  const logits = () => uniform([4, 3], 1, -2, 2);
  const targets = () => labels([0, 2, 1, 2]);
  const probabilities = () => uniform([4, 3], 2, 0.1, 0.9);
  check([
    [
      'binaryCrossEntropyWithLogits',
      ([z, y]) => F.binaryCrossEntropyWithLogits(z!, y!),
      () => [logits(), probabilities()],
    ],
    [
      'binaryCrossEntropyWithLogits weights',
      ([z, y]) =>
        F.binaryCrossEntropyWithLogits(z!, y!, {
          weight: tensor([0.5, 1, 2], { dtype: 'float64' }),
          posWeight: tensor([3, 1, 0.5], { dtype: 'float64' }),
          reduction: 'sum',
        }),
      () => [logits(), probabilities()],
    ],
    [
      'binaryCrossEntropy',
      ([p, y]) => F.binaryCrossEntropy(p!, y!, { reduction: 'none' }),
      () => [probabilities(), uniform([4, 3], 3, 0, 1)],
    ],
    ['crossEntropy', ([z]) => F.crossEntropy(z!, targets()), () => [logits()]],
    [
      'crossEntropy ignoreIndex',
      ([z]) => F.crossEntropy(z!, labels([0, -100, 1, 2])),
      () => [logits()],
    ],
    [
      'crossEntropy custom ignoreIndex',
      ([z]) => F.crossEntropy(z!, targets(), { ignoreIndex: 2 }),
      () => [logits()],
    ],
    [
      'crossEntropy labelSmoothing',
      ([z]) => F.crossEntropy(z!, targets(), { labelSmoothing: 0.1 }),
      () => [logits()],
    ],
    [
      'crossEntropy smoothing and ignore',
      ([z]) => F.crossEntropy(z!, labels([0, -100, 1, 2]), { labelSmoothing: 0.2 }),
      () => [logits()],
    ],
    [
      'crossEntropy class weights',
      ([z]) => F.crossEntropy(z!, targets(), { weight: tensor([1, 2, 0.5], { dtype: 'float64' }) }),
      () => [logits()],
    ],
    [
      'crossEntropy probabilities',
      ([z, p]) => F.crossEntropy(z!, p!, { reduction: 'sum' }),
      () => [logits(), probabilities()],
    ],
    [
      'crossEntropy spatial',
      ([z]) => F.crossEntropy(z!, labels([0, 2, 1, 1, 0, 2]).reshape(2, 3), { reduction: 'none' }),
      () => [uniform([2, 3, 3], 5)],
    ],
    ['nllLoss', ([z]) => F.nllLoss(z!.logSoftmax(1), targets()), () => [logits()]],
    ['mseLoss', ([a, b]) => F.mseLoss(a!, b!), () => [logits(), probabilities()]],
    [
      'l1Loss',
      ([a, b]) => F.l1Loss(a!, b!, { reduction: 'sum' }),
      () => [awayFromZero([4, 3], 6), zeros([4, 3], { dtype: 'float64' })],
    ],
    [
      'smoothL1Loss',
      ([a]) => F.smoothL1Loss(a!, zeros([4, 3], { dtype: 'float64' }), { beta: 0.5 }),
      () => [uniform([4, 3], 7, -0.45, 0.45).add(awayFromZero([4, 3], 8).gt(0).mul(1.5))],
    ],
  ]);

  test('crossEntropy ignoreIndex drops the row', () =>
    tidy(() => {
      const z = logits();
      const withIgnored = F.crossEntropy(z, labels([0, -100, 1, 2])).item();
      const labelledRows = z.indexSelect(0, labels([0, 2, 3]));
      const without = F.crossEntropy(labelledRows, labels([0, 1, 2])).item();
      assert.ok(Math.abs(withIgnored - without) < 1e-12, `${withIgnored} vs ${without}`);
      assert.deepEqual(
        values(F.crossEntropy(z, labels([-100, -100, -100, -100]), { reduction: 'sum' })),
        [0],
      );
    }));
});
