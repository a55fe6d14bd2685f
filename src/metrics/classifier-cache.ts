/**
 * Finding the metrics classifier of a data set: load it from the cache, check that its
 * metadata matches the data and image size, or train it first when none is cached.
 */
import { existsSync } from 'node:fs';

import type { Device } from '../engine/dtype.js';
import { tidy } from '../engine/scope.js';
import {
  type ClassifierConfig,
  DEFAULT_FEATURE_DIM,
  ImageClassifier,
} from '../models/classifier.js';
import { readCheckpoint, readCheckpointMeta, restoreModule } from '../train/checkpoint.js';
import {
  CLASSIFIER_KIND,
  type ClassifierMeta,
  type ClassifierTrainOptions,
  classifierCachePath,
  datasetKey,
  DEFAULT_CLASSIFIER_TRAIN_OPTIONS,
  trainClassifier,
} from '../train/classifier.js';
import { cacheRoot } from '../data/datasets.js';
import type { Logger } from '../train/logger.js';
import { MetricsError } from './errors.js';

export interface LoadedClassifier {
  model: ImageClassifier;
  meta: ClassifierMeta;
  path: string;
}

/** The data set and image shape a classifier must have been trained for. */
export interface ClassifierRequirement {
  /** The `--data` value, whose datasetKey() the file's metadata must match. */
  data: string;
  channels: number;
  imageSize: number;
  /** True when the user named the file (--classifier), so the fix is not to delete it. */
  named?: boolean;
}

function describe(key: string, channels: number, imageSize: number): string {
  return `${key} at ${channels}x${imageSize}x${imageSize}`;
}

/**
 * Loads a classifier file in eval mode on `device`. With `required`, the file's data set and
 * image shape must match it, so metrics are never measured in another data set's features.
 */
export function loadClassifier(
  path: string,
  required?: ClassifierRequirement,
  device: Device = 'cpu',
): LoadedClassifier {
  return tidy(() => {
    const checkpoint = readCheckpoint(path, CLASSIFIER_KIND);
    const config = checkpoint.meta.config as ClassifierConfig;
    const meta = checkpoint.meta.training as ClassifierMeta;
    if (required) {
      const key = datasetKey(required.data);
      const matches =
        meta.dataKey === key &&
        config.channels === required.channels &&
        config.imageSize === required.imageSize;
      if (!matches) {
        const size = config.imageSize;
        const fix = required.named
          ? 'omit --classifier so that aigc uses (or first trains) the cached one'
          : 'delete the file so that aigc trains the right one';
        throw new MetricsError(
          `the classifier ${path} was trained on ${describe(meta.dataKey, config.channels, size)}, ` +
            `but these metrics need one for ${describe(key, required.channels, required.imageSize)}` +
            `; ${fix}, or run: aigc train classifier ` +
            `--data ${required.data} --image-size ${required.imageSize}`,
        );
      }
    }
    const model = new ImageClassifier(config);
    restoreModule(checkpoint, 'classifier', model);
    return { model: model.to(device).eval(), meta, path };
  });
}

export interface EnsureClassifierOptions {
  /** The image size of the metrics; default: the data's own. */
  imageSize: number;
  channels: number;
  device?: Device;
  /** A classifier file to use instead of the cache; it must exist and match. */
  path?: string;
  /** Root of the cache; default `$AIGC_HOME` or `~/.cache/aigc`. */
  cacheDir?: string;
  /** Options of the training run when no classifier is cached. */
  train?: Partial<ClassifierTrainOptions>;
}

function cachePath(data: string, options: EnsureClassifierOptions): string {
  const { channels, imageSize } = options;
  return classifierCachePath(
    datasetKey(data),
    channels,
    imageSize,
    options.cacheDir ?? cacheRoot(),
  );
}

/**
 * Returns the feature size of the classifier that ensureClassifier would return, without
 * training one: the given or cached file's, else the default of a new classifier.
 */
export function plannedFeatureDim(data: string, options: EnsureClassifierOptions): number {
  const path = options.path ?? cachePath(data, options);
  if (!existsSync(path)) return options.train?.featureDim ?? DEFAULT_FEATURE_DIM;
  return (readCheckpointMeta(path).config as ClassifierConfig).featureDim;
}

/**
 * Returns the classifier for `data` at the requested image shape: the given file, the cached
 * one, or a new one trained and cached first, which the logger reports.
 */
export async function ensureClassifier(
  data: string,
  options: EnsureClassifierOptions,
  logger: Logger,
): Promise<LoadedClassifier & { trained: boolean }> {
  const { imageSize, channels, device = 'cpu' } = options;
  const required = { data, channels, imageSize };
  if (options.path !== undefined) {
    if (!existsSync(options.path)) {
      throw new MetricsError(
        `classifier file ${options.path} not found; check the path, or omit --classifier to ` +
          'use the cached one',
      );
    }
    return {
      ...loadClassifier(options.path, { ...required, named: true }, device),
      trained: false,
    };
  }
  const path = cachePath(data, options);
  if (existsSync(path)) return { ...loadClassifier(path, required, device), trained: false };
  logger.info(
    `no metrics classifier cached for ${describe(data, channels, imageSize)} (${path}); ` +
      'training one first. This happens once per data set and image size: Fashion-MNIST at ' +
      '28x28 took 13 minutes on two CPU cores, and the time grows with the pixel count.',
  );
  await trainClassifier(
    {
      ...DEFAULT_CLASSIFIER_TRAIN_OPTIONS,
      ...options.train,
      data,
      imageSize,
      channels: channels === 1 || channels === 3 ? channels : 'auto',
      device,
      out: path,
    },
    logger,
  );
  return { ...loadClassifier(path, required, device), trained: true };
}
