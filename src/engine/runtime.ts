/** The engine's process-wide settings and counters. */
import { native, type NativeConfig } from './native.js';

/** The live tensor handles and the bytes of their distinct storages, for leak hunting. */
export function memory(): { tensors: number; bytes: number } {
  return native.memory();
}

/** What was linked: libtorch version, CUDA, thread counts and whether OpenBLAS is in use. */
export function config(): NativeConfig {
  return native.config();
}

/** Sets libtorch's intra-op thread count (default: AIGC_NUM_THREADS, else one per core). */
export function setNumThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`setNumThreads: expected a positive integer, got ${threads}`);
  }
  native.setNumThreads(threads);
}

export function getNumThreads(): number {
  return native.getNumThreads();
}

export function cudaAvailable(): boolean {
  return native.cudaDeviceCount() > 0;
}
