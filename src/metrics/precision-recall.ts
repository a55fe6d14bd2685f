/**
 * Improved precision and recall (Kynkäänniemi et al. 2019, "Improved Precision and Recall
 * Metric for Assessing Generative Models", https://arxiv.org/abs/1904.06991). Each set spans a
 * manifold: the union of balls around its samples, each reaching the sample's k-th nearest
 * neighbour in the same set (k = 3 in the paper). Precision is the share of generated samples
 * inside the real manifold (fidelity); recall is the share of real samples inside the
 * generated manifold (coverage).
 *
 * Notation: Phi_r real features, Phi_g generated features, NN_k(phi', Phi) the k-th nearest
 * neighbour of phi' in Phi other than phi' itself.
 *
 *   f(phi, Phi) = 1 if ||phi - phi'|| <= ||phi' - NN_k(phi', Phi)|| for some phi' in Phi, else 0
 *   precision = mean over phi in Phi_g of f(phi, Phi_r)
 *   recall    = mean over phi in Phi_r of f(phi, Phi_g)
 *
 * Distances are computed in float32 blocks (see distances.ts) on features centred by the real
 * mean, which keeps the rounding of ||a||^2 + ||b||^2 - 2 a.b small.
 */
import { cat } from '../engine/ops.js';
import { tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { DEFAULT_BLOCK_SIZE, mapDistanceBlocks } from './distances.js';
import { checkFeatureMatrix, checkSameDimension, MetricsError } from './errors.js';

export interface PrecisionRecallOptions {
  /** The neighbour that sets each ball's radius. Default 3. */
  k?: number;
  /** Rows per block of the distance matrix. Default 1000. */
  blockSize?: number;
}

export interface PrecisionRecall {
  precision: number;
  recall: number;
  k: number;
}

export const DEFAULT_NEIGHBOURS = 3;

/** Returns the squared distance from each sample of `manifold` [n, d] to its k-th nearest other: [n]. */
export function kthNeighbourRadii(manifold: Tensor, k: number, blockSize: number): Tensor {
  const radii = mapDistanceBlocks(
    manifold,
    manifold,
    (block) => {
      // The smallest distance in each row is the sample to itself, so take the (k + 1)-th.
      const nearest = block.topk(k + 1, { dim: 1, largest: false }).values; // [b, k + 1]
      return nearest.select(1, k).contiguous(); // [b]
    },
    blockSize,
  );
  return cat(radii); // [n]
}

/** Measures the share of `probes` [p, d] that lie in at least one ball of the manifold [n, d]. */
export function manifoldCoverage(
  probes: Tensor,
  manifold: Tensor,
  radii: Tensor,
  blockSize: number,
): number {
  const counts = mapDistanceBlocks(
    probes,
    manifold,
    // A probe is inside when min_j (d_j - r_j) <= 0 over the manifold samples j.
    (block) => block.sub(radii.unsqueeze(0)).amin(1).le(0).sum().item(), // block [b, n]
    blockSize,
  );
  return counts.reduce((sum, count) => sum + count, 0) / probes.size(0);
}

/** Computes improved precision and recall of `generated` [N2, D] against `real` [N1, D]. */
export function precisionRecall(
  real: Tensor,
  generated: Tensor,
  options: PrecisionRecallOptions = {},
): PrecisionRecall {
  const k = options.k ?? DEFAULT_NEIGHBOURS;
  const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
  const a = checkFeatureMatrix(real.shape, 'precision/recall features');
  const b = checkFeatureMatrix(generated.shape, 'precision/recall features');
  checkSameDimension(a, b);
  const needed = k + 1;
  if (!Number.isInteger(k) || k < 1) {
    throw new MetricsError(`precision/recall: k must be a positive integer, got ${k}`);
  }
  if (a[0] < needed || b[0] < needed) {
    throw new MetricsError(
      `precision/recall with k = ${k} needs at least ${needed} samples in each set, got ` +
        `${a[0]} real and ${b[0]} generated; draw more samples`,
    );
  }
  return tidy(() => {
    const center = real.float().mean(0);
    const realFeatures = real.float().sub(center); // [N1, D]
    const generatedFeatures = generated.float().sub(center); // [N2, D]
    const realRadii = kthNeighbourRadii(realFeatures, k, blockSize);
    const generatedRadii = kthNeighbourRadii(generatedFeatures, k, blockSize);
    return {
      precision: manifoldCoverage(generatedFeatures, realFeatures, realRadii, blockSize),
      recall: manifoldCoverage(realFeatures, generatedFeatures, generatedRadii, blockSize),
      k,
    };
  });
}
