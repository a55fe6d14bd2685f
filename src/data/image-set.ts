/**
 * ImageSet: a whole image dataset in memory as plain typed arrays, ready to become a tensor of
 * shape [count, channels, height, width] with values in [-1, 1], the range of a generator's tanh
 * output.
 */
import { DataError } from './errors.js';
import { readIdxImages, readIdxLabels } from './idx.js';
import { resizePixels } from './resize.js';

/** Images with optional class labels, stored row-major as [count, channels, height, width]. */
export interface ImageSet {
  /** Pixel values scaled to [-1, 1], in [count, channels, height, width] order. */
  images: Float32Array;
  /** One class index per image, or null for unlabeled images. */
  labels: Int32Array | null;
  count: number;
  channels: number;
  height: number;
  width: number;
  /** The name of each class index, or null when the classes have no names. */
  classNames: string[] | null;
  /** Origin of the images: a file or folder path, or a dataset name. */
  source: string;
}

/** Maps bytes 0..255 to floats in [-1, 1]: 0 becomes -1 and 255 becomes 1. */
export function toUnitRange(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = (bytes[i] as number) / 127.5 - 1;
  return out;
}

/** Maps a float in [-1, 1] to a byte 0..255, rounding to nearest and clamping the range. */
export function unitToByte(value: number): number {
  const byte = Math.round((value + 1) * 127.5);
  if (byte < 0) return 0;
  if (byte > 255) return 255;
  return byte;
}

/** Maps floats in [-1, 1] to bytes 0..255 with unitToByte. */
export function fromUnitRange(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = unitToByte(values[i] as number);
  return out;
}

/**
 * Loads IDX images (and labels when `labelsPath` is given) as a one-channel ImageSet.
 * The counts in the two files must match.
 */
export function fromIdx(imagesPath: string, labelsPath: string | null): ImageSet {
  const { count, height, width, pixels } = readIdxImages(imagesPath);
  let labels: Int32Array | null = null;
  if (labelsPath !== null) {
    const bytes = readIdxLabels(labelsPath);
    if (bytes.length !== count) {
      throw new DataError(
        `images file ${imagesPath} has ${count} images but labels file ${labelsPath} has ` +
          `${bytes.length} labels; use the labels file that belongs to these images`,
      );
    }
    labels = Int32Array.from(bytes);
  }
  const images = toUnitRange(pixels);
  return {
    images,
    labels,
    count,
    channels: 1,
    height,
    width,
    classNames: null,
    source: imagesPath,
  };
}

/** Returns a copy of the set with every image resampled to width x height (see resize.ts). */
export function resizeImageSet(set: ImageSet, width: number, height: number): ImageSet {
  if (width === set.width && height === set.height) return set;
  const inPlane = set.height * set.width;
  const outPlane = height * width;
  const images = new Float32Array(set.count * set.channels * outPlane);
  for (let plane = 0; plane < set.count * set.channels; plane++) {
    const data = set.images.subarray(plane * inPlane, (plane + 1) * inPlane);
    const resized = resizePixels(
      { data, width: set.width, height: set.height, channels: 1 },
      width,
      height,
    );
    images.set(resized, plane * outPlane);
  }
  return { ...set, images, width, height };
}
