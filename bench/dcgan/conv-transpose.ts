/**
 * Times forward and backward of the DCGAN generator's three transposed convolutions three ways:
 * libtorch's transposed convolution called directly, aigc's `convTranspose2d` (which runs the
 * stride-1 layer as a convolution on CPU), and a convolution over a zero-stuffed input.
 *
 * Usage: node dist/bench/dcgan/conv-transpose.js [--batch-size 64]
 * Prints one JSON line per layer with the median milliseconds of each way.
 */
import { parseArgs } from 'node:util';

import { native } from '../../src/engine/native.js';
import { type Tensor, wrap } from '../../src/engine/tensor.js';
import { cat, manualSeed, randn, tidy, zeros } from '../../src/index.js';
import { conv2d, convTranspose2d, pad } from '../../src/nn/functional.js';

interface Layer {
  inChannels: number;
  outChannels: number;
  size: number;
  stride: number;
  outputPadding: number;
}

const KERNEL = 5;
const PADDING = 2;
const LAYERS: readonly Layer[] = [
  { inChannels: 256, outChannels: 128, size: 7, stride: 1, outputPadding: 0 },
  { inChannels: 128, outChannels: 64, size: 7, stride: 2, outputPadding: 1 },
  { inChannels: 64, outChannels: 1, size: 14, stride: 2, outputPadding: 1 },
];
const WARMUP = 2;
const REPEATS = 9;

function direct(x: Tensor, w: Tensor, layer: Layer): Tensor {
  const { stride, outputPadding } = layer;
  return wrap(
    native.convTranspose2d(
      x.handle,
      w.handle,
      null,
      [stride, stride],
      [PADDING, PADDING],
      [outputPadding, outputPadding],
      1,
      [1, 1],
    ),
  );
}

/** Inserts stride - 1 zeros between neighbouring pixels of [N, C, H, W]. */
function zeroStuff(x: Tensor, stride: number): Tensor {
  if (stride === 1) return x;
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const width = (w - 1) * stride + 1;
  const height = (h - 1) * stride + 1;
  const columns = cat([x.unsqueeze(-1), zeros([n, c, h, w, stride - 1])], -1)
    .reshape([n, c, h, w * stride])
    .narrow(3, 0, width);
  return cat([columns.unsqueeze(3), zeros([n, c, h, stride - 1, width])], 3)
    .reshape([n, c, h * stride, width])
    .narrow(2, 0, height);
}

function viaZeroStuffing(x: Tensor, w: Tensor, layer: Layer): Tensor {
  const low = KERNEL - 1 - PADDING;
  const high = low + layer.outputPadding;
  const padded = pad(zeroStuff(x, layer.stride), [low, high, low, high]);
  return conv2d(padded, w.transpose(0, 1).flip([2, 3]));
}

function medianMs(run: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + REPEATS; i++) {
    const start = performance.now();
    tidy(run);
    if (i >= WARMUP) times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return Number(times[Math.floor(times.length / 2)]!.toFixed(1));
}

function main(): void {
  const { values } = parseArgs({ options: { 'batch-size': { type: 'string', default: '64' } } });
  const batch = Number(values['batch-size']);
  manualSeed(0);
  for (const layer of LAYERS) {
    tidy(() => {
      const x = randn([batch, layer.inChannels, layer.size, layer.size]).requiresGrad_(true);
      const w = randn([layer.inChannels, layer.outChannels, KERNEL, KERNEL])
        .mul(0.05)
        .requiresGrad_(true);
      const options = {
        stride: layer.stride,
        padding: PADDING,
        outputPadding: layer.outputPadding,
      };
      const ways: Record<string, () => Tensor> = {
        libtorchMs: () => direct(x, w, layer),
        aigcMs: () => convTranspose2d(x, w, null, options),
        zeroStuffedMs: () => viaZeroStuffing(x, w, layer),
      };
      const result: Record<string, unknown> = { batch, ...layer };
      for (const [name, forward] of Object.entries(ways)) {
        result[name] = medianMs(() => forward().sum().backward());
      }
      const reference = direct(x, w, layer);
      result.maxDifference = convTranspose2d(x, w, null, options).sub(reference).abs().max().item();
      console.log(JSON.stringify(result));
    });
  }
}

main();
