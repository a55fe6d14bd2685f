import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import { manualSeed, memory, noGrad, tensor, tidy } from '../../src/index.js';
import { GPT } from '../../src/models/gpt.js';
import { Linear } from '../../src/nn/index.js';
import { normalInit } from '../../src/nn/init.js';
import {
  DEFAULT_SAMPLING_OPTIONS,
  generateText,
  loadLanguageModel,
  SamplingOptionError,
  type SamplingOptions,
  validateSamplingOptions,
} from '../../src/sample/text.js';
import { TokenizerError } from '../../src/text/tokenizer.js';
import { CharTokenizer } from '../../src/text/tokenizer-char.js';
import { saveCheckpoint } from '../../src/train/checkpoint.js';
import { makeTempDir } from '../data/helpers.js';

const ALPHABET = 'abcdefghij .\n';
const tokenizer = CharTokenizer.fromText(ALPHABET);

/** Builds a random GPT whose outputs vary along the sequence (see the models test). */
function randomGpt(): GPT {
  manualSeed(3);
  const model = new GPT({
    vocabSize: tokenizer.vocabSize,
    blockSize: 16,
    nLayer: 2,
    nHead: 2,
    nEmbd: 16,
    dropout: 0,
    bias: true,
  });
  for (const p of model.parameters()) normalInit(p, 0, 0.3);
  normalInit(model.transformer.wpe.weight, 0, 2);
  return model.eval();
}

const model = randomGpt();

function options(extra: Partial<SamplingOptions> = {}): SamplingOptions {
  return { ...DEFAULT_SAMPLING_OPTIONS, maxNewTokens: 12, ...extra };
}

/** Greedy continuation by full forward passes over the last 16 tokens. */
function greedyReference(prompt: string, count: number): string {
  const ids = Array.from(tokenizer.encode(prompt));
  for (let i = 0; i < count; i++) {
    const window = ids.slice(-16);
    ids.push(
      tidy(() =>
        noGrad(() =>
          model
            .forward(tensor([window], { dtype: 'int64' }))
            .select(1, -1)
            .argmax()
            .item(),
        ),
      ),
    );
  }
  return tokenizer.decode(ids.slice(tokenizer.encode(prompt).length));
}

test('sampling options are validated', () => {
  const cases: [Partial<SamplingOptions>, RegExp][] = [
    [{ topK: 0 }, /--top-k must be an integer from 1 to 13 \(the vocabulary size\), got 0/],
    [{ topK: 14 }, /--top-k must be an integer from 1 to 13/],
    [{ topP: 0 }, /--top-p must be in \(0, 1\], got 0/],
    [{ topP: 1.5 }, /--top-p must be in \(0, 1\], got 1.5/],
    [{ temperature: -0.5 }, /--temperature must be 0 \(greedy\) or a positive number, got -0.5/],
    [{ maxNewTokens: 0 }, /--max-tokens must be a positive integer/],
    [{ repetitionPenalty: 0 }, /--repetition-penalty must be a positive number/],
    [{ numSamples: 0 }, /--samples must be a positive integer/],
    [{ stop: [''] }, /--stop must not be an empty string/],
  ];
  for (const [extra, pattern] of cases) {
    assert.throws(
      () => validateSamplingOptions(options(extra), tokenizer.vocabSize),
      (error: Error) => error instanceof SamplingOptionError && pattern.test(error.message),
      `expected ${pattern} for ${JSON.stringify(extra)}`,
    );
  }
  validateSamplingOptions(options({ topK: 13, topP: 1, temperature: 0 }), 13);
});

test('prompt outside the vocabulary is rejected', () => {
  assert.throws(
    () => generateText(model, tokenizer, 'abc XYZ', options()),
    (error: Error) => error instanceof TokenizerError && /"X".*"Y".*"Z"/.test(error.message),
  );
});

test('temperature zero is greedy', () => {
  const [sample] = generateText(model, tokenizer, 'abc', options({ temperature: 0 }));
  assert.equal(sample!.text, greedyReference('abc', 12));
  assert.equal(sample!.finishReason, 'length');
  assert.equal(sample!.tokens, 12);
});

test('top-k 1 and tiny top-p are greedy', () => {
  const greedy = greedyReference('hij', 12);
  const [topK] = generateText(model, tokenizer, 'hij', options({ topK: 1, seed: 5 }));
  assert.equal(topK!.text, greedy);
  const [topP] = generateText(model, tokenizer, 'hij', options({ topP: 1e-6, seed: 6 }));
  assert.equal(topP!.text, greedy);
});

test('greedy past the context restarts the cache', () => {
  const [sample] = generateText(
    model,
    tokenizer,
    'a',
    options({ temperature: 0, maxNewTokens: 40 }),
  );
  assert.equal(sample!.tokens, 40);
  // Up to the context length the cache contains every token, as the full forward passes do.
  assert.equal(sample!.text.slice(0, 15), greedyReference('a', 15));
});

test('same seed repeats the samples', () => {
  const run = (seed: number) =>
    generateText(model, tokenizer, 'ab', options({ seed, numSamples: 3, temperature: 1.5 })).map(
      (sample) => sample.text,
    );
  const first = run(7);
  assert.deepEqual(run(7), first);
  assert.notDeepEqual(run(8), first);
  assert.equal(new Set(first).size, 3, 'the samples of one call should differ');
});

test('samples stream through the callback', () => {
  const streamed: string[] = ['', ''];
  const starts: number[] = [];
  const samples = generateText(
    model,
    tokenizer,
    'de',
    options({ numSamples: 2, seed: 1 }),
    (text, sample) => (streamed[sample] += text),
    (sample) => starts.push(sample),
  );
  assert.deepEqual(starts, [0, 1]);
  assert.deepEqual(
    streamed,
    samples.map((sample) => sample.text),
  );
});

test('stop string ends the sample', () => {
  const full = greedyReference('abc', 12);
  const stop = full.slice(4, 6);
  const pieces: string[] = [];
  const [sample] = generateText(
    model,
    tokenizer,
    'abc',
    options({ temperature: 0, stop: ['never', stop] }),
    (text) => pieces.push(text),
  );
  const cut = full.indexOf(stop);
  assert.equal(sample!.text, full.slice(0, cut));
  assert.equal(sample!.finishReason, 'stop');
  assert.equal(sample!.tokens, cut + stop.length);
  assert.equal(pieces.join(''), sample!.text, 'the stop string must not be streamed');
});

test('repetition penalty avoids repeats', () => {
  manualSeed(0);
  const flat = new GPT({ ...model.config }).eval();
  const distinct = (penalty: number) =>
    new Set(
      generateText(
        flat,
        tokenizer,
        'a',
        options({ temperature: 0, repetitionPenalty: penalty }),
      )[0]!.text,
    ).size;
  assert.ok(distinct(1e4) > distinct(1), 'a strong penalty should use more distinct tokens');
});

test('sampling frees its tensors', () => {
  generateText(model, tokenizer, 'a', options({ maxNewTokens: 30, topK: 5, topP: 0.9 }));
  const before = memory().tensors;
  generateText(model, tokenizer, 'abc', options({ maxNewTokens: 30, topK: 5, topP: 0.9 }));
  assert.equal(memory().tensors, before);
});

test('checkpoint of another kind is rejected', async () => {
  const tmp = makeTempDir();
  try {
    const path = join(tmp.dir, 'dcgan.safetensors');
    await saveCheckpoint(path, {
      kind: 'dcgan',
      config: {},
      training: {},
      progress: { epoch: 0, batch: 0, step: 0 },
      modules: { generator: new Linear(2, 2) },
    });
    assert.throws(
      () => loadLanguageModel(path),
      /contains a dcgan model, but this command needs a checkpoint of kind gpt or lstm/,
    );
  } finally {
    tmp.remove();
  }
});
