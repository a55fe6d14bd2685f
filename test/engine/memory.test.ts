/** Tensor lifetimes: the live counters, scopes, keep(), `using`, and disposed-tensor errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  cat,
  DisposedTensorError,
  keep,
  memory,
  scopeDepth,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '../../src/index.js';

/** Returns the change of the live counters while `fn` runs. */
function delta(fn: () => void): { tensors: number; bytes: number } {
  const before = memory();
  fn();
  const after = memory();
  return { tensors: after.tensors - before.tensors, bytes: after.bytes - before.bytes };
}

test('memory counts creation and dispose', () => {
  const before = memory();
  const t = zeros([10]);
  assert.deepEqual(memory(), { tensors: before.tensors + 1, bytes: before.bytes + 40 });
  const d = zeros([3], { dtype: 'float64' });
  assert.deepEqual(memory(), { tensors: before.tensors + 2, bytes: before.bytes + 64 });
  t.dispose();
  d.dispose();
  assert.deepEqual(memory(), before);
});

test('views count handles, not bytes', () => {
  const before = memory();
  const t = zeros([4, 4]);
  const view = t.view(16);
  assert.deepEqual(memory(), { tensors: before.tensors + 2, bytes: before.bytes + 64 });
  t.dispose();
  assert.deepEqual(memory(), { tensors: before.tensors + 1, bytes: before.bytes + 64 });
  assert.equal(view.numel(), 16);
  assert.equal(view.toTypedArray().length, 16, 'the view outlives the tensor it came from');
  view.dispose();
  assert.deepEqual(memory(), before);
});

test('dispose is idempotent', () => {
  const before = memory();
  const t = zeros([2]);
  t.dispose();
  t.dispose();
  assert.equal(t.isDisposed, true);
  assert.deepEqual(memory(), before);
});

test('disposed tensor throws a clear error', () => {
  const t = zeros([2]);
  t.dispose();
  assert.throws(
    () => t.toArray(),
    (error: Error) =>
      error instanceof DisposedTensorError &&
      /disposed/.test(error.message) &&
      /keep\(\)/.test(error.message),
  );
});

test('disposed tensor in an op names the op', () => {
  const live = zeros([2]);
  const disposed = zeros([2]);
  disposed.dispose();
  const cases: [string, () => unknown][] = [
    ['add', () => live.add(disposed)],
    ['cat', () => cat([live, disposed])],
    ['matmul', () => disposed.matmul(live)],
  ];
  for (const [op, run] of cases) {
    assert.throws(run, (error: Error) => {
      assert.ok(error instanceof DisposedTensorError, `${op}: ${error.name}`);
      assert.match(error.message, new RegExp(`\\b${op}\\b`), `${op}: ${error.message}`);
      return true;
    });
  }
  live.dispose();
});

test('tidy disposes intermediates', () => {
  let intermediate: Tensor | undefined;
  const change = delta(() => {
    const result = tidy(() => {
      intermediate = zeros([3]);
      return intermediate.add(1);
    });
    assert.equal(intermediate!.isDisposed, true);
    assert.deepEqual(result.toArray(), [1, 1, 1]);
    result.dispose();
  });
  assert.deepEqual(change, { tensors: 0, bytes: 0 });
});

test('tidy keeps tensors nested in results', () => {
  const before = memory();
  const result = tidy(() => {
    const a = zeros([1]);
    const b = a.add(1);
    const c = b.add(1);
    b.add(100);
    return { pair: [a, b], single: c, map: new Map([['d', c.add(1)]]), count: 3 };
  });
  assert.equal(memory().tensors, before.tensors + 4);
  assert.deepEqual(
    [...result.pair, result.single, result.map.get('d')!].map((t) => t.item()),
    [0, 1, 2, 3],
  );
  for (const t of [...result.pair, result.single, result.map.get('d')!]) t.dispose();
  assert.deepEqual(memory(), before);
});

test('nested tidy moves results outward', () => {
  const before = memory();
  let inner: Tensor | undefined;
  tidy(() => {
    inner = tidy(() => zeros([1]).add(1));
    assert.equal(scopeDepth(), 1);
    assert.equal(inner.isDisposed, false);
  });
  assert.equal(inner!.isDisposed, true, 'the outer scope owns the inner result');
  assert.equal(scopeDepth(), 0);
  assert.deepEqual(memory(), before);
});

test('keep survives every scope', () => {
  const before = memory();
  let survivor: Tensor | undefined;
  tidy(() =>
    tidy(() => {
      survivor = keep(zeros([2]));
    }),
  );
  assert.equal(survivor!.isDisposed, false);
  assert.equal(memory().tensors, before.tensors + 1);
  survivor!.dispose();
  assert.deepEqual(memory(), before);
});

test('tidy rejects an async function', () => {
  const before = memory();
  let created: Tensor | undefined;
  assert.throws(
    () =>
      tidy(async () => {
        created = zeros([2]);
        await Promise.resolve();
        return created;
      }),
    (error: Error) => error instanceof TypeError && /synchronous/.test(error.message),
  );
  assert.equal(created!.isDisposed, true);
  assert.equal(scopeDepth(), 0);
  assert.deepEqual(memory(), before);
});

test('tidy disposes on a throw', () => {
  const before = memory();
  assert.throws(
    () =>
      tidy(() => {
        zeros([2]);
        throw new RangeError('inside');
      }),
    RangeError,
  );
  assert.equal(scopeDepth(), 0);
  assert.deepEqual(memory(), before);
});

test('using disposes at block end', () => {
  const before = memory();
  let outer: Tensor | undefined;
  {
    using t = tensor([1, 2]);
    outer = t;
    assert.deepEqual(t.toArray(), [1, 2]);
    assert.equal(memory().tensors, before.tensors + 1);
  }
  assert.equal(outer.isDisposed, true);
  assert.deepEqual(memory(), before);
});

test('in-place ops create no handles', () => {
  const t = zeros([3]);
  const change = delta(() => {
    t.add_(1).mul_(3).clamp_(0, 2).fill_(5).zero_();
  });
  assert.deepEqual(change, { tensors: 0, bytes: 0 });
  t.dispose();
});
