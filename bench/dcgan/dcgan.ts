/**
 * Times aigc's DCGAN training step, the code `aigc train dcgan` runs, on random images.
 * Prints one JSON line in the format of dcgan_torch.py, its PyTorch peer.
 *
 * Usage: node dist/bench/dcgan/dcgan.js [--steps 20] [--warmup 3] [--batch-size 256]
 */
import { parseArgs } from 'node:util';

import { config, manualSeed, rand, tensor, tidy } from '../../src/index.js';
import { buildNetworks, DcganTrainer, DEFAULT_DCGAN_TRAIN_OPTIONS } from '../../src/train/dcgan.js';
import type { DcganConfig } from '../../src/models/dcgan.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    'batch-size': { type: 'string', default: '256' },
  },
});
const steps = Number(values.steps);
const warmup = Number(values.warmup);
const batchSize = Number(values['batch-size']);

manualSeed(1);
const model: DcganConfig = { channels: 1, imageSize: 28, latentDim: 100, numClasses: 0 };
const options = { ...DEFAULT_DCGAN_TRAIN_OPTIONS, data: 'random', out: '', batchSize };
const nets = buildNetworks(model, options);
const images = rand([batchSize, 1, 28, 28]).mul(2).sub(1);
const trainer = new DcganTrainer(nets, { images, labels: null }, model, options);
const indices = tensor(BigInt64Array.from({ length: batchSize }, (_, i) => BigInt(i)));

for (let i = 0; i < warmup; i++) tidy(() => trainer.step(indices));
const start = performance.now();
for (let i = 0; i < steps; i++) tidy(() => trainer.step(indices));
const seconds = (performance.now() - start) / 1000;
const linked = config();
console.log(
  JSON.stringify({
    peer: 'aigc',
    torch: linked.torchVersion,
    threads: linked.threads,
    openblas_threads: process.env.OPENBLAS_NUM_THREADS,
    batch_size: batchSize,
    steps,
    images_per_second: (steps * batchSize) / seconds,
    ms_per_step: (seconds / steps) * 1000,
  }),
);
