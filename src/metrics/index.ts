/** Image metrics on the features of a small classifier trained on the same data set. */
export { requestedClassAccuracy } from './class-accuracy.js';
export { type ClassHistogram, classHistogram, predictedClasses } from './class-histogram.js';
export {
  ensureClassifier,
  type EnsureClassifierOptions,
  loadClassifier,
  type LoadedClassifier,
} from './classifier-cache.js';
export {
  type ClassifierScore,
  classifierScore,
  type ClassifierScoreOptions,
} from './classifier-score.js';
export { mapDistanceBlocks, squaredDistances } from './distances.js';
export { MetricsError } from './errors.js';
export {
  computeImageMetrics,
  computeSingleSetMetrics,
  formatMetricsTable,
  type ImageMetrics,
  type SingleSetMetrics,
} from './evaluate.js';
export {
  createImageEvaluator,
  type ImageEvaluation,
  type ImageEvaluator,
  type ImageEvaluatorOptions,
} from './evaluator.js';
export { type ClassifierOutputs, classifyImageSet, classifySamples } from './features.js';
export {
  checkFidSampleCount,
  fid,
  frechetDistance,
  gaussianStatistics,
  type GaussianStatistics,
} from './fid.js';
export { kid, type KidOptions, type KidResult, polynomialKernel, unbiasedMmd2 } from './kid.js';
export {
  type PrecisionRecall,
  precisionRecall,
  type PrecisionRecallOptions,
} from './precision-recall.js';
export { dcganSampler, type GeneratorSampler } from './samplers.js';
