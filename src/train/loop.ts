/** Pieces every training loop shares: interruption, divergence checks and step limits. */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

/** Raised when a loss becomes NaN or infinite; the last good checkpoint stays in place. */
export class DivergenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DivergenceError';
  }
}

/**
 * Turns the first Ctrl-C (SIGINT) into a flag the loop polls between steps, so it can save a
 * checkpoint and stop cleanly. A second Ctrl-C ends the process at once.
 */
export class InterruptSignal {
  #requested = false;
  // The handler runs when the current step returns to the event loop, so the message can come a
  // step after the key press.
  readonly #onSignal = () => {
    if (this.#requested) {
      process.stderr.write('\ninterrupted again: quitting without saving\n');
      process.exit(130);
    }
    this.#requested = true;
    process.stderr.write(
      '\ninterrupted: saving a checkpoint after this step; press Ctrl-C again to quit without saving\n',
    );
  };

  constructor(readonly enabled = true) {
    if (enabled) process.on('SIGINT', this.#onSignal);
  }

  get requested(): boolean {
    return this.#requested;
  }

  /** Asks the loop to stop as if Ctrl-C was pressed (for tests and embedding code). */
  request(): void {
    this.#requested = true;
  }

  /** Lets pending signals, timers and finalizers run; loops call it once per step. */
  async poll(): Promise<boolean> {
    await yieldToEventLoop();
    return this.#requested;
  }

  release(): void {
    if (this.enabled) process.off('SIGINT', this.#onSignal);
  }
}

/** Throws DivergenceError when any named loss is NaN or infinite. */
export function checkFinite(losses: Record<string, number>, where: string, hint: string): void {
  for (const [name, value] of Object.entries(losses)) {
    if (!Number.isFinite(value)) {
      throw new DivergenceError(`${name} became ${value} at ${where}; ${hint}`);
    }
  }
}

/** Running means of named values over a logging interval. */
/** The logging interval in progress when a checkpoint was saved: meter sums and seconds. */
export interface SavedInterval {
  meter: { sums: Record<string, number>; count: number };
  seconds: number;
}

export class MeanMeter {
  #sums: Record<string, number> = {};
  #count = 0;

  add(values: Record<string, number>): void {
    for (const [name, value] of Object.entries(values)) {
      this.#sums[name] = (this.#sums[name] ?? 0) + value;
    }
    this.#count++;
  }

  get count(): number {
    return this.#count;
  }

  /** Returns the sums and count of the current interval, for a checkpoint. */
  state(): SavedInterval['meter'] {
    return { sums: { ...this.#sums }, count: this.#count };
  }

  /** Continues an interval saved by state(), so a resumed run logs the same means. */
  restore(state: SavedInterval['meter'] | undefined): void {
    if (state === undefined) return;
    this.#sums = { ...state.sums };
    this.#count = state.count;
  }

  /** The means since the last reset, then starts a new interval. */
  take(): Record<string, number> {
    const means = Object.fromEntries(
      Object.entries(this.#sums).map(([name, sum]) => [name, sum / Math.max(1, this.#count)]),
    );
    this.#sums = {};
    this.#count = 0;
    return means;
  }
}

/** Checks the options shared by every `train` command and names the bad value. */
export function validateCommonTrainOptions(options: {
  epochs: number;
  steps?: number;
  batchSize: number;
  seed: number;
}): void {
  const positive = [
    ['--epochs', options.epochs],
    ['--batch-size', options.batchSize],
    ...(options.steps === undefined ? [] : [['--steps', options.steps] as const]),
  ] as const;
  for (const [flag, value] of positive) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${flag} must be a positive integer, got ${value}`);
    }
  }
  if (!Number.isSafeInteger(options.seed) || options.seed < 0) {
    throw new RangeError(`--seed must be a non-negative integer, got ${options.seed}`);
  }
}
