/** Module bookkeeping: PyTorch names, train/eval, state dicts and conversion. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { manualSeed, noGrad, ones, randn, type Tensor, tidy, zeros } from '../../src/index.js';
import {
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  ConvTranspose2d,
  Dropout,
  Embedding,
  GroupNorm,
  LayerNorm,
  Linear,
  LSTM,
  ReLU,
  Sequential,
  StateDictError,
} from '../../src/nn/index.js';
import { assertIdentical, values } from '../helpers/assert.js';

function shapes(state: Map<string, Tensor>): Record<string, number[]> {
  return Object.fromEntries([...state].map(([key, t]) => [key, t.shape]));
}

/** Copies every tensor, so that later training leaves the copies unchanged. */
function snapshot(state: Map<string, Tensor>): Map<string, Tensor> {
  return new Map([...state].map(([key, t]) => [key, t.detach().clone()]));
}

describe('names', () => {
  test('Sequential numbers its layers', () =>
    tidy(() => {
      const model = new Sequential(new Linear(2, 3), new ReLU(), new Linear(3, 1));
      assert.deepEqual(shapes(model.stateDict()), {
        '0.weight': [3, 2],
        '0.bias': [3],
        '2.weight': [1, 3],
        '2.bias': [1],
      });
      assert.equal(model.parameterCount(), 13);
    }));

  test('BatchNorm2d buffers as PyTorch', () =>
    tidy(() => {
      const norm = new BatchNorm2d(4);
      assert.deepEqual(shapes(norm.stateDict()), {
        weight: [4],
        bias: [4],
        running_mean: [4],
        running_var: [4],
        num_batches_tracked: [],
      });
      assert.equal(norm.numBatchesTracked!.dtype, 'int64');
      assert.deepEqual(
        [...norm.namedParameters()].map(([name]) => name),
        ['weight', 'bias'],
      );
      assert.deepEqual(values(norm.runningVar!), [1, 1, 1, 1]);
    }));

  test('stateDict orders keys as PyTorch', () =>
    tidy(() => {
      // PyTorch lists each module's parameters, then its buffers, then its children.
      const model = new Sequential(new BatchNorm1d(3), new Linear(3, 2));
      assert.deepEqual(
        [...model.stateDict().keys()],
        [
          '0.weight',
          '0.bias',
          '0.running_mean',
          '0.running_var',
          '0.num_batches_tracked',
          '1.weight',
          '1.bias',
        ],
      );
    }));

  test('LSTM weights per layer and direction', () =>
    tidy(() => {
      const lstm = new LSTM(3, 4, { numLayers: 2, bidirectional: true });
      const expected: Record<string, number[]> = {};
      for (const layer of [0, 1]) {
        for (const suffix of ['', '_reverse']) {
          expected[`weight_ih_l${layer}${suffix}`] = [16, layer === 0 ? 3 : 8];
          expected[`weight_hh_l${layer}${suffix}`] = [16, 4];
          expected[`bias_ih_l${layer}${suffix}`] = [16];
          expected[`bias_hh_l${layer}${suffix}`] = [16];
        }
      }
      assert.deepEqual(shapes(lstm.stateDict()), expected);
      assert.deepEqual([...lstm.stateDict().keys()], Object.keys(expected));
    }));

  test('layer weight shapes as PyTorch', () =>
    tidy(() => {
      assert.deepEqual(shapes(new Conv2d(4, 6, [3, 2], { groups: 2 }).stateDict()), {
        weight: [6, 2, 3, 2],
        bias: [6],
      });
      assert.deepEqual(
        shapes(new ConvTranspose2d(4, 6, 4, { groups: 2, bias: false }).stateDict()),
        {
          weight: [4, 3, 4, 4],
        },
      );
      assert.deepEqual(shapes(new Embedding(10, 3).stateDict()), { weight: [10, 3] });
      assert.deepEqual(shapes(new LayerNorm([2, 3]).stateDict()), { weight: [2, 3], bias: [2, 3] });
      assert.deepEqual(shapes(new GroupNorm(2, 4).stateDict()), { weight: [4], bias: [4] });
    }));

  test('parameters are leaves, buffers are not trained', () =>
    tidy(() => {
      const norm = new BatchNorm2d(2);
      for (const p of norm.parameters()) {
        assert.equal(p.requiresGrad, true);
        assert.equal(p.isLeaf, true);
      }
      for (const b of norm.buffers()) assert.equal(b.requiresGrad, false);
    }));
});

describe('train and eval', () => {
  test('eval reaches every descendant', () =>
    tidy(() => {
      const model = new Sequential(new Linear(2, 2), new Sequential(new Dropout(), new ReLU()));
      model.eval();
      assert.ok([...model.namedModules()].every(([, m]) => !m.training));
      model.train();
      assert.ok([...model.namedModules()].every(([, m]) => m.training));
    }));

  test('dropout only in training', () =>
    tidy(() => {
      manualSeed(0);
      const dropout = new Dropout(0.5);
      const trained = values(dropout.forward(ones([200])));
      assert.ok(trained.some((v) => v === 0));
      assert.ok(trained.every((v) => v === 0 || v === 2));
      dropout.eval();
      assert.deepEqual(values(dropout.forward(ones([200]))), new Array(200).fill(1));
    }));

  test('batch norm switches statistics', () =>
    tidy(() => {
      const norm = new BatchNorm1d(2);
      const x = randn([16, 2]).mul(3).add(5);
      const normalized = norm.forward(x);
      assert.ok(values(normalized.mean(0)).every((m) => Math.abs(m) < 1e-5));
      assert.equal(norm.numBatchesTracked!.item(), 1);
      const batchMean = values(x.mean(0));
      const running = values(norm.runningMean!);
      running.forEach((r, i) => assert.ok(Math.abs(r - 0.1 * batchMean[i]!) < 1e-5));
      norm.eval();
      const frozen = values(norm.runningMean!);
      const evaluated = norm.forward(x);
      assert.deepEqual(values(norm.runningMean!), frozen, 'eval does not update statistics');
      assert.equal(norm.numBatchesTracked!.item(), 1);
      const variance = values(norm.runningVar!);
      const expected = values(x).map(
        (v, k) => (v - frozen[k % 2]!) / Math.sqrt(variance[k % 2]! + 1e-5),
      );
      values(evaluated).forEach((v, k) => assert.ok(Math.abs(v - expected[k]!) < 1e-4));
    }));
});

describe('state dict', () => {
  const build = (seed: number) => {
    manualSeed(seed);
    return new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2), new ReLU());
  };

  test('round trip reproduces outputs', () =>
    tidy(() => {
      const source = build(1);
      source.forward(randn([4, 1, 5, 5]));
      const target = build(2);
      target.loadStateDict(snapshot(source.stateDict()));
      for (const [key, t] of target.stateDict())
        assertIdentical(t, source.stateDict().get(key)!, key);
      source.eval();
      target.eval();
      const x = randn([2, 1, 5, 5]);
      assertIdentical(target.forward(x), source.forward(x));
    }));

  test('missing and unexpected keys are rejected', () =>
    tidy(() => {
      const model = build(1);
      const state = snapshot(model.stateDict());
      state.delete('1.running_var');
      state.set('2.weight', zeros([2]));
      assert.throws(
        () => model.loadStateDict(state),
        (error: Error) =>
          error instanceof StateDictError &&
          /missing keys 1\.running_var/.test(error.message) &&
          /unexpected keys 2\.weight/.test(error.message) &&
          /strict: false/.test(error.message),
      );
    }));

  test('shape mismatch is rejected', () =>
    tidy(() => {
      const model = build(1);
      const state = snapshot(model.stateDict());
      state.set('0.weight', zeros([2, 1, 5, 5]));
      for (const strict of [true, false]) {
        assert.throws(
          () => model.loadStateDict(state, { strict }),
          (error: Error) =>
            error instanceof StateDictError &&
            error.message.includes('0.weight: checkpoint [2,1,5,5], model [2,1,3,3]'),
        );
      }
    }));

  test('strict false loads matching keys', () =>
    tidy(() => {
      const model = build(1);
      const before = snapshot(model.stateDict());
      const partial = new Map([
        ['0.bias', ones([2])],
        ['extra.weight', ones([3])],
      ]);
      model.loadStateDict(partial, { strict: false });
      assert.deepEqual(values(model.stateDict().get('0.bias')!), [1, 1]);
      assertIdentical(model.stateDict().get('0.weight')!, before.get('0.weight')!);
    }));

  test('loading converts dtypes', () =>
    tidy(() => {
      const model = new Linear(2, 1);
      const state = new Map([
        ['weight', ones([1, 2], { dtype: 'float64' })],
        ['bias', zeros([1], { dtype: 'float64' })],
      ]);
      model.loadStateDict(state);
      assert.equal(model.weight.dtype, 'float32');
      assert.deepEqual(values(model.weight), [1, 1]);
    }));

  test('to float64 keeps integer buffers', () =>
    tidy(() => {
      const model = new Sequential(new Linear(2, 2), new BatchNorm1d(2)).to('float64');
      for (const p of model.parameters()) assert.equal(p.dtype, 'float64');
      assert.equal(model.stateDict().get('1.running_mean')!.dtype, 'float64');
      assert.equal(model.stateDict().get('1.num_batches_tracked')!.dtype, 'int64');
      assert.equal(model.forward(randn([3, 2], { dtype: 'float64' })).dtype, 'float64');
    }));

  test('zeroGrad drops gradients', () =>
    tidy(() => {
      const model = new Linear(2, 1);
      model
        .forward(ones([1, 2]))
        .sum()
        .backward();
      assert.ok(model.parameters().every((p) => p.grad !== null));
      model.zeroGrad();
      assert.ok(model.parameters().every((p) => p.grad === null));
    }));

  test('live state dict tensors alias parameters', () =>
    tidy(() => {
      const model = new Linear(2, 1);
      noGrad(() => model.stateDict().get('bias')!.fill_(3));
      assert.deepEqual(values(model.bias!), [3]);
    }));
});
