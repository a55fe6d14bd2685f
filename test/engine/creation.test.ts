import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  arange,
  type DType,
  eye,
  full,
  Generator,
  linspace,
  ones,
  rand,
  randint,
  randn,
  randperm,
  tensor,
  tidy,
  TorchValueError,
  zeros,
} from '../../src/index.js';
import { assertClose, values } from '../helpers/assert.js';

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function std(xs: number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
}

describe('tensor()', () => {
  test('nested numbers become float32', () =>
    tidy(() => {
      const t = tensor([
        [1, 2, 3],
        [4, 5, 6.5],
      ]);
      assert.equal(t.dtype, 'float32');
      assert.deepEqual(t.shape, [2, 3]);
      assert.deepEqual(t.toArray(), [
        [1, 2, 3],
        [4, 5, 6.5],
      ]);
    }));

  test('nested booleans become bool', () =>
    tidy(() => {
      const t = tensor([[true, false]]);
      assert.equal(t.dtype, 'bool');
      assert.deepEqual(t.toArray(), [[true, false]]);
    }));

  test('nested numbers with every dtype', () =>
    tidy(() => {
      const cases: [DType, number[]][] = [
        ['float64', [1.5, -2.25, 3]],
        ['float16', [1.5, -2.25, 3]],
        ['bfloat16', [1.5, -2.25, 3]],
        ['int64', [1, -2, 3]],
        ['int32', [1, -2, 3]],
        ['int16', [1, -2, 3]],
        ['int8', [1, -2, 3]],
        ['uint8', [1, 2, 3]],
      ];
      for (const [dtype, data] of cases) {
        const t = tensor(data, { dtype });
        assert.equal(t.dtype, dtype);
        assert.deepEqual(t.toArray(), data, dtype);
      }
    }));

  test('typed arrays of every dtype', () =>
    tidy(() => {
      const cases: [DType, ArrayLike<number | bigint> & ArrayBufferView, number[]][] = [
        ['float32', Float32Array.from([1.5, -2]), [1.5, -2]],
        ['float64', Float64Array.from([0.1, -1e300]), [0.1, -1e300]],
        // float16 bits: 0x3c00 = 1, 0xc000 = -2, 0x3800 = 0.5
        ['float16', Uint16Array.from([0x3c00, 0xc000, 0x3800]), [1, -2, 0.5]],
        // bfloat16 bits: 0x3f80 = 1, 0xc000 = -2, 0x3f00 = 0.5
        ['bfloat16', Uint16Array.from([0x3f80, 0xc000, 0x3f00]), [1, -2, 0.5]],
        ['int64', BigInt64Array.from([1n, -2n, 2n ** 40n]), [1, -2, 2 ** 40]],
        ['int32', Int32Array.from([2 ** 31 - 1, -(2 ** 31)]), [2 ** 31 - 1, -(2 ** 31)]],
        ['int16', Int16Array.from([-32768, 7]), [-32768, 7]],
        ['int8', Int8Array.from([-128, 127]), [-128, 127]],
        ['uint8', Uint8Array.from([0, 255]), [0, 255]],
        ['bool', Uint8Array.from([1, 0, 1]), [1, 0, 1]],
      ];
      for (const [dtype, data, expected] of cases) {
        const t = tensor(data as never, { dtype });
        assert.equal(t.dtype, dtype);
        assert.deepEqual(t.shape, [data.length], dtype);
        assert.deepEqual(values(t), expected, dtype);
        const back = t.toTypedArray();
        assert.equal(back.constructor, data.constructor, `${dtype} typed array kind`);
        assert.deepEqual(Array.from(back as ArrayLike<unknown>), Array.from(data), dtype);
      }
    }));

  test('int64 keeps 64-bit integers exact', () =>
    tidy(() => {
      const big = 2n ** 62n + 1n;
      const t = tensor(BigInt64Array.from([big, -big]));
      assert.equal(t.dtype, 'int64');
      assert.deepEqual(Array.from(t.toTypedArray() as BigInt64Array), [big, -big]);
    }));

  test('typed array with a shape', () =>
    tidy(() => {
      const t = tensor(Float32Array.from([0, 1, 2, 3, 4, 5]), { shape: [2, 3] });
      assert.deepEqual(t.toArray(), [
        [0, 1, 2],
        [3, 4, 5],
      ]);
    }));

  test('Uint16Array without dtype is rejected', () => {
    assert.throws(() => tensor(Uint16Array.from([1])), /float16 or bfloat16/);
  });

  test('ragged nested array is rejected', () => {
    assert.throws(() => tensor([[1, 2], [3]]), /ragged/);
  });

  test('typed array shorter than shape', () => {
    assert.throws(
      () => tensor(Float32Array.from([1, 2, 3]), { shape: [2, 2] }),
      (error: Error) =>
        error instanceof TorchValueError && /3 elements but the shape needs 4/.test(error.message),
    );
  });
});

describe('factories', () => {
  test('zeros, ones and full', () =>
    tidy(() => {
      const z = zeros([2, 3]);
      assert.equal(z.dtype, 'float32');
      assert.deepEqual(values(z), [0, 0, 0, 0, 0, 0]);
      const o = ones([3], { dtype: 'int32' });
      assert.equal(o.dtype, 'int32');
      assert.deepEqual(values(o), [1, 1, 1]);
      const f = full([2, 2], 2.5);
      assert.equal(f.dtype, 'float32');
      assert.deepEqual(values(f), [2.5, 2.5, 2.5, 2.5]);
      const b = full([2], true);
      assert.equal(b.dtype, 'bool');
      const d = full([1], 7, { dtype: 'float64' });
      assert.equal(d.dtype, 'float64');
      assert.deepEqual(values(d), [7]);
    }));

  test('full with an integer infers int64', () =>
    tidy(() => {
      // torch.full((2,), 7) returns int64 in PyTorch 1.13.
      const t = full([2], 7);
      assert.equal(t.dtype, 'int64');
      assert.deepEqual(values(t), [7, 7]);
    }));

  test('zero-size and 0-d tensors', () =>
    tidy(() => {
      const empty = zeros([0, 3]);
      assert.deepEqual(empty.shape, [0, 3]);
      assert.equal(empty.numel(), 0);
      assert.deepEqual(empty.toArray(), []);
      const scalar = full([], 4.5);
      assert.deepEqual(scalar.shape, []);
      assert.equal(scalar.toArray(), 4.5);
      assert.equal(scalar.item(), 4.5);
    }));

  test('arange integer and float steps', () =>
    tidy(() => {
      const a = arange(5);
      assert.equal(a.dtype, 'int64');
      assert.deepEqual(values(a), [0, 1, 2, 3, 4]);
      assert.deepEqual(values(arange(2, 10, 3)), [2, 5, 8]);
      assert.deepEqual(values(arange(5, 0, -2)), [5, 3, 1]);
      const f = arange(0, 1, 0.25);
      assert.equal(f.dtype, 'float32');
      assert.deepEqual(values(f), [0, 0.25, 0.5, 0.75]);
      const d = arange(3, { dtype: 'float64' });
      assert.equal(d.dtype, 'float64');
      assert.deepEqual(values(d), [0, 1, 2]);
    }));

  test('linspace includes both ends', () =>
    tidy(() => {
      const t = linspace(0, 1, 5);
      assert.equal(t.dtype, 'float32');
      assert.deepEqual(values(t), [0, 0.25, 0.5, 0.75, 1]);
      assertClose(linspace(-1, 1, 3, { dtype: 'float64' }), [-1, 0, 1], { atol: 0 });
    }));

  test('eye square and rectangular', () =>
    tidy(() => {
      assert.deepEqual(eye(3).toArray(), [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ]);
      assert.deepEqual(eye(2, 3).toArray(), [
        [1, 0, 0],
        [0, 1, 0],
      ]);
    }));
});

describe('random factories', () => {
  test('rand is uniform on [0, 1)', () =>
    tidy(() => {
      const t = rand([100, 100], { generator: new Generator(1) });
      assert.deepEqual(t.shape, [100, 100]);
      assert.equal(t.dtype, 'float32');
      const xs = values(t);
      assert.ok(Math.min(...xs) >= 0, 'min >= 0');
      assert.ok(Math.max(...xs) < 1, 'max < 1');
      assertClose(mean(xs), 0.5, { atol: 0.01 });
      assertClose(std(xs), Math.sqrt(1 / 12), { atol: 0.01 });
      assert.equal(rand([2], { dtype: 'float64' }).dtype, 'float64');
    }));

  test('randn has mean 0 and std 1', () =>
    tidy(() => {
      const xs = values(randn([20000], { generator: new Generator(2) }));
      assertClose(mean(xs), 0, { atol: 0.03 });
      assertClose(std(xs), 1, { atol: 0.03 });
    }));

  test('randint covers [low, high)', () =>
    tidy(() => {
      const t = randint(3, 7, [2, 500], { generator: new Generator(3) });
      assert.equal(t.dtype, 'int64');
      assert.deepEqual(t.shape, [2, 500]);
      assert.deepEqual([...new Set(values(t))].sort(), [3, 4, 5, 6]);
      assert.equal(randint(0, 2, [3], { dtype: 'int32' }).dtype, 'int32');
    }));

  test('randperm is a permutation', () =>
    tidy(() => {
      const t = randperm(10, { generator: new Generator(4) });
      assert.equal(t.dtype, 'int64');
      const xs = values(t);
      assert.deepEqual(
        [...xs].sort((a, b) => a - b),
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      );
      assert.notDeepEqual(xs, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }));
});

describe('read-back', () => {
  test('item of one-element tensors', () =>
    tidy(() => {
      assert.equal(tensor([[3.5]]).item(), 3.5);
      assert.equal(tensor([7], { dtype: 'int64' }).item(), 7);
      assert.equal(tensor([true]).item(), 1);
    }));

  test('item of several elements throws', () =>
    tidy(() => {
      assert.throws(() => tensor([1, 2]).item(), TorchValueError);
    }));

  test('toArray converts int64 and bool', () =>
    tidy(() => {
      assert.deepEqual(tensor([[1, 2]], { dtype: 'int64' }).toArray(), [[1, 2]]);
      assert.deepEqual(tensor([1, 0], { dtype: 'bool' }).toArray(), [true, false]);
    }));

  test('toTypedArray of a transposed view', () =>
    tidy(() => {
      const t = tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]).transpose(0, 1);
      assert.equal(t.isContiguous(), false);
      assert.deepEqual(Array.from(t.toTypedArray() as Float32Array), [1, 4, 2, 5, 3, 6]);
    }));
});
