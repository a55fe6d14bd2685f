/**
 * Random numbers. manualSeed() seeds the default generators that every op without an explicit
 * generator draws from, dropout included. A Generator is an independent stream; both kinds
 * expose their full state so a resumed run draws the same numbers as one never interrupted.
 */
import type { Device, DType } from './dtype.js';
import { type GeneratorHandle, native } from './native.js';
import { type Tensor, wrap } from './tensor.js';

/** Seeds the default generators of the CPU and of every CUDA device. */
export function manualSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`manualSeed: seed must be a non-negative integer, got ${seed}`);
  }
  native.manualSeed(seed);
}

/** An explicit random stream on one device. */
export class Generator {
  readonly handle: GeneratorHandle;
  readonly device: Device;

  constructor(seed: number, device: Device = 'cpu') {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`Generator: seed must be a non-negative integer, got ${seed}`);
    }
    this.handle = native.createGenerator(seed, device);
    this.device = device;
  }

  /** The full state as a uint8 tensor. */
  getState(): Tensor {
    return wrap(native.getRngState(this.handle, this.device));
  }

  setState(state: Tensor): void {
    native.setRngState(this.handle, state.handle, this.device);
  }
}

/** The state of the default generator of `device`, as a uint8 tensor. */
export function getRngState(device: Device = 'cpu'): Tensor {
  return wrap(native.getRngState(null, device));
}

export function setRngState(state: Tensor, device: Device = 'cpu'): void {
  native.setRngState(null, state.handle, device);
}

export interface RandomOptions {
  dtype?: DType;
  device?: Device;
  /** Draw from this generator instead of the default one. */
  generator?: Generator;
}

function args(options: RandomOptions): [DType | null, Device | null, GeneratorHandle | null] {
  return [options.dtype ?? null, options.device ?? null, options.generator?.handle ?? null];
}

/** Uniform samples on [0, 1). */
export function rand(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return wrap(native.rand([...shape], ...args(options)));
}

/** Standard normal samples. */
export function randn(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return wrap(native.randn([...shape], ...args(options)));
}

/** Integers in [low, high), int64 unless `dtype` says otherwise. */
export function randint(
  low: number,
  high: number,
  shape: readonly number[],
  options: RandomOptions = {},
): Tensor {
  return wrap(native.randint(low, high, [...shape], ...args(options)));
}

/** A random permutation of 0..n-1, int64. */
export function randperm(n: number, options: RandomOptions = {}): Tensor {
  return wrap(native.randperm(n, ...args(options)));
}

/**
 * Draws `numSamples` indices per row of `probabilities` (non-negative weights that need not sum
 * to 1), as torch.multinomial.
 */
export function multinomial(
  probabilities: Tensor,
  numSamples: number,
  options: { replacement?: boolean; generator?: Generator } = {},
): Tensor {
  return wrap(
    native.multinomial(
      probabilities.handle,
      numSamples,
      options.replacement ?? false,
      options.generator?.handle ?? null,
    ),
  );
}

/** 1 with probability p, elementwise, else 0. */
export function bernoulli(probabilities: Tensor, generator?: Generator): Tensor {
  return wrap(native.bernoulli(probabilities.handle, generator?.handle ?? null));
}

/** Fills `target` in place with uniform samples on [low, high). */
export function uniform_(target: Tensor, low: number, high: number, generator?: Generator) {
  native.dispose(native.uniform_(target.handle, low, high, generator?.handle ?? null));
  return target;
}

/** Fills `target` in place with normal samples. */
export function normal_(target: Tensor, mean: number, std: number, generator?: Generator) {
  native.dispose(native.normal_(target.handle, mean, std, generator?.handle ?? null));
  return target;
}
