/** `aigc generate`: samples from a checkpoint, whatever model it holds. */
import { resolve } from 'node:path';

import { loadDcganGenerator, sampleDcgan } from '../../sample/dcgan.js';
import { writeImageGrid, writeSeparateImages } from '../../sample/image-output.js';
import { checkpointKind, TEXT_KINDS } from '../checkpoint-arg.js';
import { GENERATE_TEXT_HELP, generateTextCommand } from './text.js';
import {
  deviceOption,
  formatOptions,
  intOption,
  type OptionSpecs,
  parseOptions,
  requireOption,
  stringOption,
  UsageError,
} from '../args.js';

const GENERATE_OPTIONS: OptionSpecs = {
  checkpoint: {
    type: 'string',
    value: 'PATH',
    help: 'run folder (its newest checkpoint) or .safetensors file (required)',
  },
  count: { type: 'string', value: 'N', help: 'images to generate (default 64)' },
  seed: {
    type: 'string',
    value: 'N',
    help: 'noise seed; the same seed gives the same images (default 0)',
  },
  out: { type: 'string', value: 'FILE', help: 'grid PNG to write (default samples.png)' },
  separate: { type: 'string', value: 'DIR', help: 'also write one PNG per image into DIR' },
  columns: { type: 'string', value: 'N', help: 'images per grid row (default: a square grid)' },
  label: { type: 'string', value: 'N', help: 'class to draw, for conditional models' },
  device: { type: 'string', value: 'cpu|cuda', help: 'where to run (default cpu)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export const GENERATE_HELP = `Usage: aigc generate --checkpoint PATH [options]

Draws new samples from a trained model.

Options:
${formatOptions(GENERATE_OPTIONS)}

Example:
  aigc generate --checkpoint runs/fashion-dcgan --count 64 --seed 7 --out samples.png`;

/** Names the checkpoint's model in usage errors, since options differ between models. */
async function withModelContext<T>(kind: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof UsageError && error.message.startsWith('unknown option')) {
      throw new UsageError(`${error.message} (the checkpoint contains a ${kind} model)`);
    }
    throw error;
  }
}

export async function generateCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`${GENERATE_HELP}\n\nFor language models (gpt, lstm):\n\n${GENERATE_TEXT_HELP}`);
    return 0;
  }
  const target = checkpointKind(argv);
  if (target !== null && TEXT_KINDS.includes(target.kind)) {
    return withModelContext(target.kind, () => generateTextCommand(target.path, argv));
  }
  const { values } = await withModelContext(target?.kind ?? 'dcgan', async () =>
    parseOptions(argv, GENERATE_OPTIONS),
  );
  if (values.help) {
    console.log(GENERATE_HELP);
    return 0;
  }
  const count = intOption(values, 'count', 64);
  const seed = intOption(values, 'seed', 0, 0);
  const label = intOption(values, 'label', undefined, 0);
  const columns = intOption(values, 'columns', undefined);
  const device = deviceOption(values);
  requireOption(values, 'checkpoint', 'name a run folder or a checkpoint file');
  const { path, kind } = target!;
  if (kind !== 'dcgan') {
    throw new UsageError(
      `${path} contains a ${kind} model; generate supports dcgan, gpt and lstm checkpoints`,
    );
  }
  const generator = loadDcganGenerator(path, device);
  const images = sampleDcgan(generator, { count, seed, label, device });
  const out = resolve(stringOption(values, 'out') ?? 'samples.png');
  await writeImageGrid(out, images, columns);
  console.log(`wrote ${count} images from ${path} to ${out}`);
  const separate = stringOption(values, 'separate');
  if (separate !== undefined) {
    const paths = await writeSeparateImages(resolve(separate), images);
    console.log(`wrote ${paths.length} PNG files to ${resolve(separate)}`);
  }
  return 0;
}
