export * from './creation.js';
export * from './dtype.js';
export * from './errors.js';
export * from './ops.js';
export * from './random.js';
export * from './runtime.js';
export { keep, scopeDepth, tidy } from './scope.js';
export { Tensor, type TensorOrScalar } from './tensor.js';
