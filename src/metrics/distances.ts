/**
 * Pairwise Euclidean distances between feature sets, computed in row blocks so that memory
 * stays at blockSize x M values however large the sets are.
 */
import { tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';

/** Rows of the first set per block of the distance matrix. Default of the functions below. */
export const DEFAULT_BLOCK_SIZE = 1000;

/**
 * Squared distances ||a_i - b_j||^2 = ||a_i||^2 + ||b_j||^2 - 2 a_i . b_j for a [n, d] and
 * b [m, d], clamped at 0 against rounding: [n, m].
 */
export function squaredDistances(a: Tensor, b: Tensor): Tensor {
  return tidy(() => {
    const aNorms = a.square().sum(1, { keepdim: true }); // [n, 1]
    const bNorms = b.square().sum(1).unsqueeze(0); // [1, m]
    return aNorms.add(bNorms).sub(a.mm(b.mT).mul(2)).clamp(0);
  });
}

/**
 * Applies `visit` to each block of rows of the squared distance matrix between `rows` [n, d]
 * and `columns` [m, d], and returns its results in order. Block [end - start, m] covers rows
 * start..end-1 and is disposed after `visit` returns; tensors that `visit` returns survive.
 */
export function mapDistanceBlocks<T>(
  rows: Tensor,
  columns: Tensor,
  visit: (block: Tensor, start: number) => T,
  blockSize = DEFAULT_BLOCK_SIZE,
): T[] {
  const results: T[] = [];
  const count = rows.size(0);
  for (let start = 0; start < count; start += blockSize) {
    const length = Math.min(blockSize, count - start);
    results.push(
      tidy(() => visit(squaredDistances(rows.narrow(0, start, length), columns), start)),
    );
  }
  return results;
}
