import { empty } from '../../engine/creation.js';
import { noGrad } from '../../engine/ops.js';
import type { Tensor } from '../../engine/tensor.js';
import { embedding } from '../functional.js';
import { normalInit } from '../init.js';
import { Module } from '../module.js';

/** A lookup table [numEmbeddings, embeddingDim], initialised N(0, 1) as in PyTorch. */
export class Embedding extends Module {
  readonly weight: Tensor;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    readonly options: { paddingIdx?: number } = {},
  ) {
    super();
    this.weight = this.registerParameter('weight', empty([numEmbeddings, embeddingDim]));
    normalInit(this.weight, 0, 1);
    const paddingIdx = options.paddingIdx;
    if (paddingIdx !== undefined) noGrad(() => this.weight.select(0, paddingIdx).zero_());
  }

  /** int64 indices of any shape -> [...indices.shape, embeddingDim] */
  forward(indices: Tensor): Tensor {
    return embedding(indices, this.weight, this.options.paddingIdx);
  }
}
