import { ones, zeros } from '../../engine/creation.js';
import type { Tensor } from '../../engine/tensor.js';
import { batchNorm, groupNorm, layerNorm } from '../functional.js';
import { Module } from '../module.js';

export interface BatchNormOptions {
  /** Default 1e-5 (Keras uses 1e-3). */
  eps?: number;
  /**
   * Weight of each new batch in the running statistics, PyTorch's convention. Default 0.1.
   * Keras's momentum m corresponds to 1 - m here (Keras's 0.99 is 0.01).
   */
  momentum?: number;
  /** Learnable scale and shift. Default true. */
  affine?: boolean;
  /** Keep running statistics for evaluation. Default true. */
  trackRunningStats?: boolean;
}

abstract class BatchNorm extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number;

  constructor(
    readonly numFeatures: number,
    options: BatchNormOptions,
  ) {
    super();
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    const affine = options.affine ?? true;
    this.weight = affine ? this.registerParameter('weight', ones([numFeatures])) : null;
    this.bias = affine ? this.registerParameter('bias', zeros([numFeatures])) : null;
    const track = options.trackRunningStats ?? true;
    this.runningMean = track ? this.registerBuffer('running_mean', zeros([numFeatures])) : null;
    this.runningVar = track ? this.registerBuffer('running_var', ones([numFeatures])) : null;
    this.numBatchesTracked = track
      ? this.registerBuffer('num_batches_tracked', zeros([], { dtype: 'int64' }))
      : null;
  }

  protected abstract checkInput(input: Tensor): void;

  forward(input: Tensor): Tensor {
    this.checkInput(input);
    const useBatchStats = this.training || this.runningMean === null;
    if (this.training && this.numBatchesTracked) this.numBatchesTracked.add_(1);
    return batchNorm(input, this.runningMean, this.runningVar, {
      weight: this.weight,
      bias: this.bias,
      training: useBatchStats,
      momentum: this.momentum,
      eps: this.eps,
    });
  }
}

/** Batch normalisation over [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options);
  }

  protected checkInput(input: Tensor): void {
    if (input.ndim !== 2 && input.ndim !== 3) {
      throw new RangeError(`BatchNorm1d: expected a 2-D or 3-D input, got [${input.shape}]`);
    }
  }
}

/** Batch normalisation over [N, C, H, W]. */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options);
  }

  protected checkInput(input: Tensor): void {
    if (input.ndim !== 4) {
      throw new RangeError(`BatchNorm2d: expected a 4-D input [N, C, H, W], got [${input.shape}]`);
    }
  }
}

/** Normalises over the trailing `normalizedShape` dimensions. */
export class LayerNorm extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly normalizedShape: number[];

  constructor(
    normalizedShape: number | readonly number[],
    readonly options: { eps?: number; elementwiseAffine?: boolean; bias?: boolean } = {},
  ) {
    super();
    this.normalizedShape =
      typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    const affine = options.elementwiseAffine ?? true;
    this.weight = affine ? this.registerParameter('weight', ones(this.normalizedShape)) : null;
    this.bias =
      affine && options.bias !== false
        ? this.registerParameter('bias', zeros(this.normalizedShape))
        : null;
  }

  forward(input: Tensor): Tensor {
    return layerNorm(input, this.normalizedShape, this.weight, this.bias, this.options.eps ?? 1e-5);
  }
}

/** Normalises channel groups of [N, C, ...]; C must divide by numGroups. */
export class GroupNorm extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;

  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    readonly options: { eps?: number; affine?: boolean } = {},
  ) {
    super();
    if (numChannels % numGroups !== 0) {
      throw new RangeError(
        `GroupNorm: ${numChannels} channels do not divide into ${numGroups} groups`,
      );
    }
    const affine = options.affine ?? true;
    this.weight = affine ? this.registerParameter('weight', ones([numChannels])) : null;
    this.bias = affine ? this.registerParameter('bias', zeros([numChannels])) : null;
  }

  forward(input: Tensor): Tensor {
    return groupNorm(input, this.numGroups, this.weight, this.bias, this.options.eps ?? 1e-5);
  }
}
