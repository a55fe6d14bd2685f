/**
 * Fréchet distance between Gaussians fitted to two feature sets: FID (Heusel et al. 2017,
 * "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash Equilibrium",
 * https://arxiv.org/abs/1706.08500), computed here on the metrics classifier's features in
 * place of Inception's pool3 features.
 *
 * Notation: mu1, S1 are the mean and covariance of the first set, mu2, S2 of the second.
 *
 *   FID = ||mu1 - mu2||^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2))
 *
 * The matrix square root is taken without forming S1 S2, which is not symmetric:
 *   1. sqrt(S1) = V diag(sqrt(max(lambda, 0))) V^T, from eigh(S1) = (lambda, V).
 *   2. M = sqrt(S1) S2 sqrt(S1) is symmetric positive semi-definite, and has the eigenvalues
 *      of S1 S2, because AB and BA share eigenvalues (A = sqrt(S1), B = sqrt(S1) S2).
 *   3. tr((S1 S2)^(1/2)) = sum_i sqrt(max(eig_i(M), 0)).
 * Everything runs in float64; eigenvalues below zero are rounding error and clamp to zero.
 */
import { einsum, eigh } from '../engine/ops.js';
import { tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { checkFeatureMatrix, MetricsError } from './errors.js';

/** The mean [D] and covariance [D, D] of a feature set, in float64. */
export interface GaussianStatistics {
  mean: Tensor;
  covariance: Tensor;
  /** The number of samples they were estimated from. */
  count: number;
}

/**
 * Throws unless `count` samples give a full-rank covariance of `dim` features, which needs at
 * least dim + 1 samples.
 */
export function checkFidSampleCount(count: number, dim: number, unit = 'samples'): void {
  if (count <= dim) {
    throw new MetricsError(
      `FID needs more samples than feature dimensions for a full-rank covariance: at least ` +
        `${dim + 1} ${unit} for ${dim}-dimensional features, got ${count}; use ${dim + 1} or ` +
        'more (10000 is usual, because FID is biased upward at small sample counts)',
    );
  }
}

/** Fits a Gaussian to `features` [N, D]: the mean and the unbiased covariance (divisor N - 1). */
export function gaussianStatistics(features: Tensor): GaussianStatistics {
  const [count, dim] = checkFeatureMatrix(features.shape, 'FID features');
  checkFidSampleCount(count, dim);
  return tidy(() => {
    const x = features.double(); // [N, D]
    const mean = x.mean(0); // [D]
    const centered = x.sub(mean); // [N, D]
    const covariance = centered.mT.mm(centered).div(count - 1); // [D, D]
    return { mean, covariance, count };
  });
}

/** Computes sqrt(S) of a symmetric positive semi-definite S from its eigendecomposition. */
function symmetricSqrt(matrix: Tensor): Tensor {
  const { eigenvalues, eigenvectors } = eigh(matrix);
  const roots = eigenvalues.clamp(0).sqrt(); // [D]
  return eigenvectors.mul(roots).mm(eigenvectors.mT); // V diag(roots) V^T, [D, D]
}

/** Computes the Fréchet distance between two Gaussians, in the steps of the file header. */
export function frechetDistance(first: GaussianStatistics, second: GaussianStatistics): number {
  const dims = [first.mean.size(0), second.mean.size(0)];
  if (dims[0] !== dims[1]) {
    throw new MetricsError(
      `FID: the feature sets have ${dims[0]} and ${dims[1]} dimensions; extract both with the ` +
        'same classifier',
    );
  }
  return tidy(() => {
    const s1 = first.covariance.double();
    const s2 = second.covariance.double();
    const meanTerm = first.mean.double().sub(second.mean.double()).square().sum().item();
    const sqrtS1 = symmetricSqrt(s1); // step 1
    const product = sqrtS1.mm(s2).mm(sqrtS1); // step 2, [D, D]
    const symmetric = product.add(product.mT).mul(0.5); // removes rounding asymmetry
    const traceSqrt = eigh(symmetric).eigenvalues.clamp(0).sqrt().sum().item(); // step 3
    const traces = einsum('ii', s1).item() + einsum('ii', s2).item();
    return meanTerm + traces - 2 * traceSqrt;
  });
}

/** Computes FID between two feature sets [N1, D] and [N2, D]. */
export function fid(first: Tensor, second: Tensor): number {
  return tidy(() => frechetDistance(gaussianStatistics(first), gaussianStatistics(second)));
}
