/** libtorch failures reach JavaScript as typed errors that name the op and its arguments. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  cat,
  DTYPES,
  memory,
  type Tensor,
  tensor,
  tidy,
  TorchError,
  TorchIndexError,
  TorchTypeError,
  TorchValueError,
  zeros,
} from '../../src/index.js';
import { functional as F } from '../../src/nn/index.js';

/** Runs `fn`, asserts it throws a TorchError of `kind`, and returns the error. */
function catchTorchError(fn: () => unknown, kind: typeof TorchError = TorchError): TorchError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof Error, 'an Error');
    assert.ok(error instanceof kind, `expected ${kind.name}, got ${error.name}: ${error.message}`);
    assert.doesNotMatch(error.message, /Exception raised from/, 'no C++ backtrace');
    assert.doesNotMatch(error.message, /frame #\d/, 'no C++ stack frames');
    return error as TorchError;
  }
  assert.fail(`expected ${kind.name}, but nothing was thrown`);
}

test('matmul shape mismatch names op and shapes', () =>
  tidy(() => {
    const error = catchTorchError(() => zeros([2, 3]).matmul(zeros([2, 3])));
    assert.equal(error.op, 'matmul');
    assert.equal(error.name, 'TorchError');
    assert.match(error.message, /^matmul: /);
    assert.match(error.message, /2x3 and 2x3/);
    assert.match(error.message, /\[2, 3\] float32, \[2, 3\] float32/);
  }));

test('conv2d channel mismatch names the shapes', () =>
  tidy(() => {
    const input = zeros([1, 3, 8, 8]);
    const weight = zeros([4, 2, 3, 3]);
    const error = catchTorchError(() => F.conv2d(input, weight));
    assert.equal(error.op, 'conv2d');
    assert.match(error.message, /^conv2d: /);
    assert.match(error.message, /\[1, 3, 8, 8\]/);
    assert.match(error.message, /\[4, 2, 3, 3\]/);
    assert.match(error.message, /channels/);
  }));

test('cat of mismatched shapes', () =>
  tidy(() => {
    const error = catchTorchError(() => cat([zeros([2, 3]), zeros([2, 4])]));
    assert.equal(error.op, 'cat');
    assert.match(error.message, /Sizes of tensors must match/);
    assert.match(error.message, /\[\[2, 3\] float32, \[2, 4\] float32\]/);
  }));

test('out-of-range index is TorchIndexError', () =>
  tidy(() => {
    const x = zeros([2, 3]);
    const select = catchTorchError(() => x.select(0, 5), TorchIndexError);
    assert.match(select.message, /^select: .*index 5 out of range/);
    // As in PyTorch 1.13, index_select raises IndexError along dim 0 but a plain error along dim 1.
    const indices = tensor([0, 7], { dtype: 'int64' });
    const indexSelect = catchTorchError(() => x.indexSelect(0, indices), TorchIndexError);
    assert.equal(indexSelect.op, 'indexSelect');
    catchTorchError(() => x.transpose(0, 2), TorchIndexError);
  }));

test('wrong argument types are TorchTypeError', () =>
  tidy(() => {
    const x = zeros([2]);
    const cases: [string, RegExp, () => unknown][] = [
      ['add', /argument 2 must be a number/, () => x.add('1' as unknown as number)],
      ['zeros', /element 0 must be an integer, got 2\.5/, () => zeros([2.5])],
      ['reshape', /element 0 must be a number/, () => x.reshape(['2' as unknown as number])],
      ['cat', /element 1 must be a tensor/, () => cat([x, { handle: 5 } as unknown as Tensor])],
      ['sum', /must be a boolean/, () => x.sum(0, { keepdim: 1 as unknown as boolean })],
    ];
    for (const [op, pattern, run] of cases) {
      const error = catchTorchError(run, TorchTypeError);
      assert.equal(error.name, 'TorchTypeError');
      assert.equal(error.op, op);
      assert.match(error.message, pattern);
    }
  }));

test('typed array of the wrong kind', () =>
  tidy(() => {
    const error = catchTorchError(
      () => tensor(Float64Array.from([1]), { dtype: 'int64' }),
      TorchTypeError,
    );
    assert.match(error.message, /BigInt64Array for int64/);
  }));

test('unknown dtype names list the allowed ones', () =>
  tidy(() => {
    const allowed = DTYPES.join(', ');
    const bad = 'float' as unknown as 'float32';
    const cases: [string, () => unknown][] = [
      ['zeros', () => zeros([2], { dtype: bad })],
      ['to', () => zeros([2]).to(bad)],
      ['tensor', () => tensor([1, 2], { dtype: bad })],
      ['sum', () => zeros([2]).sum(0, { dtype: bad })],
    ];
    for (const [name, run] of cases) {
      assert.throws(run, (error: Error) => {
        assert.match(error.message, /unknown dtype 'float'/, name);
        assert.ok(error.message.includes(allowed), `${name}: ${error.message}`);
        return true;
      });
    }
    const native = catchTorchError(() => zeros([2], { dtype: bad }), TorchValueError);
    assert.equal(native.op, 'zeros');
  }));

test('errors inside tidy free the scope', () => {
  const before = memory();
  assert.throws(
    () =>
      tidy(() => {
        const a = zeros([2, 3]);
        return a.matmul(a);
      }),
    TorchError,
  );
  assert.deepEqual(memory(), before);
});

test('process survives repeated errors', () =>
  tidy(() => {
    for (let i = 0; i < 50; i++) {
      assert.throws(() => zeros([2, 3]).matmul(zeros([4, 5])), TorchError);
      assert.throws(() => zeros([2]).select(0, 9), TorchIndexError);
    }
    assert.deepEqual(tensor([1, 2]).add(1).toArray(), [2, 3]);
  }));
