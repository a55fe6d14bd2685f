/**
 * DCGAN (Radford et al., 2016, https://arxiv.org/abs/1511.06434) as the TensorFlow DCGAN
 * tutorial builds it for 28x28 MNIST, generalised to any channel count and to image sizes
 * divisible by 4. Keras defaults are kept where they change the result: LeakyReLU slope 0.3,
 * BatchNormalization momentum 0.99 (0.01 in PyTorch's convention) and epsilon 1e-3, and
 * Glorot-uniform kernels with zero biases.
 *
 * Shapes, with S = imageSize / 4, z = latentDim and K classes when conditional:
 *   generator:     [N, z (+K)] -> dense [N, 256*S*S] -> [N, 256, S, S] -> [N, 128, S, S]
 *                  -> [N, 64, 2S, 2S] -> [N, C, 4S, 4S] in [-1, 1]
 *   discriminator: [N, C (+K), 4S, 4S] -> [N, 64, 2S, 2S] -> [N, 128, S, S] -> [N, 1] logits
 * A conditional model appends a one-hot label to z, and K one-hot label planes to the image.
 */
import { cat } from '../engine/ops.js';
import type { Tensor } from '../engine/tensor.js';
import { oneHot } from '../nn/functional.js';
import {
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  ConvTranspose2d,
  Dropout,
  Flatten,
  LeakyReLU,
  Linear,
  Module,
  Sequential,
  Tanh,
  Unflatten,
} from '../nn/index.js';

export interface DcganConfig {
  /** Image channels: 1 for grayscale, 3 for RGB. Default 1. */
  channels: number;
  /** Image height and width in pixels; divisible by 4. Default 28. */
  imageSize: number;
  /** Size of the noise vector z. Default 100. */
  latentDim: number;
  /** Classes for a conditional model; 0 trains an unconditional one. Default 0. */
  numClasses: number;
}

export const DEFAULT_DCGAN_CONFIG: DcganConfig = {
  channels: 1,
  imageSize: 28,
  latentDim: 100,
  numClasses: 0,
};

const LEAKY_SLOPE = 0.3;
const BN = { momentum: 0.01, eps: 1e-3 };

export function validateDcganConfig(config: DcganConfig): void {
  const { channels, imageSize, latentDim, numClasses } = config;
  if (!Number.isInteger(imageSize) || imageSize < 8 || imageSize % 4 !== 0) {
    throw new RangeError(
      `DCGAN image size must be a multiple of 4 and at least 8, got ${imageSize}; ` +
        'resize the images (--image-size) to 28, 32 or 64 for instance',
    );
  }
  if (channels !== 1 && channels !== 3) {
    throw new RangeError(`DCGAN channels must be 1 or 3, got ${channels}`);
  }
  if (!Number.isInteger(latentDim) || latentDim < 1) {
    throw new RangeError(`DCGAN latent size must be a positive integer, got ${latentDim}`);
  }
  if (!Number.isInteger(numClasses) || numClasses < 0) {
    throw new RangeError(`DCGAN class count must be 0 or more, got ${numClasses}`);
  }
}

function appendLabelVector(z: Tensor, labels: Tensor | undefined, numClasses: number): Tensor {
  if (numClasses === 0) return z;
  if (!labels) throw new TypeError('this DCGAN is conditional: pass the class labels');
  return cat([z, oneHot(labels, numClasses).to(z.dtype)], 1);
}

export class DcganGenerator extends Module {
  readonly net: Sequential;

  constructor(readonly config: DcganConfig) {
    super();
    validateDcganConfig(config);
    const s = config.imageSize / 4;
    const init = { init: 'keras' as const, bias: false };
    this.net = this.registerModule(
      'net',
      new Sequential(
        new Linear(config.latentDim + config.numClasses, 256 * s * s, init),
        new BatchNorm1d(256 * s * s, BN),
        new LeakyReLU(LEAKY_SLOPE),
        new Unflatten([256, s, s]),
        new ConvTranspose2d(256, 128, 5, { ...init, stride: 1, padding: 2 }),
        new BatchNorm2d(128, BN),
        new LeakyReLU(LEAKY_SLOPE),
        new ConvTranspose2d(128, 64, 5, { ...init, stride: 2, padding: 2, outputPadding: 1 }),
        new BatchNorm2d(64, BN),
        new LeakyReLU(LEAKY_SLOPE),
        new ConvTranspose2d(64, config.channels, 5, {
          ...init,
          stride: 2,
          padding: 2,
          outputPadding: 1,
        }),
        new Tanh(),
      ),
    );
  }

  /** z [N, latentDim], labels int64 [N] when conditional -> images [N, C, H, W] in [-1, 1]. */
  forward(z: Tensor, labels?: Tensor): Tensor {
    return this.net.forward(appendLabelVector(z, labels, this.config.numClasses));
  }
}

export class DcganDiscriminator extends Module {
  readonly net: Sequential;

  constructor(readonly config: DcganConfig) {
    super();
    validateDcganConfig(config);
    const s = config.imageSize / 4;
    const init = { init: 'keras' as const };
    this.net = this.registerModule(
      'net',
      new Sequential(
        new Conv2d(config.channels + config.numClasses, 64, 5, { ...init, stride: 2, padding: 2 }),
        new LeakyReLU(LEAKY_SLOPE),
        new Dropout(0.3),
        new Conv2d(64, 128, 5, { ...init, stride: 2, padding: 2 }),
        new LeakyReLU(LEAKY_SLOPE),
        new Dropout(0.3),
        new Flatten(),
        new Linear(128 * s * s, 1, init),
      ),
    );
  }

  /** images [N, C, H, W], labels int64 [N] when conditional -> logits [N, 1]. */
  forward(images: Tensor, labels?: Tensor): Tensor {
    const { numClasses, imageSize } = this.config;
    if (numClasses === 0) return this.net.forward(images);
    if (!labels) throw new TypeError('this DCGAN is conditional: pass the class labels');
    const planes = oneHot(labels, numClasses)
      .to(images.dtype)
      .reshape([-1, numClasses, 1, 1])
      .expand([-1, numClasses, imageSize, imageSize]); // [N, K, H, W]
    return this.net.forward(cat([images, planes], 1));
  }
}
