/** Drawing images from trained generators for the metrics, batch by batch. */
import { tensor } from '../engine/creation.js';
import type { Device } from '../engine/dtype.js';
import { noGrad } from '../engine/ops.js';
import { Generator, randn } from '../engine/random.js';
import { tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import type { DcganGenerator } from '../models/dcgan.js';

export interface GeneratorSampler {
  /** Returns the next `count` images [count, C, H, W] in [-1, 1]. */
  sample(count: number): Tensor;
  /** The class requested for each image drawn so far; empty for unconditional models. */
  requestedLabels(): Int32Array;
}

/**
 * Samples a DCGAN generator with noise from a Generator of its own, seeded with `seed`, so the
 * default random stream is untouched. A conditional model draws the classes in turn (0, 1, ...,
 * K - 1, 0, ...), which gives every class an equal share. The generator must be in eval mode.
 */
export function dcganSampler(
  generator: DcganGenerator,
  options: { seed: number; device?: Device },
): GeneratorSampler {
  const { latentDim, numClasses } = generator.config;
  const device = options.device ?? 'cpu';
  const random = new Generator(options.seed);
  const labels: number[] = [];
  return {
    sample(count) {
      return tidy(() =>
        noGrad(() => {
          const z = randn([count, latentDim], { generator: random }).to(device); // [n, z]
          if (numClasses === 0) return generator.forward(z);
          const drawn = Array.from({ length: count }, (_, i) => (labels.length + i) % numClasses);
          labels.push(...drawn);
          return generator.forward(z, tensor(drawn, { dtype: 'int64', device }));
        }),
      );
    },
    requestedLabels() {
      return Int32Array.from(labels);
    },
  };
}
