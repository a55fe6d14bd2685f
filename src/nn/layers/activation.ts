import type { Tensor } from '../../engine/tensor.js';
import * as F from '../functional.js';
import { Module } from '../module.js';

/** A layer applies one tensor to one tensor, so it can sit in a Sequential. */
export interface Layer {
  forward(input: Tensor): Tensor;
}

export class ReLU extends Module {
  forward(input: Tensor): Tensor {
    return F.relu(input);
  }
}

/** PyTorch's default slope is 0.01; the Keras LeakyReLU layer's is 0.3. */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }

  forward(input: Tensor): Tensor {
    return F.leakyRelu(input, this.negativeSlope);
  }
}

export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
  }

  forward(input: Tensor): Tensor {
    return F.gelu(input, this.approximate);
  }
}

export class SiLU extends Module {
  forward(input: Tensor): Tensor {
    return F.silu(input);
  }
}

export class Tanh extends Module {
  forward(input: Tensor): Tensor {
    return F.tanh(input);
  }
}

export class Sigmoid extends Module {
  forward(input: Tensor): Tensor {
    return F.sigmoid(input);
  }
}

export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
  }

  forward(input: Tensor): Tensor {
    return F.softmax(input, this.dim);
  }
}

/** Flattens dims startDim..endDim; the default keeps the batch dimension. */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }

  forward(input: Tensor): Tensor {
    return input.flatten(this.startDim, this.endDim);
  }
}

/** Reshapes each sample to `shape`, keeping the batch dimension. */
export class Unflatten extends Module {
  constructor(readonly shape: readonly number[]) {
    super();
  }

  forward(input: Tensor): Tensor {
    return input.reshape([input.size(0), ...this.shape]);
  }
}

/** Dropout with probability p, active only in training mode. */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`Dropout: p must be in [0, 1], got ${p}`);
  }

  forward(input: Tensor): Tensor {
    return F.dropout(input, this.p, this.training);
  }
}
