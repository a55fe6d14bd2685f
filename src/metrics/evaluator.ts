/**
 * FID and KID during training: createImageEvaluator prepares the classifier and the reference
 * features once, and evaluate() then scores a generator from a few thousand samples.
 */
import type { Device } from '../engine/dtype.js';
import { keep, tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { ConsoleLogger, type Logger } from '../train/logger.js';
import { loadClassifierSplits } from '../train/classifier.js';
import { ensureClassifier, type LoadedClassifier, plannedFeatureDim } from './classifier-cache.js';
import { classifyImageSet, classifySamples } from './features.js';
import { checkFidSampleCount, frechetDistance, gaussianStatistics } from './fid.js';
import { kid } from './kid.js';
import { checkReferenceCount } from './sample-counts.js';

export interface ImageEvaluatorOptions {
  /** Side of the generated images; the reference is resized to it. */
  imageSize: number;
  channels: number;
  /** Generated samples per evaluation. Default 2000. */
  samples?: number;
  /** KID subsets per evaluation. Default 20. */
  kidSubsets?: number;
  /** Seeds the KID subsets. Default 0. */
  seed?: number;
  device?: Device;
  /** Root of the classifier cache; default `$AIGC_HOME` or `~/.cache/aigc`. */
  cacheDir?: string;
  /** Receives the classifier's training log when none is cached. */
  logger?: Logger;
}

export interface ImageEvaluation {
  fid: number;
  kid: number;
  kidStd: number;
  samples: number;
}

export interface ImageEvaluator {
  /** The classifier whose features the metrics use. */
  readonly classifier: LoadedClassifier;
  /**
   * Draws `samples` images through `sample(n)`, which returns [n, C, H, W] in [-1, 1] and is
   * called with n of at most 500, and returns FID and KID against the test split. The caller
   * switches its generator to eval mode and back, and should draw noise from a Generator of
   * its own so that the evaluation does not shift the training's random stream.
   */
  evaluate(sample: (count: number) => Tensor): ImageEvaluation;
  /** Frees the reference features. */
  dispose(): void;
}

export const DEFAULT_EVALUATOR_SAMPLES = 2000;
const DEFAULT_EVALUATOR_KID_SUBSETS = 20;

/**
 * Loads (or trains and caches) the classifier of `data` and the features of its test split,
 * for repeated evaluations of a generator of images of the given size and channels.
 * FID from 2000 samples is biased upward compared with 10000: compare values only at equal
 * sample counts.
 */
export async function createImageEvaluator(
  data: string,
  options: ImageEvaluatorOptions,
): Promise<ImageEvaluator> {
  const { imageSize, channels, device = 'cpu' } = options;
  const samples = options.samples ?? DEFAULT_EVALUATOR_SAMPLES;
  const logger = options.logger ?? new ConsoleLogger();
  const classifierOptions = { imageSize, channels, device, cacheDir: options.cacheDir };
  const featureDim = plannedFeatureDim(data, classifierOptions);
  checkFidSampleCount(samples, featureDim);
  // The test split is checked before the classifier, whose training takes minutes.
  const { test, heldOut } = await loadClassifierSplits(data, {
    imageSize,
    channels: channels === 3 ? 3 : 1,
    logger,
  });
  checkReferenceCount(test, featureDim, data, heldOut);
  const classifier = await ensureClassifier(data, classifierOptions, logger);
  const reference = tidy(() => {
    const outputs = classifyImageSet(classifier.model, test, { device });
    const statistics = gaussianStatistics(outputs.features);
    return {
      features: keep(outputs.features),
      mean: keep(statistics.mean),
      covariance: keep(statistics.covariance),
      count: statistics.count,
    };
  });
  return {
    classifier,
    evaluate(sample) {
      return tidy(() => {
        const generated = classifySamples(classifier.model, sample, samples, { device });
        const kidResult = kid(reference.features, generated.features, {
          subsets: options.kidSubsets ?? DEFAULT_EVALUATOR_KID_SUBSETS,
          seed: options.seed ?? 0,
        });
        return {
          fid: frechetDistance(reference, gaussianStatistics(generated.features)),
          kid: kidResult.mean,
          kidStd: kidResult.std,
          samples,
        };
      });
    },
    dispose() {
      reference.features.dispose();
      reference.mean.dispose();
      reference.covariance.dispose();
    },
  };
}
