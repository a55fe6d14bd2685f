/**
 * Optimizers run libtorch's own SGD, Adam and AdamW, so an update costs one native call for
 * all parameters. Their state exports as tensors for checkpoints and restores exactly.
 */
import { native, type OptimizerHandle } from '../engine/native.js';
import { keep } from '../engine/scope.js';
import { type Tensor, wrap } from '../engine/tensor.js';

export type OptimizerKind = 'sgd' | 'adam' | 'adamw';

/** The state of one parameter: the step count and named buffers (exp_avg, momentum_buffer...). */
export interface ParamState {
  step: number;
  buffers: Record<string, Tensor>;
}

/** A snapshot of an optimizer: copies, unaffected by later steps. */
export interface OptimizerState {
  kind: OptimizerKind;
  lr: number;
  params: (ParamState | null)[];
}

export abstract class Optimizer {
  readonly #handle: OptimizerHandle;
  readonly params: readonly Tensor[];

  protected constructor(
    readonly kind: OptimizerKind,
    params: Iterable<Tensor>,
    options: Record<string, unknown>,
  ) {
    this.params = [...params];
    if (this.params.length === 0) {
      throw new RangeError(`${kind}: got no parameters to optimize`);
    }
    const lr = options.lr;
    if (typeof lr !== 'number' || !(lr >= 0)) {
      throw new RangeError(`${kind}: lr must be a non-negative number, got ${String(lr)}`);
    }
    for (const p of this.params) keep(p);
    this.#handle = native.createOptimizer(
      kind,
      this.params.map((p) => p.handle),
      options,
    );
  }

  /** Applies one update from the gradients accumulated since zeroGrad(). */
  step(): void {
    native.optimizerStep(this.#handle);
  }

  /** Drops every gradient (set to null), so the next backward pass writes them fresh. */
  zeroGrad(): void {
    native.optimizerZeroGrad(this.#handle, true);
  }

  get lr(): number {
    return native.optimizerGetLr(this.#handle);
  }

  /** Sets the learning rate of every parameter, for schedules that change it per step. */
  set lr(value: number) {
    if (!(value >= 0)) throw new RangeError(`${this.kind}: lr must be non-negative, got ${value}`);
    native.optimizerSetLr(this.#handle, value);
  }

  /** A snapshot of the state; the tensors are copies owned by the current scope. */
  stateDict(): OptimizerState {
    const params = native.optimizerGetState(this.#handle).map((entry) => {
      if (entry === null) return null;
      const buffers: Record<string, Tensor> = {};
      for (const [name, handle] of Object.entries(entry.buffers)) {
        const live = wrap(handle);
        buffers[name] = live.clone();
        live.dispose();
      }
      return { step: entry.step, buffers };
    });
    return { kind: this.kind, lr: this.lr, params };
  }

  /** Restores a snapshot taken from an optimizer of the same kind over the same parameters. */
  loadStateDict(state: OptimizerState): void {
    if (state.kind !== this.kind) {
      throw new TypeError(
        `cannot load ${state.kind} optimizer state into ${this.kind}; use the optimizer the ` +
          'checkpoint was saved with',
      );
    }
    if (state.params.length !== this.params.length) {
      throw new RangeError(
        `optimizer state has ${state.params.length} parameters but this optimizer has ` +
          `${this.params.length}; build the model with the checkpoint's configuration`,
      );
    }
    native.optimizerSetState(
      this.#handle,
      state.params.map((entry) => {
        if (entry === null) return null;
        const buffers = Object.fromEntries(
          Object.entries(entry.buffers).map(([name, tensor]) => [name, tensor.handle]),
        );
        return { step: entry.step, buffers };
      }),
    );
    this.lr = state.lr;
  }
}

export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

/** Stochastic gradient descent with optional momentum and Nesterov momentum, as torch.optim.SGD. */
export class SGD extends Optimizer {
  constructor(params: Iterable<Tensor>, options: SgdOptions) {
    if (options.nesterov && !((options.momentum ?? 0) > 0 && (options.dampening ?? 0) === 0)) {
      throw new RangeError('SGD: Nesterov momentum needs momentum > 0 and dampening 0');
    }
    super('sgd', params, { ...options });
  }
}

export interface AdamOptions {
  /** Default 1e-3. */
  lr?: number;
  /** Default [0.9, 0.999]. */
  betas?: [number, number];
  /** Default 1e-8 (Keras uses 1e-7). */
  eps?: number;
  /** L2 penalty added to the gradient (Adam) or decoupled decay (AdamW, default 0.01). */
  weightDecay?: number;
  amsgrad?: boolean;
}

function adamOptions(options: AdamOptions, defaultDecay: number): Record<string, unknown> {
  const [beta1, beta2] = options.betas ?? [0.9, 0.999];
  for (const [name, beta] of [
    ['beta1', beta1],
    ['beta2', beta2],
  ] as const) {
    if (!(beta >= 0 && beta < 1))
      throw new RangeError(`Adam: ${name} must be in [0, 1), got ${beta}`);
  }
  return {
    lr: options.lr ?? 1e-3,
    beta1,
    beta2,
    eps: options.eps ?? 1e-8,
    weightDecay: options.weightDecay ?? defaultDecay,
    amsgrad: options.amsgrad ?? false,
  };
}

/** Adam (Kingma and Ba, 2015), as torch.optim.Adam. */
export class Adam extends Optimizer {
  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super('adam', params, adamOptions(options, 0));
  }
}

/** Adam with decoupled weight decay (Loshchilov and Hutter, 2019), as torch.optim.AdamW. */
export class AdamW extends Optimizer {
  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super('adamw', params, adamOptions(options, 0.01));
  }
}
