/**
 * Trains the metrics classifier (models/classifier.ts) on a data set's train split: Adam on
 * cross-entropy with a cosine learning-rate decay to zero, then test accuracy on the test split.
 * The result is cached under `$AIGC_HOME/classifiers/<data key>-<channels>x<size>.safetensors`,
 * written atomically, with the data set, image size, classes and test accuracy in its metadata.
 *
 * Training seeds the default generator and restores its previous state when it ends, so a
 * caller such as the DCGAN trainer draws the same random numbers as without it.
 */
import { createHash } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

import { tensor } from '../engine/creation.js';
import type { Device } from '../engine/dtype.js';
import { noGrad } from '../engine/ops.js';
import { getRngState, manualSeed, setRngState } from '../engine/random.js';
import { keep, tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { batchIndices, epochPermutation, gatherImages, gatherLabels } from '../data/batches.js';
import { cacheRoot, DATASET_NAMES, loadDataset } from '../data/datasets.js';
import { DataError } from '../data/errors.js';
import type { ImageSet } from '../data/image-set.js';
import {
  type ClassifierConfig,
  DEFAULT_CLASSIFIER_WIDTH,
  DEFAULT_FEATURE_DIM,
  ImageClassifier,
} from '../models/classifier.js';
import { crossEntropy } from '../nn/functional.js';
import { Adam } from '../optim/optimizer.js';
import { saveCheckpoint } from './checkpoint.js';
import { ConsoleLogger, formatDuration, plural, type Logger } from './logger.js';
import { MeanMeter, validateCommonTrainOptions } from './loop.js';
import { makeFolder } from '../io/folders.js';

/** The checkpoint kind of a metrics classifier. */
export const CLASSIFIER_KIND = 'classifier';

export interface ClassifierTrainOptions {
  /** A dataset name (fashion-mnist, mnist) or a path to IDX files or an image folder. */
  data: string;
  /** Passes over the train split. Default 8. */
  epochs: number;
  /** Default 128. */
  batchSize: number;
  /** Adam's initial learning rate, decayed to zero on a cosine. Default 1e-3. */
  lr: number;
  /** Seeds initialisation, dropout and the data order. Default 1. */
  seed: number;
  device: Device;
  /** Resize images to this size; default: the data's own (28 for MNIST). */
  imageSize?: number;
  /** Channels of image-folder data; default 'auto' (1 when every image is gray, else 3). */
  channels?: 1 | 3 | 'auto';
  /** Channels of the first convolution. Default 32. */
  width: number;
  /** Size of the feature layer. Default 128. */
  featureDim: number;
  /** Steps between log lines. Default 100. */
  logEvery: number;
  /** The file to write; default: the cache path for the data set and image size. */
  out?: string;
  /** Root of the cache; default `$AIGC_HOME` or `~/.cache/aigc`. */
  cacheDir?: string;
}

export const DEFAULT_CLASSIFIER_TRAIN_OPTIONS: Omit<ClassifierTrainOptions, 'data'> = {
  epochs: 8,
  batchSize: 128,
  lr: 1e-3,
  seed: 1,
  device: 'cpu',
  width: DEFAULT_CLASSIFIER_WIDTH,
  featureDim: DEFAULT_FEATURE_DIM,
  logEvery: 100,
};

/** Training facts of a classifier file, stored as the checkpoint's `training`. */
export interface ClassifierMeta {
  /** The `--data` value it was trained on. */
  data: string;
  /** The cache key of that data set (see datasetKey). */
  dataKey: string;
  /** Origin of the train split: a file, a folder or a data set name. */
  source: string;
  classNames: string[] | null;
  trainImages: number;
  testImages: number;
  /** True when the data set has one split and the test images were held out of it. */
  heldOut: boolean;
  /** Fraction of test images classified correctly, in eval mode. */
  testAccuracy: number;
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  /** Wall-clock seconds of training. */
  seconds: number;
}

/** The train and test images of a data set, at one image size. */
export interface ClassifierSplits {
  train: ImageSet;
  test: ImageSet;
  /** True when the data set has a single split and `test` was held out of it. */
  heldOut: boolean;
}

/** The fraction of a single-split data set held out as its test images. */
const HELD_OUT_FRACTION = 1 / 6;

/**
 * Returns the key that names a data set in the cache: a known name as it is, or for a path its
 * folder or file name plus 8 hex digits of a SHA-256 of the absolute path.
 */
export function datasetKey(spec: string): string {
  if ((DATASET_NAMES as readonly string[]).includes(spec)) return spec;
  const full = resolve(spec);
  const name = basename(full).replace(/[^\w.-]+/g, '-') || 'data';
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${name}-${hash}`;
}

/** Returns the cache file of the classifier for a data set at one image size and channel count. */
export function classifierCachePath(
  dataKey: string,
  channels: number,
  imageSize: number,
  cacheDir = cacheRoot(),
): string {
  return join(cacheDir, 'classifiers', `${dataKey}-${channels}x${imageSize}.safetensors`);
}

/**
 * Loads the train and test splits of `spec` at `imageSize`, and throws unless both have labels.
 * A data set with one split (an image folder or a single IDX file) gives a fixed random sixth of
 * its images as the test split.
 */
export async function loadClassifierSplits(
  spec: string,
  options: { imageSize?: number; channels?: 1 | 3 | 'auto'; logger?: Logger } = {},
): Promise<ClassifierSplits> {
  const load = {
    size: options.imageSize,
    channels: options.channels,
    log: (m: string) => options.logger?.info(m),
    warn: (m: string) => options.logger?.warn(m),
  };
  const train = await loadDataset(spec, { ...load, split: 'train' });
  requireLabels(train);
  const test = await loadDataset(spec, { ...load, split: 'test' });
  if (train.source !== test.source) {
    requireLabels(test);
    return { train, test, heldOut: false };
  }
  const order = epochPermutation(train.count, 0, 0);
  const testCount = Math.floor(train.count * HELD_OUT_FRACTION);
  const split = train.count - testCount;
  return {
    train: subset(train, order.subarray(0, split), 'train'),
    test: subset(train, order.subarray(split), 'held-out test'),
    heldOut: true,
  };
}

/** Copies the images (and labels) of `set` at `indices` into a new ImageSet. */
export function subset(set: ImageSet, indices: Uint32Array, part: string): ImageSet {
  return {
    ...set,
    images: gatherImages(set, indices),
    labels: set.labels === null ? null : gatherLabels(set, indices),
    count: indices.length,
    source: `${set.source} (${part}: ${indices.length} images)`,
  };
}

/** Returns the labels of `set`, or throws when it has none, because the classifier needs them. */
function requireLabels(set: ImageSet): Int32Array {
  if (set.labels === null || set.count === 0) {
    throw new DataError(
      `${set.source} has no class labels, and the metrics classifier needs them; use a data ` +
        'set with labels: an IDX image/label pair, or a folder with one subfolder per class',
    );
  }
  return set.labels;
}

/** Counts the classes of a labelled set: its class names, or the largest label plus one. */
export function classCount(set: ImageSet): number {
  let max = 0;
  for (const label of requireLabels(set)) max = Math.max(max, label);
  return Math.max(max + 1, set.classNames?.length ?? 0);
}

/** Copies an ImageSet's images [N, C, H, W] and int64 labels [N] to `device`, out of every scope. */
export function toDeviceTensors(set: ImageSet, device: Device) {
  return tidy(() => {
    const shape = [set.count, set.channels, set.height, set.width];
    const images = tensor(set.images, { shape }).to(device);
    const labels =
      set.labels &&
      tensor(set.labels, { shape: [set.count] }).to({
        dtype: 'int64',
        device,
      });
    return { images: keep(images), labels: labels && keep(labels) };
  });
}

/** Converts a batch's indices to an int64 tensor on `device`. */
function indexTensor(indices: Uint32Array, device: Device): Tensor {
  return tensor(
    BigInt64Array.from(indices, (i) => BigInt(i)),
    { device },
  );
}

/** Measures the fraction of `set`'s images whose most likely class is their label, in eval mode. */
export function classifierAccuracy(
  model: ImageClassifier,
  set: ImageSet,
  options: { batchSize?: number; device?: Device } = {},
): number {
  const { batchSize = 500, device = 'cpu' } = options;
  const labels = requireLabels(set);
  const wasTraining = model.training;
  model.eval();
  const size = set.channels * set.height * set.width;
  let correct = 0;
  try {
    for (let start = 0; start < set.count; start += batchSize) {
      const end = Math.min(start + batchSize, set.count);
      correct += tidy(() =>
        noGrad(() => {
          const shape = [end - start, set.channels, set.height, set.width];
          const images = tensor(set.images.subarray(start * size, end * size), { shape });
          const target = tensor(labels.subarray(start, end)).to({ dtype: 'int64', device });
          const predicted = model.forward(images.to(device)).argmax(1);
          return predicted.eq(target).sum().item();
        }),
      );
    }
  } finally {
    model.train(wasTraining);
  }
  return correct / set.count;
}

export interface FitResult {
  model: ImageClassifier;
  testAccuracy: number;
  steps: number;
  seconds: number;
}

type FitOptions = Pick<
  ClassifierTrainOptions,
  'epochs' | 'batchSize' | 'lr' | 'seed' | 'device' | 'width' | 'featureDim' | 'logEvery'
>;

/**
 * Trains a new classifier on `splits.train` and measures it on `splits.test`. The default
 * generator's state is restored afterwards.
 */
export async function fitClassifier(
  splits: ClassifierSplits,
  options: FitOptions,
  logger: Logger,
): Promise<FitResult> {
  validateCommonTrainOptions(options);
  const { train, test } = splits;
  checkSameShape(train, test);
  const config: ClassifierConfig = {
    channels: train.channels,
    imageSize: train.height,
    numClasses: Math.max(classCount(train), classCount(test)),
    width: options.width,
    featureDim: options.featureDim,
  };
  const rngBefore = getRngState();
  manualSeed(options.seed);
  const model = new ImageClassifier(config).to(options.device);
  logger.info(
    `model: ImageClassifier ${JSON.stringify(config)}; ${model.parameterCount()} parameters`,
  );
  logger.info(
    `training: ${plural(options.epochs, 'epoch')}, batch ${options.batchSize}, Adam lr ${options.lr} ` +
      `with cosine decay, seed ${options.seed}, device ${options.device}`,
  );
  const data = toDeviceTensors(train, options.device);
  try {
    const { steps, seconds } = await runEpochs(model, data, options, logger, test);
    const testAccuracy = classifierAccuracy(model, test, { device: options.device });
    model.eval();
    return { model, testAccuracy, steps, seconds };
  } finally {
    data.images.dispose();
    data.labels?.dispose();
    setRngState(rngBefore);
    rngBefore.dispose();
  }
}

function checkSameShape(train: ImageSet, test: ImageSet): void {
  if (train.width !== train.height) {
    throw new DataError(
      `the metrics classifier needs square images, but ${train.source} has ` +
        `${train.width}x${train.height}; pass --image-size N to resize them`,
    );
  }
  const shape = (set: ImageSet) => `${set.channels}x${set.height}x${set.width}`;
  if (shape(train) !== shape(test)) {
    throw new DataError(
      `train images ${train.source} are ${shape(train)} but test images ${test.source} are ` +
        `${shape(test)}; pass --image-size N so both are resized alike`,
    );
  }
}

async function runEpochs(
  model: ImageClassifier,
  data: { images: Tensor; labels: Tensor | null },
  options: FitOptions,
  logger: Logger,
  test: ImageSet,
): Promise<{ steps: number; seconds: number }> {
  const { epochs, batchSize, lr, seed, device } = options;
  const count = data.images.size(0);
  const labels = data.labels!;
  const optimizer = new Adam(model.parameters(), { lr });
  // A batch of one image would break batch normalisation's statistics; drop such a batch.
  const batchesPerEpoch = Math.ceil(count / batchSize) - (count % batchSize === 1 ? 1 : 0);
  const totalSteps = epochs * batchesPerEpoch;
  const meter = new MeanMeter();
  let step = 0;
  let seconds = 0;
  let intervalSeconds = 0;
  model.train();
  for (let epoch = 0; epoch < epochs; epoch++) {
    const batches = batchIndices(epochPermutation(count, seed, epoch), batchSize);
    for (const batch of batches.slice(0, batchesPerEpoch)) {
      optimizer.lr = (lr * (1 + Math.cos((Math.PI * step) / totalSteps))) / 2;
      const started = performance.now();
      const values = tidy(() => {
        optimizer.zeroGrad();
        const index = indexTensor(batch, device);
        const target = labels.indexSelect(0, index); // [B]
        const logits = model.forward(data.images.indexSelect(0, index)); // [B, K]
        const loss = crossEntropy(logits, target);
        loss.backward();
        optimizer.step();
        const correct = logits.argmax(1).eq(target).sum().item();
        return { loss: loss.item(), accuracy: correct / batch.length };
      });
      const elapsed = (performance.now() - started) / 1000;
      step++;
      seconds += elapsed;
      intervalSeconds += elapsed;
      meter.add(values);
      if (step % options.logEvery === 0 || step === totalSteps) {
        logInterval(logger, step, epoch, epochs, meter, intervalSeconds, batchSize);
        intervalSeconds = 0;
      }
      await yieldToEventLoop();
    }
    const accuracy = classifierAccuracy(model, test, { device });
    logger.info(
      `eval | epoch ${epoch + 1}/${epochs} | test accuracy ${accuracy.toFixed(4)} | ` +
        `${formatDuration(seconds)} of training`,
    );
  }
  return { steps: step, seconds };
}

function logInterval(
  logger: Logger,
  step: number,
  epoch: number,
  epochs: number,
  meter: MeanMeter,
  intervalSeconds: number,
  batchSize: number,
): void {
  const steps = meter.count;
  const means = meter.take();
  const imagesPerSecond = (steps * batchSize) / Math.max(intervalSeconds, 1e-9);
  logger.info(
    `step ${step} | epoch ${epoch + 1}/${epochs} | loss ${means.loss!.toFixed(4)} | ` +
      `accuracy ${means.accuracy!.toFixed(4)} | ${imagesPerSecond.toFixed(1)} img/s | ` +
      `${((intervalSeconds / steps) * 1000).toFixed(0)} ms/step`,
  );
}

export interface ClassifierTrainResult {
  /** The file written. */
  path: string;
  model: ImageClassifier;
  meta: ClassifierMeta;
}

/** Trains a classifier on `options.data` and writes it, by default to the cache. */
export async function trainClassifier(
  options: ClassifierTrainOptions,
  logger: Logger = new ConsoleLogger(),
): Promise<ClassifierTrainResult> {
  validateCommonTrainOptions(options);
  const splits = await loadClassifierSplits(options.data, {
    imageSize: options.imageSize,
    channels: options.channels,
    logger,
  });

  const { train, test } = splits;
  const dataKey = datasetKey(options.data);
  const path = resolve(
    options.out ??
      classifierCachePath(dataKey, train.channels, train.height, options.cacheDir ?? cacheRoot()),
  );
  logger.info(
    `data: ${train.source}: ${train.count} train images, ${test.count} test images` +
      `${splits.heldOut ? ' (held out)' : ''}, ${train.channels}x${train.height}x${train.width}`,
  );
  const fit = await fitClassifier(splits, options, logger);

  const meta: ClassifierMeta = {
    data: options.data,
    dataKey,
    source: train.source,
    classNames: train.classNames,
    trainImages: train.count,
    testImages: test.count,
    heldOut: splits.heldOut,
    testAccuracy: fit.testAccuracy,
    epochs: options.epochs,
    batchSize: options.batchSize,
    lr: options.lr,
    seed: options.seed,
    seconds: Number(fit.seconds.toFixed(1)),
  };
  makeFolder(dirname(path));
  await saveCheckpoint(path, {
    kind: CLASSIFIER_KIND,
    config: fit.model.config,
    training: meta,
    progress: { epoch: options.epochs, batch: 0, step: fit.steps },
    modules: { classifier: fit.model },
  });
  logger.info(
    `test accuracy ${fit.testAccuracy.toFixed(4)} on ${test.count} images after ` +
      `${plural(options.epochs, 'epoch')} (${plural(fit.steps, 'step')}, ${formatDuration(fit.seconds)}); wrote ${path}`,
  );
  return { path, model: fit.model, meta };
}
