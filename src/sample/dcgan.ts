/** Sampling images from a trained DCGAN generator. */
import { full } from '../engine/creation.js';
import type { Device } from '../engine/dtype.js';
import { noGrad } from '../engine/ops.js';
import { Generator, randint, randn } from '../engine/random.js';
import { tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { DcganGenerator, type DcganConfig } from '../models/dcgan.js';
import { readCheckpoint, restoreModule } from '../train/checkpoint.js';

/** Loads the generator of a DCGAN checkpoint file, in eval mode. */
export function loadDcganGenerator(path: string, device: Device = 'cpu'): DcganGenerator {
  return tidy(() => {
    const checkpoint = readCheckpoint(path, 'dcgan');
    const generator = new DcganGenerator(checkpoint.meta.config as DcganConfig);
    restoreModule(checkpoint, 'generator', generator);
    return generator.to(device).eval();
  });
}

export interface DcganSampleOptions {
  count: number;
  /** Seeds the noise: the same seed gives the same images. */
  seed: number;
  /** The class to draw, for a conditional model; default: classes drawn at random. */
  label?: number;
  device?: Device;
}

/** Draws `count` images [count, C, H, W] in [-1, 1]. */
export function sampleDcgan(generator: DcganGenerator, options: DcganSampleOptions): Tensor {
  const { count, seed, label, device = 'cpu' } = options;
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`--count must be a positive integer, got ${count}`);
  }
  const { latentDim, numClasses } = generator.config;
  if (label !== undefined) {
    if (numClasses === 0) {
      throw new RangeError(
        '--label needs a conditional model; this checkpoint was trained without --conditional',
      );
    }
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new RangeError(`--label must be an integer from 0 to ${numClasses - 1}, got ${label}`);
    }
  }
  return tidy(() =>
    noGrad(() => {
      const rng = new Generator(seed);
      const z = randn([count, latentDim], { generator: rng }).to(device);
      let labels: Tensor | undefined;
      if (numClasses > 0) {
        labels =
          label === undefined
            ? randint(0, numClasses, [count], { generator: rng })
            : full([count], label, { dtype: 'int64' });
        labels = labels.to(device);
      }
      return generator.forward(z, labels);
    }),
  );
}

export type { DcganConfig };
