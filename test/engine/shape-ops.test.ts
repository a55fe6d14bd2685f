import assert from 'node:assert/strict';
import { test } from 'node:test';

import { arange, cat, ones, stack, type Tensor, tensor, tidy, zeros } from '../../src/index.js';
import { functional as F } from '../../src/nn/index.js';
import { values } from '../helpers/assert.js';

/** [[0, 1, 2], [3, 4, 5]] as float32. */
function matrix(): Tensor {
  return tensor([
    [0, 1, 2],
    [3, 4, 5],
  ]);
}

function indices(data: number[] | number[][]): Tensor {
  return tensor(data, { dtype: 'int64' });
}

test('reshape and view', () =>
  tidy(() => {
    const x = matrix();
    assert.deepEqual(x.reshape(3, 2).toArray(), [
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    assert.deepEqual(x.reshape([-1]).shape, [6]);
    assert.deepEqual(x.view(1, 6).toArray(), [[0, 1, 2, 3, 4, 5]]);
    assert.deepEqual(x.flatten().shape, [6]);
  }));

test('view of a transposed tensor throws', () =>
  tidy(() => {
    assert.throws(() => matrix().transpose(0, 1).view(6), /view/);
  }));

test('permute and transpose', () =>
  tidy(() => {
    assert.deepEqual(matrix().transpose(0, 1).toArray(), [
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    const x = arange(24).reshape(2, 3, 4);
    const y = x.permute(2, 0, 1);
    assert.deepEqual(y.shape, [4, 2, 3]);
    const xs = x.toArray() as number[][][];
    const ys = y.toArray() as number[][][];
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++)
        for (let k = 0; k < 4; k++) assert.equal(ys[k]![i]![j], xs[i]![j]![k]);
  }));

test('squeeze and unsqueeze', () =>
  tidy(() => {
    const x = zeros([1, 3, 1]);
    assert.deepEqual(x.squeeze().shape, [3]);
    assert.deepEqual(x.squeeze(0).shape, [3, 1]);
    assert.deepEqual(x.squeeze(1).shape, [1, 3, 1]);
    assert.deepEqual(matrix().unsqueeze(1).shape, [2, 1, 3]);
    assert.deepEqual(matrix().unsqueeze(-1).shape, [2, 3, 1]);
  }));

test('cat and stack', () =>
  tidy(() => {
    const x = matrix();
    const y = x.add(10);
    assert.deepEqual(cat([x, y]).toArray(), [
      [0, 1, 2],
      [3, 4, 5],
      [10, 11, 12],
      [13, 14, 15],
    ]);
    assert.deepEqual(cat([x, y], 1).toArray(), [
      [0, 1, 2, 10, 11, 12],
      [3, 4, 5, 13, 14, 15],
    ]);
    assert.deepEqual(stack([x, y]).shape, [2, 2, 3]);
    assert.deepEqual(stack([x, y], 2).toArray(), [
      [
        [0, 10],
        [1, 11],
        [2, 12],
      ],
      [
        [3, 13],
        [4, 14],
        [5, 15],
      ],
    ]);
  }));

test('split, chunk and unbind', () =>
  tidy(() => {
    const x = arange(5);
    assert.deepEqual(x.split(2).map(values), [[0, 1], [2, 3], [4]]);
    assert.deepEqual(x.split([1, 4]).map(values), [[0], [1, 2, 3, 4]]);
    assert.deepEqual(x.chunk(2).map(values), [
      [0, 1, 2],
      [3, 4],
    ]);
    assert.deepEqual(matrix().chunk(3, 1).map(values), [
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    assert.deepEqual(matrix().unbind(0).map(values), [
      [0, 1, 2],
      [3, 4, 5],
    ]);
  }));

test('narrow, slice and select', () =>
  tidy(() => {
    const x = matrix();
    assert.deepEqual(x.narrow(1, 1, 2).toArray(), [
      [1, 2],
      [4, 5],
    ]);
    assert.deepEqual(x.slice(1, 0, null, 2).toArray(), [
      [0, 2],
      [3, 5],
    ]);
    assert.deepEqual(x.slice(0, -1).toArray(), [[3, 4, 5]]);
    assert.deepEqual(x.slice(1, 1, -1).toArray(), [[1], [4]]);
    assert.deepEqual(values(x.select(1, 2)), [2, 5]);
  }));

test('indexSelect with repeats', () =>
  tidy(() => {
    assert.deepEqual(
      matrix()
        .indexSelect(1, indices([2, 0, 2]))
        .toArray(),
      [
        [2, 0, 2],
        [5, 3, 5],
      ],
    );
    assert.deepEqual(
      matrix()
        .indexSelect(0, indices([1]))
        .toArray(),
      [[3, 4, 5]],
    );
  }));

test('gather along dim 1', () =>
  tidy(() => {
    const index = indices([
      [0, 0],
      [2, 1],
    ]);
    assert.deepEqual(matrix().gather(1, index).toArray(), [
      [0, 0],
      [5, 4],
    ]);
  }));

test('scatter tensor and value', () =>
  tidy(() => {
    const index = indices([[2], [0]]);
    const source = tensor([[7], [8]]);
    assert.deepEqual(zeros([2, 3]).scatter(1, index, source).toArray(), [
      [0, 0, 7],
      [8, 0, 0],
    ]);
    assert.deepEqual(zeros([2, 3]).scatter(1, index, 9).toArray(), [
      [0, 0, 9],
      [9, 0, 0],
    ]);
    const summed = zeros([3]).scatterAdd(0, indices([0, 0, 2]), tensor([1, 2, 3]));
    assert.deepEqual(values(summed), [3, 0, 3]);
  }));

test('expand and repeat', () =>
  tidy(() => {
    const column = tensor([[1], [2]]);
    assert.deepEqual(column.expand(2, 3).toArray(), [
      [1, 1, 1],
      [2, 2, 2],
    ]);
    assert.deepEqual(column.expand([-1, 2]).toArray(), [
      [1, 1],
      [2, 2],
    ]);
    assert.deepEqual(tensor([1, 2]).repeat(2, 2).toArray(), [
      [1, 2, 1, 2],
      [1, 2, 1, 2],
    ]);
    assert.deepEqual(values(tensor([1, 2]).repeatInterleave(2, 0)), [1, 1, 2, 2]);
  }));

test('flip and roll', () =>
  tidy(() => {
    assert.deepEqual(matrix().flip(1).toArray(), [
      [2, 1, 0],
      [5, 4, 3],
    ]);
    assert.deepEqual(matrix().flip([0, 1]).toArray(), [
      [5, 4, 3],
      [2, 1, 0],
    ]);
    assert.deepEqual(values(arange(5).roll(2, 0)), [3, 4, 0, 1, 2]);
  }));

test('advanced index with tensors', () =>
  tidy(() => {
    const x = matrix();
    assert.deepEqual(values(x.index([indices([1, 0]), indices([2, 2])])), [5, 2]);
    assert.deepEqual(x.index([null, indices([0, 2])]).toArray(), [
      [0, 2],
      [3, 5],
    ]);
    assert.deepEqual(values(x.index([x.gt(2)])), [3, 4, 5]);
    assert.deepEqual(values(x.maskedSelect(x.remainder(2).eq(0))), [0, 2, 4]);
  }));

test('tril and triu', () =>
  tidy(() => {
    assert.deepEqual(ones([3, 3]).tril().toArray(), [
      [1, 0, 0],
      [1, 1, 0],
      [1, 1, 1],
    ]);
    assert.deepEqual(ones([3, 3]).triu(1).toArray(), [
      [0, 1, 1],
      [0, 0, 1],
      [0, 0, 0],
    ]);
    assert.deepEqual(ones([2, 3]).tril(-1).toArray(), [
      [0, 0, 0],
      [1, 0, 0],
    ]);
  }));

test('pad constant and reflect', () =>
  tidy(() => {
    assert.deepEqual(F.pad(tensor([[1, 2]]), [1, 2], 'constant', 9).toArray(), [[9, 1, 2, 9, 9]]);
    const image = tensor([[[[1, 2, 3]]]]);
    assert.deepEqual(F.pad(image, [1, 1, 0, 0], 'reflect').toArray(), [[[[2, 1, 2, 3, 2]]]]);
    assert.deepEqual(F.pad(image, [1, 1, 0, 0], 'replicate').toArray(), [[[[1, 1, 2, 3, 3]]]]);
  }));

test('views share storage', () =>
  tidy(() => {
    const x = zeros([2, 3]);
    x.view(6).narrow(0, 1, 2).fill_(5);
    x.transpose(0, 1).select(0, 0).fill_(7);
    assert.deepEqual(x.toArray(), [
      [7, 5, 5],
      [7, 0, 0],
    ]);
  }));
