/**
 * Text generation from a trained language model: prompt in, tokens out one at a time through
 * a callback, with temperature, top-k, nucleus (top-p) sampling, a repetition penalty and stop
 * strings.
 *
 * Each new token costs one decoding step over the model's cache (GPT's keys and values, the
 * LSTM's states), not a forward pass over the whole text. A GPT attends to at most its context
 * length C: when the cache is full, it is rebuilt from the last C/2 tokens, so each token
 * attends to between C/2 and C tokens of history. nanoGPT's generate() always attends to the
 * last C, at the cost of a full forward pass per token.
 *
 * Token choice, given logits z over the vocabulary and the tokens so far:
 *   1. Repetition penalty r (Keskar et al., 2019, "CTRL", section 4.1): for every token already
 *      in the prompt or the output, z / r where z > 0, else z * r.
 *   2. temperature t = 0: the argmax (greedy). Otherwise z / t.
 *   3. top-k: keep the k largest logits.
 *   4. top-p (Holtzman et al., 2020, "The Curious Case of Neural Text Degeneration"): keep the
 *      smallest set of most likely tokens whose probabilities add up to at least p.
 *   5. Draw from softmax(z) over the kept tokens with a generator seeded by `seed`.
 */
import { tensor } from '../engine/creation.js';
import type { Device } from '../engine/dtype.js';
import { noGrad } from '../engine/ops.js';
import { Generator, multinomial } from '../engine/random.js';
import { tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { where } from '../engine/ops.js';
import {
  createLanguageModel,
  type DecodingState,
  LANGUAGE_MODEL_KINDS,
  type LanguageModel,
  type LanguageModelKind,
} from '../text/language-model.js';
import { DOCUMENT_SEPARATOR } from '../text/corpus.js';
import { type Tokenizer, tokenizerFromJson } from '../text/tokenizer.js';
import { type CheckpointMeta, readCheckpoint, restoreModule } from '../train/checkpoint.js';

export interface SamplingOptions {
  /** Tokens to generate per sample. Default 200. */
  maxNewTokens: number;
  /** Softmax temperature; 0 picks the most likely token (greedy). Default 1. */
  temperature: number;
  /** Sample from the k most likely tokens only. Default: all tokens. */
  topK?: number;
  /** Sample from the smallest set of tokens with total probability >= p, in (0, 1]. */
  topP?: number;
  /** Divides positive (multiplies negative) logits of tokens seen so far; 1 is off. Default 1. */
  repetitionPenalty: number;
  /** Generation of a sample ends at the first of these strings, which is not kept. */
  stop: string[];
  /** Seeds the sampling; the same seed and options give the same text. Default 0. */
  seed: number;
  /** Samples to generate, one after another. Default 1. */
  numSamples: number;
}

export const DEFAULT_SAMPLING_OPTIONS: SamplingOptions = {
  maxNewTokens: 200,
  temperature: 1,
  repetitionPenalty: 1,
  stop: [],
  seed: 0,
  numSamples: 1,
};

/** An invalid sampling option; the message names the option, the value and the fix. */
export class SamplingOptionError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'SamplingOptionError';
  }
}

/**
 * Checks the options, and with `vocabSize` also top-k against the vocabulary. Raises
 * SamplingOptionError naming the command-line flag.
 */
export function validateSamplingOptions(options: SamplingOptions, vocabSize?: number): void {
  const { maxNewTokens, temperature, topK, topP, repetitionPenalty, seed, numSamples } = options;
  const fail = (message: string) => {
    throw new SamplingOptionError(message);
  };
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) {
    fail(`--max-tokens must be a positive integer, got ${maxNewTokens}`);
  }
  if (!(temperature >= 0) || !Number.isFinite(temperature)) {
    fail(
      `--temperature must be 0 (greedy) or a positive number, got ${temperature}; values ` +
        'below 1 make the text more predictable, above 1 more random',
    );
  }
  if (topK !== undefined) {
    const max = vocabSize ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isInteger(topK) || topK < 1 || topK > max) {
      const range =
        vocabSize === undefined ? 'of at least 1' : `from 1 to ${vocabSize} (the vocabulary size)`;
      fail(
        `--top-k must be an integer ${range}, got ${topK}; leave it out to sample from every token`,
      );
    }
  }
  if (topP !== undefined && !(topP > 0 && topP <= 1)) {
    fail(
      `--top-p must be in (0, 1], got ${topP}; for example 0.9 keeps the most likely tokens ` +
        'that together have 90% of the probability, and 1 keeps all',
    );
  }
  if (!(repetitionPenalty > 0) || !Number.isFinite(repetitionPenalty)) {
    fail(`--repetition-penalty must be a positive number (1 is off), got ${repetitionPenalty}`);
  }
  if (!Number.isSafeInteger(seed) || seed < 0) {
    fail(`--seed must be a non-negative integer, got ${seed}`);
  }
  if (!Number.isInteger(numSamples) || numSamples < 1) {
    fail(`--samples must be a positive integer, got ${numSamples}`);
  }
  if (options.stop.some((stop) => stop === '')) fail('--stop must not be an empty string');
}

export interface LoadedLanguageModel {
  model: LanguageModel;
  tokenizer: Tokenizer;
  kind: LanguageModelKind;
  meta: CheckpointMeta;
}

/** Loads the model and tokenizer of a 'gpt' or 'lstm' checkpoint file, in eval mode. */
export function loadLanguageModel(path: string, device: Device = 'cpu'): LoadedLanguageModel {
  return tidy(() => {
    const checkpoint = readCheckpoint(path, LANGUAGE_MODEL_KINDS);
    const kind = checkpoint.meta.kind as LanguageModelKind;
    const tokenizer = tokenizerFromJson(checkpoint.meta.extra?.tokenizer);
    const model = createLanguageModel(kind, checkpoint.meta.config);
    restoreModule(checkpoint, 'model', model);
    model.to(device).eval();
    return { model, tokenizer, kind, meta: checkpoint.meta };
  });
}

export interface TextSample {
  /** The generated text, without the prompt and without a stop string. */
  text: string;
  /** Tokens generated, including those of a stop string. */
  tokens: number;
  /** 'stop' when a stop string ended the sample, else 'length'. */
  finishReason: 'stop' | 'length';
}

/** Receives generated text as it becomes final, in order, for sample `sample` (0-based). */
export type TextCallback = (text: string, sample: number) => void;

/** Called before the first text of each sample (0-based). */
export type SampleStartCallback = (sample: number) => void;

/**
 * The text an empty prompt starts from: the separator between two documents of a corpus, so the
 * model begins a new poem, fortune or file. It is not part of the output.
 */
const EMPTY_PROMPT_START = DOCUMENT_SEPARATOR;

/**
 * Generates `numSamples` continuations of `prompt`, one after another. Raises
 * SamplingOptionError for invalid options, and TokenizerError when the prompt has characters
 * the tokenizer cannot encode.
 */
export function generateText(
  model: LanguageModel,
  tokenizer: Tokenizer,
  prompt: string,
  options: SamplingOptions,
  onText: TextCallback = () => {},
  onSampleStart: SampleStartCallback = () => {},
): TextSample[] {
  validateSamplingOptions(options, tokenizer.vocabSize);
  const promptTokens = tokenizer.encode(prompt === '' ? EMPTY_PROMPT_START : prompt);
  const generator = new Generator(options.seed);
  const wasTraining = model.training;
  model.eval();
  try {
    return Array.from({ length: options.numSamples }, (_, sample) => {
      onSampleStart(sample);
      return generateOne(model, tokenizer, promptTokens, options, generator, (text) =>
        onText(text, sample),
      );
    });
  } finally {
    model.train(wasTraining);
  }
}

function generateOne(
  model: LanguageModel,
  tokenizer: Tokenizer,
  promptTokens: Int32Array,
  options: SamplingOptions,
  generator: Generator,
  emit: (text: string) => void,
): TextSample {
  const history = Array.from(promptTokens);
  const decoder = tokenizer.createStreamDecoder();
  const output = new StopStringFilter(options.stop, emit);
  const session = new DecodingSession(model, model.parameters()[0]!.device);
  let logits = session.feed(history, history.length);
  let tokens = 0;
  try {
    while (tokens < options.maxNewTokens) {
      const next = tidy(() => chooseToken(logits, history, options, generator));
      tokens++;
      history.push(next);
      if (output.push(decoder.push(next)))
        return { text: output.text, tokens, finishReason: 'stop' };
      if (tokens === options.maxNewTokens) break;
      logits.dispose();
      logits = session.feed(history, 1);
    }
    if (output.push(decoder.end())) return { text: output.text, tokens, finishReason: 'stop' };
    output.end();
    return { text: output.text, tokens, finishReason: 'length' };
  } finally {
    logits.dispose();
    session.dispose();
  }
}

/** A model's decoding state for one sequence, rebuilt when it would exceed the context. */
class DecodingSession {
  #state: DecodingState | null = null;

  constructor(
    readonly model: LanguageModel,
    readonly device: Device,
  ) {}

  /**
   * Feeds the last `count` tokens of `history` and returns the logits [V] after the last one,
   * on the CPU. The first call takes the last C tokens of the prompt. A call that would
   * outgrow the context restarts from the last C/2 tokens of the history instead.
   */
  feed(history: readonly number[], count: number): Tensor {
    const context = this.model.contextLength;
    let window: number[];
    if (this.#state !== null && this.#state.length + count <= context) {
      window = history.slice(history.length - count);
    } else {
      const keep = this.#state === null ? context : Math.max(1, Math.floor(context / 2));
      this.dispose();
      window = history.slice(Math.max(0, history.length - keep));
    }
    return tidy(() =>
      noGrad(() => {
        const input = tensor(
          BigInt64Array.from(window, (id) => BigInt(id)),
          {
            shape: [1, window.length],
            device: this.device,
          },
        );
        const { logits, state } = this.model.step(input, this.#state);
        this.#state = state;
        return logits
          .select(0, 0)
          .select(0, window.length - 1)
          .float()
          .cpu(); // [V]
      }),
    );
  }

  dispose(): void {
    this.#state?.dispose();
    this.#state = null;
  }
}

/** Steps 1 to 5 of the header on `logits` [V]; returns the chosen token id. */
function chooseToken(
  logits: Tensor,
  history: readonly number[],
  options: SamplingOptions,
  generator: Generator,
): number {
  let scores = logits;
  if (options.repetitionPenalty !== 1) {
    scores = penalizeRepeats(scores, history, options.repetitionPenalty);
  }
  if (options.temperature === 0) return scores.argmax().item();
  scores = scores.div(options.temperature);
  if (options.topK !== undefined && options.topK < scores.size(0)) {
    const kth = scores.topk(options.topK).values.select(0, options.topK - 1);
    scores = scores.maskedFill(scores.lt(kth), -Infinity);
  }
  if (options.topP !== undefined && options.topP < 1) scores = keepNucleus(scores, options.topP);
  return multinomial(scores.softmax(-1), 1, { generator }).item();
}

function penalizeRepeats(scores: Tensor, history: readonly number[], penalty: number): Tensor {
  const seen = [...new Set(history)];
  const ids = tensor(BigInt64Array.from(seen, (id) => BigInt(id)));
  const values = scores.indexSelect(0, ids);
  const penalized = where(values.gt(0), values.div(penalty), values.mul(penalty));
  return scores.scatter(0, ids, penalized);
}

/** Sets to -inf every token outside the smallest set with probability >= p. */
function keepNucleus(scores: Tensor, p: number): Tensor {
  const { values, indices } = scores.sort(-1, true);
  const probabilities = values.softmax(-1);
  // A token goes when the more likely tokens before it already reach p; the first always stays.
  const before = probabilities.cumsum(-1).sub(probabilities);
  const removed = values.maskedFill(before.ge(p), -Infinity);
  return scores.scatter(0, indices, removed);
}

/**
 * Passes generated text through to a callback, except text that may be the start of a stop
 * string: that is held back until it either completes the stop string (which ends the
 * sample and is dropped) or stops matching.
 */
class StopStringFilter {
  /** The text so far, cut before a stop string once one is found. */
  text = '';
  #emitted = 0;

  constructor(
    readonly stops: readonly string[],
    readonly emit: (text: string) => void,
  ) {}

  /** Adds `piece`; returns true when the text now contains a stop string. */
  push(piece: string): boolean {
    if (piece === '') return false;
    const from = Math.max(0, this.text.length - this.#longestStop() + 1);
    this.text += piece;
    const stopAt = this.#firstStop(from);
    if (stopAt >= 0) {
      this.text = this.text.slice(0, stopAt);
      this.#flush(this.text.length);
      return true;
    }
    this.#flush(this.text.length - this.#heldBack());
    return false;
  }

  /** Emits whatever was held back. */
  end(): void {
    this.#flush(this.text.length);
  }

  #flush(until: number): void {
    if (until > this.#emitted) {
      this.emit(this.text.slice(this.#emitted, until));
      this.#emitted = until;
    }
  }

  #longestStop(): number {
    return Math.max(0, ...this.stops.map((stop) => stop.length));
  }

  #firstStop(from: number): number {
    let first = -1;
    for (const stop of this.stops) {
      const at = this.text.indexOf(stop, from);
      if (at >= 0 && (first < 0 || at < first)) first = at;
    }
    return first;
  }

  /** The length of the longest end of the text that begins some stop string. */
  #heldBack(): number {
    let heldLength = 0;
    for (const stop of this.stops) {
      for (
        let length = Math.min(stop.length - 1, this.text.length);
        length > heldLength;
        length--
      ) {
        if (this.text.endsWith(stop.slice(0, length))) {
          heldLength = length;
          break;
        }
      }
    }
    return heldLength;
  }
}
