import { empty, zeros } from '../../engine/creation.js';
import type { Tensor } from '../../engine/tensor.js';
import { lstm } from '../functional.js';
import { uniformInit } from '../init.js';
import { Module } from '../module.js';

export interface LstmOptions {
  /** Stacked layers. Default 1. */
  numLayers?: number;
  /** Default true. */
  bias?: boolean;
  /** Inputs and outputs are [N, T, features] instead of [T, N, features]. Default false. */
  batchFirst?: boolean;
  /** Dropout between stacked layers during training. Default 0. */
  dropout?: number;
  bidirectional?: boolean;
}

/**
 * A multi-layer LSTM running as libtorch's fused op. Parameter names follow PyTorch
 * (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, with _reverse for the backward
 * direction), and every weight starts U(-1/sqrt(hidden), 1/sqrt(hidden)).
 */
export class LSTM extends Module {
  readonly #weights: Tensor[] = [];
  readonly numLayers: number;
  readonly directions: number;

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    readonly options: LstmOptions = {},
  ) {
    super();
    this.numLayers = options.numLayers ?? 1;
    this.directions = options.bidirectional ? 2 : 1;
    const bound = 1 / Math.sqrt(hiddenSize);
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let direction = 0; direction < this.directions; direction++) {
        const suffix = `_l${layer}${direction === 1 ? '_reverse' : ''}`;
        const layerInput = layer === 0 ? inputSize : hiddenSize * this.directions;
        const shapes: [string, number[]][] = [
          [`weight_ih${suffix}`, [4 * hiddenSize, layerInput]],
          [`weight_hh${suffix}`, [4 * hiddenSize, hiddenSize]],
        ];
        if (options.bias !== false) {
          shapes.push(
            [`bias_ih${suffix}`, [4 * hiddenSize]],
            [`bias_hh${suffix}`, [4 * hiddenSize]],
          );
        }
        for (const [name, shape] of shapes) {
          const weight = this.registerParameter(name, empty(shape));
          this.#weights.push(uniformInit(weight, -bound, bound));
        }
      }
    }
  }

  /**
   * input [T, N, inputSize] (or [N, T, inputSize] with batchFirst); state defaults to zeros.
   * Returns output [T, N, directions * hidden] and the final h and c, each
   * [numLayers * directions, N, hidden].
   */
  forward(input: Tensor, state?: [Tensor, Tensor]): { output: Tensor; h: Tensor; c: Tensor } {
    const batch = input.size(this.options.batchFirst ? 0 : 1);
    const shape = [this.numLayers * this.directions, batch, this.hiddenSize];
    const initial: [Tensor, Tensor] = state ?? [
      zeros(shape, { dtype: input.dtype, device: input.device }),
      zeros(shape, { dtype: input.dtype, device: input.device }),
    ];
    return lstm(input, initial, this.#weights, {
      numLayers: this.numLayers,
      hasBiases: this.options.bias !== false,
      dropout: this.options.dropout ?? 0,
      training: this.training,
      bidirectional: this.directions === 2,
      batchFirst: this.options.batchFirst ?? false,
    });
  }
}
