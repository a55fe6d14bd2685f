/**
 * A finite-difference gradient checker in float64, in the manner of torch.autograd.gradcheck.
 *
 * For f(inputs) -> y and fixed random weights w of y's shape, it compares the analytic gradient
 * of L = sum(y * w) with respect to every floating input against the central difference
 * (L(x + eps e_j) - L(x - eps e_j)) / (2 eps), element by element.
 */
import assert from 'node:assert/strict';

import { Generator, grad, noGrad, randn, type Tensor, tensor, tidy } from '../../src/index.js';

export interface GradcheckOptions {
  /** Half the step of the central difference. Default 1e-6. */
  eps?: number;
  /** Default 1e-5. */
  atol?: number;
  /** Default 1e-4. */
  rtol?: number;
  /** Indices of the inputs to check. Default: every float64 input. */
  wrt?: readonly number[];
  /** Seed of the weights w. Default 0. */
  seed?: number;
}

interface Mismatch {
  input: number;
  element: number[];
  analytic: number;
  numeric: number;
  excess: number;
}

/** Splits a row-major flat index into one index per dimension. */
function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = flat % shape[d]!;
    flat = Math.floor(flat / shape[d]!);
  }
  return index;
}

/** L(inputs) = sum(f(inputs) * weights), evaluated without recording gradients. */
function loss(f: (inputs: Tensor[]) => Tensor, inputs: Tensor[], weights: Tensor): number {
  return noGrad(() => tidy(() => f(inputs).mul(weights).sum().item()));
}

/** Central differences of L with respect to every element of input `i`. */
function numericGradient(
  f: (inputs: Tensor[]) => Tensor,
  inputs: Tensor[],
  i: number,
  weights: Tensor,
  eps: number,
): Float64Array {
  const input = inputs[i]!;
  const base = input.toTypedArray() as Float64Array;
  const result = new Float64Array(base.length);
  const evaluateAt = (j: number, delta: number) =>
    tidy(() => {
      const shifted = Float64Array.from(base);
      shifted[j]! += delta;
      const replaced = [...inputs];
      replaced[i] = tensor(shifted, { shape: input.shape });
      return loss(f, replaced, weights);
    });
  for (let j = 0; j < base.length; j++) {
    result[j] = (evaluateAt(j, eps) - evaluateAt(j, -eps)) / (2 * eps);
  }
  return result;
}

/**
 * Asserts that the analytic gradient of sum(f(inputs) * w) matches central differences for
 * every checked input. Inputs to check must be float64. The caller keeps ownership of the inputs.
 */
export function gradcheck(
  op: string,
  f: (inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): void {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-4, seed = 0 } = options;
  const wrt = options.wrt ?? inputs.flatMap((t, i) => (t.dtype === 'float64' ? [i] : []));
  assert.ok(wrt.length > 0, `gradcheck ${op}: no float64 input to check`);
  for (const i of wrt) {
    assert.equal(inputs[i]!.dtype, 'float64', `gradcheck ${op}: input ${i} must be float64`);
  }
  tidy(() => {
    const leaves = inputs.map((t, i) => (wrt.includes(i) ? t.detach().requiresGrad_(true) : t));
    const output = f(leaves);
    assert.equal(output.dtype, 'float64', `gradcheck ${op}: the output must be float64`);
    const weights = randn(output.shape, { dtype: 'float64', generator: new Generator(seed) });
    const checked = wrt.map((i) => leaves[i]!);
    const analytic = grad(output.mul(weights).sum(), checked, { allowUnused: true });
    const mismatches: Mismatch[] = [];
    wrt.forEach((i, k) => {
      const shape = inputs[i]!.shape;
      const gradient = analytic[k];
      if (gradient) assert.deepEqual(gradient.shape, shape, `gradcheck ${op}: input ${i} shape`);
      const analyticValues = gradient
        ? (gradient.toTypedArray() as Float64Array)
        : new Float64Array(inputs[i]!.numel());
      const numericValues = numericGradient(f, [...inputs], i, weights, eps);
      numericValues.forEach((numeric, j) => {
        const analytic = analyticValues[j]!;
        const excess = Math.abs(analytic - numeric) - (atol + rtol * Math.abs(numeric));
        if (excess > 0 || Number.isNaN(analytic) || Number.isNaN(numeric)) {
          mismatches.push({ input: i, element: unravel(j, shape), analytic, numeric, excess });
        }
      });
    });
    if (mismatches.length === 0) return;
    // A NaN excess (a NaN gradient) ranks above every finite one.
    const worst = mismatches.reduce((w, m) =>
      Number.isNaN(w.excess) || m.excess <= w.excess ? w : m,
    );
    assert.fail(
      `gradcheck ${op}: ${mismatches.length} elements differ; worst is input ${worst.input} ` +
        `element [${worst.element.join(', ')}]: analytic ${worst.analytic}, numeric ` +
        `${worst.numeric} (atol ${atol}, rtol ${rtol})`,
    );
  });
}
