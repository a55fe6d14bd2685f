/**
 * All image metrics of one generated set against one reference set, from the classifier's
 * outputs for both, and the table that `aigc eval` prints.
 */
import type { ClassifierOutputs } from './features.js';
import { type ClassHistogram, classHistogram } from './class-histogram.js';
import { requestedClassAccuracy } from './class-accuracy.js';
import {
  type ClassifierScore,
  classifierScore,
  type ClassifierScoreOptions,
} from './classifier-score.js';
import { fid } from './fid.js';
import { kid, type KidOptions, type KidResult } from './kid.js';
import { precisionRecall, type PrecisionRecallOptions } from './precision-recall.js';

export interface ImageMetrics {
  /** Generated (or compared) images. */
  samples: number;
  /** Reference images. */
  referenceSamples: number;
  fid: number;
  kid: KidResult;
  precision: number;
  recall: number;
  /** The neighbour count of precision and recall. */
  k: number;
  classifierScore: ClassifierScore;
  classHistogram: ClassHistogram;
  /** For class-conditional samples: the share classified as the class they were drawn for. */
  requestedClassAccuracy?: number;
}

/**
 * Metrics of a single set, reported for the reference so that generated sets can be compared
 * with real data.
 */
export interface SingleSetMetrics {
  classifierScore: ClassifierScore;
  classHistogram: ClassHistogram;
}

export interface ImageMetricsOptions {
  kid?: KidOptions;
  precisionRecall?: PrecisionRecallOptions;
  /** Splits and shuffle seed of the classifier score. */
  score?: ClassifierScoreOptions;
  /** The class each generated sample was drawn for, for conditional generators. */
  requestedLabels?: Int32Array;
}

/** Computes every metric of `generated` against `reference`. */
export function computeImageMetrics(
  reference: ClassifierOutputs,
  generated: ClassifierOutputs,
  options: ImageMetricsOptions = {},
): ImageMetrics {
  const pr = precisionRecall(reference.features, generated.features, options.precisionRecall);
  const metrics: ImageMetrics = {
    samples: generated.features.size(0),
    referenceSamples: reference.features.size(0),
    fid: fid(reference.features, generated.features),
    kid: kid(reference.features, generated.features, options.kid),
    precision: pr.precision,
    recall: pr.recall,
    k: pr.k,
    classifierScore: classifierScore(generated.logits, options.score),
    classHistogram: classHistogram(generated.logits),
  };
  if (options.requestedLabels) {
    metrics.requestedClassAccuracy = requestedClassAccuracy(
      generated.logits,
      options.requestedLabels,
    );
  }
  return metrics;
}

/** Computes the classifier score and the class histogram of one set. */
export function computeSingleSetMetrics(
  outputs: ClassifierOutputs,
  score?: ClassifierScoreOptions,
): SingleSetMetrics {
  return {
    classifierScore: classifierScore(outputs.logits, score),
    classHistogram: classHistogram(outputs.logits),
  };
}

function histogramSummary(histogram: ClassHistogram, classNames: string[] | null): string {
  const name = classNames?.[histogram.maxClass] ?? String(histogram.maxClass);
  return (
    `entropy ${histogram.normalizedEntropy.toFixed(3)} of max, ` +
    `largest ${name} ${(histogram.maxShare * 100).toFixed(1)}%`
  );
}

function scoreSummary(score: ClassifierScore): string {
  return `${score.mean.toFixed(3)} ± ${score.std.toFixed(3)}`;
}

/**
 * Formats metrics as a plain-text table. `reference` adds a column with the reference set's
 * own classifier score and class histogram.
 */
export function formatMetricsTable(
  metrics: ImageMetrics,
  options: { reference?: SingleSetMetrics; classNames?: string[] | null; label?: string } = {},
): string {
  const { reference, classNames = null, label = 'generated' } = options;
  const numClasses = metrics.classHistogram.counts.length;
  const rows: [string, string, string][] = [
    ['metric', label, reference ? 'reference' : ''],
    ['FID', metrics.fid.toFixed(4), ''],
    [
      `KID (${metrics.kid.subsets} subsets of ${metrics.kid.subsetSize})`,
      `${metrics.kid.mean.toFixed(5)} ± ${metrics.kid.std.toFixed(5)}`,
      '',
    ],
    [`precision (k=${metrics.k})`, metrics.precision.toFixed(4), ''],
    [`recall (k=${metrics.k})`, metrics.recall.toFixed(4), ''],
    [
      `classifier score (max ${numClasses})`,
      scoreSummary(metrics.classifierScore),
      reference ? scoreSummary(reference.classifierScore) : '',
    ],
    [
      'predicted classes',
      histogramSummary(metrics.classHistogram, classNames),
      reference ? histogramSummary(reference.classHistogram, classNames) : '',
    ],
  ];
  if (metrics.requestedClassAccuracy !== undefined) {
    rows.push(['requested-class accuracy', metrics.requestedClassAccuracy.toFixed(4), '']);
  }
  const widths = [0, 1].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map(([name, value, ref]) =>
    `${name.padEnd(widths[0]! + 2)}${value.padEnd(widths[1]! + 2)}${ref}`.trimEnd(),
  );
  const shares = metrics.classHistogram.shares
    .map((share, i) => `${classNames?.[i] ?? i} ${(share * 100).toFixed(1)}%`)
    .join(', ');
  lines.push(`${label} class shares: ${shares}`);
  return lines.join('\n');
}
