/**
 * `aigc demo`: the first thing to run. Trains the tutorial's DCGAN on Fashion-MNIST for a few
 * minutes and writes a sample grid, using Debian's copy of the data so it works offline.
 */
import { resolve } from 'node:path';

import { ConsoleLogger } from '../../train/logger.js';
import { RunFolder } from '../../train/run-folder.js';
import { DEFAULT_DCGAN_TRAIN_OPTIONS, trainDcgan } from '../../train/dcgan.js';
import { loadDcganGenerator, sampleDcgan } from '../../sample/dcgan.js';
import { writeImageGrid } from '../../sample/image-output.js';
import {
  floatOption,
  formatOptions,
  type OptionSpecs,
  parseOptions,
  stringOption,
} from '../args.js';

const DEMO_OPTIONS: OptionSpecs = {
  minutes: { type: 'string', value: 'MIN', help: 'minutes of training (default 10)' },
  out: { type: 'string', value: 'DIR', help: 'run folder (default runs/demo-fashion-dcgan)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export const DEMO_HELP = `Usage: aigc demo [options]

Trains the tutorial's DCGAN on Fashion-MNIST for a fixed time (batch 64, Adam lr 2e-4 and
beta1 0.5) and writes 64 generated images to RUN/demo-samples.png. When the run folder
already contains a checkpoint, the demo resumes from it until the run has trained for MIN
minutes in all. So an interrupted demo continues where it stopped, and a finished one only
draws its samples again.

Options:
${formatOptions(DEMO_OPTIONS)}`;

export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseOptions(argv, DEMO_OPTIONS);
  if (values.help) {
    console.log(DEMO_HELP);
    return 0;
  }
  const out = resolve(stringOption(values, 'out') ?? 'runs/demo-fashion-dcgan');
  const minutes = floatOption(values, 'minutes', 10);
  const logger = new ConsoleLogger();
  const result = await trainDcgan(
    {
      ...DEFAULT_DCGAN_TRAIN_OPTIONS,
      data: 'fashion-mnist',
      out,
      epochs: 50,
      timeLimitMinutes: minutes,
      batchSize: 64,
      lr: 2e-4,
      beta1: 0.5,
      logEvery: 100,
      resume: new RunFolder(out).latestCheckpoint() !== null,
    },
    logger,
  );
  const generator = loadDcganGenerator(result.checkpoint);
  const samples = resolve(out, 'demo-samples.png');
  await writeImageGrid(samples, sampleDcgan(generator, { count: 64, seed: 7 }), 8);
  logger.info(`\nDemo finished. Files:`);
  logger.info(`  generated images:  ${samples}`);
  logger.info(`  grid per epoch:    ${resolve(out, 'samples')}`);
  logger.info(`  metrics:           ${resolve(out, 'metrics.jsonl')}`);
  logger.info(`  checkpoint:        ${result.checkpoint}`);
  logger.info(`Draw more with: aigc generate --checkpoint ${out} --count 64 --seed 1`);
  return result.interrupted ? 130 : 0;
}
