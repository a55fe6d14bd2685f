/**
 * For a class-conditional generator: the share of samples that the metrics classifier assigns
 * to the class they were generated for. It measures whether the condition is obeyed, not
 * whether the images are good; the classifier's own test accuracy is its ceiling on real data.
 */
import { tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { MetricsError } from './errors.js';
import { predictedClasses } from './class-histogram.js';

/** Measures the share of rows of logits [N, K] whose most likely class is `requested[i]`. */
export function requestedClassAccuracy(logits: Tensor, requested: Int32Array): number {
  const predicted = tidy(() => predictedClasses(logits));
  if (requested.length !== predicted.length) {
    throw new MetricsError(
      `requested-class accuracy: ${requested.length} requested labels for ` +
        `${predicted.length} samples; pass one label per sample`,
    );
  }
  let correct = 0;
  predicted.forEach((label, i) => {
    if (label === requested[i]) correct++;
  });
  return correct / Math.max(1, predicted.length);
}
