/**
 * A small CNN image classifier whose penultimate layer is the feature space of the image
 * metrics (FID, KID, precision and recall), in place of the Inception network that
 * torch-fidelity and clean-fid download. Two strided 5x5 convolutions with batch norm and
 * ReLU, a dense feature layer with ReLU, dropout, and the class head.
 *
 * Strided convolutions stand in for convolution plus max pooling because, in one measurement
 * with libtorch 1.13 on a shared 2-core CPU, designs with full-resolution 3x3 convolutions and
 * pooling trained 1.6 to 3.8 times fewer images per second.
 *
 * Shapes, with W = width, S1 = ceil(imageSize / 2), S2 = ceil(S1 / 2), F = featureDim:
 *   [N, C, H, W] -> [N, W, S1, S1] -> [N, 2W, S2, S2] -> features [N, F] -> logits [N, K]
 */
import type { Tensor } from '../engine/tensor.js';
import {
  BatchNorm2d,
  Conv2d,
  Dropout,
  Flatten,
  Linear,
  Module,
  ReLU,
  Sequential,
} from '../nn/index.js';

export interface ClassifierConfig {
  /** Image channels: 1 for grayscale, 3 for RGB. */
  channels: number;
  /** Image height and width in pixels; at least 4. */
  imageSize: number;
  /** Number of classes; at least 2. */
  numClasses: number;
  /** Channels of the first convolution; the second has twice as many. Default 32. */
  width: number;
  /** Size of the feature layer, the dimension of the metrics' feature space. Default 128. */
  featureDim: number;
}

export const DEFAULT_CLASSIFIER_WIDTH = 32;
export const DEFAULT_FEATURE_DIM = 128;

/** Dropout between the feature layer and the class head, active in training only. */
const HEAD_DROPOUT = 0.5;

export function validateClassifierConfig(config: ClassifierConfig): void {
  const checks: [string, number, number][] = [
    ['channels', config.channels, 1],
    ['image size', config.imageSize, 4],
    ['class count', config.numClasses, 2],
    ['width', config.width, 1],
    ['feature size', config.featureDim, 1],
  ];
  for (const [name, value, min] of checks) {
    if (!Number.isInteger(value) || value < min) {
      throw new RangeError(
        `classifier ${name} must be an integer of at least ${min}, got ${value}`,
      );
    }
  }
}

/** Builds a 5x5 convolution with stride 2, which halves the side (rounding up), batch norm and ReLU. */
function downsample(inChannels: number, outChannels: number): Sequential {
  return new Sequential(
    new Conv2d(inChannels, outChannels, 5, { stride: 2, padding: 2, bias: false }),
    new BatchNorm2d(outChannels),
    new ReLU(),
  );
}

export class ImageClassifier extends Module {
  readonly convs: Sequential;
  readonly features: Sequential;
  readonly dropout: Dropout;
  readonly head: Linear;

  constructor(readonly config: ClassifierConfig) {
    super();
    validateClassifierConfig(config);
    const { channels, imageSize, numClasses, width, featureDim } = config;
    const s2 = Math.ceil(Math.ceil(imageSize / 2) / 2);
    this.convs = this.registerModule(
      'convs',
      new Sequential(downsample(channels, width), downsample(width, 2 * width)),
    );
    this.features = this.registerModule(
      'features',
      new Sequential(new Flatten(), new Linear(2 * width * s2 * s2, featureDim), new ReLU()),
    );
    this.dropout = this.registerModule('dropout', new Dropout(HEAD_DROPOUT));
    this.head = this.registerModule('head', new Linear(featureDim, numClasses));
  }

  /** images [N, C, H, W] in [-1, 1] -> features [N, F] (after ReLU) and logits [N, K]. */
  forwardWithFeatures(images: Tensor): { features: Tensor; logits: Tensor } {
    const maps = this.convs.forward(images); // [N, 2W, S2, S2]
    const features = this.features.forward(maps); // [N, F]
    const logits = this.head.forward(this.dropout.forward(features)); // [N, K]
    return { features, logits };
  }

  /** images [N, C, H, W] -> logits [N, K]. */
  forward(images: Tensor): Tensor {
    return this.forwardWithFeatures(images).logits;
  }
}
