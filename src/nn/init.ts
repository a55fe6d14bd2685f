/**
 * Weight initialisation, in place and without recording gradients. PyTorch's layer defaults
 * and the Keras (Glorot-uniform) scheme both live here, so a model can match either framework.
 */
import { noGrad } from '../engine/ops.js';
import { type Generator, normal_, uniform_ } from '../engine/random.js';
import type { Tensor } from '../engine/tensor.js';

/**
 * fan_in and fan_out as PyTorch computes them: dim 1 times the receptive field for fan_in,
 * dim 0 times it for fan_out. For a transposed convolution, whose weight is [in, out, kH, kW],
 * that makes fan_in the output channels, as in PyTorch.
 */
export function fans(weight: Tensor): { fanIn: number; fanOut: number } {
  const shape = weight.shape;
  if (shape.length < 2) {
    throw new RangeError(`fans: need a weight with at least 2 dimensions, got [${shape}]`);
  }
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

export function uniformInit(tensor: Tensor, low: number, high: number, generator?: Generator) {
  noGrad(() => uniform_(tensor, low, high, generator));
  return tensor;
}

export function normalInit(tensor: Tensor, mean: number, std: number, generator?: Generator) {
  noGrad(() => normal_(tensor, mean, std, generator));
  return tensor;
}

export function constantInit(tensor: Tensor, value: number): Tensor {
  noGrad(() => tensor.fill_(value));
  return tensor;
}

/**
 * Kaiming-uniform with a = sqrt(5): U(-b, b) with b = 1 / sqrt(fan_in), PyTorch's default for
 * the weights of Linear and convolution layers.
 */
export function torchDefaultWeightInit(weight: Tensor, generator?: Generator): Tensor {
  const bound = 1 / Math.sqrt(fans(weight).fanIn);
  return uniformInit(weight, -bound, bound, generator);
}

/** U(-1/sqrt(fan_in), 1/sqrt(fan_in)), PyTorch's default for the biases of those layers. */
export function torchDefaultBiasInit(bias: Tensor, weight: Tensor, generator?: Generator) {
  const { fanIn } = fans(weight);
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return uniformInit(bias, -bound, bound, generator);
}

/**
 * Glorot (Xavier) uniform: U(-l, l) with l = sqrt(6 / (fan_in + fan_out)), the Keras default
 * kernel initialiser. The sum of the fans is the same in either framework's weight layout.
 */
export function glorotUniformInit(weight: Tensor, generator?: Generator): Tensor {
  const { fanIn, fanOut } = fans(weight);
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return uniformInit(weight, -limit, limit, generator);
}

/** Which scheme a layer initialises with: PyTorch's defaults, or Keras's (Glorot, zero bias). */
export type InitScheme = 'torch' | 'keras';

export function initWeightAndBias(
  scheme: InitScheme,
  weight: Tensor,
  bias: Tensor | null,
  generator?: Generator,
): void {
  if (scheme === 'keras') {
    glorotUniformInit(weight, generator);
    if (bias) constantInit(bias, 0);
    return;
  }
  torchDefaultWeightInit(weight, generator);
  if (bias) torchDefaultBiasInit(bias, weight, generator);
}
