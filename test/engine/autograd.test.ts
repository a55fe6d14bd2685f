/** Autograd behaviour: backward, gradient accumulation, grad mode, detach, clipping, grad(). */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  clipGradNorm,
  enableGrad,
  grad,
  isGradEnabled,
  noGrad,
  type Tensor,
  tensor,
  tidy,
  TorchError,
} from '../../src/index.js';
import { assertClose, uniform, values } from '../helpers/assert.js';
import { gradcheck } from '../helpers/gradcheck.js';

function leaf(data: number[]): Tensor {
  return tensor(data, { dtype: 'float64' }).requiresGrad_(true);
}

test('backward with a gradient argument', () =>
  tidy(() => {
    const x = leaf([1, 2, 3]);
    x.mul(x).backward(tensor([1, 0.1, 0.01], { dtype: 'float64' }));
    assertClose(x.grad!, [2, 0.4, 0.06], { atol: 1e-12 });
  }));

test('backward of non-scalar needs a gradient', () =>
  tidy(() => {
    const x = leaf([1, 2]);
    assert.throws(
      () => x.mul(2).backward(),
      (error: Error) => error instanceof TorchError && /scalar outputs/.test(error.message),
    );
  }));

test('gradients accumulate until reset', () =>
  tidy(() => {
    const x = leaf([1, 2]);
    assert.equal(x.grad, null);
    x.mul(3).sum().backward();
    x.mul(3).sum().backward();
    assert.deepEqual(values(x.grad!), [6, 6]);
    x.grad = null;
    assert.equal(x.grad, null);
    x.mul(x).sum().backward();
    assert.deepEqual(values(x.grad!), [2, 4]);
  }));

test('grad setter accepts a tensor', () =>
  tidy(() => {
    const x = leaf([1, 2]);
    x.grad = tensor([5, 5], { dtype: 'float64' });
    x.sum().backward();
    assert.deepEqual(values(x.grad!), [6, 6]);
  }));

test('second backward needs retainGraph', () =>
  tidy(() => {
    const x = leaf([1, 2]);
    const y = x.exp().sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    assertClose(x.grad!, [2 * Math.E, 2 * Math.E ** 2], { atol: 1e-12 });
    const z = x.exp().sum();
    z.backward();
    assert.throws(() => z.backward(), /second time|already been freed/);
  }));

test('leaves, requiresGrad and retainGrad', () =>
  tidy(() => {
    const x = leaf([1, 2]);
    const constant = tensor([3, 4], { dtype: 'float64' });
    assert.equal(constant.requiresGrad, false);
    const y = x.mul(constant).retainGrad();
    assert.equal(x.isLeaf, true);
    assert.equal(y.isLeaf, false);
    assert.equal(y.requiresGrad, true);
    y.sum().backward();
    assert.deepEqual(values(y.grad!), [1, 1]);
    assert.deepEqual(values(x.grad!), [3, 4]);
    assert.equal(constant.grad, null);
  }));

test('noGrad records no graph', () =>
  tidy(() => {
    const x = leaf([1, 2]);
    assert.equal(isGradEnabled(), true);
    const y = noGrad(() => {
      assert.equal(isGradEnabled(), false);
      return x.mul(2);
    });
    assert.equal(isGradEnabled(), true);
    assert.equal(y.requiresGrad, false);
    assert.equal(y.isLeaf, true);
    assert.throws(() => y.sum().backward(), TorchError);
    const z = noGrad(() => enableGrad(() => x.mul(2)));
    assert.equal(z.requiresGrad, true);
  }));

test('noGrad restores the mode after a throw', () => {
  assert.throws(() =>
    noGrad(() => {
      throw new Error('inside');
    }),
  );
  assert.equal(isGradEnabled(), true);
});

test('detach cuts the graph and shares data', () =>
  tidy(() => {
    const x = leaf([1, 2]);
    const y = x.mul(2);
    const d = y.detach();
    assert.equal(d.requiresGrad, false);
    d.fill_(7);
    assert.deepEqual(values(y), [7, 7]);
    const z = x.mul(d).sum();
    z.backward();
    assert.deepEqual(values(x.grad!), [7, 7]);
  }));

test('in-place change of a saved tensor is detected', () =>
  tidy(() => {
    const x = leaf([1, 2]);
    const y = x.exp();
    const z = y.mul(y).sum();
    noGrad(() => y.add_(1));
    assert.throws(
      () => z.backward(),
      (error: Error) => error instanceof TorchError && /modified by an inplace/.test(error.message),
    );
  }));

test('clipGradNorm scales to the max norm', () =>
  tidy(() => {
    const a = leaf([0, 0]);
    const b = leaf([0]);
    const unused = leaf([0]);
    a.grad = tensor([3, 4], { dtype: 'float64' });
    b.grad = tensor([12], { dtype: 'float64' });
    const total = clipGradNorm([a, b, unused], 6.5);
    assertClose(total, 13, { atol: 1e-12 });
    const scale = 6.5 / (13 + 1e-6);
    assertClose(a.grad!, [3 * scale, 4 * scale], { atol: 1e-12 });
    assertClose(b.grad!, [12 * scale], { atol: 1e-12 });
    assert.equal(unused.grad, null);
  }));

test('clipGradNorm below the max is unchanged', () =>
  tidy(() => {
    const a = leaf([0, 0]);
    a.grad = tensor([3, -4], { dtype: 'float64' });
    assertClose(clipGradNorm([a], 10), 5, { atol: 1e-12 });
    assert.deepEqual(values(a.grad!), [3, -4]);
    assertClose(clipGradNorm([a], 100, 1), 7, { atol: 1e-12 });
    assert.equal(clipGradNorm([leaf([1])], 1), 0);
  }));

test('grad returns without accumulating', () =>
  tidy(() => {
    const x = leaf([1, 2]);
    const unused = leaf([3]);
    const [gx, gu] = grad(x.pow(3).sum(), [x, unused], { allowUnused: true });
    assertClose(gx!, [3, 12], { atol: 1e-12 });
    assert.equal(gu, null);
    assert.equal(x.grad, null);
    assert.throws(() => grad(x.pow(3).sum(), [x, unused]), TorchError);
  }));

test('grad with createGraph gives second derivatives', () =>
  tidy(() => {
    const x = leaf([2, -1]);
    const [first] = grad(x.pow(3).sum(), [x], { createGraph: true });
    assertClose(first!, [12, 3], { atol: 1e-12 });
    assert.equal(first!.requiresGrad, true);
    const [second] = grad(first!.sum(), [x]);
    assertClose(second!, [12, -6], { atol: 1e-12 });
  }));

test('gradient penalty differentiates twice', () =>
  tidy(() => {
    // f(x) = sum(w sin x), so df/dx = w cos x and the penalty sum((w cos x)^2) has the
    // derivative -w^2 sin(2x).
    const xs = [0.3, -1.2, 2];
    const ws = [1.5, -0.5, 2];
    const x = leaf(xs);
    const w = tensor(ws, { dtype: 'float64' });
    const [slope] = grad(x.sin().mul(w).sum(), [x], { createGraph: true });
    slope!.square().sum().backward();
    assertClose(
      x.grad!,
      xs.map((v, i) => -(ws[i]! ** 2) * Math.sin(2 * v)),
      { atol: 1e-12 },
    );
  }));

test('grad of grad matches finite differences', () =>
  tidy(() => {
    // The finite differences run under noGrad, so the op turns recording back on for itself.
    const slope = ([x]: Tensor[]) =>
      enableGrad(() => {
        const input = x!.requiresGrad ? x! : x!.detach().requiresGrad_(true);
        return grad(input.tanh().sum(), [input], { createGraph: true })[0]!;
      });
    gradcheck('tanh first derivative', slope, [uniform([5], 1, -2, 2)]);
  }));

test('gradcheck reports a wrong gradient', () =>
  tidy(() => {
    // detach() hides half of the product rule: the analytic gradient is x, the true one 2x.
    const wrong = ([x]: Tensor[]) => x!.detach().mul(x!);
    assert.throws(
      () => gradcheck('half product', wrong, [uniform([2, 2], 1, 0.5, 1)]),
      /gradcheck half product: 4 elements differ; worst is input 0 element \[\d, \d\]: analytic/,
    );
  }));
