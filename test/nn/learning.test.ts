/** Small models must learn small tasks: an MLP on XOR and two moons, a CNN on bar images. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  cat,
  Generator,
  manualSeed,
  rand,
  randint,
  randn,
  setNumThreads,
  type Tensor,
  tensor,
  tidy,
} from '../../src/index.js';
import {
  Conv2d,
  Flatten,
  functional as F,
  Linear,
  type Module,
  ReLU,
  Sequential,
  Tanh,
} from '../../src/nn/index.js';
import { Adam } from '../../src/optim/index.js';

// These models are tiny, so one thread is faster than two.
setNumThreads(1);

interface Dataset {
  inputs: Tensor;
  labels: Tensor;
}

/** Trains with full-batch Adam on cross-entropy for `steps` steps and returns the last loss. */
function fit(model: Sequential, data: Dataset, steps: number, lr: number): number {
  const optimizer = new Adam(model.parameters(), { lr });
  let loss = Infinity;
  for (let step = 0; step < steps; step++) {
    loss = tidy(() => {
      const value = F.crossEntropy(model.forward(data.inputs), data.labels);
      optimizer.zeroGrad();
      value.backward();
      optimizer.step();
      return value.item();
    });
  }
  return loss;
}

function accuracy(model: Module & { forward(x: Tensor): Tensor }, data: Dataset): number {
  model.eval();
  return tidy(() => {
    const predicted = model.forward(data.inputs).argmax(1);
    return predicted.eq(data.labels).float().mean().item();
  });
}

/**
 * Two interleaved half circles with Gaussian noise ("two moons"): class 0 on
 * (cos t, sin t), class 1 on (1 - cos t, 0.5 - sin t), t uniform on [0, pi).
 */
function twoMoons(count: number, seed: number, noise = 0.1): Dataset {
  const generator = new Generator(seed);
  const labels = randint(0, 2, [count], { generator });
  const angle = rand([count], { generator }).mul(Math.PI);
  const sign = labels.float().mul(-2).add(1); // +1 for class 0, -1 for class 1
  const x = angle.cos().mul(sign).add(labels.float());
  const y = angle.sin().mul(sign).add(labels.float().mul(0.5));
  const points = cat([x.unsqueeze(1), y.unsqueeze(1)], 1);
  return { inputs: points.add(randn([count, 2], { generator }).mul(noise)), labels };
}

/**
 * 8x8 images with one bright bar, horizontal (label 0) or vertical (label 1), at a random row
 * or column, on uniform noise in [0, 0.3).
 */
function bars(count: number, seed: number): Dataset {
  const generator = new Generator(seed);
  const labels = randint(0, 2, [count], { generator });
  const positions = randint(0, 8, [count], { generator });
  const noise = rand([count, 1, 8, 8], { generator }).mul(0.3);
  const classes = labels.toArray() as number[];
  const rows = positions.toArray() as number[];
  const pixels = new Float32Array(count * 64);
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < 8; k++) {
      const [row, column] = classes[i] === 0 ? [rows[i]!, k] : [k, rows[i]!];
      pixels[i * 64 + row * 8 + column] = 1;
    }
  }
  const images = tensor(pixels, { shape: [count, 1, 8, 8] }).add(noise);
  return { inputs: images, labels };
}

test('MLP learns XOR', () =>
  tidy(() => {
    manualSeed(0);
    const data = {
      inputs: tensor([
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ]),
      labels: tensor([0, 1, 1, 0], { dtype: 'int64' }),
    };
    const model = new Sequential(new Linear(2, 8), new Tanh(), new Linear(8, 2));
    const loss = fit(model, data, 300, 0.05);
    assert.ok(loss < 0.05, `final loss ${loss}`);
    assert.equal(accuracy(model, data), 1);
  }));

test('MLP learns two moons', () =>
  tidy(() => {
    manualSeed(1);
    const train = twoMoons(200, 10);
    const heldOut = twoMoons(400, 11);
    const model = new Sequential(
      new Linear(2, 32),
      new ReLU(),
      new Linear(32, 32),
      new ReLU(),
      new Linear(32, 2),
    );
    fit(model, train, 400, 0.01);
    const trainAccuracy = accuracy(model, train);
    const testAccuracy = accuracy(model, heldOut);
    assert.ok(trainAccuracy > 0.95, `train accuracy ${trainAccuracy}`);
    assert.ok(testAccuracy > 0.95, `held-out accuracy ${testAccuracy}`);
  }));

test('CNN tells horizontal from vertical bars', () =>
  tidy(() => {
    manualSeed(2);
    const model = new Sequential(
      new Conv2d(1, 8, 3),
      new ReLU(),
      new Flatten(),
      new Linear(8 * 6 * 6, 2),
    );
    const optimizer = new Adam(model.parameters(), { lr: 0.01 });
    for (let step = 0; step < 300; step++) {
      tidy(() => {
        const batch = bars(32, 100 + step);
        const loss = F.crossEntropy(model.forward(batch.inputs), batch.labels);
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
      });
    }
    const testAccuracy = accuracy(model, bars(400, 7));
    assert.ok(testAccuracy > 0.95, `held-out accuracy ${testAccuracy}`);
  }));
