/** Synthetic labelled image sets for the metrics tests: four kinds of shapes on a dark field. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Xoshiro128 } from '../../src/data/batches.js';
import { encodeIdx } from '../../src/data/idx.js';
import { type ImageSet, toUnitRange } from '../../src/data/image-set.js';

export const SHAPE_CLASSES = ['horizontal bar', 'vertical bar', 'square', 'frame'];

/**
 * Draws class `label` at a random place: 0 is a band of 3 rows, 1 a band of 3 columns, 2 a
 * filled 6x6 square and 3 the outline of an 8x8 square. Every pixel gets 0 to 39 levels of noise.
 */
function drawShape(pixels: Uint8Array, size: number, label: number, random: Xoshiro128): void {
  const at = (limit: number) => random.nextBelow(limit);
  const set = (x: number, y: number) => (pixels[y * size + x] = 200);
  if (label === 0) {
    const row = at(size - 3);
    for (let y = row; y < row + 3; y++) for (let x = 2; x < size - 2; x++) set(x, y);
  } else if (label === 1) {
    const column = at(size - 3);
    for (let x = column; x < column + 3; x++) for (let y = 2; y < size - 2; y++) set(x, y);
  } else if (label === 2) {
    const [x0, y0] = [at(size - 6), at(size - 6)];
    for (let y = y0; y < y0 + 6; y++) for (let x = x0; x < x0 + 6; x++) set(x, y);
  } else {
    const [x0, y0] = [at(size - 8), at(size - 8)];
    for (let i = 0; i < 8; i++) {
      set(x0 + i, y0);
      set(x0 + i, y0 + 7);
      set(x0, y0 + i);
      set(x0 + 7, y0 + i);
    }
  }
  for (let i = 0; i < size * size; i++) pixels[i] = pixels[i]! + at(40);
}

/**
 * Builds `count` shape images of size x size and their labels. Image i has label i % classes,
 * so `classes` below 4 leaves out the last kinds of shapes.
 */
export function shapePixels(
  count: number,
  seed: number,
  size = 16,
  classes = SHAPE_CLASSES.length,
) {
  const random = new Xoshiro128(seed);
  const pixels = new Uint8Array(count * size * size);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % classes);
  for (let i = 0; i < count; i++) {
    drawShape(pixels.subarray(i * size * size, (i + 1) * size * size), size, labels[i]!, random);
  }
  return { pixels, labels };
}

/** Shape images as an in-memory ImageSet. */
export function shapeSet(count: number, seed: number, size = 16): ImageSet {
  const { pixels, labels } = shapePixels(count, seed, size);
  return {
    images: toUnitRange(pixels),
    labels: Int32Array.from(labels),
    count,
    channels: 1,
    height: size,
    width: size,
    classNames: SHAPE_CLASSES,
    source: `shapes (seed ${seed})`,
  };
}

/** Builds uniform noise images in [-1, 1], a baseline far from every data set. */
export function noiseSet(count: number, seed: number, size = 16): ImageSet {
  const random = new Xoshiro128(seed);
  const pixels = Uint8Array.from({ length: count * size * size }, () => random.nextBelow(256));
  return { ...shapeSet(0, seed, size), images: toUnitRange(pixels), labels: null, count };
}

/** Writes shape images of `classes` kinds as gzip IDX pairs: train-* and t10k-* files in `dir`. */
export function writeShapeDataset(
  dir: string,
  train: number,
  test: number,
  size = 16,
  classes = SHAPE_CLASSES.length,
): string {
  mkdirSync(dir, { recursive: true });
  const splits = [
    ['train', train, 1],
    ['t10k', test, 2],
  ] as const;
  for (const [prefix, count, seed] of splits) {
    const { pixels, labels } = shapePixels(count, seed, size, classes);
    writeFileSync(
      join(dir, `${prefix}-images-idx3-ubyte.gz`),
      encodeIdx(pixels, [count, size, size], { gzip: true }),
    );
    writeFileSync(
      join(dir, `${prefix}-labels-idx1-ubyte.gz`),
      encodeIdx(labels, [count], { gzip: true }),
    );
  }
  return dir;
}

/** Writes `count` noise images as one IDX images file; returns its path. */
export function writeNoiseIdx(path: string, count: number, seed: number, size = 16): string {
  const random = new Xoshiro128(seed);
  const pixels = Uint8Array.from({ length: count * size * size }, () => random.nextBelow(256));
  writeFileSync(path, encodeIdx(pixels, [count, size, size]));
  return path;
}
