/**
 * Loads the native addon and describes its surface. Everything here is positional and
 * untyped at the boundary; the Tensor class and the functional API are the typed face.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { DType } from './dtype.js';
import { ERROR_CLASSES } from './errors.js';

declare const handleBrand: unique symbol;
/** An opaque reference to one native at::Tensor. */
export type Handle = { readonly [handleBrand]: 'tensor' };
declare const generatorBrand: unique symbol;
export type GeneratorHandle = { readonly [generatorBrand]: 'generator' };
declare const optimizerBrand: unique symbol;
export type OptimizerHandle = { readonly [optimizerBrand]: 'optimizer' };

type H = Handle;
type N = number;
type B = boolean;
type Opt<T> = T | null;
type Operand = H | number | boolean;
type Gen = GeneratorHandle | null;
type Reduction = 'none' | 'mean' | 'sum';

export interface OptimizerParamState {
  step: number;
  buffers: Record<string, Handle>;
}

export interface NativeConfig {
  torchVersion: string;
  cuda: boolean;
  threads: number;
  interopThreads: number;
  parallelInfo: string;
  openblas: boolean;
}

/** The functions that native/*.cc export; argument order follows each op's comment there. */
export interface NativeAddon {
  setErrorClasses(classes: readonly unknown[]): void;
  dispose(h: H): void;
  isDisposed(h: H): boolean;
  memory(): { tensors: number; bytes: number };
  setNumThreads(n: N): void;
  getNumThreads(): number;
  setNumInteropThreads(n: N): void;
  setBlasThreads(n: N): boolean;
  config(): NativeConfig;
  cudaDeviceCount(): number;

  fromData(data: ArrayBufferView, shape: N[], dtype: DType, device: Opt<string>): H;
  toData(h: H): ArrayBuffer;
  item(h: H): number | boolean;
  shape(h: H): number[];
  dtype(h: H): DType;
  device(h: H): string;
  isContiguous(h: H): boolean;
  sharesStorage(a: H, b: H): boolean;
  zeros(shape: N[], dtype: Opt<DType>, device: Opt<string>): H;
  ones(shape: N[], dtype: Opt<DType>, device: Opt<string>): H;
  empty(shape: N[], dtype: Opt<DType>, device: Opt<string>): H;
  full(shape: N[], value: number | boolean, dtype: Opt<DType>, device: Opt<string>): H;
  arange(start: N, end: N, step: N, dtype: Opt<DType>, device: Opt<string>): H;
  linspace(start: N, end: N, steps: N, dtype: Opt<DType>, device: Opt<string>): H;
  eye(n: N, m: N, dtype: Opt<DType>, device: Opt<string>): H;
  to(h: H, dtype: Opt<DType>, device: Opt<string>): H;
  clone(h: H): H;
  contiguous(h: H): H;
  copy_(target: H, source: H): H;
  fill_(target: H, value: number | boolean): H;
  zero_(target: H): H;

  reshape(h: H, shape: N[]): H;
  view(h: H, shape: N[]): H;
  permute(h: H, dims: N[]): H;
  transpose(h: H, dim0: N, dim1: N): H;
  flatten(h: H, start: N, end: N): H;
  squeeze(h: H, dim: Opt<N>): H;
  unsqueeze(h: H, dim: N): H;
  cat(hs: H[], dim: N): H;
  stack(hs: H[], dim: N): H;
  split(h: H, size: N | N[], dim: N): H[];
  chunk(h: H, chunks: N, dim: N): H[];
  unbind(h: H, dim: N): H[];
  narrow(h: H, dim: N, start: N, length: N): H;
  slice(h: H, dim: N, start: Opt<N>, end: Opt<N>, step: N): H;
  select(h: H, dim: N, index: N): H;
  indexSelect(h: H, dim: N, index: H): H;
  gather(h: H, dim: N, index: H): H;
  scatter(h: H, dim: N, index: H, source: H | number): H;
  scatterAdd(h: H, dim: N, index: H, source: H): H;
  index(h: H, indices: Opt<H>[]): H;
  maskedSelect(h: H, mask: H): H;
  expand(h: H, sizes: N[]): H;
  repeat(h: H, repeats: N[]): H;
  repeatInterleave(h: H, repeats: N, dim: N): H;
  flip(h: H, dims: N[]): H;
  roll(h: H, shifts: N[], dims: N[]): H;
  tril(h: H, diagonal: N): H;
  triu(h: H, diagonal: N): H;
  pad(h: H, pads: N[], mode: string, value: N): H;

  add(a: H, b: Operand, alpha?: N): H;
  sub(a: H, b: Operand, alpha?: N): H;
  mul(a: H, b: Operand): H;
  div(a: H, b: Operand): H;
  floorDivide(a: H, b: Operand): H;
  remainder(a: H, b: Operand): H;
  pow(a: H, b: Operand): H;
  maximum(a: H, b: Operand): H;
  minimum(a: H, b: Operand): H;
  atan2(a: H, b: Operand): H;
  eq(a: H, b: Operand): H;
  ne(a: H, b: Operand): H;
  lt(a: H, b: Operand): H;
  le(a: H, b: Operand): H;
  gt(a: H, b: Operand): H;
  ge(a: H, b: Operand): H;
  logicalAnd(a: H, b: Operand): H;
  logicalOr(a: H, b: Operand): H;
  logicalXor(a: H, b: Operand): H;
  neg(h: H): H;
  abs(h: H): H;
  sign(h: H): H;
  exp(h: H): H;
  expm1(h: H): H;
  log(h: H): H;
  log1p(h: H): H;
  log2(h: H): H;
  sqrt(h: H): H;
  rsqrt(h: H): H;
  square(h: H): H;
  reciprocal(h: H): H;
  sin(h: H): H;
  cos(h: H): H;
  erf(h: H): H;
  floor(h: H): H;
  ceil(h: H): H;
  round(h: H): H;
  trunc(h: H): H;
  logicalNot(h: H): H;
  isnan(h: H): H;
  isinf(h: H): H;
  isfinite(h: H): H;
  clamp(h: H, min: Opt<N>, max: Opt<N>): H;
  where(condition: H, a: Operand, b: Operand): H;
  maskedFill(h: H, mask: H, value: Operand): H;
  lerp(start: H, end: H, weight: H | N): H;
  sum(h: H, dims: Opt<N[]>, keepdim: B, dtype: Opt<DType>): H;
  mean(h: H, dims: Opt<N[]>, keepdim: B, dtype: Opt<DType>): H;
  prod(h: H, dim: Opt<N>, keepdim: B): H;
  max(h: H, dim: null, keepdim: B): H;
  max(h: H, dim: N, keepdim: B): [H, H];
  min(h: H, dim: null, keepdim: B): H;
  min(h: H, dim: N, keepdim: B): [H, H];
  amax(h: H, dims: N[], keepdim: B): H;
  amin(h: H, dims: N[], keepdim: B): H;
  argmax(h: H, dim: Opt<N>, keepdim: B): H;
  argmin(h: H, dim: Opt<N>, keepdim: B): H;
  var(h: H, dims: Opt<N[]>, correction: N, keepdim: B): H;
  std(h: H, dims: Opt<N[]>, correction: N, keepdim: B): H;
  logsumexp(h: H, dims: N[], keepdim: B): H;
  norm(h: H, p: N, dims: Opt<N[]>, keepdim: B): H;
  all(h: H): H;
  any(h: H): H;
  cumsum(h: H, dim: N): H;
  cumprod(h: H, dim: N): H;
  matmul(a: H, b: H): H;
  mm(a: H, b: H): H;
  bmm(a: H, b: H): H;
  einsum(equation: string, operands: H[]): H;
  topk(h: H, k: N, dim: N, largest: B, sorted: B): [H, H];
  sort(h: H, dim: N, descending: B): [H, H];
  oneHot(h: H, numClasses: N): H;
  linalgEigh(h: H): [H, H];
  add_(target: H, other: Operand, alpha?: N): H;
  mul_(target: H, other: Operand): H;
  lerp_(target: H, end: H, weight: N): H;
  clamp_(target: H, min: Opt<N>, max: Opt<N>): H;

  linear(x: H, weight: H, bias: Opt<H>): H;
  conv2d(x: H, w: H, b: Opt<H>, stride: N[], padding: N[], dilation: N[], groups: N): H;
  convTranspose2d(
    x: H,
    w: H,
    b: Opt<H>,
    stride: N[],
    padding: N[],
    outputPadding: N[],
    groups: N,
    dilation: N[],
  ): H;
  maxPool2d(x: H, kernel: N[], stride: N[], padding: N[], dilation: N[], ceilMode: B): H;
  avgPool2d(x: H, kernel: N[], stride: N[], padding: N[], ceilMode: B, countPad: B): H;
  adaptiveAvgPool2d(x: H, size: N[]): H;
  interpolate(x: H, size: N[], mode: string, alignCorners: B, scaleFactor: Opt<N>): H;
  batchNorm(
    x: H,
    weight: Opt<H>,
    bias: Opt<H>,
    runningMean: Opt<H>,
    runningVar: Opt<H>,
    training: B,
    momentum: N,
    eps: N,
  ): H;
  layerNorm(x: H, normalizedShape: N[], weight: Opt<H>, bias: Opt<H>, eps: N): H;
  groupNorm(x: H, groups: N, weight: Opt<H>, bias: Opt<H>, eps: N): H;
  embedding(weight: H, indices: H, paddingIdx: N): H;
  dropout(x: H, p: N, training: B): H;
  lstm(
    x: H,
    hx: H[],
    weights: H[],
    hasBiases: B,
    numLayers: N,
    dropout: N,
    training: B,
    bidirectional: B,
    batchFirst: B,
  ): [H, H, H];
  relu(x: H): H;
  leakyRelu(x: H, slope: N): H;
  elu(x: H, alpha: N): H;
  gelu(x: H, approximate: 'none' | 'tanh'): H;
  silu(x: H): H;
  tanh(x: H): H;
  sigmoid(x: H): H;
  softplus(x: H, beta: N, threshold: N): H;
  softmax(x: H, dim: N, dtype: Opt<DType>): H;
  logSoftmax(x: H, dim: N, dtype: Opt<DType>): H;
  binaryCrossEntropyWithLogits(
    logits: H,
    target: H,
    weight: Opt<H>,
    posWeight: Opt<H>,
    reduction: Reduction,
  ): H;
  binaryCrossEntropy(probabilities: H, target: H, weight: Opt<H>, reduction: Reduction): H;
  crossEntropy(
    logits: H,
    target: H,
    weight: Opt<H>,
    reduction: Reduction,
    ignoreIndex: N,
    labelSmoothing: N,
  ): H;
  nllLoss(logProbabilities: H, target: H, weight: Opt<H>, reduction: Reduction, ignore: N): H;
  mseLoss(a: H, b: H, reduction: Reduction): H;
  l1Loss(a: H, b: H, reduction: Reduction): H;
  smoothL1Loss(a: H, b: H, reduction: Reduction, beta: N): H;

  requiresGrad(h: H): boolean;
  setRequiresGrad(h: H, flag: B): void;
  isLeaf(h: H): boolean;
  retainGrad(h: H): void;
  backward(h: H, gradient: Opt<H>, retainGraph: B, createGraph: B): void;
  grad(h: H): H | null;
  setGrad(h: H, gradient: Opt<H>): void;
  detach(h: H): H;
  setData(h: H, data: H): void;
  setGradEnabled(enabled: B): boolean;
  isGradEnabled(): boolean;
  autogradGrad(
    outputs: H[],
    inputs: H[],
    gradOutputs: Opt<H[]>,
    retainGraph: B,
    createGraph: B,
    allowUnused: B,
  ): (H | null)[];
  clipGradNorm(parameters: H[], maxNorm: N, normType: N): number;

  createOptimizer(kind: string, parameters: H[], options: Record<string, unknown>): OptimizerHandle;
  optimizerStep(o: OptimizerHandle): void;
  optimizerZeroGrad(o: OptimizerHandle, setToNone: B): void;
  optimizerSetLr(o: OptimizerHandle, lr: N): void;
  optimizerGetLr(o: OptimizerHandle): number;
  optimizerGetState(o: OptimizerHandle): (OptimizerParamState | null)[];
  optimizerSetState(o: OptimizerHandle, states: (OptimizerParamState | null)[]): void;

  manualSeed(seed: N): void;
  createGenerator(seed: N, device: Opt<string>): GeneratorHandle;
  getRngState(generator: Gen, device: Opt<string>): H;
  setRngState(generator: Gen, state: H, device: Opt<string>): void;
  rand(shape: N[], dtype: Opt<DType>, device: Opt<string>, generator: Gen): H;
  randn(shape: N[], dtype: Opt<DType>, device: Opt<string>, generator: Gen): H;
  randint(low: N, high: N, shape: N[], dtype: Opt<DType>, device: Opt<string>, generator: Gen): H;
  randperm(n: N, dtype: Opt<DType>, device: Opt<string>, generator: Gen): H;
  multinomial(probabilities: H, numSamples: N, replacement: B, generator: Gen): H;
  bernoulli(probabilities: H, generator: Gen): H;
  uniform_(h: H, low: N, high: N, generator: Gen): H;
  normal_(h: H, mean: N, std: N, generator: Gen): H;
}

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('aigc: cannot find the package root above ' + dir);
    dir = parent;
  }
  return dir;
}

function loadAddon(): NativeAddon {
  // OpenBLAS reads this when it loads, which happens with the addon. libtorch's OpenMP pool
  // already uses every core, and a second pool from OpenBLAS on the same cores halves the speed
  // of convolutions, so OpenBLAS stays single-threaded unless the user says otherwise.
  process.env.OPENBLAS_NUM_THREADS ??= '1';
  // TODO: choose the OpenMP wait policy from the machine's load. libgomp's threads spin while
  // they wait, which is fastest on idle cores but slows training several times when another
  // process competes for them; OMP_WAIT_POLICY=PASSIVE reverses the trade-off.
  const path = join(packageRoot(), 'build/Release/aigc_native.node');
  if (!existsSync(path)) {
    throw new Error(
      `aigc: the native addon is missing at ${path}; run \`npm run setup\` (or ` +
        '`npm run build:native`) to build it against libtorch',
    );
  }
  const addon = createRequire(import.meta.url)(path) as NativeAddon;
  addon.setErrorClasses(ERROR_CLASSES);
  addon.setBlasThreads(Number(process.env.OPENBLAS_NUM_THREADS));
  addon.setNumThreads(defaultThreads());
  return addon;
}

/**
 * The intra-op thread count: AIGC_NUM_THREADS when set, else one thread per available core.
 */
function defaultThreads(): number {
  const fromEnv = process.env.AIGC_NUM_THREADS;
  if (fromEnv === undefined) return availableParallelism();
  const threads = Number(fromEnv);
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`aigc: AIGC_NUM_THREADS must be a positive integer, got '${fromEnv}'`);
  }
  return threads;
}

export const native: NativeAddon = loadAddon();
