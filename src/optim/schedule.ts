/**
 * Learning-rate schedules, as functions of the 0-based optimizer step. The trainer sets
 * `optimizer.lr = schedule(step)` before each step.
 */

export interface WarmupCosineOptions {
  /** The peak learning rate, reached at the end of the warm-up. */
  maxLr: number;
  /** The learning rate at the end of the decay and after it. */
  minLr: number;
  /** Steps of linear warm-up from near 0 to maxLr. */
  warmupSteps: number;
  /** The step at which the cosine decay reaches minLr; at least warmupSteps. */
  decaySteps: number;
}

/**
 * Linear warm-up, then cosine decay to minLr (Loshchilov and Hutter, 2017, "SGDR: Stochastic
 * Gradient Descent with Warm Restarts", eq. 5, without restarts), as nanoGPT's get_lr():
 *
 *   1. step < warmupSteps:            lr = maxLr * (step + 1) / (warmupSteps + 1)
 *   2. step > decaySteps:             lr = minLr
 *   3. otherwise, with r = (step - warmupSteps) / (decaySteps - warmupSteps):
 *                                     lr = minLr + (maxLr - minLr) * (1 + cos(pi * r)) / 2
 */
export function warmupCosineSchedule(options: WarmupCosineOptions): (step: number) => number {
  const { maxLr, minLr, warmupSteps, decaySteps } = options;
  if (!(maxLr >= 0) || !(minLr >= 0) || minLr > maxLr) {
    throw new RangeError(
      `learning rates must satisfy 0 <= min ${minLr} <= max ${maxLr}; lower the minimum`,
    );
  }
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0) {
    throw new RangeError(`warm-up steps must be a non-negative integer, got ${warmupSteps}`);
  }
  if (!Number.isInteger(decaySteps) || decaySteps < warmupSteps) {
    throw new RangeError(
      `decay steps (${decaySteps}) must be an integer of at least the warm-up steps ` +
        `(${warmupSteps}); shorten the warm-up or train for more steps`,
    );
  }
  return (step) => {
    if (step < warmupSteps) return (maxLr * (step + 1)) / (warmupSteps + 1);
    if (step > decaySteps || decaySteps === warmupSteps) return minLr;
    const ratio = (step - warmupSteps) / (decaySteps - warmupSteps);
    return minLr + ((maxLr - minLr) * (1 + Math.cos(Math.PI * ratio))) / 2;
  };
}
