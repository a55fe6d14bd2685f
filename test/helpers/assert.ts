/** Numeric assertions shared by the engine, nn and optim tests. */
import assert from 'node:assert/strict';

import { Generator, rand, type Tensor } from '../../src/index.js';

/** Returns the elements of `t`, row-major, as plain numbers (int64 and float16 included). */
export function values(t: Tensor): number[] {
  if (t.dtype === 'float16' || t.dtype === 'bfloat16') {
    const float = t.to('float32');
    const result = Array.from(float.toTypedArray() as Float32Array);
    float.dispose();
    return result;
  }
  return Array.from(t.toTypedArray() as ArrayLike<number | bigint>, Number);
}

export interface CloseOptions {
  /** Default 1e-6. */
  atol?: number;
  /** Default 1e-5. */
  rtol?: number;
  /** Prefixed to the failure message. */
  message?: string;
}

/** Returns how far `actual` lies outside the tolerance around `expected`; positive is a miss. */
function excessOf(actual: number, expected: number, atol: number, rtol: number): number {
  if (Number.isFinite(actual) && Number.isFinite(expected)) {
    return Math.abs(actual - expected) - (atol + rtol * Math.abs(expected));
  }
  // Infinities must match exactly, and NaN matches only NaN.
  return Object.is(actual, expected) ? -1 : Infinity;
}

/**
 * Asserts |actual - expected| <= atol + rtol * |expected| elementwise, and equal lengths. The
 * failure message names the worst element.
 */
export function assertClose(
  actual: Tensor | readonly number[] | number,
  expected: readonly number[] | number,
  options: CloseOptions = {},
): void {
  const { atol = 1e-6, rtol = 1e-5, message = 'values differ' } = options;
  const plain = typeof actual === 'number' ? [actual] : Array.isArray(actual) ? actual : null;
  const got: readonly number[] = plain ?? values(actual as Tensor);
  const want = typeof expected === 'number' ? [expected] : expected;
  assert.equal(
    got.length,
    want.length,
    `${message}: got ${got.length} elements, expected ${want.length}`,
  );
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < got.length; i++) {
    const excess = excessOf(got[i]!, want[i]!, atol, rtol);
    if (excess > 0 && (worst < 0 || excess > worstExcess)) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    assert.fail(
      `${message}: element ${worst} is ${got[worst]}, expected ${want[worst]} ` +
        `(atol ${atol}, rtol ${rtol}); actual [${got.slice(0, 12).join(', ')}` +
        `${got.length > 12 ? ', ...' : ''}]`,
    );
  }
}

/** Asserts that two tensors hold bit-identical elements and the same shape and dtype. */
export function assertIdentical(actual: Tensor, expected: Tensor, message = 'tensors differ') {
  assert.deepEqual(actual.shape, expected.shape, `${message}: shapes differ`);
  assert.equal(actual.dtype, expected.dtype, `${message}: dtypes differ`);
  const a = actual.toTypedArray();
  const e = expected.toTypedArray();
  const bytesA = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const bytesE = new Uint8Array(e.buffer, e.byteOffset, e.byteLength);
  const first = bytesA.findIndex((byte, i) => byte !== bytesE[i]);
  assert.equal(first, -1, `${message}: first differing byte at ${first}`);
}

/** Uniform float64 samples on [low, high) from a seeded generator, for reproducible inputs. */
export function uniform(shape: readonly number[], seed: number, low = -1, high = 1): Tensor {
  const generator = new Generator(seed);
  const unit = rand(shape, { dtype: 'float64', generator });
  const scaled = unit.mul(high - low).add(low);
  unit.dispose();
  return scaled;
}
