/**
 * Kernel Inception Distance (Bińkowski et al. 2018, "Demystifying MMD GANs",
 * https://arxiv.org/abs/1801.01401): the unbiased estimate of the squared maximum mean
 * discrepancy (MMD^2) between two feature distributions under a cubic polynomial kernel,
 * averaged over random subsets. The defaults are torch-fidelity's: 100 subsets of 1000.
 *
 * Notation: one subset draws m samples without replacement from each set, X = {x_i} from the
 * first and Y = {y_j} from the second; d is the feature dimension.
 *
 *   k(x, y) = (x . y / d + 1)^3
 *   MMD^2_u = sum_{i != j} k(x_i, x_j) / (m (m - 1)) + sum_{i != j} k(y_i, y_j) / (m (m - 1))
 *             - 2 sum_{i, j} k(x_i, y_j) / m^2
 *
 * KID is the mean of MMD^2_u over the subsets, reported with its standard deviation (divisor
 * the subset count, as torch-fidelity's np.std). Unlike FID it is unbiased, so its expected
 * value is 0 for two samples of one distribution, and single subsets may be negative.
 */
import { einsum } from '../engine/ops.js';
import { Generator, randperm } from '../engine/random.js';
import { tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { checkFeatureMatrix, checkSameDimension, MetricsError } from './errors.js';

export interface KidOptions {
  /** Number of random subsets. Default 100. */
  subsets?: number;
  /** Samples per subset, capped by the smaller set. Default 1000. */
  subsetSize?: number;
  /** Seeds the subset draws, from a generator of their own. Default 0. */
  seed?: number;
}

export interface KidResult {
  /** The mean of MMD^2_u over the subsets. */
  mean: number;
  /** The standard deviation of MMD^2_u over the subsets. */
  std: number;
  subsets: number;
  subsetSize: number;
}

export const DEFAULT_KID_SUBSETS = 100;
export const DEFAULT_KID_SUBSET_SIZE = 1000;

/** Computes the kernel matrix k(a_i, b_j) = (a_i . b_j / d + 1)^3 of a [m, d] and b [n, d]. */
export function polynomialKernel(a: Tensor, b: Tensor): Tensor {
  // Scaling the [m, d] and [n, d] inputs by 1/sqrt(d) saves a pass over the [m, n] matrix.
  const scale = 1 / Math.sqrt(a.size(1));
  const base = a.mul(scale).mm(b.mul(scale).mT).add(1); // [m, n]
  return base.square().mul(base); // cheaper than pow(3), which calls pow per element
}

function trace(matrix: Tensor): number {
  return einsum('ii', matrix).item();
}

/** Computes MMD^2_u of one subset pair x [m, d], y [m, d]. */
export function unbiasedMmd2(x: Tensor, y: Tensor): number {
  return tidy(() => {
    const m = x.size(0);
    const kxx = polynomialKernel(x, x); // [m, m]
    const kyy = polynomialKernel(y, y);
    const kxy = polynomialKernel(x, y);
    const offDiagonalXX = kxx.sum().item() - trace(kxx);
    const offDiagonalYY = kyy.sum().item() - trace(kyy);
    return (offDiagonalXX + offDiagonalYY) / (m * (m - 1)) - (2 * kxy.sum().item()) / (m * m);
  });
}

/** Computes KID between two feature sets [N1, D] and [N2, D], as the file header describes. */
export function kid(first: Tensor, second: Tensor, options: KidOptions = {}): KidResult {
  const a = checkFeatureMatrix(first.shape, 'KID features');
  const b = checkFeatureMatrix(second.shape, 'KID features');
  checkSameDimension(a, b);

  const subsets = options.subsets ?? DEFAULT_KID_SUBSETS;
  const subsetSize = Math.min(options.subsetSize ?? DEFAULT_KID_SUBSET_SIZE, a[0], b[0]);
  if (!Number.isInteger(subsets) || subsets < 1) {
    throw new MetricsError(`KID subsets must be a positive integer, got ${subsets}`);
  }
  if (subsetSize < 2) {
    throw new MetricsError(
      `KID needs at least 2 samples in each set, got ${a[0]} and ${b[0]}; draw more samples`,
    );
  }

  const generator = new Generator(options.seed ?? 0);
  const values: number[] = [];
  tidy(() => {
    const x = first.double();
    const y = second.double();
    for (let i = 0; i < subsets; i++) {
      values.push(
        tidy(() => {
          const xs = x.indexSelect(0, randperm(a[0], { generator }).narrow(0, 0, subsetSize));
          const ys = y.indexSelect(0, randperm(b[0], { generator }).narrow(0, 0, subsetSize));
          return unbiasedMmd2(xs, ys);
        }),
      );
    }
  });

  const mean = values.reduce((sum, v) => sum + v, 0) / subsets;
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / subsets;
  return { mean, std: Math.sqrt(variance), subsets, subsetSize };
}
