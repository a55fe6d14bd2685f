/** Interrupt signals for training tests, in place of Ctrl-C. */
import { InterruptSignal } from '../../src/train/loop.js';

/** Returns a signal that never requests a stop and installs no SIGINT handler. */
export const noSignal = () => new InterruptSignal(false);

/** Requests a stop at the given poll, as a Ctrl-C after that many steps would. */
export class StopAfter extends InterruptSignal {
  #polls = 0;

  constructor(readonly steps: number) {
    super(false);
  }

  override async poll(): Promise<boolean> {
    if (++this.#polls >= this.steps) this.request();
    return super.poll();
  }
}
