import { empty } from '../../engine/creation.js';
import type { Tensor } from '../../engine/tensor.js';
import { linear } from '../functional.js';
import { type InitScheme, initWeightAndBias } from '../init.js';
import { Module } from '../module.js';

export interface LinearOptions {
  /** Default true. */
  bias?: boolean;
  /** Default 'torch' (Kaiming-uniform); 'keras' is Glorot-uniform with zero bias. */
  init?: InitScheme;
}

/** y = x W^T + b, with weight [out, in] as in PyTorch. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    this.weight = this.registerParameter('weight', empty([outFeatures, inFeatures]));
    this.bias =
      options.bias === false ? null : this.registerParameter('bias', empty([outFeatures]));
    initWeightAndBias(options.init ?? 'torch', this.weight, this.bias);
  }

  forward(input: Tensor): Tensor {
    return linear(input, this.weight, this.bias);
  }
}
