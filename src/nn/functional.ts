/**
 * Functional neural-network ops, as torch.nn.functional: options objects carry PyTorch's
 * keyword arguments with the same defaults.
 */
import { native } from '../engine/native.js';
import { type Tensor, wrap } from '../engine/tensor.js';

export type Reduction = 'none' | 'mean' | 'sum';
type Pair = number | readonly [number, number];

function pair(value: Pair): number[] {
  return typeof value === 'number' ? [value, value] : [...value];
}

function handleOrNull(tensor: Tensor | null | undefined) {
  return tensor ? tensor.handle : null;
}

export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return wrap(native.linear(input.handle, weight.handle, handleOrNull(bias)));
}

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
}

/** 2-D convolution over [N, C, H, W] with weight [outC, inC / groups, kH, kW]. */
export function conv2d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options: Conv2dOptions = {},
): Tensor {
  const { stride = 1, padding = 0, dilation = 1, groups = 1 } = options;
  return wrap(
    native.conv2d(
      input.handle,
      weight.handle,
      handleOrNull(bias),
      pair(stride),
      pair(padding),
      pair(dilation),
      groups,
    ),
  );
}

export interface ConvTranspose2dOptions extends Conv2dOptions {
  /** Extra size added to one side of each output dimension. Default 0. */
  outputPadding?: Pair;
}

/** Transposed 2-D convolution with weight [inC, outC / groups, kH, kW]. */
export function convTranspose2d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options: ConvTranspose2dOptions = {},
): Tensor {
  const { stride = 1, padding = 0, outputPadding = 0, groups = 1, dilation = 1 } = options;
  if (isPlainStrideOne(input, weight, bias, stride, padding, outputPadding, groups, dilation)) {
    // With stride 1, a transposed convolution is a convolution with the kernel flipped, its two
    // channel axes swapped and padding k - 1 - p. On CPU, libtorch 1.13 runs that convolution
    // faster: 115 ms against 277 ms for forward and backward of the DCGAN generator's
    // 256-to-128-channel 5x5 layer at batch 64 on 2 cores (bench/dcgan/conv-transpose.ts).
    const [kH, kW] = [weight.size(2), weight.size(3)];
    const [pH, pW] = pair(padding);
    return conv2d(input, weight.transpose(0, 1).flip([2, 3]), bias, {
      padding: [kH - 1 - pH!, kW - 1 - pW!],
    });
  }
  return wrap(
    native.convTranspose2d(
      input.handle,
      weight.handle,
      handleOrNull(bias),
      pair(stride),
      pair(padding),
      pair(outputPadding),
      groups,
      pair(dilation),
    ),
  );
}

/** Checks whether convTranspose2d can run as an ordinary CPU convolution (see there). */
function isPlainStrideOne(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  stride: Pair,
  padding: Pair,
  outputPadding: Pair,
  groups: number,
  dilation: Pair,
): boolean {
  if (input.device !== 'cpu' || groups !== 1) return false;
  // Inputs that do not fit take the direct op, whose errors name convTranspose2d.
  if (input.dim() !== 4 || weight.dim() !== 4 || input.size(1) !== weight.size(0)) return false;
  if (bias && (bias.dim() !== 1 || bias.size(0) !== weight.size(1))) return false;
  const ones = (value: Pair) => pair(value).every((v) => v === 1);
  const zeros = (value: Pair) => pair(value).every((v) => v === 0);
  if (!ones(stride) || !ones(dilation) || !zeros(outputPadding)) return false;
  const [pH, pW] = pair(padding);
  return pH! >= 0 && pW! >= 0 && pH! < weight.size(2) && pW! < weight.size(3);
}

export interface Pool2dOptions {
  /** Default: the kernel size. */
  stride?: Pair;
  padding?: Pair;
  ceilMode?: boolean;
}

export function maxPool2d(
  input: Tensor,
  kernelSize: Pair,
  options: Pool2dOptions & { dilation?: Pair } = {},
): Tensor {
  const { stride = kernelSize, padding = 0, dilation = 1, ceilMode = false } = options;
  return wrap(
    native.maxPool2d(
      input.handle,
      pair(kernelSize),
      pair(stride),
      pair(padding),
      pair(dilation),
      ceilMode,
    ),
  );
}

export function avgPool2d(
  input: Tensor,
  kernelSize: Pair,
  options: Pool2dOptions & { countIncludePad?: boolean } = {},
): Tensor {
  const { stride = kernelSize, padding = 0, ceilMode = false, countIncludePad = true } = options;
  return wrap(
    native.avgPool2d(
      input.handle,
      pair(kernelSize),
      pair(stride),
      pair(padding),
      ceilMode,
      countIncludePad,
    ),
  );
}

export function adaptiveAvgPool2d(input: Tensor, outputSize: Pair): Tensor {
  return wrap(native.adaptiveAvgPool2d(input.handle, pair(outputSize)));
}

export interface InterpolateOptions {
  /** Output [H, W]; give this or scaleFactor. */
  size?: Pair;
  scaleFactor?: number;
  /** Default 'nearest'. */
  mode?: 'nearest' | 'bilinear';
  /** Bilinear only. Default false. */
  alignCorners?: boolean;
}

/** Resizes [N, C, H, W] images. */
export function interpolate(input: Tensor, options: InterpolateOptions): Tensor {
  const { mode = 'nearest', alignCorners = false } = options;
  if (options.size !== undefined) {
    return wrap(native.interpolate(input.handle, pair(options.size), mode, alignCorners, null));
  }
  const factor = options.scaleFactor;
  if (factor === undefined || !(factor > 0)) {
    throw new TypeError('interpolate: give `size`, or a positive `scaleFactor`');
  }
  // As PyTorch does, the op gets the factor too and maps coordinates by 1 / factor, which
  // differs from deriving it from the rounded output size when the factor is fractional.
  const size = [input.size(-2), input.size(-1)].map((s) => Math.floor(s * factor));
  return wrap(native.interpolate(input.handle, size, mode, alignCorners, factor));
}

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Use batch statistics and update the running ones (true), or use the running ones. */
  training?: boolean;
  /** Weight of the new batch in the running statistics. Default 0.1. */
  momentum?: number;
  eps?: number;
}

/** Batch normalisation over dim 1; in training mode it updates runningMean/Var in place. */
export function batchNorm(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  options: BatchNormOptions = {},
): Tensor {
  const { training = false, momentum = 0.1, eps = 1e-5 } = options;
  return wrap(
    native.batchNorm(
      input.handle,
      handleOrNull(options.weight),
      handleOrNull(options.bias),
      handleOrNull(runningMean),
      handleOrNull(runningVar),
      training,
      momentum,
      eps,
    ),
  );
}

export function layerNorm(
  input: Tensor,
  normalizedShape: readonly number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  return wrap(
    native.layerNorm(
      input.handle,
      [...normalizedShape],
      handleOrNull(weight),
      handleOrNull(bias),
      eps,
    ),
  );
}

export function groupNorm(
  input: Tensor,
  numGroups: number,
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  return wrap(
    native.groupNorm(input.handle, numGroups, handleOrNull(weight), handleOrNull(bias), eps),
  );
}

/** Looks up rows of `weight` [numEmbeddings, dim] by int64 `indices`. */
export function embedding(indices: Tensor, weight: Tensor, paddingIdx?: number): Tensor {
  return wrap(native.embedding(weight.handle, indices.handle, paddingIdx ?? -1));
}

/** Zeroes each element with probability p in training and scales the rest by 1 / (1 - p). */
export function dropout(input: Tensor, p = 0.5, training = true): Tensor {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout: p must be in [0, 1], got ${p}`);
  return wrap(native.dropout(input.handle, p, training));
}

export interface LstmOptions {
  numLayers: number;
  hasBiases: boolean;
  dropout: number;
  training: boolean;
  bidirectional: boolean;
  batchFirst: boolean;
}

/**
 * The fused multi-layer LSTM. `weights` lists, per layer and direction, w_ih [4H, in],
 * w_hh [4H, H], then b_ih and b_hh [4H] when `hasBiases`. Returns the output sequence and
 * the final hidden and cell states, each [layers * directions, N, H].
 */
export function lstm(
  input: Tensor,
  state: [Tensor, Tensor],
  weights: readonly Tensor[],
  options: LstmOptions,
): { output: Tensor; h: Tensor; c: Tensor } {
  const [output, h, c] = native.lstm(
    input.handle,
    [state[0].handle, state[1].handle],
    weights.map((w) => w.handle),
    options.hasBiases,
    options.numLayers,
    options.dropout,
    options.training,
    options.bidirectional,
    options.batchFirst,
  );
  return { output: wrap(output), h: wrap(h), c: wrap(c) };
}

export function relu(input: Tensor): Tensor {
  return wrap(native.relu(input.handle));
}

/** max(0, x) + slope * min(0, x). PyTorch's default slope is 0.01, Keras's 0.3. */
export function leakyRelu(input: Tensor, negativeSlope = 0.01): Tensor {
  return wrap(native.leakyRelu(input.handle, negativeSlope));
}

export function elu(input: Tensor, alpha = 1): Tensor {
  return wrap(native.elu(input.handle, alpha));
}

/** GELU, exact ('none') or with the tanh approximation of GPT-2 ('tanh'). */
export function gelu(input: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  return wrap(native.gelu(input.handle, approximate));
}

export function silu(input: Tensor): Tensor {
  return wrap(native.silu(input.handle));
}

export function tanh(input: Tensor): Tensor {
  return wrap(native.tanh(input.handle));
}

export function sigmoid(input: Tensor): Tensor {
  return wrap(native.sigmoid(input.handle));
}

export function softplus(input: Tensor, beta = 1, threshold = 20): Tensor {
  return wrap(native.softplus(input.handle, beta, threshold));
}

export function softmax(input: Tensor, dim: number): Tensor {
  return wrap(native.softmax(input.handle, dim, null));
}

export function logSoftmax(input: Tensor, dim: number): Tensor {
  return wrap(native.logSoftmax(input.handle, dim, null));
}

/** Pads the last dimensions: `pads` lists (before, after) pairs from the last dimension back. */
export function pad(
  input: Tensor,
  pads: readonly number[],
  mode: 'constant' | 'reflect' | 'replicate' = 'constant',
  value = 0,
): Tensor {
  return wrap(native.pad(input.handle, [...pads], mode, value));
}

/** int64 class indices to a one-hot int64 tensor with a trailing dimension of numClasses. */
export function oneHot(indices: Tensor, numClasses = -1): Tensor {
  return wrap(native.oneHot(indices.handle, numClasses));
}

export interface LossOptions {
  /** Default 'mean'. */
  reduction?: Reduction;
}

/** Sigmoid plus binary cross-entropy in one numerically stable op. */
export function binaryCrossEntropyWithLogits(
  logits: Tensor,
  target: Tensor,
  options: LossOptions & { weight?: Tensor; posWeight?: Tensor } = {},
): Tensor {
  return wrap(
    native.binaryCrossEntropyWithLogits(
      logits.handle,
      target.handle,
      handleOrNull(options.weight),
      handleOrNull(options.posWeight),
      options.reduction ?? 'mean',
    ),
  );
}

export function binaryCrossEntropy(
  probabilities: Tensor,
  target: Tensor,
  options: LossOptions & { weight?: Tensor } = {},
): Tensor {
  return wrap(
    native.binaryCrossEntropy(
      probabilities.handle,
      target.handle,
      handleOrNull(options.weight),
      options.reduction ?? 'mean',
    ),
  );
}

export interface CrossEntropyOptions extends LossOptions {
  weight?: Tensor;
  /** Targets with this class index add nothing to the loss. Default -100. */
  ignoreIndex?: number;
  /** Mixes the targets with the uniform distribution by this amount. Default 0. */
  labelSmoothing?: number;
}

/**
 * Cross-entropy of `logits` [N, C] (or [N, C, ...]) against int64 class indices [N] or class
 * probabilities of the logits' shape.
 */
export function crossEntropy(
  logits: Tensor,
  target: Tensor,
  options: CrossEntropyOptions = {},
): Tensor {
  const { reduction = 'mean', ignoreIndex = -100, labelSmoothing = 0 } = options;
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new RangeError(`crossEntropy: labelSmoothing must be in [0, 1], got ${labelSmoothing}`);
  }
  return wrap(
    native.crossEntropy(
      logits.handle,
      target.handle,
      handleOrNull(options.weight),
      reduction,
      ignoreIndex,
      labelSmoothing,
    ),
  );
}

export function nllLoss(
  logProbabilities: Tensor,
  target: Tensor,
  options: LossOptions & { weight?: Tensor; ignoreIndex?: number } = {},
): Tensor {
  return wrap(
    native.nllLoss(
      logProbabilities.handle,
      target.handle,
      handleOrNull(options.weight),
      options.reduction ?? 'mean',
      options.ignoreIndex ?? -100,
    ),
  );
}

export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  return wrap(native.mseLoss(input.handle, target.handle, options.reduction ?? 'mean'));
}

export function l1Loss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  return wrap(native.l1Loss(input.handle, target.handle, options.reduction ?? 'mean'));
}

export function smoothL1Loss(
  input: Tensor,
  target: Tensor,
  options: LossOptions & { beta?: number } = {},
): Tensor {
  return wrap(
    native.smoothL1Loss(
      input.handle,
      target.handle,
      options.reduction ?? 'mean',
      options.beta ?? 1,
    ),
  );
}
