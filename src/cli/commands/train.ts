/** `aigc train MODEL`: one subcommand per model family. */
import { readCheckpointMeta } from '../../train/checkpoint.js';
import { ConsoleLogger } from '../../train/logger.js';
import { RunFolder } from '../../train/run-folder.js';
import { trainTextCommand } from './text.js';
import { trainClassifierCommand } from './train-classifier.js';
import {
  DEFAULT_DCGAN_TRAIN_OPTIONS,
  type DcganTrainOptions,
  trainDcgan,
} from '../../train/dcgan.js';
import {
  defaultRunFolder,
  COMMON_TRAIN_OPTIONS,
  deviceOption,
  floatOption,
  formatOptions,
  intOption,
  type OptionSpecs,
  parseOptions,
  requireOption,
  stringOption,
  UsageError,
} from '../args.js';

const d = DEFAULT_DCGAN_TRAIN_OPTIONS;

const DCGAN_OPTIONS: OptionSpecs = {
  ...COMMON_TRAIN_OPTIONS,
  epochs: {
    type: 'string',
    value: 'N',
    help: `passes over the training data (default ${d.epochs})`,
  },
  'batch-size': { type: 'string', value: 'N', help: `images per step (default ${d.batchSize})` },
  lr: { type: 'string', value: 'X', help: `Adam learning rate of both networks (default ${d.lr})` },
  beta1: { type: 'string', value: 'X', help: `Adam beta1 of both networks (default ${d.beta1})` },
  'time-limit': { type: 'string', value: 'MIN', help: 'stop after MIN minutes of training in all' },
  'image-size': {
    type: 'string',
    value: 'PX',
    help: 'resize images to PX x PX pixels (default: IDX data keeps its size, image folders 64)',
  },
  conditional: { type: 'boolean', help: 'train a class-conditional model on the labels' },
  'checkpoint-every': {
    type: 'string',
    value: 'N',
    help: `epochs between checkpoints (default ${d.checkpointEvery})`,
  },
  'keep-checkpoints': {
    type: 'string',
    value: 'N',
    help: `checkpoints to keep (default ${d.keepCheckpoints})`,
  },
  'eval-every': {
    type: 'string',
    value: 'N',
    help: 'epochs between FID/KID evaluations on 2000 samples (default 0: off)',
  },
  'log-every': {
    type: 'string',
    value: 'N',
    help: `steps between log lines (default ${d.logEvery})`,
  },
};

export const TRAIN_HELP = `Usage: aigc train MODEL [options]

Models:
  dcgan        the TensorFlow tutorial's DCGAN, for MNIST-format or folder images
  gpt          a small GPT language model, for text files or poems
  lstm         an LSTM language model
  classifier   the CNN whose features 'aigc eval' measures images with

Run 'aigc train MODEL --help' for the options of a model.`;

export const TRAIN_DCGAN_HELP = `Usage: aigc train dcgan --data NAME|PATH [options]

Trains a DCGAN and writes a run folder: config.json, metrics.jsonl, a 4x4 sample grid per
epoch (samples/epoch-NNNN.png), progress.gif, and checkpoints/step-N.safetensors.

Data: fashion-mnist (Debian's dataset-fashion-mnist files, else downloaded), mnist
(downloaded, checksum verified), or a PATH: a folder with an IDX image/label pair, an
IDX images file, or a folder of PNG/JPEG images.

Options:
${formatOptions(DCGAN_OPTIONS)}

Example:
  aigc train dcgan --data fashion-mnist --epochs 50 --batch-size 256 --out runs/fashion-dcgan --seed 1`;

function floatOptionOrUndefined(values: Record<string, unknown>, name: string) {
  return values[name] === undefined ? undefined : floatOption(values, name, 0);
}

/**
 * Parses `train dcgan` options. With --resume, every option the command does not give comes
 * from the run's checkpoint, so `--resume --out DIR` continues with the original settings.
 */
export function parseDcganOptions(argv: string[]): DcganTrainOptions | null {
  const { values } = parseOptions(argv, DCGAN_OPTIONS);
  if (values.help) return null;
  const saved = values.resume ? savedDcganOptions(values) : null;
  const data =
    stringOption(values, 'data') ??
    saved?.data ??
    requireOption(values, 'data', 'name a data set (fashion-mnist, mnist) or a path');
  const parsed = parseDcganValues(values, data);
  if (saved === null) return parsed;
  const given = Object.keys(values).map(camelCase);
  const explicit = Object.fromEntries(
    Object.entries(parsed).filter(([key]) => given.includes(key) || key === 'data'),
  );
  return { ...parsed, ...saved, ...explicit, resume: true, out: parsed.out };
}

function camelCase(flag: string): string {
  const name = flag.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());
  return name === 'timeLimit' ? 'timeLimitMinutes' : name;
}

/** Returns the training options stored in the newest checkpoint of the --out folder, if any. */
function savedDcganOptions(values: Record<string, unknown>): DcganTrainOptions | null {
  const out = stringOption(values, 'out');
  if (out === undefined) {
    throw new UsageError('--resume needs --out: the run folder to continue');
  }
  // The trainer warns about damaged checkpoints when it opens the run, so this lookup is quiet.
  const latest = new RunFolder(out).latestIntactCheckpoint(() => {});
  if (latest === null) return null;
  const meta = readCheckpointMeta(latest);
  if (meta.kind !== 'dcgan') {
    throw new UsageError(
      `${latest} contains a ${meta.kind} model; resume it with 'aigc train ${meta.kind}'`,
    );
  }
  return meta.training as DcganTrainOptions;
}

function parseDcganValues(values: Record<string, unknown>, data: string): DcganTrainOptions {
  return {
    ...d,
    data,
    out: stringOption(values, 'out') ?? defaultRunFolder(data, 'dcgan'),
    epochs: intOption(values, 'epochs', d.epochs),
    steps: intOption(values, 'steps', undefined),
    timeLimitMinutes: floatOptionOrUndefined(values, 'time-limit'),
    batchSize: intOption(values, 'batch-size', d.batchSize),
    lr: floatOption(values, 'lr', d.lr),
    beta1: floatOption(values, 'beta1', d.beta1, (v) => v >= 0 && v < 1, 'a number in [0, 1)'),
    seed: intOption(values, 'seed', d.seed, 0),
    resume: Boolean(values.resume),
    device: deviceOption(values),
    imageSize: intOption(values, 'image-size', undefined, 8),
    conditional: Boolean(values.conditional),
    checkpointEvery: intOption(values, 'checkpoint-every', d.checkpointEvery),
    keepCheckpoints: intOption(values, 'keep-checkpoints', d.keepCheckpoints),
    logEvery: intOption(values, 'log-every', d.logEvery),
    evalEvery: intOption(values, 'eval-every', d.evalEvery, 0),
  };
}

export async function trainCommand(argv: string[]): Promise<number> {
  const [model, ...rest] = argv;
  if (model === undefined || model === '--help' || model === '-h') {
    console.log(TRAIN_HELP);
    return model === undefined ? 2 : 0;
  }
  if (model === 'dcgan') {
    const options = parseDcganOptions(rest);
    if (options === null) {
      console.log(TRAIN_DCGAN_HELP);
      return 0;
    }
    const result = await trainDcgan(options, new ConsoleLogger());
    if (result.lastSample) console.log(`latest sample grid: ${result.lastSample}`);
    return result.interrupted ? 130 : 0;
  }
  if (model === 'gpt' || model === 'lstm') return trainTextCommand(model, rest);
  if (model === 'classifier') return trainClassifierCommand(rest);
  throw new UsageError(
    `unknown model '${model}'; available: dcgan, gpt, lstm, classifier. See 'aigc train --help'`,
  );
}
