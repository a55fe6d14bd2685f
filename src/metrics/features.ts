/**
 * Runs the metrics classifier over images in batches and collects its penultimate-layer
 * features and its logits, both as float64 on the CPU, for the metrics of this folder.
 */
import { tensor } from '../engine/creation.js';
import type { Device } from '../engine/dtype.js';
import { cat, noGrad } from '../engine/ops.js';
import { tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import type { ImageSet } from '../data/image-set.js';
import type { ImageClassifier } from '../models/classifier.js';
import { MetricsError } from './errors.js';

/** The classifier's outputs for N images. */
export interface ClassifierOutputs {
  /** Penultimate-layer features [N, F], float64. */
  features: Tensor;
  /** Class logits [N, K], float64. */
  logits: Tensor;
}

export interface ClassifyOptions {
  /** Images per forward pass. Default 500. */
  batchSize?: number;
  /** Device of the classifier. Default 'cpu'. */
  device?: Device;
}

export const DEFAULT_CLASSIFY_BATCH = 500;

/** Throws unless images [N, C, H, W] have the channels and size the classifier expects. */
export function checkImageShape(
  classifier: ImageClassifier,
  shape: readonly number[],
  source: string,
): void {
  const { channels, imageSize } = classifier.config;
  const expected = `[N, ${channels}, ${imageSize}, ${imageSize}]`;
  const fits =
    shape.length === 4 && shape[1] === channels && shape[2] === imageSize && shape[3] === imageSize;
  if (!fits) {
    throw new MetricsError(
      `${source} has images of shape [${shape}], but the metrics classifier takes ${expected}; ` +
        `use images of ${channels} channel(s) at ${imageSize}x${imageSize} pixels, the ` +
        'size of the data set it was trained on',
    );
  }
}

/** Runs the classifier in eval mode on one batch [B, C, H, W]; returns float64 CPU tensors. */
function classifyBatch(classifier: ImageClassifier, images: Tensor, device: Device) {
  return tidy(() =>
    noGrad(() => {
      const { features, logits } = classifier.forwardWithFeatures(images.to(device).float());
      return { features: features.double().cpu(), logits: logits.double().cpu() };
    }),
  );
}

function concatenate(parts: ClassifierOutputs[]): ClassifierOutputs {
  return tidy(() => ({
    features: cat(parts.map((p) => p.features)),
    logits: cat(parts.map((p) => p.logits)),
  }));
}

/** Classifies every image of `set`; the result belongs to the current scope. */
export function classifyImageSet(
  classifier: ImageClassifier,
  set: ImageSet,
  options: ClassifyOptions = {},
): ClassifierOutputs {
  const { batchSize = DEFAULT_CLASSIFY_BATCH, device = 'cpu' } = options;
  checkImageShape(classifier, [set.count, set.channels, set.height, set.width], set.source);
  const size = set.channels * set.height * set.width;
  classifier.eval();
  return tidy(() => {
    const parts: ClassifierOutputs[] = [];
    for (let start = 0; start < set.count; start += batchSize) {
      const end = Math.min(start + batchSize, set.count);
      const shape = [end - start, set.channels, set.height, set.width];
      const batch = tensor(set.images.subarray(start * size, end * size), { shape });
      parts.push(classifyBatch(classifier, batch, device));
    }
    return concatenate(parts);
  });
}

/**
 * Draws `count` images from `sample` in batches of at most `batchSize` and classifies them.
 * `sample(n)` returns images [n, C, H, W] in [-1, 1]; no batch is kept after it is classified.
 */
export function classifySamples(
  classifier: ImageClassifier,
  sample: (count: number) => Tensor,
  count: number,
  options: ClassifyOptions = {},
): ClassifierOutputs {
  const { batchSize = DEFAULT_CLASSIFY_BATCH, device = 'cpu' } = options;
  if (!Number.isInteger(count) || count < 1) {
    throw new MetricsError(`the sample count must be a positive integer, got ${count}`);
  }
  classifier.eval();
  return tidy(() => {
    const parts: ClassifierOutputs[] = [];
    for (let start = 0; start < count; start += batchSize) {
      const n = Math.min(batchSize, count - start);
      parts.push(
        tidy(() => {
          const images = noGrad(() => sample(n));
          if (images.size(0) !== n) {
            throw new MetricsError(`the sampler returned ${images.size(0)} images for ${n}`);
          }
          checkImageShape(classifier, images.shape, 'the generator');
          return classifyBatch(classifier, images, device);
        }),
      );
    }
    return concatenate(parts);
  });
}
