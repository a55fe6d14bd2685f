/** Gradients of the tensor ops against central differences in float64. */
import { describe, test } from 'node:test';

import {
  cat,
  einsum,
  stack,
  setNumThreads,
  type Tensor,
  tensor,
  tidy,
  where,
} from '../../src/index.js';
import { uniform } from '../helpers/assert.js';
import { gradcheck } from '../helpers/gradcheck.js';

// Central differences run thousands of tiny ops, where waking a second thread costs more than
// the op itself.
setNumThreads(1);

type Op = (xs: Tensor[]) => Tensor;

/** One case: the op, and a function that builds its inputs (float64 ones are checked). */
type Case = [name: string, op: Op, inputs: () => Tensor[]];

function check(cases: Case[]): void {
  for (const [name, op, inputs] of cases) {
    test(name, () => tidy(() => gradcheck(name, op, inputs())));
  }
}

/** Uniform float64 samples away from 0: magnitudes in [0.2, 1.2) with random signs. */
function awayFromZero(shape: number[], seed: number): Tensor {
  const magnitude = uniform(shape, seed, 0.2, 1.2);
  const sign = uniform(shape, seed + 1000)
    .gt(0)
    .mul(2)
    .sub(1);
  return magnitude.mul(sign);
}

function indices(data: number[] | number[][]): Tensor {
  return tensor(data, { dtype: 'int64' });
}

const x23 = () => [uniform([2, 3], 1)];
const positive23 = () => [uniform([2, 3], 2, 0.5, 2)];
const pair23 = () => [uniform([2, 3], 3), uniform([2, 3], 4)];

describe('unary ops', () => {
  check([
    ['neg', ([x]) => x!.neg(), x23],
    ['abs', ([x]) => x!.abs(), () => [awayFromZero([2, 3], 5)]],
    ['exp', ([x]) => x!.exp(), x23],
    ['expm1', ([x]) => x!.expm1(), x23],
    ['log', ([x]) => x!.log(), positive23],
    ['log1p', ([x]) => x!.log1p(), positive23],
    ['log2', ([x]) => x!.log2(), positive23],
    ['sqrt', ([x]) => x!.sqrt(), positive23],
    ['rsqrt', ([x]) => x!.rsqrt(), positive23],
    ['square', ([x]) => x!.square(), x23],
    ['reciprocal', ([x]) => x!.reciprocal(), positive23],
    ['sin', ([x]) => x!.sin(), x23],
    ['cos', ([x]) => x!.cos(), x23],
    ['erf', ([x]) => x!.erf(), x23],
    ['pow scalar', ([x]) => x!.pow(3), x23],
    ['pow fractional', ([x]) => x!.pow(2.5), positive23],
    ['clamp', ([x]) => x!.clamp(-0.5, 0.5), () => [awayFromZero([4, 3], 6).mul(0.9)]],
    ['sigmoid method', ([x]) => x!.sigmoid(), x23],
    ['tanh method', ([x]) => x!.tanh(), x23],
    ['relu method', ([x]) => x!.relu(), () => [awayFromZero([2, 3], 7)]],
    ['softmax method', ([x]) => x!.softmax(1), x23],
    ['logSoftmax method', ([x]) => x!.logSoftmax(0), x23],
  ]);
});

describe('binary ops', () => {
  check([
    ['add broadcast', ([a, b]) => a!.add(b!), () => [uniform([2, 3], 1), uniform([3], 2)]],
    ['add alpha', ([a, b]) => a!.add(b!, 2.5), pair23],
    ['sub alpha', ([a, b]) => a!.sub(b!, 0.5), pair23],
    ['mul broadcast', ([a, b]) => a!.mul(b!), () => [uniform([2, 1], 1), uniform([1, 3], 2)]],
    ['mul scalar', ([a]) => a!.mul(-1.5), x23],
    ['div', ([a, b]) => a!.div(b!), () => [uniform([2, 3], 1), uniform([2, 3], 2, 0.5, 2)]],
    ['pow tensor', ([a, b]) => a!.pow(b!), () => [uniform([2, 3], 1, 0.5, 2), uniform([2, 3], 2)]],
    ['maximum', ([a, b]) => a!.maximum(b!), pair23],
    ['minimum', ([a, b]) => a!.minimum(b!), pair23],
    ['atan2', ([a, b]) => a!.atan2(b!), pair23],
    ['lerp tensor weight', ([a, b, w]) => a!.lerp(b!, w!), () => [...pair23(), uniform([3], 9)]],
    ['lerp scalar weight', ([a, b]) => a!.lerp(b!, 0.3), pair23],
  ]);
});

describe('reductions', () => {
  const x234 = () => [uniform([2, 3, 4], 11)];
  check([
    ['sum all', ([x]) => x!.sum(), x234],
    ['sum dims keepdim', ([x]) => x!.sum([0, 2], { keepdim: true }), x234],
    ['mean dim', ([x]) => x!.mean(1), x234],
    ['prod dim', ([x]) => x!.prod(2), x234],
    ['prod all', ([x]) => x!.prod(), () => [uniform([2, 3], 12, 0.5, 1.5)]],
    ['max all', ([x]) => x!.max(), x234],
    ['max dim values', ([x]) => x!.max(1).values, x234],
    ['min dim keepdim', ([x]) => x!.min(2, true).values, x234],
    ['amax', ([x]) => x!.amax([0, 1]), x234],
    ['var correction 1', ([x]) => x!.var(2), x234],
    ['var correction 0', ([x]) => x!.var([0, 1], { correction: 0 }), x234],
    ['std', ([x]) => x!.std(1, { keepdim: true }), x234],
    ['logsumexp', ([x]) => x!.logsumexp(2), x234],
    ['norm 2', ([x]) => x!.norm(2, 1), x234],
    ['norm 1', ([x]) => x!.norm(1), () => [awayFromZero([2, 3], 13)]],
    ['cumsum', ([x]) => x!.cumsum(1), x234],
    ['cumprod', ([x]) => x!.cumprod(2), x234],
    ['topk values', ([x]) => x!.topk(2, { dim: 2 }).values, x234],
    ['sort values', ([x]) => x!.sort(1, true).values, x234],
  ]);
});

describe('matrix products', () => {
  check([
    ['matmul', ([a, b]) => a!.matmul(b!), () => [uniform([2, 3], 1), uniform([3, 4], 2)]],
    [
      'matmul broadcast batch',
      ([a, b]) => a!.matmul(b!),
      () => [uniform([2, 2, 3], 1), uniform([3, 4], 2)],
    ],
    ['matmul vector', ([a, b]) => a!.matmul(b!), () => [uniform([2, 3], 1), uniform([3], 2)]],
    ['mm', ([a, b]) => a!.mm(b!), () => [uniform([3, 2], 1), uniform([2, 2], 2)]],
    ['bmm', ([a, b]) => a!.bmm(b!), () => [uniform([2, 2, 3], 1), uniform([2, 3, 2], 2)]],
    [
      'einsum',
      ([a, b]) => einsum('bij,bjk->bik', a!, b!),
      () => [uniform([2, 2, 3], 3), uniform([2, 3, 2], 4)],
    ],
  ]);
});

describe('shape ops', () => {
  const x234 = () => [uniform([2, 3, 4], 21)];
  check([
    ['reshape', ([x]) => x!.reshape(4, 6), x234],
    ['view', ([x]) => x!.view(6, 4), x234],
    ['permute', ([x]) => x!.permute(2, 0, 1), x234],
    ['transpose', ([x]) => x!.transpose(0, 2), x234],
    ['flatten', ([x]) => x!.flatten(1), x234],
    ['squeeze', ([x]) => x!.squeeze(1), () => [uniform([2, 1, 3], 22)]],
    ['unsqueeze', ([x]) => x!.unsqueeze(1), x23],
    ['cat', ([a, b]) => cat([a!, b!], 1), () => [uniform([2, 3], 1), uniform([2, 2], 2)]],
    ['stack', ([a, b]) => stack([a!, b!], 1), pair23],
    ['split', ([x]) => cat(x!.split([1, 3], 2).reverse(), 2), x234],
    ['chunk', ([x]) => x!.chunk(2, 2)[1]!, x234],
    ['unbind', ([x]) => x!.unbind(1)[2]!, x234],
    ['narrow', ([x]) => x!.narrow(2, 1, 2), x234],
    ['slice with step', ([x]) => x!.slice(2, 0, null, 2), x234],
    ['select', ([x]) => x!.select(1, -1), x234],
    ['expand', ([x]) => x!.expand(2, 4, 3), () => [uniform([2, 1, 3], 23)]],
    ['repeat', ([x]) => x!.repeat(2, 1, 3), x23],
    ['repeatInterleave', ([x]) => x!.repeatInterleave(2, 1), x23],
    ['flip', ([x]) => x!.flip([0, 2]), x234],
    ['roll', ([x]) => x!.roll(1, 2), x234],
    ['tril', ([x]) => x!.tril(), () => [uniform([3, 3], 24)]],
    ['triu', ([x]) => x!.triu(1), () => [uniform([3, 3], 25)]],
    ['contiguous of transpose', ([x]) => x!.transpose(0, 1).contiguous(), x23],
  ]);
});

describe('indexing ops', () => {
  const x34 = () => [uniform([3, 4], 31)];
  check([
    [
      'gather',
      ([x]) =>
        x!.gather(
          1,
          indices([
            [0, 0],
            [3, 1],
            [2, 2],
          ]),
        ),
      x34,
    ],
    ['indexSelect repeats', ([x]) => x!.indexSelect(0, indices([2, 0, 2])), x34],
    ['index tensors', ([x]) => x!.index([indices([0, 2, 2]), indices([1, 3, 3])]), x34],
    ['index null', ([x]) => x!.index([null, indices([3, 0])]), x34],
    ['maskedSelect', ([x]) => x!.maskedSelect(x!.gt(0)), x34],
    [
      'scatter source',
      ([x, s]) => x!.scatter(1, indices([[1], [0], [3]]), s!),
      () => [uniform([3, 4], 32), uniform([3, 1], 33)],
    ],
    ['scatter value', ([x]) => x!.scatter(1, indices([[1], [0], [3]]), 2), x34],
    [
      'scatterAdd duplicates',
      ([x, s]) =>
        x!.scatterAdd(
          1,
          indices([
            [1, 1],
            [0, 3],
            [2, 2],
          ]),
          s!,
        ),
      () => [uniform([3, 4], 34), uniform([3, 2], 35)],
    ],
  ]);
});

describe('selection ops', () => {
  const condition = () =>
    tensor([
      [true, false, true],
      [false, false, true],
    ]);
  check([
    ['where', ([a, b]) => where(condition(), a!, b!), pair23],
    [
      'where broadcast',
      ([a, b]) => where(condition(), a!, b!),
      () => [uniform([3], 1), uniform([2, 1], 2)],
    ],
    ['where scalar', ([a]) => where(condition(), a!, 0.5), x23],
    ['maskedFill', ([x]) => x!.maskedFill(condition(), -3), x23],
    [
      'maskedFill tensor',
      ([x, v]) => x!.maskedFill(condition(), v!),
      () => [uniform([2, 3], 1), uniform([], 2)],
    ],
  ]);
});
