/**
 * Deterministic shuffling and batching. The order of epoch E depends only on (seed, E), so a run
 * resumed at epoch E replays the same batches as an uninterrupted one.
 *
 * Random numbers come from xoshiro128** 1.1 (Blackman and Vigna, https://prng.di.unimi.it/),
 * whose 128-bit state is filled by SplitMix32: a Weyl sequence with step 0x9e3779b9 passed
 * through MurmurHash3's 32-bit finalizer. All arithmetic is on unsigned 32-bit integers.
 */
import { DataError } from './errors.js';
import type { ImageSet } from './image-set.js';

const GOLDEN_GAMMA = 0x9e3779b9;

/** MurmurHash3's fmix32 finalizer: a bijection on uint32 with good avalanche. */
function fmix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A xoshiro128** generator; next() returns a uniform uint32. */
export class Xoshiro128 {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** Seeds the 128-bit state with four SplitMix32 outputs of a 32-bit seed. */
  constructor(seed: number) {
    let weyl = seed >>> 0;
    const splitmix = () => {
      weyl = (weyl + GOLDEN_GAMMA) >>> 0;
      return fmix32(weyl);
    };
    this.s0 = splitmix();
    this.s1 = splitmix();
    this.s2 = splitmix();
    this.s3 = splitmix();
    // The all-zero state is the one state xoshiro never leaves.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  next(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Returns a uniform integer in [0, bound) by rejection, so no value is favored. */
  nextBelow(bound: number): number {
    const limit = 2 ** 32 - (2 ** 32 % bound);
    let value = this.next();
    while (value >= limit) value = this.next();
    return value % bound;
  }
}

/** Hashes (seed, epoch) to a 32-bit generator seed; seeds may use all 53 bits of a safe integer. */
function epochSeed(seed: number, epoch: number): number {
  const low = seed >>> 0;
  const high = Math.floor(seed / 2 ** 32) >>> 0;
  return fmix32(fmix32(fmix32(low) ^ high) ^ epoch);
}

function checkInteger(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer from 0 to ${max}, got ${value}`);
  }
}

/** Returns a random permutation of 0..count-1 that depends only on (seed, epoch). */
export function epochPermutation(count: number, seed: number, epoch: number): Uint32Array {
  checkInteger('count', count, 2 ** 32 - 1);
  checkInteger('seed', seed, Number.MAX_SAFE_INTEGER);
  checkInteger('epoch', epoch, 2 ** 32 - 1);
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  const random = new Xoshiro128(epochSeed(seed, epoch));
  // Fisher-Yates: position i swaps with a uniform position in [0, i].
  for (let i = count - 1; i > 0; i--) {
    const j = random.nextBelow(i + 1);
    const swap = order[i] as number;
    order[i] = order[j] as number;
    order[j] = swap;
  }
  return order;
}

/**
 * Splits a permutation into consecutive batches of `batchSize` indices (views, not copies).
 * The last batch is smaller when the count is not a multiple of batchSize, unless dropLast
 * removes it. With dropLast and fewer items than batchSize, the result is empty.
 */
export function batchIndices(
  permutation: Uint32Array,
  batchSize: number,
  options: { dropLast?: boolean } = {},
): Uint32Array[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  const batches: Uint32Array[] = [];
  for (let start = 0; start < permutation.length; start += batchSize) {
    const end = Math.min(start + batchSize, permutation.length);
    if (options.dropLast && end - start < batchSize) break;
    batches.push(permutation.subarray(start, end));
  }
  return batches;
}

function checkIndex(set: ImageSet, index: number): void {
  if (index >= set.count) {
    throw new RangeError(`index ${index} is out of range for ${set.count} images in ${set.source}`);
  }
}

/** Copies the images at `indices` into one array of shape [indices.length, C, H, W]. */
export function gatherImages(set: ImageSet, indices: Uint32Array): Float32Array {
  const size = set.channels * set.height * set.width;
  const out = new Float32Array(indices.length * size);
  indices.forEach((index, i) => {
    checkIndex(set, index);
    out.set(set.images.subarray(index * size, (index + 1) * size), i * size);
  });
  return out;
}

/** Copies the labels at `indices`; throws when the set has no labels. */
export function gatherLabels(set: ImageSet, indices: Uint32Array): Int32Array {
  const labels = set.labels;
  if (labels === null) {
    throw new DataError(
      `${set.source} has no labels; use a dataset with labels, such as an IDX pair, or a folder ` +
        'with one subfolder of images per class',
    );
  }
  const out = new Int32Array(indices.length);
  indices.forEach((index, i) => {
    checkIndex(set, index);
    out[i] = labels[index] as number;
  });
  return out;
}
