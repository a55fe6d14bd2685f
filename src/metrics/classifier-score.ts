/**
 * The classifier score: the Inception Score formula (Salimans et al. 2016, "Improved
 * Techniques for Training GANs", https://arxiv.org/abs/1606.03498) with the metrics
 * classifier's softmax in place of Inception's. It is high when each image is classified
 * confidently and the classes are used evenly; its maximum is the number of classes K.
 *
 * Notation: p(y|x) the class probabilities of image x, p(y) their mean over a split.
 *
 *   score = exp(E_x KL(p(y|x) || p(y))) = exp(E_x sum_y p(y|x) (log p(y|x) - log p(y)))
 *
 * As torch-fidelity's metric_isc.py does, the rows are shuffled with a seeded permutation
 * and cut into `splits` parts (10 by default), part i taking rows floor(i N / splits) up to
 * floor((i + 1) N / splits). The shuffle matters for sets sorted by class, such as an image
 * folder with a subfolder per class. The score is the mean over the parts, reported with their
 * standard deviation (divisor `splits`).
 */
import { Generator, randperm } from '../engine/random.js';
import { tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { checkFeatureMatrix, MetricsError } from './errors.js';

export interface ClassifierScore {
  mean: number;
  std: number;
  splits: number;
}

export const DEFAULT_SCORE_SPLITS = 10;

/** Computes the score of one split of logits [n, K]. */
function splitScore(logits: Tensor): number {
  return tidy(() => {
    const logP = logits.double().logSoftmax(1); // log p(y|x), [n, K]
    const p = logP.exp();
    const logMarginal = p.mean(0, { keepdim: true }).log(); // log p(y), [1, K]
    const kl = p.mul(logP.sub(logMarginal)).sum(1); // [n]
    return Math.exp(kl.mean().item());
  });
}

export interface ClassifierScoreOptions {
  /** Parts to score separately. Default 10. */
  splits?: number;
  /** Seeds the shuffle of the rows, from a generator of its own. Default 0. */
  seed?: number;
}

/** Computes the classifier score of logits [N, K] over shuffled parts (see the file header). */
export function classifierScore(
  logits: Tensor,
  options: ClassifierScoreOptions = {},
): ClassifierScore {
  const { splits = DEFAULT_SCORE_SPLITS, seed = 0 } = options;
  const [count] = checkFeatureMatrix(logits.shape, 'classifier score logits');
  if (!Number.isInteger(splits) || splits < 1 || splits > count) {
    throw new MetricsError(
      `classifier score: splits must be an integer from 1 to the ${count} samples, got ${splits}`,
    );
  }
  const scores = tidy(() => {
    const shuffled = logits.indexSelect(0, randperm(count, { generator: new Generator(seed) }));
    return Array.from({ length: splits }, (_, i) => {
      const start = Math.floor((i * count) / splits);
      const end = Math.floor(((i + 1) * count) / splits);
      return splitScore(shuffled.narrow(0, start, end - start));
    });
  });
  const mean = scores.reduce((sum, s) => sum + s, 0) / splits;
  const variance = scores.reduce((sum, s) => sum + (s - mean) ** 2, 0) / splits;
  return { mean, std: Math.sqrt(variance), splits };
}
