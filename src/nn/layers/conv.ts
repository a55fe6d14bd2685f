import { empty } from '../../engine/creation.js';
import type { Tensor } from '../../engine/tensor.js';
import { conv2d, convTranspose2d } from '../functional.js';
import { type InitScheme, initWeightAndBias } from '../init.js';
import { Module } from '../module.js';

type Pair = number | readonly [number, number];

function pair(value: Pair): [number, number] {
  return typeof value === 'number' ? [value, value] : [value[0], value[1]];
}

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
  /** Default 'torch'; 'keras' is Glorot-uniform with zero bias. */
  init?: InitScheme;
}

/** 2-D convolution over [N, C, H, W]; weight [out, in / groups, kH, kW]. */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    readonly options: Conv2dOptions = {},
  ) {
    super();
    const groups = options.groups ?? 1;
    const [kh, kw] = pair(kernelSize);
    this.weight = this.registerParameter(
      'weight',
      empty([outChannels, inChannels / groups, kh, kw]),
    );
    this.bias =
      options.bias === false ? null : this.registerParameter('bias', empty([outChannels]));
    initWeightAndBias(options.init ?? 'torch', this.weight, this.bias);
  }

  forward(input: Tensor): Tensor {
    return conv2d(input, this.weight, this.bias, this.options);
  }
}

export interface ConvTranspose2dOptions extends Conv2dOptions {
  outputPadding?: Pair;
}

/**
 * Transposed 2-D convolution; weight [in, out / groups, kH, kW]. Output size per dimension:
 * (in - 1) * stride - 2 * padding + dilation * (k - 1) + outputPadding + 1.
 */
export class ConvTranspose2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    readonly options: ConvTranspose2dOptions = {},
  ) {
    super();
    const groups = options.groups ?? 1;
    const [kh, kw] = pair(kernelSize);
    this.weight = this.registerParameter(
      'weight',
      empty([inChannels, outChannels / groups, kh, kw]),
    );
    this.bias =
      options.bias === false ? null : this.registerParameter('bias', empty([outChannels]));
    initWeightAndBias(options.init ?? 'torch', this.weight, this.bias);
  }

  forward(input: Tensor): Tensor {
    return convTranspose2d(input, this.weight, this.bias, this.options);
  }
}
