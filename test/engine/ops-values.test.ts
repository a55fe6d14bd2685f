import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  type DType,
  eigh,
  full,
  Generator,
  multinomial,
  type Tensor,
  tensor,
  tidy,
  where,
  zeros,
} from '../../src/index.js';
import { functional as F } from '../../src/nn/index.js';
import { assertClose, values } from '../helpers/assert.js';

/** [[1, 2, 3], [4, 5, 6]] as float32. */
function matrix(dtype: DType = 'float32'): Tensor {
  return tensor(
    [
      [1, 2, 3],
      [4, 5, 6],
    ],
    { dtype },
  );
}

describe('elementwise math', () => {
  test('add broadcasts rows and columns', () =>
    tidy(() => {
      assert.deepEqual(
        matrix()
          .add(tensor([10, 20, 30]))
          .toArray(),
        [
          [11, 22, 33],
          [14, 25, 36],
        ],
      );
      assert.deepEqual(
        tensor([[1], [2]])
          .add(tensor([[10, 20, 30]]))
          .toArray(),
        [
          [11, 21, 31],
          [12, 22, 32],
        ],
      );
      assert.deepEqual(values(tensor([1, 2]).add(tensor([1, 1]), 3)), [4, 5]);
      assert.deepEqual(values(tensor([1, 2]).sub(tensor([1, 1]), 2)), [-1, 0]);
    }));

  test('mul, div, floorDivide and remainder', () =>
    tidy(() => {
      assert.deepEqual(values(matrix().mul(tensor([[2], [-1]]))), [2, 4, 6, -4, -5, -6]);
      const quotient = tensor([1, 3], { dtype: 'int64' }).div(2);
      assert.equal(quotient.dtype, 'float32');
      assert.deepEqual(values(quotient), [0.5, 1.5]);
      const ints = tensor([-7, 7], { dtype: 'int64' });
      assert.deepEqual(values(ints.floorDivide(2)), [-4, 3]);
      assert.deepEqual(values(ints.remainder(3)), [2, 1]);
    }));

  test('scalar operands keep the tensor dtype', () =>
    tidy(() => {
      const cases: [DType, number, DType][] = [
        ['int64', 1, 'int64'],
        ['int32', 1, 'int32'],
        ['uint8', 1, 'uint8'],
        ['float32', 2.5, 'float32'],
        ['float64', 1, 'float64'],
        ['float16', 2.5, 'float16'],
        ['int64', 2.5, 'float32'],
        ['bool', 1, 'int64'],
      ];
      for (const [dtype, scalar, expected] of cases) {
        const sum = zeros([2], { dtype }).add(scalar);
        assert.equal(sum.dtype, expected, `${dtype} + ${scalar}`);
        assert.deepEqual(values(sum), [scalar, scalar], `${dtype} + ${scalar}`);
      }
      assert.equal(zeros([2], { dtype: 'int64' }).mul(3).dtype, 'int64');
    }));

  test('tensor operands promote as PyTorch', () =>
    tidy(() => {
      const f32 = zeros([2]);
      assert.equal(zeros([2], { dtype: 'int64' }).add(f32).dtype, 'float32');
      assert.equal(f32.add(zeros([2], { dtype: 'float64' })).dtype, 'float64');
      // A 0-d tensor of a higher dtype in the same category does not promote.
      assert.equal(f32.add(full([], 1, { dtype: 'float64' })).dtype, 'float32');
    }));

  test('comparisons give bool', () =>
    tidy(() => {
      const x = tensor([1, 2, 3]);
      const y = tensor([3, 2, 1]);
      const cases: [string, Tensor, boolean[]][] = [
        ['eq', x.eq(y), [false, true, false]],
        ['ne', x.ne(y), [true, false, true]],
        ['lt', x.lt(y), [true, false, false]],
        ['le', x.le(2), [true, true, false]],
        ['gt', x.gt(2), [false, false, true]],
        ['ge', x.ge(y), [false, true, true]],
      ];
      for (const [name, result, expected] of cases) {
        assert.equal(result.dtype, 'bool', name);
        assert.deepEqual(result.toArray(), expected, name);
      }
      assert.deepEqual(x.gt(1).logicalAnd(x.lt(3)).toArray(), [false, true, false]);
    }));

  test('exp, log, sqrt, pow and abs', () =>
    tidy(() => {
      assertClose(tensor([0, 1]).exp(), [1, Math.E]);
      assertClose(tensor([1, Math.E, 0.5]).log(), [0, 1, Math.log(0.5)]);
      assert.deepEqual(values(tensor([4, 9, 0]).sqrt()), [2, 3, 0]);
      assert.deepEqual(values(tensor([2, -3]).pow(2)), [4, 9]);
      assert.deepEqual(values(tensor([2, 3]).pow(tensor([3, 2]))), [8, 9]);
      assert.deepEqual(values(tensor([-1.5, 0, 2]).abs()), [1.5, 0, 2]);
      assert.ok(Number.isNaN(values(tensor([-1]).sqrt())[0]!), 'sqrt(-1) is NaN');
      assert.deepEqual(values(tensor([0]).log()), [-Infinity]);
    }));

  test('clamp with one or both bounds', () =>
    tidy(() => {
      const x = tensor([-2, -0.5, 0.5, 2]);
      assert.deepEqual(values(x.clamp(-1, 1)), [-1, -0.5, 0.5, 1]);
      assert.deepEqual(values(x.clamp(0)), [0, 0, 0.5, 2]);
      assert.deepEqual(values(x.clamp(null, 0)), [-2, -0.5, 0, 0]);
    }));

  test('where with tensors and scalars', () =>
    tidy(() => {
      const condition = tensor([true, false, true]);
      assert.deepEqual(
        values(where(condition, tensor([1, 2, 3]), tensor([-1, -2, -3]))),
        [1, -2, 3],
      );
      assert.deepEqual(values(where(condition, tensor([1, 2, 3]), 0)), [1, 0, 3]);
      const broadcast = where(tensor([[true], [false]]), tensor([1, 2]), tensor([[5], [6]]));
      assert.deepEqual(broadcast.toArray(), [
        [1, 2],
        [6, 6],
      ]);
    }));

  test('where with two scalars', () =>
    tidy(() => {
      // torch.where(condition, 1.5, 2.5) is float32 and torch.where(condition, 1, 2) int64.
      const condition = tensor([true, false]);
      const cases: [number, number, DType][] = [
        [1, 2, 'int64'],
        [1, 2.5, 'float32'],
        [1.5, 2.5, 'float32'],
      ];
      for (const [a, b, dtype] of cases) {
        const result = where(condition, a, b);
        assert.equal(result.dtype, dtype, `where(condition, ${a}, ${b})`);
        assert.deepEqual(values(result), [a, b], `where(condition, ${a}, ${b})`);
      }
    }));

  test('maskedFill with a value and -Infinity', () =>
    tidy(() => {
      const mask = tensor([
        [false, true, true],
        [false, false, true],
      ]);
      assert.deepEqual(values(matrix().maskedFill(mask, 0)), [1, 0, 0, 4, 5, 0]);
      const masked = matrix().maskedFill(mask, -Infinity);
      assert.deepEqual(values(masked), [1, -Infinity, -Infinity, 4, 5, -Infinity]);
      assertClose(masked.softmax(1), [1, 0, 0, 1 / (1 + Math.E), Math.E / (1 + Math.E), 0]);
    }));
});

describe('reductions', () => {
  test('sum over dims and keepdim', () =>
    tidy(() => {
      const x = matrix();
      assert.equal(x.sum().item(), 21);
      assert.deepEqual(values(x.sum(0)), [5, 7, 9]);
      const rowSums = x.sum(1, { keepdim: true });
      assert.deepEqual(rowSums.toArray(), [[6], [15]]);
      assert.deepEqual(x.sum([0, 1]).shape, []);
      assert.equal(matrix('int64').sum().dtype, 'int64');
      assert.equal(x.gt(2).sum().dtype, 'int64');
      assert.equal(x.gt(2).sum().item(), 4);
      assert.equal(x.sum(0, { dtype: 'float64' }).dtype, 'float64');
    }));

  test('mean over dims', () =>
    tidy(() => {
      assert.deepEqual(values(matrix().mean(1)), [2, 5]);
      assert.deepEqual(values(matrix().mean(0, { keepdim: true })), [2.5, 3.5, 4.5]);
      assert.equal(matrix().mean().item(), 3.5);
      assert.throws(() => matrix('int64').mean(), /mean/);
    }));

  test('max and min with indices', () =>
    tidy(() => {
      const x = tensor([
        [3, 9, 1],
        [4, 2, 8],
      ]);
      assert.equal(x.max().item(), 9);
      assert.equal(x.min().item(), 1);
      const max = x.max(1);
      assert.deepEqual(values(max.values), [9, 8]);
      assert.deepEqual(values(max.indices), [1, 2]);
      assert.equal(max.indices.dtype, 'int64');
      const min = x.min(0, true);
      assert.deepEqual(min.values.toArray(), [[3, 2, 1]]);
      assert.deepEqual(min.indices.toArray(), [[0, 1, 0]]);
      assert.equal(x.argmax().item(), 1);
      assert.deepEqual(values(x.argmax(1)), [1, 2]);
      assert.deepEqual(values(x.argmin(0)), [0, 1, 0]);
      assert.deepEqual(values(x.amax(0)), [4, 9, 8]);
    }));

  test('var and std with correction', () =>
    tidy(() => {
      const x = tensor([1, 2, 3, 4], { dtype: 'float64' });
      // The squared deviations from the mean 2.5 sum to 5.
      assertClose(x.var(), 5 / 3, { atol: 1e-12 });
      assertClose(x.var(undefined, { correction: 0 }), 1.25, { atol: 1e-12 });
      assertClose(x.std(), Math.sqrt(5 / 3), { atol: 1e-12 });
      assertClose(x.std(0, { correction: 0 }), Math.sqrt(1.25), { atol: 1e-12 });
      const rows = matrix('float64').var(1, { keepdim: true });
      assert.deepEqual(rows.shape, [2, 1]);
      assertClose(rows, [1, 1], { atol: 1e-12 });
    }));

  test('logsumexp is stable', () =>
    tidy(() => {
      const x = tensor([Math.log(1), Math.log(3)], { dtype: 'float64' });
      assertClose(x.logsumexp(0), Math.log(4), { atol: 1e-12 });
      assertClose(tensor([1000, 1000]).logsumexp(0), 1000 + Math.LN2, { atol: 1e-3 });
      const rowLogsumexp = matrix().logsumexp(1, true);
      assert.deepEqual(rowLogsumexp.shape, [2, 1]);
      const row = (a: number) => a + Math.log(1 + Math.exp(-1) + Math.exp(-2));
      assertClose(rowLogsumexp, [row(3), row(6)]);
    }));

  test('prod, norm and cumsum', () =>
    tidy(() => {
      assert.equal(matrix().prod().item(), 720);
      assert.deepEqual(values(matrix().prod(1)), [6, 120]);
      assertClose(tensor([3, 4]).norm(), 5);
      assertClose(tensor([3, -4]).norm(1), 7);
      assert.deepEqual(values(tensor([1, 2, 3, 4]).cumsum(0)), [1, 3, 6, 10]);
      assert.deepEqual(matrix().cumsum(1).toArray(), [
        [1, 3, 6],
        [4, 9, 15],
      ]);
    }));
});

describe('products and ordering', () => {
  test('matmul of matrices and batches', () =>
    tidy(() => {
      const a = tensor([
        [1, 2],
        [3, 4],
      ]);
      const b = tensor([
        [5, 6],
        [7, 8],
      ]);
      assert.deepEqual(a.matmul(b).toArray(), [
        [19, 22],
        [43, 50],
      ]);
      assert.deepEqual(values(a.matmul(tensor([1, 1]))), [3, 7]);
      const batch = a.unsqueeze(0).expand(3, 2, 2);
      assert.deepEqual(batch.matmul(b).shape, [3, 2, 2]);
      assert.deepEqual(values(batch.matmul(b).select(0, 2)), [19, 22, 43, 50]);
    }));

  test('bmm multiplies per batch', () =>
    tidy(() => {
      const a = tensor([[[1, 2, 3]], [[1, 0, -1]]]);
      const b = tensor([
        [[1], [1], [1]],
        [[2], [3], [4]],
      ]);
      const product = a.bmm(b);
      assert.deepEqual(product.shape, [2, 1, 1]);
      assert.deepEqual(values(product), [6, -2]);
    }));

  test('topk largest and smallest', () =>
    tidy(() => {
      const x = tensor([1, 5, 3, 4, 2]);
      const top = x.topk(2);
      assert.deepEqual(values(top.values), [5, 4]);
      assert.deepEqual(values(top.indices), [1, 3]);
      const bottom = x.topk(2, { largest: false });
      assert.deepEqual(values(bottom.values), [1, 2]);
      assert.deepEqual(values(bottom.indices), [0, 4]);
      const rows = matrix().topk(1, { dim: 0 });
      assert.deepEqual(values(rows.indices), [1, 1, 1]);
    }));

  test('sort is stable both ways', () =>
    tidy(() => {
      const x = tensor([2, 1, 2, 1]);
      const ascending = x.sort();
      assert.deepEqual(values(ascending.values), [1, 1, 2, 2]);
      assert.deepEqual(values(ascending.indices), [1, 3, 0, 2]);
      const descending = x.sort(0, true);
      assert.deepEqual(values(descending.values), [2, 2, 1, 1]);
      assert.deepEqual(values(descending.indices), [0, 2, 1, 3]);
      assert.deepEqual(values(tensor([3, 1, 2]).argsort()), [1, 2, 0]);
    }));

  test('multinomial follows the weights', () =>
    tidy(() => {
      const weights = tensor([1, 2, 7]);
      const draw = () =>
        multinomial(weights, 20000, { replacement: true, generator: new Generator(5) });
      const samples = values(draw());
      const counts = [0, 1, 2].map((k) => samples.filter((s) => s === k).length / samples.length);
      assertClose(counts, [0.1, 0.2, 0.7], { atol: 0.015 });
      assert.deepEqual(values(draw()), samples, 'same generator seed, same samples');
      const permutation = values(multinomial(weights, 3, { generator: new Generator(6) }));
      assert.deepEqual([...permutation].sort(), [0, 1, 2]);
    }));

  test('oneHot of class indices', () =>
    tidy(() => {
      const encoded = F.oneHot(tensor([0, 2, 1], { dtype: 'int64' }), 3);
      assert.equal(encoded.dtype, 'int64');
      assert.deepEqual(encoded.toArray(), [
        [1, 0, 0],
        [0, 0, 1],
        [0, 1, 0],
      ]);
      assert.deepEqual(F.oneHot(tensor([1, 3], { dtype: 'int64' })).shape, [2, 4]);
    }));

  test('eigh of a symmetric matrix', () =>
    tidy(() => {
      // A tridiagonal matrix with eigenvalues 4 - sqrt(2), 4 and 4 + sqrt(2).
      const a = tensor(
        [
          [4, 1, 0],
          [1, 4, 1],
          [0, 1, 4],
        ],
        { dtype: 'float64' },
      );
      const { eigenvalues, eigenvectors } = eigh(a);
      assertClose(eigenvalues, [4 - Math.SQRT2, 4, 4 + Math.SQRT2], { atol: 1e-12 });
      const av = a.matmul(eigenvectors);
      const vl = eigenvectors.mul(eigenvalues);
      assertClose(av, values(vl), { atol: 1e-12, message: 'A v = lambda v' });
      const gram = eigenvectors.transpose(0, 1).matmul(eigenvectors);
      assertClose(gram, [1, 0, 0, 0, 1, 0, 0, 0, 1], { atol: 1e-12, message: 'V^T V = I' });
      const middle = values(eigenvectors.select(1, 1)).map(Math.abs);
      assertClose(middle, [Math.SQRT1_2, 0, Math.SQRT1_2], { atol: 1e-12 });
    }));
});
