/**
 * Training and evaluation windows over a token sequence. A window of T + 1 tokens gives the
 * inputs (the first T) and the targets (the last T, each the token after its input).
 *
 * Training windows start at random offsets that depend only on (seed, step), so a run resumed
 * at step S draws the same batches as one never interrupted. Evaluation windows are fixed.
 */
import { arange, tensor } from '../engine/creation.js';
import type { Device } from '../engine/dtype.js';
import type { Tensor } from '../engine/tensor.js';
import { Xoshiro128 } from '../data/batches.js';

/** Token ids as a 1-D int64 tensor on `device`. */
export function tokenTensor(tokens: Int32Array, device: Device): Tensor {
  return tensor(
    BigInt64Array.from(tokens, (id) => BigInt(id)),
    { device },
  );
}

/**
 * Hashes (seed, step) into a 32-bit generator seed. The multipliers are odd constants from
 * MurmurHash3, and Xoshiro128's constructor mixes the result further with SplitMix32.
 */
function stepSeed(seed: number, step: number): number {
  const low = seed >>> 0;
  const high = Math.floor(seed / 2 ** 32) >>> 0;
  return (Math.imul(step + 1, 0x85ebca6b) ^ Math.imul(high, 0xc2b2ae35) ^ low) >>> 0;
}

/**
 * Draws the start offsets of `batchSize` random windows of `windowLength` + 1 tokens in a sequence
 * of `count` tokens, for optimizer step `step`.
 */
export function randomWindowStarts(
  count: number,
  windowLength: number,
  batchSize: number,
  seed: number,
  step: number,
): number[] {
  const positions = count - windowLength;
  if (positions < 1) {
    throw new RangeError(`a window of ${windowLength} + 1 tokens does not fit in ${count} tokens`);
  }
  const random = new Xoshiro128(stepSeed(seed, step));
  return Array.from({ length: batchSize }, () => random.nextBelow(positions));
}

/**
 * Up to `maxWindows` non-overlapping windows for evaluation, evenly spread over the sequence.
 * When the sequence is shorter than one window, the single window is shortened to fit.
 */
export function evaluationWindows(
  count: number,
  windowLength: number,
  maxWindows: number,
): { starts: number[]; length: number } {
  if (count < 2) {
    throw new RangeError(`evaluation needs at least 2 tokens, got ${count}`);
  }
  const length = Math.min(windowLength, count - 1);
  const available = Math.floor((count - 1) / length);
  const used = Math.min(available, maxWindows);
  const stride = available / used;
  const starts = Array.from({ length: used }, (_, i) => Math.floor(i * stride) * length);
  return { starts, length };
}

/** Gathers windows of `length` + 1 tokens at `starts`: inputs and targets, each [B, length]. */
export function windowBatch(
  tokens: Tensor,
  starts: readonly number[],
  length: number,
): { inputs: Tensor; targets: Tensor } {
  const B = starts.length;
  const offsets = arange(length + 1, { device: tokens.device }); // [T+1]
  const firsts = tensor(
    BigInt64Array.from(starts, (s) => BigInt(s)),
    {
      device: tokens.device,
    },
  ).view(B, 1); // [B, 1]
  const index = firsts.add(offsets).flatten(); // [B * (T+1)]
  const windows = tokens.indexSelect(0, index).view(B, length + 1); // [B, T+1]
  return {
    inputs: windows.narrow(1, 0, length), // [B, T]
    targets: windows.narrow(1, 1, length), // [B, T]
  };
}
