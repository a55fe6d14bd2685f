/** `aigc train classifier`: trains the metrics classifier of a data set and caches it. */
import {
  type ClassifierTrainOptions,
  DEFAULT_CLASSIFIER_TRAIN_OPTIONS,
  trainClassifier,
} from '../../train/classifier.js';
import { ConsoleLogger, type Logger } from '../../train/logger.js';
import {
  deviceOption,
  floatOption,
  formatOptions,
  intOption,
  type OptionSpecs,
  parseOptions,
  requireOption,
  stringOption,
} from '../args.js';

const d = DEFAULT_CLASSIFIER_TRAIN_OPTIONS;

const CLASSIFIER_OPTIONS: OptionSpecs = {
  data: { type: 'string', value: 'NAME|PATH', help: 'data set name or path (required)' },
  epochs: {
    type: 'string',
    value: 'N',
    help: `passes over the train split (default ${d.epochs})`,
  },
  'batch-size': { type: 'string', value: 'N', help: `images per step (default ${d.batchSize})` },
  lr: {
    type: 'string',
    value: 'X',
    help: `Adam learning rate, decayed to 0 on a cosine (default ${d.lr})`,
  },
  seed: {
    type: 'string',
    value: 'N',
    help: `seed of initialisation, dropout and data order (default ${d.seed})`,
  },
  'image-size': {
    type: 'string',
    value: 'PX',
    help: "resize images to PX x PX pixels (default: the data's size)",
  },
  width: {
    type: 'string',
    value: 'N',
    help: `channels of the first convolution (default ${d.width})`,
  },
  'feature-dim': {
    type: 'string',
    value: 'N',
    help: `size of the feature layer the metrics use (default ${d.featureDim})`,
  },
  out: {
    type: 'string',
    value: 'FILE',
    help: 'file to write (default: the cache, $AIGC_HOME/classifiers/)',
  },
  'log-every': {
    type: 'string',
    value: 'N',
    help: `steps between log lines (default ${d.logEvery})`,
  },
  device: { type: 'string', value: 'cpu|cuda', help: 'where to train (default cpu)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export const TRAIN_CLASSIFIER_HELP = `Usage: aigc train classifier --data NAME|PATH [options]

Trains the small CNN whose features and predictions 'aigc eval' uses for FID, KID, the
classifier score, precision and recall, and prints its test accuracy. The classifier is
cached as $AIGC_HOME/classifiers/<data>-<channels>x<size>.safetensors (AIGC_HOME defaults to
~/.cache/aigc); 'aigc eval' trains it by itself when it is missing. Training again replaces
the cached file.

Options:
${formatOptions(CLASSIFIER_OPTIONS)}

Example:
  aigc train classifier --data fashion-mnist`;

/** Parses `aigc train classifier` options; null when --help was given. */
export function parseClassifierOptions(argv: string[]): ClassifierTrainOptions | null {
  const { values } = parseOptions(argv, CLASSIFIER_OPTIONS);
  if (values.help) return null;
  return {
    ...d,
    data: requireOption(values, 'data', 'name a data set (fashion-mnist, mnist) or a path'),
    epochs: intOption(values, 'epochs', d.epochs),
    batchSize: intOption(values, 'batch-size', d.batchSize),
    lr: floatOption(values, 'lr', d.lr),
    seed: intOption(values, 'seed', d.seed, 0),
    imageSize: intOption(values, 'image-size', undefined, 4),
    width: intOption(values, 'width', d.width),
    featureDim: intOption(values, 'feature-dim', d.featureDim),
    out: stringOption(values, 'out'),
    logEvery: intOption(values, 'log-every', d.logEvery),
    device: deviceOption(values),
  };
}

/** Runs `aigc train classifier ARGS`; returns the exit code. */
export async function trainClassifierCommand(
  argv: string[],
  logger: Logger = new ConsoleLogger(),
): Promise<number> {
  const options = parseClassifierOptions(argv);
  if (options === null) {
    logger.info(TRAIN_CLASSIFIER_HELP);
    return 0;
  }
  const result = await trainClassifier(options, logger);
  logger.info(
    `classifier for ${options.data}: test accuracy ${result.meta.testAccuracy.toFixed(4)}, ` +
      `saved to ${result.path}`,
  );
  return 0;
}
