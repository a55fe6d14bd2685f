/** aigc: generative models in TypeScript on libtorch. */
export * from './engine/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
