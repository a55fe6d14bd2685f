/**
 * `aigc eval` as a library function: measures generated or given images against a data set's
 * test split, in the features of the data set's metrics classifier. The images come from one
 * of three sources: samples of a generator checkpoint, the train split itself (the floor that
 * real images reach), or an IDX file or image folder made elsewhere.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, dirname, join } from 'node:path';

import type { Device } from '../engine/dtype.js';
import { tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { epochPermutation } from '../data/batches.js';
import { loadDataset } from '../data/datasets.js';
import { DataError } from '../data/errors.js';
import type { ImageSet } from '../data/image-set.js';
import type { DcganConfig } from '../models/dcgan.js';
import { loadDcganGenerator } from '../sample/dcgan.js';
import { readCheckpointMeta } from '../train/checkpoint.js';
import { type ClassifierSplits, loadClassifierSplits, subset } from '../train/classifier.js';
import { formatDuration, type Logger } from '../train/logger.js';
import { resolveCheckpoint } from '../train/run-folder.js';
import { ensureClassifier, type LoadedClassifier, plannedFeatureDim } from './classifier-cache.js';
import { MetricsError } from './errors.js';
import { checkReferenceCount, checkSampleCount } from './sample-counts.js';
import {
  computeImageMetrics,
  computeSingleSetMetrics,
  type ImageMetrics,
  type SingleSetMetrics,
} from './evaluate.js';
import { classifyImageSet, classifySamples } from './features.js';
import { dcganSampler } from './samplers.js';

/** Checkpoint kinds that generate images, and so can be measured. */
export const IMAGE_GENERATOR_KINDS = ['dcgan'] as const;

/** Source of the measured images. */
export type EvalSource =
  { kind: 'checkpoint'; path: string } | { kind: 'real' } | { kind: 'images'; path: string };

export interface EvalImagesOptions {
  source: EvalSource;
  /** The reference data set; default for a checkpoint: the one it was trained on. */
  data?: string;
  /** Images to generate or compare; default 10000 (for `images`: every image). */
  samples?: number;
  /** Seeds the generator's noise, the choice of train images and the KID subsets. */
  seed: number;
  /** Side of the images the metrics use, for `real` and `images`; default: the data's own. */
  imageSize?: number;
  /** A classifier file in place of the cached one. */
  classifier?: string;
  kidSubsets: number;
  kidSubsetSize: number;
  /** Images per forward pass of the generator and the classifier. */
  batchSize: number;
  device: Device;
  /** Root of the classifier cache; default `$AIGC_HOME` or `~/.cache/aigc`. */
  cacheDir?: string;
}

export const DEFAULT_EVAL_SAMPLES = 10000;

export interface EvalReport {
  generated: {
    source: EvalSource['kind'];
    path: string | null;
    /** The checkpoint's optimizer step, for checkpoints. */
    step: number | null;
    images: number;
    seed: number;
  };
  reference: { data: string; split: string; images: number; heldOut: boolean };
  classifier: {
    path: string;
    /** The first 16 hex digits of the file's SHA-256: compare metrics only at equal values. */
    sha256: string;
    testAccuracy: number;
    featureDim: number;
    trainedNow: boolean;
  };
  metrics: ImageMetrics;
  referenceMetrics: SingleSetMetrics;
  classNames: string[] | null;
  seconds: number;
  /** The machine the evaluation ran on, so that timings can be compared. */
  machine: { cpu: string; cores: number };
  date: string;
}

/** The images to measure: a generator to draw from, or a set in memory. */
type Candidates =
  | {
      kind: 'sampler';
      sample: (count: number) => Tensor;
      count: number;
      labels: () => Int32Array | undefined;
    }
  | { kind: 'set'; images: ImageSet };

/** The reference data, image shape and checkpoint facts a source implies. */
interface Resolved {
  data: string;
  imageSize?: number;
  channels?: 1 | 3;
  checkpoint?: { path: string; step: number; config: DcganConfig };
}

function resolveSource(options: EvalImagesOptions): Resolved {
  const { source } = options;
  if (source.kind !== 'checkpoint') {
    if (options.data === undefined) {
      throw new MetricsError(`--${source.kind} needs --data: name the reference data set`);
    }
    return { data: options.data, imageSize: options.imageSize };
  }
  const path = resolveCheckpoint(source.path);
  const meta = readCheckpointMeta(path);
  if (!(IMAGE_GENERATOR_KINDS as readonly string[]).includes(meta.kind)) {
    throw new MetricsError(
      `${path} contains a ${meta.kind} model, which does not generate images; the image ` +
        `metrics measure checkpoints of ${IMAGE_GENERATOR_KINDS.join(', ')} models`,
    );
  }
  const config = meta.config as DcganConfig;
  const trainedOn = (meta.training as { data?: unknown } | null)?.data;
  const data = options.data ?? (typeof trainedOn === 'string' ? trainedOn : undefined);
  if (data === undefined) {
    throw new MetricsError(`${path} does not record its data set; pass --data NAME|PATH`);
  }
  return {
    data,
    imageSize: config.imageSize,
    channels: config.channels === 3 ? 3 : 1,
    checkpoint: { path, step: meta.progress.step, config },
  };
}

async function loadSplits(resolved: Resolved, options: EvalImagesOptions, logger: Logger) {
  try {
    return await loadClassifierSplits(resolved.data, {
      imageSize: resolved.imageSize,
      channels: resolved.channels,
      logger,
    });
  } catch (error) {
    if (error instanceof DataError && options.data === undefined) {
      throw new DataError(
        `${error.message}. The checkpoint was trained on '${resolved.data}'; pass --data to ` +
          'name that data set from here',
      );
    }
    throw error;
  }
}

async function loadOrTrainClassifier(
  resolved: Resolved,
  splits: ClassifierSplits,
  options: EvalImagesOptions,
  logger: Logger,
): Promise<LoadedClassifier & { trained: boolean }> {
  const { test } = splits;
  const classifierOptions = {
    imageSize: test.height,
    channels: test.channels,
    device: options.device,
    path: options.classifier,
    cacheDir: options.cacheDir,
  };
  // Fail before a long training run when the sample counts could never do.
  const featureDim = plannedFeatureDim(resolved.data, classifierOptions);
  const needed = featureDim + 1;
  checkReferenceCount(test, featureDim, resolved.data, splits.heldOut);
  const samples = options.samples ?? DEFAULT_EVAL_SAMPLES;
  if (options.source.kind !== 'images' || options.samples !== undefined) {
    checkSampleCount(
      samples,
      featureDim,
      '--samples',
      `use --samples ${needed} or more (10000 is usual)`,
    );
  }
  return ensureClassifier(resolved.data, classifierOptions, logger);
}

async function prepareCandidates(
  resolved: Resolved,
  splits: ClassifierSplits,
  options: EvalImagesOptions,
  logger: Logger,
): Promise<Candidates> {
  const { source } = options;
  if (source.kind === 'checkpoint') {
    const { path, step, config } = resolved.checkpoint!;
    const count = options.samples ?? DEFAULT_EVAL_SAMPLES;
    logger.info(`generating ${count} images from ${path} (step ${step}), seed ${options.seed}`);
    const generator = loadDcganGenerator(path, options.device);
    const sampler = dcganSampler(generator, { seed: options.seed, device: options.device });
    const labels = () => (config.numClasses > 0 ? sampler.requestedLabels() : undefined);
    return { kind: 'sampler', sample: (n) => sampler.sample(n), count, labels };
  }
  if (source.kind === 'real') {
    const { train } = splits;
    const count = Math.min(options.samples ?? DEFAULT_EVAL_SAMPLES, train.count);
    const order = epochPermutation(train.count, options.seed, 0).subarray(0, count);
    return { kind: 'set', images: subset(train, order, 'train sample') };
  }
  let images = await loadDataset(source.path, {
    size: splits.test.height,
    channels: splits.test.channels === 3 ? 3 : 1,
    log: (m) => logger.info(m),
    warn: (m) => logger.warn(m),
  });
  const samples = options.samples;
  if (samples !== undefined && samples < images.count) {
    const order = epochPermutation(images.count, options.seed, 0).subarray(0, samples);
    images = subset(images, order, 'sample');
  }
  return { kind: 'set', images };
}

/** Classifies both sets and computes every metric. The result contains no tensors. */
function computeMetrics(
  classifier: LoadedClassifier,
  reference: ImageSet,
  candidates: Candidates,
  options: EvalImagesOptions,
) {
  const model = classifier.model;
  const classify = { batchSize: options.batchSize, device: options.device };
  return tidy(() => {
    const referenceOutputs = classifyImageSet(model, reference, classify);
    const outputs =
      candidates.kind === 'sampler'
        ? classifySamples(model, candidates.sample, candidates.count, classify)
        : classifyImageSet(model, candidates.images, classify);
    const requestedLabels = candidates.kind === 'sampler' ? candidates.labels() : undefined;
    return {
      metrics: computeImageMetrics(referenceOutputs, outputs, {
        kid: { subsets: options.kidSubsets, subsetSize: options.kidSubsetSize, seed: options.seed },
        score: { seed: options.seed },
        requestedLabels,
      }),
      referenceMetrics: computeSingleSetMetrics(referenceOutputs, { seed: options.seed }),
    };
  });
}

/** Runs the evaluation that `options` describes; see the file header. */
export async function evaluateImages(
  options: EvalImagesOptions,
  logger: Logger,
): Promise<EvalReport> {
  const started = performance.now();
  const samples = options.samples;
  if (samples !== undefined && (!Number.isInteger(samples) || samples < 1)) {
    throw new MetricsError(`--samples must be a positive integer, got ${samples}`);
  }

  const resolved = resolveSource(options);
  const splits = await loadSplits(resolved, options, logger);
  const classifier = await loadOrTrainClassifier(resolved, splits, options, logger);
  const { test } = splits;
  logger.info(
    `classifier: ${classifier.path} (test accuracy ${classifier.meta.testAccuracy.toFixed(4)})`,
  );
  logger.info(`reference: ${test.source}, ${test.count} images`);

  const generatorClasses = resolved.checkpoint?.config.numClasses ?? 0;
  const classifierClasses = classifier.model.config.numClasses;
  if (generatorClasses > 0 && generatorClasses !== classifierClasses) {
    logger.warn(
      `the generator has ${generatorClasses} classes but the classifier of ${resolved.data} ` +
        `has ${classifierClasses}, so the requested-class accuracy compares unrelated labels; ` +
        'pass --data with the data set that the generator was trained on',
    );
  }
  const candidates = await prepareCandidates(resolved, splits, options, logger);
  if (candidates.kind === 'set') {
    const { images } = candidates;
    const featureDim = classifier.model.config.featureDim;
    checkSampleCount(
      images.count,
      featureDim,
      images.source,
      `measure at least ${featureDim + 1} images (10000 is usual)`,
    );
    const shape = `${images.channels}x${images.height}x${images.width}`;
    logger.info(`measuring ${images.count} images from ${images.source} as ${shape}`);
  }
  const measured = computeMetrics(classifier, test, candidates, options);
  const seconds = (performance.now() - started) / 1000;
  logger.info(`evaluated in ${formatDuration(seconds)}`);
  return buildReport(options, resolved, splits, classifier, measured, seconds);
}

function buildReport(
  options: EvalImagesOptions,
  resolved: Resolved,
  splits: ClassifierSplits,
  classifier: LoadedClassifier & { trained: boolean },
  measured: { metrics: ImageMetrics; referenceMetrics: SingleSetMetrics },
  seconds: number,
): EvalReport {
  const { source } = options;
  return {
    generated: {
      source: source.kind,
      path: source.kind === 'real' ? null : (resolved.checkpoint?.path ?? source.path),
      step: resolved.checkpoint?.step ?? null,
      images: measured.metrics.samples,
      seed: options.seed,
    },
    reference: {
      data: resolved.data,
      split: splits.heldOut ? 'held out from the classifier' : 'test',
      images: splits.test.count,
      heldOut: splits.heldOut,
    },
    classifier: {
      path: classifier.path,
      sha256: createHash('sha256').update(readFileSync(classifier.path)).digest('hex').slice(0, 16),
      testAccuracy: classifier.meta.testAccuracy,
      featureDim: classifier.model.config.featureDim,
      trainedNow: classifier.trained,
    },
    ...measured,
    classNames: splits.test.classNames,
    seconds: Number(seconds.toFixed(1)),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
    date: new Date().toISOString(),
  };
}

/** Returns the run folder of a checkpoint file: the parent of its checkpoints/ folder. */
export function runFolderOf(checkpointPath: string): string {
  const folder = dirname(checkpointPath);
  return basename(folder) === 'checkpoints' ? dirname(folder) : folder;
}

/** Returns the default report file of a checkpoint evaluation: eval.json in its run folder. */
export function defaultReportPath(checkpointPath: string): string {
  return join(runFolderOf(checkpointPath), 'eval.json');
}
