/**
 * Forward values and gradients against PyTorch 1.13, from the fixtures that
 * test/fixtures/make_fixtures.py wrote. Everything runs in float64, so the tolerances only
 * absorb differences in summation order.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { cat, grad, type Tensor, tidy } from '../../src/index.js';
import { BatchNorm2d, functional as F, LSTM } from '../../src/nn/index.js';
import { assertClose } from '../helpers/assert.js';
import { type Fixture, fixtureTensor, fixtureValues, loadFixture } from '../helpers/fixtures.js';

const TOLERANCE = { atol: 1e-10, rtol: 1e-9 };

function expectFixture(actual: Tensor, fixture: Fixture, key: string): void {
  const shape = (fixture[key] as { shape: number[] }).shape;
  assert.deepEqual(actual.shape, shape, `${key} shape`);
  assertClose(actual, fixtureValues(fixture, key), { ...TOLERANCE, message: key });
}

describe('convTranspose2d', () => {
  const cases = loadFixture('conv_transpose2d');
  const options = {
    dcgan: { stride: 2, padding: 1 },
    output_padding: { stride: 2, padding: 1, outputPadding: 1 },
    stride_one: { padding: [1, 2] as const },
    stride_one_grow: {},
  };
  for (const [name, convOptions] of Object.entries(options)) {
    test(`${name} output and gradients`, () =>
      tidy(() => {
        const fixture = cases[name] as Fixture;
        const [x, weight, bias] = ['x', 'weight', 'bias'].map((key) =>
          fixtureTensor(fixture, key).requiresGrad_(true),
        );
        const output = F.convTranspose2d(x!, weight!, bias!, convOptions);
        expectFixture(output, fixture, 'output');
        const loss = output.mul(fixtureTensor(fixture, 'upstream')).sum();
        const [gx, gw, gb] = grad(loss, [x!, weight!, bias!]);
        expectFixture(gx!, fixture, 'grad_x');
        expectFixture(gw!, fixture, 'grad_weight');
        expectFixture(gb!, fixture, 'grad_bias');
      }));
  }
});

test('LSTM loads PyTorch weights and matches', () =>
  tidy(() => {
    const fixture = loadFixture('lstm');
    const lstm = new LSTM(3, 4, { numLayers: 2 }).to('float64');
    const names = [...lstm.stateDict().keys()];
    lstm.loadStateDict(new Map(names.map((name) => [name, fixtureTensor(fixture, name)])));
    const x = fixtureTensor(fixture, 'x').requiresGrad_(true);
    const state: [Tensor, Tensor] = [fixtureTensor(fixture, 'h0'), fixtureTensor(fixture, 'c0')];
    const { output, h, c } = lstm.forward(x, state);
    expectFixture(output, fixture, 'output');
    expectFixture(h, fixture, 'h');
    expectFixture(c, fixture, 'c');
    const stacked = cat([output.flatten(), h.flatten(), c.flatten()]);
    stacked.mul(fixtureTensor(fixture, 'upstream')).sum().backward();
    expectFixture(x.grad!, fixture, 'grad_x');
    for (const [name, parameter] of lstm.namedParameters()) {
      expectFixture(parameter.grad!, fixture, `grad_${name}`);
    }
  }));

test('BatchNorm2d running statistics match', () =>
  tidy(() => {
    const fixture = loadFixture('batch_norm');
    const norm = new BatchNorm2d(3).to('float64');
    norm.weight!.detach().copy_(fixtureTensor(fixture, 'weight'));
    norm.bias!.detach().copy_(fixtureTensor(fixture, 'bias'));
    for (let i = 0; i < 3; i++) {
      const output = norm.forward(fixtureTensor(fixture, `batch${i}`));
      expectFixture(output, fixture, `train_output${i}`);
    }
    expectFixture(norm.runningMean!, fixture, 'running_mean');
    expectFixture(norm.runningVar!, fixture, 'running_var');
    assert.equal(norm.numBatchesTracked!.item(), fixture.num_batches_tracked);
    norm.eval();
    expectFixture(norm.forward(fixtureTensor(fixture, 'test_batch')), fixture, 'eval_output');
    expectFixture(norm.runningMean!, fixture, 'running_mean');
    assert.equal(norm.numBatchesTracked!.item(), fixture.num_batches_tracked);
  }));

describe('crossEntropy', () => {
  const fixture = loadFixture('cross_entropy');
  const cases: [string, F.CrossEntropyOptions, boolean][] = [
    ['plain', {}, false],
    ['smoothing', { labelSmoothing: 0.1 }, false],
    ['weighted_smoothing', { labelSmoothing: 0.2 }, true],
    ['sum_smoothing', { labelSmoothing: 0.1, reduction: 'sum' }, false],
    ['none_smoothing', { labelSmoothing: 0.1, reduction: 'none' }, false],
  ];
  for (const [name, options, weighted] of cases) {
    test(`${name} loss and gradient`, () =>
      tidy(() => {
        const logits = fixtureTensor(fixture, 'logits').requiresGrad_(true);
        const target = fixtureTensor(fixture, 'target', 'int64');
        const weight = weighted ? fixtureTensor(fixture, 'weight') : undefined;
        const loss = F.crossEntropy(logits, target, { ...options, weight });
        expectFixture(loss, fixture, name);
        loss.sum().backward();
        expectFixture(logits.grad!, fixture, `grad_${name}`);
      }));
  }

  test('probability targets with smoothing', () =>
    tidy(() => {
      const logits = fixtureTensor(fixture, 'logits');
      const probabilities = fixtureTensor(fixture, 'probabilities');
      const loss = F.crossEntropy(logits, probabilities, { labelSmoothing: 0.1 });
      expectFixture(loss, fixture, 'probabilities_smoothing');
    }));
});

describe('functional values', () => {
  const fixture = loadFixture('functional');
  const cases: [string, (x: Tensor, weight: Tensor, bias: Tensor) => Tensor][] = [
    ['bilinear', (x) => F.interpolate(x, { size: [5, 4], mode: 'bilinear' })],
    [
      'bilinear_align',
      (x) => F.interpolate(x, { size: [5, 4], mode: 'bilinear', alignCorners: true }),
    ],
    ['nearest', (x) => F.interpolate(x, { size: [5, 4] })],
    ['bilinear_scale', (x) => F.interpolate(x, { scaleFactor: 1.5, mode: 'bilinear' })],
    ['avg_pool', (x) => F.avgPool2d(x, 2, { stride: 1, padding: 1, countIncludePad: false })],
    ['max_pool', (x) => F.maxPool2d(x, 2, { ceilMode: true })],
    ['group_norm', (x, weight, bias) => F.groupNorm(x, 2, weight, bias)],
    ['layer_norm', (x) => F.layerNorm(x, [3, 3])],
    ['gelu', (x) => F.gelu(x)],
    ['gelu_tanh', (x) => F.gelu(x, 'tanh')],
    ['silu', (x) => F.silu(x)],
    [
      'bce_logits',
      (x) =>
        F.binaryCrossEntropyWithLogits(x, x.flip(0).sigmoid(), {
          posWeight: fixtureTensor(fixture, 'pos_weight'),
        }),
    ],
  ];
  for (const [name, op] of cases) {
    test(name, () =>
      tidy(() => {
        const [x, weight, bias] = ['x', 'weight', 'bias'].map((k) => fixtureTensor(fixture, k));
        expectFixture(op(x!, weight!, bias!), fixture, name);
      }),
    );
  }
});
