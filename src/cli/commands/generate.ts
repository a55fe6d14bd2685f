/** `aigc generate`: samples from a checkpoint, whatever model it holds. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';

import { loadDcganGenerator, sampleDcgan } from '../../sample/dcgan.js';
import { writeImageGrid, writeSeparateImages } from '../../sample/image-output.js';
import { plural } from '../../train/logger.js';
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
  separate: {
    type: 'string',
    value: 'DIR',
    help: 'also write one PNG per image into DIR, which must hold no earlier images',
  },
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
  const out = resolve(stringOption(values, 'out') ?? 'samples.png');
  const separateOption = stringOption(values, 'separate');
  const separate = separateOption === undefined ? undefined : resolve(separateOption);
  checkImageOutputs(out, separate);

  const generator = loadDcganGenerator(path, device);
  const images = sampleDcgan(generator, { count, seed, label, device });
  await writeImageGrid(out, images, columns);
  console.log(`wrote ${plural(count, 'image')} from ${path} to ${out}`);
  if (separate !== undefined) {
    const paths = await writeSeparateImages(separate, images);
    console.log(`wrote ${paths.length} PNG files to ${separate}`);
  }
  return 0;
}

/** Rejects output paths that cannot be written before any sampling work starts. */
function checkImageOutputs(out: string, separate: string | undefined): void {
  if (existsSync(out) && statSync(out).isDirectory()) {
    throw new UsageError(`--out ${out} is a folder; name a .png file, such as ${out}/samples.png`);
  }
  if (extname(out).toLowerCase() !== '.png') {
    throw new UsageError(
      `--out ${out}: aigc writes PNG images only; name the file with a .png extension`,
    );
  }
  if (separate !== undefined && existsSync(separate)) {
    if (!statSync(separate).isDirectory()) {
      throw new UsageError(`--separate ${separate} is a file, not a folder; name a folder`);
    }
    // Overwriting some numbered images of an earlier call and keeping the rest would mix runs.
    const earlier = readdirSync(separate).filter((name) => /^\d{5}\.png$/.test(name));
    if (earlier.length > 0) {
      throw new UsageError(
        `--separate ${separate} already contains ${plural(earlier.length, 'numbered image')} ` +
          `(${earlier[0]}, ...); name an empty or new folder, or delete them first`,
      );
    }
  }
}
