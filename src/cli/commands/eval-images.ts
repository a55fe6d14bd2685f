/** `aigc eval`: FID, KID, classifier score, precision and recall of generated images. */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { writeFileAtomic } from '../../io/atomic.js';
import { formatMetricsTable } from '../../metrics/evaluate.js';
import {
  DEFAULT_EVAL_SAMPLES,
  defaultReportPath,
  type EvalImagesOptions,
  type EvalReport,
  type EvalSource,
  evaluateImages,
} from '../../metrics/evaluate-images.js';
import { DEFAULT_KID_SUBSET_SIZE, DEFAULT_KID_SUBSETS } from '../../metrics/kid.js';
import { DEFAULT_CLASSIFY_BATCH } from '../../metrics/features.js';
import { ConsoleLogger, type Logger } from '../../train/logger.js';
import {
  deviceOption,
  formatOptions,
  intOption,
  type OptionSpecs,
  parseOptions,
  stringOption,
  UsageError,
} from '../args.js';

export const EVAL_OPTIONS: OptionSpecs = {
  checkpoint: {
    type: 'string',
    value: 'PATH',
    help: 'run folder (its newest checkpoint) or .safetensors file to sample',
  },
  real: { type: 'boolean', help: 'measure train images instead: the floor real images reach' },
  images: {
    type: 'string',
    value: 'PATH',
    help: 'measure these images: an IDX images file or a folder of PNG/JPEG',
  },
  data: {
    type: 'string',
    value: 'NAME|PATH',
    help: "data set whose test split is the reference (default: the checkpoint's)",
  },
  samples: {
    type: 'string',
    value: 'N',
    help: `images to generate or compare (default ${DEFAULT_EVAL_SAMPLES}; --images: all)`,
  },
  seed: {
    type: 'string',
    value: 'N',
    help: 'seed of the noise, the image choice and the KID subsets (default 0)',
  },
  'image-size': {
    type: 'string',
    value: 'PX',
    help: "--real and --images: image side for the metrics (default: the data's)",
  },
  classifier: {
    type: 'string',
    value: 'FILE',
    help: 'classifier file to use in place of the cached one',
  },
  'kid-subsets': {
    type: 'string',
    value: 'N',
    help: `random subsets KID averages over (default ${DEFAULT_KID_SUBSETS})`,
  },
  'kid-subset-size': {
    type: 'string',
    value: 'N',
    help: `images per KID subset (default ${DEFAULT_KID_SUBSET_SIZE})`,
  },
  'batch-size': {
    type: 'string',
    value: 'N',
    help: `images per forward pass (default ${DEFAULT_CLASSIFY_BATCH})`,
  },
  out: {
    type: 'string',
    value: 'FILE',
    help: 'JSON report to write (default: eval.json in the --checkpoint run folder)',
  },
  device: { type: 'string', value: 'cpu|cuda', help: 'where to run (default cpu)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export const EVAL_HELP = `Usage: aigc eval (--checkpoint PATH | --real | --images PATH) [options]

Measures images against the test split of a data set, in the features of a small CNN
classifier trained on that data set (trained and cached first when missing): FID, KID,
precision and recall (k=3), the classifier score, and the histogram of predicted classes.
For class-conditional models it also reports how often the requested class is recognised.

Options:
${formatOptions(EVAL_OPTIONS)}

Examples:
  aigc eval --checkpoint runs/fashion-dcgan --samples 10000 --seed 1
  aigc eval --data fashion-mnist --real
  aigc eval --data fashion-mnist --images samples/`;

function sourceOf(values: Record<string, string | boolean | undefined>): EvalSource {
  const checkpoint = stringOption(values, 'checkpoint');
  const images = stringOption(values, 'images');
  const chosen = [checkpoint !== undefined, Boolean(values.real), images !== undefined];
  if (chosen.filter(Boolean).length !== 1) {
    throw new UsageError(
      'pass exactly one of --checkpoint PATH, --real or --images PATH; see aigc eval --help',
    );
  }
  if (checkpoint !== undefined) return { kind: 'checkpoint', path: checkpoint };
  if (images !== undefined) {
    // Checked here so that a typo fails before the classifier and the reference load.
    if (!existsSync(images)) {
      throw new UsageError(
        `--images ${images}: not found; pass an IDX image file or a folder of PNG or JPEG images`,
      );
    }
    return { kind: 'images', path: images };
  }
  return { kind: 'real' };
}

/** Parses `aigc eval` options and the report file (--out); null when --help was given. */
export function parseEvalOptions(
  argv: string[],
): { options: EvalImagesOptions; out: string | undefined } | null {
  const { values } = parseOptions(argv, EVAL_OPTIONS);
  if (values.help) return null;
  const source = sourceOf(values);
  const data = stringOption(values, 'data');
  if (source.kind !== 'checkpoint' && data === undefined) {
    throw new UsageError(`--${source.kind} needs --data NAME|PATH, the reference data set`);
  }
  const imageSize = intOption(values, 'image-size', undefined, 4);
  if (source.kind === 'checkpoint' && imageSize !== undefined) {
    throw new UsageError(
      '--image-size applies to --real and --images; a checkpoint is measured at its own size',
    );
  }
  const options: EvalImagesOptions = {
    source,
    data,
    samples: intOption(values, 'samples', undefined),
    seed: intOption(values, 'seed', 0, 0),
    imageSize,
    classifier: stringOption(values, 'classifier'),
    kidSubsets: intOption(values, 'kid-subsets', DEFAULT_KID_SUBSETS),
    kidSubsetSize: intOption(values, 'kid-subset-size', DEFAULT_KID_SUBSET_SIZE, 2),
    batchSize: intOption(values, 'batch-size', DEFAULT_CLASSIFY_BATCH),
    device: deviceOption(values),
  };
  return { options, out: stringOption(values, 'out') };
}

/** Returns the JSON report file: --out, else eval.json in a checkpoint's run folder, else null. */
function reportPath(options: EvalImagesOptions, report: EvalReport, out?: string) {
  if (out !== undefined) return resolve(out);
  if (options.source.kind === 'checkpoint' && report.generated.path !== null) {
    return defaultReportPath(report.generated.path);
  }
  return null;
}

/** Rejects a --out file that cannot be written, before minutes of evaluation. */
function checkReportPath(path: string): void {
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new UsageError(`--out ${path} is a folder; name a .json file, such as ${path}/eval.json`);
  }
  const folder = dirname(path);
  try {
    accessSync(folder, constants.W_OK);
  } catch (error) {
    throw new UsageError(
      `--out ${path}: cannot write to ${folder} (${(error as NodeJS.ErrnoException).code}); ` +
        'name a file in an existing, writable folder',
    );
  }
}

/** Runs `aigc eval ARGS`: prints the metrics table and writes the JSON report. */
export async function evalImagesCommand(
  argv: string[],
  logger: Logger = new ConsoleLogger(),
): Promise<number> {
  const parsed = parseEvalOptions(argv);
  if (parsed === null) {
    logger.info(EVAL_HELP);
    return 0;
  }
  const { options, out } = parsed;
  if (out !== undefined) checkReportPath(resolve(out));
  const report = await evaluateImages(options, logger);
  const labels = { checkpoint: 'generated', real: 'train split', images: 'images' } as const;
  logger.info(
    formatMetricsTable(report.metrics, {
      reference: report.referenceMetrics,
      classNames: report.classNames,
      label: labels[options.source.kind],
    }),
  );
  const path = reportPath(options, report, out);
  if (path !== null) {
    await writeFileAtomic(path, `${JSON.stringify(report, null, 2)}\n`);
    logger.info(`wrote ${path}`);
  }
  return 0;
}
