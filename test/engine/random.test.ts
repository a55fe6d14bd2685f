/** Reproducible random numbers: seeds, explicit generators and saved generator states. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  bernoulli,
  full,
  Generator,
  getRngState,
  manualSeed,
  multinomial,
  ones,
  rand,
  randint,
  randn,
  randperm,
  setRngState,
  tensor,
  tidy,
  TorchError,
  zeros,
} from '../../src/index.js';
import { Dropout, functional as F } from '../../src/nn/index.js';
import { assertIdentical, values } from '../helpers/assert.js';

test('manualSeed replays every sampler', () =>
  tidy(() => {
    const draw = () => [
      randn([5]),
      rand([3], { dtype: 'float64' }),
      randint(0, 100, [4]),
      randperm(6),
      F.dropout(ones([20]), 0.5),
      bernoulli(full([8], 0.5)),
      multinomial(tensor([1, 2, 3]), 5, { replacement: true }),
    ];
    manualSeed(42);
    const first = draw();
    manualSeed(42);
    const second = draw();
    first.forEach((t, i) => assertIdentical(second[i]!, t, `sampler ${i}`));
    manualSeed(43);
    assert.notDeepEqual(values(randn([5])), values(first[0]!));
  }));

test('generators with one seed agree', () =>
  tidy(() => {
    const a = randn([6], { generator: new Generator(7) });
    const b = randn([6], { generator: new Generator(7) });
    const c = randn([6], { generator: new Generator(8) });
    assertIdentical(b, a);
    assert.notDeepEqual(values(c), values(a));
  }));

test('generator leaves the default stream alone', () =>
  tidy(() => {
    manualSeed(1);
    const expected = randn([4]);
    manualSeed(1);
    randn([100], { generator: new Generator(3) });
    assertIdentical(randn([4]), expected);
  }));

test('generator state replays numbers', () =>
  tidy(() => {
    const generator = new Generator(11);
    randn([3], { generator });
    const state = generator.getState();
    assert.equal(state.dtype, 'uint8');
    const first = [randn([5], { generator }), randint(0, 9, [5], { generator })];
    generator.setState(state);
    const second = [randn([5], { generator }), randint(0, 9, [5], { generator })];
    assertIdentical(second[0]!, first[0]!);
    assertIdentical(second[1]!, first[1]!);
    const other = new Generator(99);
    other.setState(state);
    assertIdentical(randn([5], { generator: other }), first[0]!);
  }));

test('default state replays dropout and randn', () =>
  tidy(() => {
    manualSeed(5);
    const dropout = new Dropout(0.5);
    const state = getRngState();
    const mask = dropout.forward(ones([64]));
    const noise = randn([4]);
    setRngState(state);
    assertIdentical(dropout.forward(ones([64])), mask);
    assertIdentical(randn([4]), noise);
    const survivors = values(mask).filter((v) => v !== 0);
    assert.ok(survivors.length > 16, `${survivors.length} of 64 kept`);
    assert.ok(survivors.length < 48, `${survivors.length} of 64 kept`);
    assert.ok(
      survivors.every((v) => v === 2),
      'kept values scale by 1 / (1 - p)',
    );
  }));

test('invalid seeds and states are rejected', () =>
  tidy(() => {
    assert.throws(() => manualSeed(-1), RangeError);
    assert.throws(() => manualSeed(1.5), RangeError);
    assert.throws(() => new Generator(Number.MAX_SAFE_INTEGER + 2), RangeError);
    const generator = new Generator(1);
    assert.throws(() => generator.setState(zeros([3], { dtype: 'uint8' })), TorchError);
    assert.throws(() => setRngState(zeros([3], { dtype: 'float32' })), TorchError);
    assert.equal(randn([2], { generator }).numel(), 2, 'the generator still works');
  }));
