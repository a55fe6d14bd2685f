/**
 * SGD, Adam and AdamW against updates computed by hand on L(p) = 0.5 * sum(a * p^2), whose
 * gradient is a * p, and exact resumption from a saved optimizer state.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { Generator, manualSeed, randn, type Tensor, tensor, tidy } from '../../src/index.js';
import { functional as F, Linear } from '../../src/nn/index.js';
import { Adam, AdamW, type Optimizer, SGD } from '../../src/optim/index.js';
import { assertClose, assertIdentical, values } from '../helpers/assert.js';

const P0 = [1, -2];
const A = [1, 3];

/** Runs `steps` optimizer steps on the quadratic and returns p after each one. */
function trajectory(
  makeOptimizer: (params: Tensor[]) => Optimizer,
  steps: number,
  beforeStep: (optimizer: Optimizer, step: number) => void = () => {},
): number[][] {
  return tidy(() => {
    const p = tensor(P0, { dtype: 'float64' }).requiresGrad_(true);
    const a = tensor(A, { dtype: 'float64' });
    const optimizer = makeOptimizer([p]);
    const result: number[][] = [];
    for (let step = 0; step < steps; step++) {
      beforeStep(optimizer, step);
      tidy(() => {
        optimizer.zeroGrad();
        p.square().mul(a).sum().mul(0.5).backward();
        optimizer.step();
      });
      result.push(values(p));
    }
    p.dispose();
    return result;
  });
}

interface SgdSettings {
  lr: number[];
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

/** Computes torch.optim.SGD's updates by hand. lr[t] is the learning rate of step t. */
function sgdByHand(settings: SgdSettings): number[][] {
  const { momentum = 0, dampening = 0, nesterov = false, weightDecay = 0 } = settings;
  const p = [...P0];
  let buffer: number[] | null = null;
  return settings.lr.map((lr) => {
    const g = p.map((v, i) => A[i]! * v + weightDecay * v);
    let direction = g;
    if (momentum !== 0) {
      const previous: number[] | null = buffer;
      const next: number[] = previous
        ? previous.map((b, i) => momentum * b + (1 - dampening) * g[i]!)
        : [...g];
      buffer = next;
      direction = nesterov ? g.map((v, i) => v + momentum * next[i]!) : next;
    }
    direction.forEach((d, i) => (p[i]! -= lr * d));
    return [...p];
  });
}

interface AdamSettings {
  lr: number;
  steps: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  decoupled?: boolean;
  amsgrad?: boolean;
}

/** Computes the updates of torch.optim.Adam (L2 weight decay) or AdamW (decoupled) by hand. */
function adamByHand(settings: AdamSettings): number[][] {
  const { lr, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0 } = settings;
  const [beta1, beta2] = betas;
  const p = [...P0];
  const m = [0, 0];
  const v = [0, 0];
  const vMax = [0, 0];
  const result: number[][] = [];
  for (let t = 1; t <= settings.steps; t++) {
    for (let i = 0; i < p.length; i++) {
      let g = A[i]! * p[i]!;
      if (settings.decoupled) p[i]! *= 1 - lr * weightDecay;
      else g += weightDecay * p[i]!;
      m[i] = beta1 * m[i]! + (1 - beta1) * g;
      v[i] = beta2 * v[i]! + (1 - beta2) * g * g;
      vMax[i] = Math.max(vMax[i]!, v[i]!);
      const second = settings.amsgrad ? vMax[i]! : v[i]!;
      const mHat = m[i]! / (1 - beta1 ** t);
      const vHat = second / (1 - beta2 ** t);
      p[i]! -= (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
    result.push([...p]);
  }
  return result;
}

function assertTrajectory(actual: number[][], expected: number[][]): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((p, step) =>
    assertClose(p, expected[step]!, { atol: 1e-14, rtol: 1e-12, message: `step ${step + 1}` }),
  );
}

describe('updates by hand', () => {
  test('SGD plain', () =>
    assertTrajectory(
      trajectory((ps) => new SGD(ps, { lr: 0.1 }), 3),
      sgdByHand({ lr: [0.1, 0.1, 0.1] }),
    ));

  test('SGD momentum and dampening', () =>
    assertTrajectory(
      trajectory((ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 0.2 }), 3),
      sgdByHand({ lr: [0.1, 0.1, 0.1], momentum: 0.9, dampening: 0.2 }),
    ));

  test('SGD Nesterov with weight decay', () =>
    assertTrajectory(
      trajectory(
        (ps) => new SGD(ps, { lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.1 }),
        3,
      ),
      sgdByHand({ lr: [0.05, 0.05, 0.05], momentum: 0.8, nesterov: true, weightDecay: 0.1 }),
    ));

  test('Adam', () =>
    assertTrajectory(
      trajectory((ps) => new Adam(ps, { lr: 0.1 }), 3),
      adamByHand({ lr: 0.1, steps: 3 }),
    ));

  test('Adam betas, eps and L2 decay', () =>
    assertTrajectory(
      trajectory(
        (ps) => new Adam(ps, { lr: 0.05, betas: [0.5, 0.9], eps: 1e-3, weightDecay: 0.2 }),
        3,
      ),
      adamByHand({ lr: 0.05, steps: 3, betas: [0.5, 0.9], eps: 1e-3, weightDecay: 0.2 }),
    ));

  test('Adam amsgrad', () =>
    assertTrajectory(
      trajectory((ps) => new Adam(ps, { lr: 0.3, betas: [0.5, 0.6], amsgrad: true }), 4),
      adamByHand({ lr: 0.3, steps: 4, betas: [0.5, 0.6], amsgrad: true }),
    ));

  test('AdamW decouples weight decay', () =>
    assertTrajectory(
      trajectory((ps) => new AdamW(ps, { lr: 0.1, weightDecay: 0.5 }), 3),
      adamByHand({ lr: 0.1, steps: 3, weightDecay: 0.5, decoupled: true }),
    ));

  test('AdamW default decay is 0.01', () =>
    assertTrajectory(
      trajectory((ps) => new AdamW(ps, { lr: 0.1 }), 2),
      adamByHand({ lr: 0.1, steps: 2, weightDecay: 0.01, decoupled: true }),
    ));

  test('lr changes between steps', () => {
    const seen: number[] = [];
    const actual = trajectory(
      (ps) => new SGD(ps, { lr: 0.1, momentum: 0.5 }),
      3,
      (optimizer, step) => {
        if (step === 1) optimizer.lr = 0.01;
        if (step === 2) optimizer.lr = 0.2;
        seen.push(optimizer.lr);
      },
    );
    assert.deepEqual(seen, [0.1, 0.01, 0.2]);
    assertTrajectory(actual, sgdByHand({ lr: [0.1, 0.01, 0.2], momentum: 0.5 }));
  });
});

type Factory = (params: Tensor[], lr: number) => Optimizer;

const FACTORIES: [string, Factory][] = [
  ['SGD', (ps, lr) => new SGD(ps, { lr, momentum: 0.9, nesterov: true })],
  ['Adam', (ps, lr) => new Adam(ps, { lr, amsgrad: true })],
  ['AdamW', (ps, lr) => new AdamW(ps, { lr })],
];

/** Mean-squared-error steps on batches that depend only on the step number. */
function train(model: Linear, optimizer: Optimizer, from: number, to: number): void {
  for (let step = from; step < to; step++) {
    tidy(() => {
      const generator = new Generator(1000 + step);
      const x = randn([4, 3], { generator });
      const y = randn([4, 2], { generator });
      optimizer.zeroGrad();
      F.mseLoss(model.forward(x), y).backward();
      optimizer.step();
    });
  }
}

function snapshot(model: Linear): Map<string, Tensor> {
  return new Map([...model.stateDict()].map(([key, t]) => [key, t.detach().clone()]));
}

describe('state dict', () => {
  for (const [name, make] of FACTORIES) {
    test(`${name} resumes bit-identically`, () =>
      tidy(() => {
        manualSeed(0);
        const original = new Linear(3, 2);
        const optimizer = make(original.parameters(), 0.05);
        train(original, optimizer, 0, 5);
        const weights = snapshot(original);
        const state = optimizer.stateDict();
        const savedBuffers = state.params.map((entry) => values(Object.values(entry!.buffers)[0]!));
        train(original, optimizer, 5, 10);

        const resumed = new Linear(3, 2);
        resumed.loadStateDict(weights);
        const resumedOptimizer = make(resumed.parameters(), 0.5);
        resumedOptimizer.loadStateDict(state);
        assert.equal(resumedOptimizer.lr, 0.05, 'lr comes from the state');
        train(resumed, resumedOptimizer, 5, 10);
        assertIdentical(resumed.weight, original.weight, 'weight');
        assertIdentical(resumed.bias!, original.bias!, 'bias');

        const restarted = new Linear(3, 2);
        restarted.loadStateDict(weights);
        train(restarted, make(restarted.parameters(), 0.05), 5, 10);
        assert.notDeepEqual(values(restarted.weight), values(original.weight), 'state matters');

        const buffersNow = state.params.map((entry) => values(Object.values(entry!.buffers)[0]!));
        assert.deepEqual(buffersNow, savedBuffers, 'the snapshot is a copy');
      }));
  }

  test('state names PyTorch buffers', () =>
    tidy(() => {
      const model = new Linear(3, 2);
      const cases: [Optimizer, string[]][] = [
        [new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 }), ['momentum_buffer']],
        [new Adam(model.parameters()), ['exp_avg', 'exp_avg_sq']],
        [
          new Adam(model.parameters(), { amsgrad: true }),
          ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'],
        ],
      ];
      for (const [optimizer, names] of cases) {
        assert.deepEqual(optimizer.stateDict().params, [null, null], 'no state before a step');
        train(model, optimizer, 0, 2);
        const state = optimizer.stateDict();
        assert.equal(state.params.length, 2);
        for (const entry of state.params)
          assert.deepEqual(Object.keys(entry!.buffers).sort(), names.sort());
      }
      const adam = cases[1]![0].stateDict();
      assert.equal(adam.params[0]!.step, 2);
    }));

  test('state of another kind is rejected', () =>
    tidy(() => {
      const model = new Linear(3, 2);
      const adam = new Adam(model.parameters());
      train(model, adam, 0, 1);
      const sgd = new SGD(model.parameters(), { lr: 0.1 });
      assert.throws(
        () => sgd.loadStateDict(adam.stateDict()),
        (error: Error) =>
          error instanceof TypeError &&
          /cannot load adam optimizer state into sgd/.test(error.message),
      );
      const adamW = new AdamW(model.parameters());
      assert.throws(
        () => adamW.loadStateDict(adam.stateDict()),
        /cannot load adam optimizer state into adamw/,
      );
    }));

  test('float64 state resumes a float32 model', () =>
    tidy(() => {
      // torch.optim.Optimizer.load_state_dict casts floating state to each parameter's dtype.
      const wide = new Linear(3, 2).to('float64');
      const wideOptimizer = new Adam(wide.parameters());
      wide
        .forward(randn([1, 3], { dtype: 'float64' }))
        .sum()
        .backward();
      wideOptimizer.step();
      const model = new Linear(3, 2);
      const optimizer = new Adam(model.parameters());
      optimizer.loadStateDict(wideOptimizer.stateDict());
      train(model, optimizer, 0, 1);
      assert.equal(optimizer.stateDict().params[0]!.buffers.exp_avg!.dtype, 'float32');
    }));

  test('state of another parameter count is rejected', () =>
    tidy(() => {
      const model = new Linear(3, 2);
      const full = new Adam(model.parameters());
      train(model, full, 0, 1);
      const weightOnly = new Adam([model.weight]);
      assert.throws(
        () => weightOnly.loadStateDict(full.stateDict()),
        (error: Error) =>
          error instanceof RangeError &&
          /2 parameters but this optimizer has 1/.test(error.message),
      );
    }));
});

describe('options', () => {
  test('invalid options are rejected', () =>
    tidy(() => {
      const p = tensor([1]).requiresGrad_(true);
      assert.throws(() => new SGD([], { lr: 0.1 }), /no parameters/);
      assert.throws(() => new SGD([p], { lr: -1 }), RangeError);
      assert.throws(() => new SGD([p], { lr: 0.1, nesterov: true }), /Nesterov/);
      assert.throws(() => new Adam([p], { betas: [1, 0.9] }), /beta1/);
      const optimizer = new Adam([p]);
      assert.throws(() => (optimizer.lr = -0.1), RangeError);
    }));

  test('zeroGrad sets gradients to null', () =>
    tidy(() => {
      const model = new Linear(3, 2);
      const optimizer = new SGD(model.parameters(), { lr: 0.1 });
      model
        .forward(randn([1, 3]))
        .sum()
        .backward();
      assert.ok(model.parameters().every((p) => p.grad !== null));
      optimizer.zeroGrad();
      assert.ok(model.parameters().every((p) => p.grad === null));
    }));

  test('step skips parameters without gradients', () =>
    tidy(() => {
      const used = tensor([1, 2]).requiresGrad_(true);
      const unused = tensor([3, 4]).requiresGrad_(true);
      const optimizer = new Adam([used, unused], { lr: 0.1 });
      used.sum().backward();
      optimizer.step();
      assert.deepEqual(values(unused), [3, 4]);
      assert.notDeepEqual(values(used), [1, 2]);
      assert.equal(optimizer.stateDict().params[1], null);
    }));
});
