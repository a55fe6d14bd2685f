/**
 * Convolution training steps through aigc, for choosing thread defaults. Each case times the
 * forward pass alone (under noGrad) and forward plus backward to the input, weight and bias:
 * - conv2d: a [256, 64, 14, 14] batch with a [128, 64, 5, 5] kernel, padding 2.
 * - convTranspose2d: a DCGAN generator layer, [256, 128, 7, 7] to [256, 64, 14, 14] with a
 *   [128, 64, 4, 4] kernel, stride 2, padding 1.
 *
 * Usage: node dist/bench/engine/conv.js
 * Prints one JSON line on stdout. Thread settings come from aigc's defaults, which
 * AIGC_NUM_THREADS and OPENBLAS_NUM_THREADS override.
 */
import {
  getNumThreads,
  manualSeed,
  nn,
  noGrad,
  randn,
  type Tensor,
  tidy,
} from '../../src/index.js';

interface ConvCase {
  name: string;
  inputShape: [number, number, number, number]; // [N, C_in, H, W]
  weightShape: [number, number, number, number]; // conv2d [C_out, C_in, kH, kW], transposed [C_in, C_out, kH, kW]
  outputChannels: number;
  forward(input: Tensor, weight: Tensor, bias: Tensor): Tensor;
  /** Multiply-adds times 2 of one forward pass. */
  forwardFlops: number;
}

const WARMUP = 2;
const REPEATS = 7;

const CASES: readonly ConvCase[] = [
  {
    name: 'conv2d',
    inputShape: [256, 64, 14, 14],
    weightShape: [128, 64, 5, 5],
    outputChannels: 128,
    // [256, 64, 14, 14] -> [256, 128, 14, 14]
    forward: (input, weight, bias) => nn.functional.conv2d(input, weight, bias, { padding: 2 }),
    // Every output element is a dot product over C_in * kH * kW inputs.
    forwardFlops: 2 * (256 * 128 * 14 * 14) * (64 * 5 * 5),
  },
  {
    name: 'convTranspose2d',
    inputShape: [256, 128, 7, 7],
    weightShape: [128, 64, 4, 4],
    outputChannels: 64,
    // [256, 128, 7, 7] -> [256, 64, 14, 14]
    forward: (input, weight, bias) =>
      nn.functional.convTranspose2d(input, weight, bias, { stride: 2, padding: 1 }),
    // Every input element scatters into C_out * kH * kW outputs.
    forwardFlops: 2 * (256 * 128 * 7 * 7) * (64 * 4 * 4),
  },
];

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[middle]!;
  return (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Runs `step` WARMUP + REPEATS times and returns the median milliseconds per call. */
function medianMs(step: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + REPEATS; i++) {
    const start = performance.now();
    step();
    if (i >= WARMUP) times.push(performance.now() - start);
  }
  return Number(median(times).toFixed(2));
}

function benchCase(convCase: ConvCase): Record<string, unknown> {
  const { forwardMs, stepMs } = tidy(() => {
    const input = randn(convCase.inputShape).requiresGrad_();
    const weight = randn(convCase.weightShape).mul(0.02).requiresGrad_();
    const bias = randn([convCase.outputChannels]).requiresGrad_();
    const forward = () => convCase.forward(input, weight, bias);
    return {
      forwardMs: medianMs(() => tidy(() => noGrad(forward).dispose())),
      stepMs: medianMs(() => {
        tidy(() => forward().sum().backward());
        for (const leaf of [input, weight, bias]) leaf.grad = null;
      }),
    };
  });
  const batchSize = convCase.inputShape[0];
  return {
    name: convCase.name,
    input: convCase.inputShape,
    weight: convCase.weightShape,
    forwardMs,
    stepMs,
    forwardGflops: Number((convCase.forwardFlops / forwardMs / 1e6).toFixed(2)),
    imagesPerSecond: Number(((batchSize * 1e3) / stepMs).toFixed(1)),
  };
}

function main(): void {
  manualSeed(0);
  const cases = CASES.map(benchCase);
  console.log(
    JSON.stringify({
      impl: 'aigc',
      threads: getNumThreads(),
      blasThreads: Number(process.env.OPENBLAS_NUM_THREADS),
      repeats: REPEATS,
      cases,
    }),
  );
}

main();
