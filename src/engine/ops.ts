/** Ops over several tensors, and autograd helpers that are not methods of one tensor. */
import { native } from './native.js';
import { type Tensor, type TensorOrScalar, wrap } from './tensor.js';

function operand(value: TensorOrScalar) {
  return typeof value === 'object' ? value.handle : value;
}

export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  return wrap(
    native.cat(
      tensors.map((t) => t.handle),
      dim,
    ),
  );
}

export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  return wrap(
    native.stack(
      tensors.map((t) => t.handle),
      dim,
    ),
  );
}

/** Elementwise `condition ? a : b`, with broadcasting. */
export function where(condition: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return wrap(native.where(condition.handle, operand(a), operand(b)));
}

export function einsum(equation: string, ...operands: Tensor[]): Tensor {
  return wrap(
    native.einsum(
      equation,
      operands.map((t) => t.handle),
    ),
  );
}

/** Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix. */
export function eigh(matrix: Tensor): { eigenvalues: Tensor; eigenvectors: Tensor } {
  const [values, vectors] = native.linalgEigh(matrix.handle);
  return { eigenvalues: wrap(values), eigenvectors: wrap(vectors) };
}

/** Runs `fn` with gradient recording off, as `with torch.no_grad()`. */
export function noGrad<T>(fn: () => T): T {
  const previous = native.setGradEnabled(false);
  try {
    return fn();
  } finally {
    native.setGradEnabled(previous);
  }
}

/** Runs `fn` with gradient recording on, inside a noGrad() block for instance. */
export function enableGrad<T>(fn: () => T): T {
  const previous = native.setGradEnabled(true);
  try {
    return fn();
  } finally {
    native.setGradEnabled(previous);
  }
}

export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}

/**
 * Gradients of `outputs` with respect to `inputs`, as torch.autograd.grad; null where an
 * input does not affect the outputs (only when `allowUnused` is set).
 */
export function grad(
  outputs: Tensor | Tensor[],
  inputs: Tensor[],
  options: {
    gradOutputs?: Tensor[];
    retainGraph?: boolean;
    createGraph?: boolean;
    allowUnused?: boolean;
  } = {},
): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const createGraph = options.createGraph ?? false;
  const result = native.autogradGrad(
    outs.map((t) => t.handle),
    inputs.map((t) => t.handle),
    options.gradOutputs?.map((t) => t.handle) ?? null,
    options.retainGraph ?? createGraph,
    createGraph,
    options.allowUnused ?? false,
  );
  return result.map((h) => (h === null ? null : wrap(h)));
}

/**
 * Scales the gradients of `parameters` so their global norm is at most `maxNorm`, as
 * torch.nn.utils.clip_grad_norm_. Returns the norm before clipping.
 */
export function clipGradNorm(parameters: readonly Tensor[], maxNorm: number, normType = 2) {
  return native.clipGradNorm(
    parameters.map((p) => p.handle),
    maxNorm,
    normType,
  );
}
