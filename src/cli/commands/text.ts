/**
 * The text commands: `aigc train gpt|lstm`, and `aigc generate` and `aigc eval` for language
 * model checkpoints. main.ts, train.ts and generate.ts dispatch to these functions.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { DataError } from '../../data/errors.js';
import { countCharacters, loadCorpus } from '../../text/corpus.js';
import { prepareTextData } from '../../text/dataset.js';
import { TokenizerError } from '../../text/errors.js';
import { TEXT_DATASET_NAMES } from '../../text/fortunes.js';
import type { LanguageModelKind } from '../../text/language-model.js';
import { TOKENIZER_TYPES, type TokenizerType } from '../../text/tokenizer.js';
import { tokenTensor } from '../../text/windows.js';
import {
  DEFAULT_SAMPLING_OPTIONS,
  generateText,
  loadLanguageModel,
  SamplingOptionError,
  type SamplingOptions,
  validateSamplingOptions,
} from '../../sample/text.js';
import {
  bitsPerCharacter,
  DEFAULT_STEPS,
  DEFAULT_TEXT_TRAIN_SETTINGS,
  evaluateLanguageModel,
  type TextTrainRequest,
  type TextTrainSettings,
  trainLanguageModel,
} from '../../train/language-model.js';
import { ConsoleLogger } from '../../train/logger.js';
import { resolveCheckpoint } from '../../train/run-folder.js';
import {
  defaultRunFolder,
  COMMON_TRAIN_OPTIONS,
  deviceOption,
  floatOption,
  formatOptions,
  intOption,
  type OptionSpecs,
  parseOptions,
  stringOption,
  UsageError,
} from '../args.js';

const GPT = DEFAULT_TEXT_TRAIN_SETTINGS.gpt;
const LSTM = DEFAULT_TEXT_TRAIN_SETTINGS.lstm;

function textTrainOptions(model: LanguageModelKind): OptionSpecs {
  const d = DEFAULT_TEXT_TRAIN_SETTINGS[model];
  const specs: OptionSpecs = {
    ...COMMON_TRAIN_OPTIONS,
    data: {
      type: 'string',
      value: 'NAME|PATH',
      help: 'data set name or UTF-8 text file or folder (required unless --resume)',
    },
    steps: {
      type: 'string',
      value: 'N',
      help: `optimizer steps (default ${DEFAULT_STEPS}, or as many as --epochs takes)`,
    },
    epochs: {
      type: 'string',
      value: 'N',
      help: 'passes over the training tokens, as tokens / (batch size x context) steps',
    },
    'batch-size': { type: 'string', value: 'N', help: `windows per step (default ${d.batchSize})` },
    lr: { type: 'string', value: 'X', help: `peak AdamW learning rate (default ${d.lr})` },
    'min-lr': {
      type: 'string',
      value: 'X',
      help: 'learning rate at the end of the cosine decay (default lr / 10)',
    },
    'warmup-steps': {
      type: 'string',
      value: 'N',
      help: `steps of linear learning-rate warm-up (default ${d.warmupSteps})`,
    },
    'weight-decay': {
      type: 'string',
      value: 'X',
      help: `AdamW weight decay of matrices and embeddings (default ${d.weightDecay})`,
    },
    'grad-clip': {
      type: 'string',
      value: 'X',
      help: `maximum gradient norm, 0 for no clipping (default ${d.gradClip})`,
    },
    context: {
      type: 'string',
      value: 'N',
      help:
        model === 'gpt'
          ? `context length in tokens (default ${d.context})`
          : `tokens per training window, backpropagated through (default ${d.context})`,
    },
    layers: {
      type: 'string',
      value: 'N',
      help: `${model === 'gpt' ? 'transformer blocks' : 'LSTM layers'} (default ${d.layers})`,
    },
    width: {
      type: 'string',
      value: 'N',
      help: `${model === 'gpt' ? 'embedding width' : 'LSTM hidden size'} (default ${d.width})`,
    },
    ...(model === 'gpt'
      ? {
          heads: {
            type: 'string',
            value: 'N',
            help: `attention heads, dividing the width (default ${GPT.heads})`,
          },
        }
      : {
          embedding: {
            type: 'string',
            value: 'N',
            help: `token embedding size (default ${LSTM.embedding})`,
          },
        }),
    dropout: { type: 'string', value: 'X', help: `dropout probability (default ${d.dropout})` },
    tokenizer: {
      type: 'string',
      value: 'char|bpe',
      help: `characters or byte-level BPE tokens (default ${d.tokenizer})`,
    },
    'vocab-size': {
      type: 'string',
      value: 'N',
      help: `BPE vocabulary size, 256 byte tokens included (default ${d.vocabSize})`,
    },
    'keep-titles': {
      type: 'boolean',
      help: 'tang-poems and song-ci: keep each poem title and author line',
    },
    'valid-fraction': {
      type: 'string',
      value: 'X',
      help: `share of the text, at its end, held out for validation (default ${d.validFraction})`,
    },
    'eval-every': {
      type: 'string',
      value: 'N',
      help: `steps between validation losses (default ${d.evalEvery})`,
    },
    'eval-batches': {
      type: 'string',
      value: 'N',
      help: `batches of validation windows per evaluation (default ${d.evalBatches})`,
    },
    'log-every': {
      type: 'string',
      value: 'N',
      help: `steps between log lines (default ${d.logEvery})`,
    },
    'checkpoint-every': {
      type: 'string',
      value: 'N',
      help: `steps between checkpoints (default ${d.checkpointEvery})`,
    },
    'keep-checkpoints': {
      type: 'string',
      value: 'N',
      help: `checkpoints to keep (default ${d.keepCheckpoints})`,
    },
  };
  // Keep --help last in the listing.
  const { help, ...rest } = specs;
  return { ...rest, help: help! };
}

const MODEL_DESCRIPTIONS: Record<LanguageModelKind, string> = {
  gpt: 'a GPT (the nanoGPT layout) on a text corpus',
  lstm: 'an LSTM language model on a text corpus',
};

/** Returns the help text of `aigc train gpt` or `aigc train lstm`. */
export function trainTextHelp(model: LanguageModelKind): string {
  return `Usage: aigc train ${model} --data NAME|PATH [options]

Trains ${MODEL_DESCRIPTIONS[model]}.
It writes a run folder: config.json, metrics.jsonl (training loss, validation loss, perplexity
and bits per character), and checkpoints/step-N.safetensors with the model, the optimizer
state and the tokenizer. Ctrl-C saves a checkpoint. --resume continues from the newest one,
with the saved settings.

Data: ${TEXT_DATASET_NAMES.join(', ')} (Debian's fortunes-zh and fortunes
packages), or a PATH: a UTF-8 text file, or a folder of them.

Options:
${formatOptions(textTrainOptions(model))}

Example:
  aigc train ${model} --data tang-poems --out runs/poems-${model}`;
}

export const TRAIN_GPT_HELP = trainTextHelp('gpt');
export const TRAIN_LSTM_HELP = trainTextHelp('lstm');

/** Parses a float option that stays undefined when absent, so resume can fill it in. */
function optionalFloat(
  values: Record<string, unknown>,
  name: string,
  check: (value: number) => boolean,
  expectation: string,
): number | undefined {
  const value = floatOption(values, name, NaN, check, expectation);
  return Number.isNaN(value) ? undefined : value;
}

function tokenizerOption(values: Record<string, unknown>): TokenizerType | undefined {
  const text = stringOption(values, 'tokenizer');
  if (text === undefined || (TOKENIZER_TYPES as readonly string[]).includes(text)) {
    return text as TokenizerType | undefined;
  }
  throw new UsageError(`--tokenizer must be one of ${TOKENIZER_TYPES.join(', ')}, got '${text}'`);
}

/** Parses `aigc train gpt|lstm` options; null means --help. Absent options stay undefined. */
export function parseTextTrainOptions(
  model: LanguageModelKind,
  argv: string[],
): TextTrainRequest | null {
  const { values } = parseOptions(argv, textTrainOptions(model));
  if (values.help) return null;
  const data = stringOption(values, 'data');
  const resume = Boolean(values.resume);
  if (data === undefined && !resume) {
    throw new UsageError(
      `--data is required: name a data set (${TEXT_DATASET_NAMES.join(', ')}) or a text file ` +
        'or folder',
    );
  }
  const out = stringOption(values, 'out');
  if (out === undefined && data === undefined) {
    throw new UsageError('--resume needs --out, the run folder to continue');
  }
  const positive = (v: number) => v > 0;
  const nonNegative = (v: number) => v >= 0;
  const request: TextTrainRequest = {
    model,
    out: out ?? defaultRunFolder(data!, model),
    resume,
    data,
    steps: intOption(values, 'steps', undefined),
    epochs: intOption(values, 'epochs', undefined),
    batchSize: intOption(values, 'batch-size', undefined),
    lr: optionalFloat(values, 'lr', positive, 'a positive number'),
    minLr: optionalFloat(values, 'min-lr', nonNegative, 'a non-negative number'),
    warmupSteps: intOption(values, 'warmup-steps', undefined, 0),
    weightDecay: optionalFloat(values, 'weight-decay', nonNegative, 'a non-negative number'),
    gradClip: optionalFloat(values, 'grad-clip', nonNegative, '0 (off) or a positive number'),
    context: intOption(values, 'context', undefined, 2),
    layers: intOption(values, 'layers', undefined),
    width: intOption(values, 'width', undefined),
    heads: intOption(values, 'heads', undefined),
    embedding: intOption(values, 'embedding', undefined),
    dropout: optionalFloat(values, 'dropout', (v) => v >= 0 && v < 1, 'a number in [0, 1)'),
    tokenizer: tokenizerOption(values),
    vocabSize: intOption(values, 'vocab-size', undefined, 257),
    keepTitles: values['keep-titles'] ? true : undefined,
    validFraction: optionalFloat(
      values,
      'valid-fraction',
      (v) => v > 0 && v < 1,
      'a number in (0, 1)',
    ),
    evalEvery: intOption(values, 'eval-every', undefined),
    evalBatches: intOption(values, 'eval-batches', undefined),
    logEvery: intOption(values, 'log-every', undefined),
    checkpointEvery: intOption(values, 'checkpoint-every', undefined),
    keepCheckpoints: intOption(values, 'keep-checkpoints', undefined),
    seed: intOption(values, 'seed', undefined, 0),
    device: values.device === undefined ? undefined : deviceOption(values),
  };
  return request;
}

/** `aigc train gpt|lstm ARGS`: returns the exit code (130 when interrupted). */
export async function trainTextCommand(model: LanguageModelKind, argv: string[]): Promise<number> {
  const request = parseTextTrainOptions(model, argv);
  if (request === null) {
    console.log(trainTextHelp(model));
    return 0;
  }
  const result = await trainLanguageModel(request, new ConsoleLogger());
  if (!result.interrupted) {
    console.log(
      `validation loss ${result.validLoss.toFixed(4)}, ${result.validBpc.toFixed(4)} bits/char ` +
        `(at step ${result.validStep}); ` +
        `sample with: aigc generate --checkpoint ${result.folder} --prompt TEXT`,
    );
  }
  return result.interrupted ? 130 : 0;
}

const GENERATE_TEXT_OPTIONS: OptionSpecs = {
  checkpoint: {
    type: 'string',
    value: 'PATH',
    help: 'run folder (its newest checkpoint) or .safetensors file (required)',
  },
  prompt: { type: 'string', value: 'TEXT', help: 'text to continue (default: a new line)' },
  'prompt-file': { type: 'string', value: 'PATH', help: 'read the prompt from a UTF-8 file' },
  'max-tokens': {
    type: 'string',
    value: 'N',
    help: `tokens to generate per sample (default ${DEFAULT_SAMPLING_OPTIONS.maxNewTokens})`,
  },
  temperature: {
    type: 'string',
    value: 'X',
    help: 'softmax temperature; 0 always picks the most likely token (default 0.8)',
  },
  'top-k': { type: 'string', value: 'N', help: 'sample from the N most likely tokens only' },
  'top-p': {
    type: 'string',
    value: 'P',
    help: 'sample from the most likely tokens that together have probability P, in (0, 1]',
  },
  'repetition-penalty': {
    type: 'string',
    value: 'X',
    help: 'make tokens already in the text less likely by X; 1 is off (default 1)',
  },
  stop: {
    type: 'string',
    value: 'TEXT',
    help: 'end a sample at TEXT (repeatable; \\n is a line break)',
  },
  samples: { type: 'string', value: 'N', help: 'samples to generate (default 1)' },
  seed: {
    type: 'string',
    value: 'N',
    help: 'sampling seed; the same seed repeats the text (default 0)',
  },
  device: { type: 'string', value: 'cpu|cuda', help: 'where to run (default cpu)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export const GENERATE_TEXT_HELP = `Usage: aigc generate --checkpoint PATH [--prompt TEXT] [options]

Writes text from a GPT or LSTM checkpoint to standard output as it is generated.

Options:
${formatOptions(GENERATE_TEXT_OPTIONS)}

Example:
  aigc generate --checkpoint runs/poems --prompt 床前明月光 --max-tokens 100 --temperature 0.8 --top-k 40`;

/**
 * Takes every `--stop X` and `--stop=X` out of `argv`, since parseOptions keeps only the last
 * value of a repeated option. `\n`, `\t` and `\\` in a value become a line break, a tab and
 * a backslash.
 */
function extractStops(argv: string[]): { stops: string[]; rest: string[] } {
  const stops: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--stop') {
      const value = argv[++i];
      if (value === undefined) throw new UsageError("option '--stop' needs a value");
      stops.push(value);
    } else if (arg.startsWith('--stop=')) stops.push(arg.slice('--stop='.length));
    else rest.push(arg);
  }
  const escapes: Record<string, string> = { n: '\n', t: '\t', '\\': '\\' };
  const unescape = (text: string) => text.replace(/\\(n|t|\\)/g, (_, c: string) => escapes[c]!);
  return { stops: stops.map(unescape), rest };
}

function samplingOptions(values: Record<string, unknown>, stops: string[]): SamplingOptions {
  const d = DEFAULT_SAMPLING_OPTIONS;
  // Bounds are checked by validateSamplingOptions, whose messages explain the valid ranges.
  return {
    maxNewTokens: intOption(values, 'max-tokens', d.maxNewTokens),
    temperature: floatOption(values, 'temperature', 0.8, () => true, 'a number'),
    topK: intOption(values, 'top-k', undefined, Number.MIN_SAFE_INTEGER),
    topP: optionalFloat(values, 'top-p', () => true, 'a number'),
    repetitionPenalty: floatOption(
      values,
      'repetition-penalty',
      d.repetitionPenalty,
      () => true,
      'a number',
    ),
    stop: stops,
    seed: intOption(values, 'seed', d.seed, 0),
    numSamples: intOption(values, 'samples', d.numSamples),
  };
}

function readPrompt(values: Record<string, unknown>): string {
  const prompt = values.prompt as string | undefined;
  const file = stringOption(values, 'prompt-file');
  if (prompt !== undefined && file !== undefined) {
    throw new UsageError('give --prompt or --prompt-file, not both');
  }
  if (file === undefined) return prompt ?? '';
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(resolve(file)));
  } catch (error) {
    throw new UsageError(`cannot read --prompt-file ${file}: ${(error as Error).message}`);
  }
}

/** Runs `fn`, turning invalid sampling options and unknown prompt characters into usage errors. */
function asUsageError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof SamplingOptionError || error instanceof TokenizerError) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

/**
 * `aigc generate` for a 'gpt' or 'lstm' checkpoint. `argv` is every argument after
 * `generate`; a --checkpoint among them is ignored in favour of `checkpointPath`.
 */
export async function generateTextCommand(checkpointPath: string, argv: string[]): Promise<number> {
  const { stops, rest } = extractStops(argv);
  const { values } = parseOptions(rest, GENERATE_TEXT_OPTIONS);
  if (values.help) {
    console.log(GENERATE_TEXT_HELP);
    return 0;
  }
  const options = samplingOptions(values, stops);
  asUsageError(() => validateSamplingOptions(options));
  const prompt = readPrompt(values);
  const device = deviceOption(values);
  const path = resolveCheckpoint(checkpointPath);
  const { model, tokenizer } = loadLanguageModel(path, device);
  asUsageError(() => {
    validateSamplingOptions(options, tokenizer.vocabSize);
    tokenizer.encode(prompt);
  });

  const started = performance.now();
  const samples = generateText(
    model,
    tokenizer,
    prompt,
    options,
    (text) => process.stdout.write(text),
    (sample) => process.stdout.write(`${sample > 0 ? '\n\n' : ''}${prompt}`),
  );
  process.stdout.write('\n');
  const seconds = (performance.now() - started) / 1000;
  const tokens = samples.reduce((sum, sample) => sum + sample.tokens, 0);
  process.stderr.write(
    `generated ${tokens} tokens in ${seconds.toFixed(2)} s ` +
      `(${(tokens / seconds).toFixed(1)} tokens/s) from ${path}\n`,
  );
  return 0;
}

export const EVAL_TEXT_OPTIONS: OptionSpecs = {
  checkpoint: {
    type: 'string',
    value: 'PATH',
    help: 'run folder (its newest checkpoint) or .safetensors file (required)',
  },
  data: {
    type: 'string',
    value: 'NAME|PATH',
    help: "evaluate all of this text instead of the run's validation part",
  },
  'batch-size': { type: 'string', value: 'N', help: 'windows per forward pass (default 32)' },
  'max-windows': {
    type: 'string',
    value: 'N',
    help: 'evaluate at most N windows, evenly spread (default: all)',
  },
  device: { type: 'string', value: 'cpu|cuda', help: 'where to run (default cpu)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export const EVAL_TEXT_HELP = `Usage: aigc eval --checkpoint PATH [options]

Prints a language model's validation loss (nats per token), perplexity and bits per character,
over non-overlapping windows of its context length. By default it reads the validation part of
the text the run was trained on, split as in training.

Options:
${formatOptions(EVAL_TEXT_OPTIONS)}

Example:
  aigc eval --checkpoint runs/poems`;

/** `aigc eval` for a 'gpt' or 'lstm' checkpoint; `argv` as for generateTextCommand. */
export async function evalTextCommand(checkpointPath: string, argv: string[]): Promise<number> {
  const { values } = parseOptions(argv, EVAL_TEXT_OPTIONS);
  if (values.help) {
    console.log(EVAL_TEXT_HELP);
    return 0;
  }
  const batchSize = intOption(values, 'batch-size', 32);
  const maxWindows = intOption(values, 'max-windows', undefined) ?? Infinity;
  const device = deviceOption(values);
  const dataOverride = stringOption(values, 'data');
  const path = resolveCheckpoint(checkpointPath);
  const { model, tokenizer, meta } = loadLanguageModel(path, device);
  const training = meta.training as TextTrainSettings;

  let text: { tokens: Int32Array; characters: number; source: string };
  if (dataOverride !== undefined) {
    const corpus = loadCorpus(dataOverride, { keepTitles: training.keepTitles });
    const tokens = asUsageError(() => tokenizer.encode(corpus.text));
    text = { tokens, characters: countCharacters(corpus.text), source: corpus.source };
  } else {
    const data = prepareTextData(training, tokenizer);
    if (data.fingerprint !== meta.extra?.corpusSha256) {
      console.warn(`warning: ${data.corpus.source} has changed since this model was trained`);
    }
    text = {
      tokens: data.validTokens,
      characters: data.validCharacters,
      source: `${data.corpus.source} (validation part, last ${training.validFraction})`,
    };
  }
  if (text.tokens.length < 2) {
    throw new DataError(`${text.source} has ${text.tokens.length} token(s); evaluation needs 2`);
  }
  const tokens = tokenTensor(text.tokens, device);
  const context = Math.min(training.context, model.contextLength);
  const { loss, tokens: evaluated } = evaluateLanguageModel(model, tokens, {
    context,
    maxWindows,
    batchSize,
  });
  tokens.dispose();
  const bpc = bitsPerCharacter(loss, text.tokens.length, text.characters);
  console.log(`checkpoint: ${path} (${meta.kind}, step ${meta.progress.step})`);
  console.log(`data: ${text.source}: ${evaluated.toLocaleString('en-US')} tokens evaluated`);
  console.log(
    `validation loss ${loss.toFixed(4)} nats/token | perplexity ${Math.exp(loss).toFixed(2)} | ` +
      `${bpc.toFixed(4)} bits/char`,
  );
  return 0;
}
