import assert from 'node:assert/strict';
import { test } from 'node:test';

import { manualSeed, memory, noGrad, tensor, tidy, type Tensor } from '../../src/index.js';
import { GPT, type GptConfig, validateGptConfig } from '../../src/models/gpt.js';
import { LstmLanguageModel } from '../../src/models/lstm-lm.js';
import type { LanguageModel } from '../../src/text/language-model.js';
import { normalInit } from '../../src/nn/init.js';
import { assertClose, values } from '../helpers/assert.js';

const CONFIG: GptConfig = {
  vocabSize: 13,
  blockSize: 12,
  nLayer: 2,
  nHead: 2,
  nEmbd: 16,
  dropout: 0,
  bias: true,
};

function tinyGpt(config: Partial<GptConfig> = {}): GPT {
  manualSeed(0);
  return new GPT({ ...CONFIG, ...config }).eval();
}

function tokens(ids: number[]): Tensor {
  return tensor([ids], { dtype: 'int64' });
}

test('gpt uses nanoGPT state dict names', () => {
  const keys = [...tinyGpt().stateDict().keys()];
  assert.deepEqual(keys.slice(0, 6), [
    'transformer.wte.weight',
    'transformer.wpe.weight',
    'transformer.h.0.ln_1.weight',
    'transformer.h.0.ln_1.bias',
    'transformer.h.0.attn.c_attn.weight',
    'transformer.h.0.attn.c_attn.bias',
  ]);
  for (const key of [
    'transformer.h.1.attn.c_proj.weight',
    'transformer.h.1.mlp.c_fc.weight',
    'transformer.h.1.mlp.c_proj.bias',
    'transformer.ln_f.weight',
  ]) {
    assert.ok(keys.includes(key), `missing ${key}`);
  }
  assert.ok(!keys.includes('lm_head.weight'), 'the tied output weight is listed once');
});

test('gpt ties output and embedding weights', () => {
  const model = tinyGpt();
  assert.equal(model.lm_head.weight, model.transformer.wte.weight);
  const params = model.parameters();
  assert.equal(params.filter((p) => p === model.transformer.wte.weight).length, 1);
  const { vocabSize: V, blockSize: T, nEmbd: C, nLayer: L } = CONFIG;
  const perBlock =
    2 * 2 * C + (3 * C * C + 3 * C) + (C * C + C) + (4 * C * C + 4 * C) + (4 * C * C + C);
  assert.equal(model.parameterCount(), V * C + T * C + L * perBlock + 2 * C);
});

test('gpt init follows GPT-2', () => {
  manualSeed(1);
  const model = new GPT({ ...CONFIG, nEmbd: 64, nLayer: 8, nHead: 4 });
  const std = (t: Tensor) => tidy(() => t.std().item());
  assert.ok(Math.abs(std(model.transformer.h.at(0).attn.c_attn.weight) - 0.02) < 0.002);
  const residual = 0.02 / Math.sqrt(16);
  assert.ok(Math.abs(std(model.transformer.h.at(0).mlp.c_proj.weight) - residual) < 0.001);
  assert.deepEqual(new Set(values(model.transformer.h.at(0).attn.c_attn.bias!)), new Set([0]));
});

test('gpt config is validated', () => {
  assert.throws(() => validateGptConfig({ ...CONFIG, nHead: 3 }), /does not divide into 3 heads/);
  assert.throws(() => validateGptConfig({ ...CONFIG, n_layer: 2 }), /unknown field\(s\) n_layer/);
  assert.throws(
    () => validateGptConfig({ ...CONFIG, dropout: 1 }),
    /dropout must be a probability/,
  );
  assert.throws(
    () => validateGptConfig({ ...CONFIG, blockSize: 0 }),
    /blockSize must be a positive/,
  );
});

test('gpt output at t ignores later tokens', () => {
  const model = tinyGpt();
  const a = [1, 5, 2, 7, 3, 9, 4, 0];
  const b = [1, 5, 2, 7, 12, 11, 10, 6];
  noGrad(() =>
    tidy(() => {
      const la = model.forward(tokens(a)); // [1, 8, V]
      const lb = model.forward(tokens(b));
      assertClose(la.narrow(1, 0, 4), values(lb.narrow(1, 0, 4)), {
        atol: 1e-6,
        message: 'positions 0..3 changed with tokens after them',
      });
      const later = la
        .narrow(1, 4, 4)
        .sub(lb.narrow(1, 4, 4))
        .abs()
        .max()
        .item();
      assert.ok(later > 1e-4, 'positions 4..7 should depend on their own tokens');
    }),
  );
});

test('gpt rejects inputs beyond its context', () => {
  const model = tinyGpt();
  assert.throws(
    () => tidy(() => model.forward(tokens(new Array(13).fill(1)))),
    /13 tokens exceed the context length of 12/,
  );
});

/** Greedy decoding with one full forward pass over all tokens per new token. */
function greedyFull(model: LanguageModel, prompt: number[], count: number): number[] {
  const ids = [...prompt];
  for (let i = 0; i < count; i++) {
    ids.push(tidy(() => noGrad(() => model.forward(tokens(ids)).select(1, -1).argmax().item())));
  }
  return ids.slice(prompt.length);
}

/** Greedy decoding that feeds one token at a time through the decoding state. */
function greedyCached(model: LanguageModel, prompt: number[], count: number): number[] {
  const out: number[] = [];
  let step = tidy(() => model.step(tokens(prompt), null));
  try {
    for (let i = 0; i < count; i++) {
      const next = tidy(() => step.logits.select(1, -1).argmax().item());
      out.push(next);
      step.logits.dispose();
      step = tidy(() => noGrad(() => model.step(tokens([next]), step.state)));
    }
  } finally {
    step.logits.dispose();
    step.state.dispose();
  }
  return out;
}

test('gpt cached decoding equals full forward', () => {
  const model = tinyGpt({ nEmbd: 32, nHead: 4, blockSize: 24 });
  // GPT-2's small initial weights give nearly uniform logits, so with tied weights the output
  // repeats the last token. Large position embeddings make it vary along the sequence.
  for (const p of model.parameters()) normalInit(p, 0, 0.3);
  normalInit(model.transformer.wpe.weight, 0, 2);
  const before = memory().tensors;
  const prompt = [3, 1, 4, 1, 5];
  const full = greedyFull(model, prompt, 19);
  const cached = noGrad(() => greedyCached(model, prompt, 19));
  assert.deepEqual(cached, full);
  assert.ok(new Set(full).size > 2, `the test model should not repeat one token: ${full}`);
  assert.ok(memory().tensors - before <= 1, 'decoding leaked tensors (the mask is kept once)');
});

test('gpt cached logits match full forward', () => {
  const model = tinyGpt();
  const ids = [2, 4, 6, 8, 10, 12, 1, 3];
  noGrad(() =>
    tidy(() => {
      const full = model.forward(tokens(ids)); // [1, 8, V]
      const first = model.step(tokens(ids.slice(0, 5)), null);
      const second = model.step(tokens(ids.slice(5)), first.state);
      assert.equal(second.state.length, 8);
      assertClose(first.logits, values(full.narrow(1, 0, 5)), { atol: 1e-5 });
      assertClose(second.logits, values(full.narrow(1, 5, 3)), { atol: 1e-5 });
      second.state.dispose();
    }),
  );
});

test('lstm uses word_language_model names', () => {
  manualSeed(0);
  const model = new LstmLanguageModel({
    vocabSize: 9,
    embeddingDim: 6,
    hiddenSize: 8,
    numLayers: 2,
    dropout: 0,
  });
  assert.deepEqual(
    [...model.stateDict().keys()],
    [
      'encoder.weight',
      'rnn.weight_ih_l0',
      'rnn.weight_hh_l0',
      'rnn.bias_ih_l0',
      'rnn.bias_hh_l0',
      'rnn.weight_ih_l1',
      'rnn.weight_hh_l1',
      'rnn.bias_ih_l1',
      'rnn.bias_hh_l1',
      'decoder.weight',
      'decoder.bias',
    ],
  );
});

test('lstm stepwise decoding equals forward', () => {
  manualSeed(0);
  const model = new LstmLanguageModel({
    vocabSize: 9,
    embeddingDim: 6,
    hiddenSize: 8,
    numLayers: 2,
    dropout: 0,
  }).eval();
  const prompt = [1, 2, 3];
  assert.deepEqual(
    noGrad(() => greedyCached(model, prompt, 10)),
    greedyFull(model, prompt, 10),
  );
});
