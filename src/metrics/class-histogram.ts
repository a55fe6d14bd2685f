/**
 * The histogram of the classes the metrics classifier predicts for a set of images, a signal
 * of mode collapse. A generator that covers every class evenly gives shares near 1 / K, and a
 * collapsed one puts most samples in few classes.
 *
 * Notation: c_y the count of samples predicted as class y, N the sample count, K the classes.
 *
 *   share_y = c_y / N      entropy H = -sum_y share_y ln share_y (nats, 0 ln 0 = 0)
 *   normalized entropy = H / ln K (1 for a uniform histogram, 0 when one class takes all)
 */
import { tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { checkFeatureMatrix } from './errors.js';

export interface ClassHistogram {
  counts: number[];
  shares: number[];
  /** Entropy of the shares in nats. */
  entropy: number;
  /** Entropy divided by ln K: 1 for equal shares. */
  normalizedEntropy: number;
  /** The largest share, and the class that has it. */
  maxShare: number;
  maxClass: number;
}

/** Returns the predicted class of each row of logits [N, K], as N class indices. */
export function predictedClasses(logits: Tensor): Int32Array {
  checkFeatureMatrix(logits.shape, 'logits');
  return tidy(() => logits.argmax(1).int().toTypedArray() as Int32Array);
}

/** Counts the classes predicted from logits [N, K], as the file header describes. */
export function classHistogram(logits: Tensor): ClassHistogram {
  const numClasses = logits.size(1);
  const counts = new Array<number>(numClasses).fill(0);
  const predicted = predictedClasses(logits);
  for (const label of predicted) counts[label]!++;
  const shares = counts.map((count) => count / Math.max(1, predicted.length));
  const entropy = -shares.reduce((sum, s) => (s > 0 ? sum + s * Math.log(s) : sum), 0);
  const maxShare = Math.max(...shares);
  return {
    counts,
    shares,
    entropy,
    normalizedEntropy: numClasses > 1 ? entropy / Math.log(numClasses) : 0,
    maxShare,
    maxClass: shares.indexOf(maxShare),
  };
}
