/**
 * Trains a GPT or LSTM language model on a text corpus, nanoGPT style. Each step draws a batch
 * of random windows and takes the mean cross-entropy of every next-token prediction. Then it
 * clips the gradient norm and applies AdamW with linear warm-up and cosine decay. Weight
 * decay applies to the matrices and embeddings only, not to biases and LayerNorm gains, so the
 * parameters are split over two AdamW optimizers ('decay' and 'no_decay').
 *
 * Every --eval-every steps the validation loss is measured on fixed windows, in nats per token,
 * and also as perplexity and bits per character. Checkpoints hold the model, both optimizers,
 * the random state (dropout), the tokenizer and the position; training windows depend only on
 * the seed and the step, so --resume continues with the same losses.
 */
import type { Device } from '../engine/dtype.js';
import { clipGradNorm, noGrad } from '../engine/ops.js';
import { getRngState, manualSeed, setRngState } from '../engine/random.js';
import { keep, tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { crossEntropy } from '../nn/functional.js';
import { AdamW } from '../optim/optimizer.js';
import { warmupCosineSchedule } from '../optim/schedule.js';
import { DataError } from '../data/errors.js';
import { prepareTextData, type TextData, type TextDataOptions } from '../text/dataset.js';
import {
  createLanguageModel,
  type LanguageModel,
  type LanguageModelKind,
} from '../text/language-model.js';
import { type Tokenizer, tokenizerFromJson } from '../text/tokenizer.js';
import {
  evaluationWindows,
  randomWindowStarts,
  tokenTensor,
  windowBatch,
} from '../text/windows.js';
import {
  openResumeCheckpoint,
  type LoadedCheckpoint,
  type Progress,
  restoreModule,
  restoreOptimizer,
  saveCheckpoint,
} from './checkpoint.js';
import { ConsoleLogger, formatDuration, plural, progressBar, type Logger } from './logger.js';
import { checkFinite, InterruptSignal, MeanMeter, type SavedInterval } from './loop.js';
import { RunFolder } from './run-folder.js';

/** Model size options; each model reads the ones it has. */
export interface TextModelOptions {
  /** Tokens per training window; for GPT also the context length (block size). */
  context: number;
  /** Transformer blocks, or stacked LSTM layers. */
  layers: number;
  /** GPT's residual width (n_embd), or the LSTM's hidden size. */
  width: number;
  /** GPT only: attention heads; must divide the width. */
  heads: number;
  /** LSTM only: the token embedding size. */
  embedding: number;
  dropout: number;
}

export interface TextTrainSettings extends TextDataOptions, TextModelOptions {
  model: LanguageModelKind;
  /** The run folder. */
  out: string;
  /** Optimizer steps; default: from `epochs` when given, else DEFAULT_STEPS. */
  steps?: number;
  /** Passes over the training tokens, counted as tokens / (batch size x context). */
  epochs?: number;
  /** Windows per step. */
  batchSize: number;
  /** Peak AdamW learning rate. */
  lr: number;
  /** Learning rate at the end of the cosine decay; default lr / 10. */
  minLr: number;
  warmupSteps: number;
  /** AdamW's decoupled weight decay, on matrices and embeddings. */
  weightDecay: number;
  /** AdamW's beta2; beta1 is 0.9. */
  beta2: number;
  /** Maximum global gradient norm; 0 turns clipping off. */
  gradClip: number;
  evalEvery: number;
  /** Validation windows per evaluation, in batches of batchSize. */
  evalBatches: number;
  logEvery: number;
  checkpointEvery: number;
  keepCheckpoints: number;
  seed: number;
  device: Device;
}

/** The settings a command requests; any left out come from the checkpoint or the defaults. */
export type TextTrainRequest = Partial<TextTrainSettings> & {
  model: LanguageModelKind;
  out: string;
  resume?: boolean;
};

export const DEFAULT_STEPS = 2000;

/** Defaults for a CPU with a few cores: small models that train in minutes. */
export const DEFAULT_TEXT_TRAIN_SETTINGS: Record<
  LanguageModelKind,
  Omit<TextTrainSettings, 'data' | 'out' | 'minLr' | 'steps' | 'epochs'>
> = {
  gpt: {
    ...sharedDefaults('gpt', 1e-3),
    context: 128,
    layers: 4,
    width: 128,
    heads: 4,
    embedding: 128,
    dropout: 0.1,
  },
  lstm: {
    ...sharedDefaults('lstm', 2e-3),
    context: 128,
    layers: 2,
    width: 256,
    heads: 1,
    embedding: 128,
    dropout: 0.2,
  },
};

function sharedDefaults(model: LanguageModelKind, lr: number) {
  return {
    model,
    keepTitles: false,
    validFraction: 0.1,
    tokenizer: 'char' as const,
    vocabSize: 1024,
    batchSize: 32,
    lr,
    warmupSteps: 100,
    weightDecay: 0.1,
    beta2: 0.99,
    gradClip: 1,
    evalEvery: 250,
    evalBatches: 8,
    logEvery: 50,
    checkpointEvery: 500,
    keepCheckpoints: 3,
    seed: 1,
    device: 'cpu' as Device,
  };
}

/** Model size settings that a resumed run must not change. */
const MODEL_SETTINGS = ['context', 'layers', 'width', 'heads', 'embedding', 'dropout'] as const;
/** Data settings that a resumed run must not change. */
const DATA_SETTINGS = ['keepTitles', 'validFraction', 'tokenizer', 'vocabSize'] as const;

export interface TextTrainResult {
  folder: string;
  checkpoint: string;
  progress: Progress;
  interrupted: boolean;
  /** The last validation loss in nats per token, and in bits per character. */
  validLoss: number;
  validBpc: number;
  /** The step at which validLoss and validBpc were measured. */
  validStep: number;
}

export async function trainLanguageModel(
  request: TextTrainRequest,
  logger: Logger = new ConsoleLogger(),
  interrupt = new InterruptSignal(),
): Promise<TextTrainResult> {
  try {
    const run = new RunFolder(request.out);
    const checkpoint = openResumeCheckpoint(run, request.resume ?? false, request.model, (m) =>
      logger.warn(m),
    );
    const saved = (checkpoint?.meta.training ?? null) as TextTrainSettings | null;
    const settings = resolveSettings(request, saved);

    const tokenizer = checkpoint ? savedTokenizer(checkpoint) : undefined;
    const data = prepareTextData(settings, tokenizer);
    checkSameCorpus(checkpoint, data);
    checkWindowsFit(data, settings);
    const steps = totalSteps(settings, data.trainTokens.length);

    manualSeed(settings.seed);
    const model = createLanguageModel(settings.model, modelConfig(settings, data, checkpoint));
    model.to(settings.device);
    const trainer = new LanguageModelTrainer(model, data, settings, steps);
    // The folder is created only once the data and model are known to be good, so a failed
    // start leaves nothing behind.
    // Text runs write no images, so they need no samples/ folder.
    run.prepare({ samples: false });
    let progress: Progress = { epoch: 0, batch: 0, step: 0 };
    let seconds = 0;
    if (checkpoint) {
      ({ progress, seconds } = trainer.restore(checkpoint));
      await run.truncateMetrics(progress.step);
    } else {
      run.clearMetrics();
    }
    await run.writeConfig({
      kind: settings.model,
      model: model.config,
      training: { ...settings, steps },
      data: data.corpus.source,
    });
    logBanner(logger, settings, data, model, steps, progress);
    try {
      const result = await trainer.run(run, logger, interrupt, progress, seconds);
      return { ...result, folder: run.dir };
    } finally {
      trainer.dispose();
    }
  } finally {
    interrupt.release();
  }
}

/** Merges the request's settings over the checkpoint's (when resuming) over the defaults. */
export function resolveSettings(
  request: TextTrainRequest,
  saved: TextTrainSettings | null,
): TextTrainSettings {
  const requested = Object.fromEntries(
    Object.entries(request).filter(([key, value]) => value !== undefined && key !== 'resume'),
  ) as Partial<TextTrainSettings>;
  if (saved) {
    const locked = [...MODEL_SETTINGS, ...DATA_SETTINGS].filter(
      (key) => requested[key] !== undefined && requested[key] !== saved[key],
    );
    if (locked.length > 0) {
      throw new Error(
        `--resume: the run was trained with ${locked.map((k) => `${k} ${saved[k]}`).join(', ')}; ` +
          'resume without changing the model, tokenizer or data split options',
      );
    }
  }
  const base = { ...DEFAULT_TEXT_TRAIN_SETTINGS[request.model], ...(saved ?? {}) };
  // A new --steps or --epochs replaces both saved ones, so they cannot disagree.
  if (requested.steps !== undefined || requested.epochs !== undefined) {
    delete base.steps;
    delete base.epochs;
  }
  const merged = { ...base, ...requested } as TextTrainSettings;
  if (requested.minLr === undefined && (saved === null || requested.lr !== undefined)) {
    merged.minLr = merged.lr / 10;
  }
  if (merged.data === undefined) {
    throw new Error('--data is required: name a data set or a text file or folder');
  }
  validateSettings(merged);
  return merged;
}

function validateSettings(s: TextTrainSettings): void {
  const positive: [string, number | undefined][] = [
    ['--context', s.context],
    ['--layers', s.layers],
    ['--width', s.width],
    ['--heads', s.heads],
    ['--embedding', s.embedding],
    ['--batch-size', s.batchSize],
    ['--eval-every', s.evalEvery],
    ['--eval-batches', s.evalBatches],
    ['--log-every', s.logEvery],
    ['--checkpoint-every', s.checkpointEvery],
    ['--keep-checkpoints', s.keepCheckpoints],
    ['--steps', s.steps],
  ];
  for (const [flag, value] of positive) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw new RangeError(`${flag} must be a positive integer, got ${value}`);
    }
  }
  if (s.epochs !== undefined && !(s.epochs > 0)) {
    throw new RangeError(`--epochs must be a positive number, got ${s.epochs}`);
  }
  if (!Number.isInteger(s.warmupSteps) || s.warmupSteps < 0) {
    throw new RangeError(`--warmup-steps must be a non-negative integer, got ${s.warmupSteps}`);
  }
  if (!(s.dropout >= 0 && s.dropout < 1)) {
    throw new RangeError(`--dropout must be in [0, 1), got ${s.dropout}`);
  }
  if (!(s.gradClip >= 0)) {
    throw new RangeError(`--grad-clip must be 0 (off) or a positive norm, got ${s.gradClip}`);
  }
  if (!Number.isSafeInteger(s.seed) || s.seed < 0) {
    throw new RangeError(`--seed must be a non-negative integer, got ${s.seed}`);
  }
}

function savedTokenizer(checkpoint: LoadedCheckpoint): Tokenizer {
  return tokenizerFromJson(checkpoint.meta.extra?.tokenizer);
}

function checkSameCorpus(checkpoint: LoadedCheckpoint | null, data: TextData): void {
  const expected = checkpoint?.meta.extra?.corpusSha256;
  if (checkpoint && expected !== data.fingerprint) {
    throw new DataError(
      `--resume: ${data.corpus.source} is not the text this run was trained on (its SHA-256 ` +
        'differs); resume with the same --data and --keep-titles, or start a new run',
    );
  }
}

function checkWindowsFit(data: TextData, settings: TextTrainSettings): void {
  if (data.trainTokens.length <= settings.context + 1) {
    throw new DataError(
      `the training part of ${data.corpus.source} has ${data.trainTokens.length} tokens, too ` +
        `few for windows of --context ${settings.context} + 1 tokens; use a shorter --context ` +
        'or a longer corpus',
    );
  }
}

/** Steps per epoch: how many windows of `context` tokens it takes to cover the tokens once. */
function stepsPerEpoch(settings: TextTrainSettings, tokens: number): number {
  return Math.max(1, Math.ceil(tokens / (settings.batchSize * settings.context)));
}

function totalSteps(settings: TextTrainSettings, tokens: number): number {
  if (settings.steps !== undefined) return settings.steps;
  if (settings.epochs !== undefined) {
    return Math.ceil(settings.epochs * stepsPerEpoch(settings, tokens));
  }
  return DEFAULT_STEPS;
}

function modelConfig(
  settings: TextTrainSettings,
  data: TextData,
  checkpoint: LoadedCheckpoint | null,
): unknown {
  if (checkpoint) return checkpoint.meta.config;
  const vocabSize = data.tokenizer.vocabSize;
  if (settings.model === 'gpt') {
    return {
      vocabSize,
      blockSize: settings.context,
      nLayer: settings.layers,
      nHead: settings.heads,
      nEmbd: settings.width,
      dropout: settings.dropout,
      bias: true,
    };
  }
  return {
    vocabSize,
    embeddingDim: settings.embedding,
    hiddenSize: settings.width,
    numLayers: settings.layers,
    dropout: settings.dropout,
  };
}

function logBanner(
  logger: Logger,
  s: TextTrainSettings,
  data: TextData,
  model: LanguageModel,
  steps: number,
  progress: Progress,
): void {
  const n = (value: number) => value.toLocaleString('en-US');
  logger.info(
    `data: ${data.corpus.source}: ${n(data.corpus.documentCount)} ` +
      `document${data.corpus.documentCount === 1 ? '' : 's'}, ` +
      `${n(data.trainTokens.length)} training and ${n(data.validTokens.length)} validation ` +
      `tokens (${s.validFraction} of the text)`,
  );
  logger.info(`tokenizer: ${s.tokenizer}, vocabulary ${n(data.tokenizer.vocabSize)}`);
  logger.info(
    `model: ${s.model} ${JSON.stringify(model.config)}; ${n(model.parameterCount())} parameters`,
  );
  const epochs = steps / stepsPerEpoch(s, data.trainTokens.length);
  logger.info(
    `training: ${n(steps)} steps (${epochs.toFixed(2)} epochs) of ${s.batchSize} x ` +
      `${s.context} tokens; AdamW lr ${s.lr} -> ${s.minLr} (warm-up ${Math.min(s.warmupSteps, steps)} steps, ` +
      `cosine decay), weight decay ${s.weightDecay}, beta2 ${s.beta2}, grad clip ` +
      `${s.gradClip || 'off'}; seed ${s.seed}, device ${s.device}` +
      (progress.step > 0 ? `; resuming at step ${progress.step}` : ''),
  );
  if (s.warmupSteps > steps) {
    logger.warn(
      `--warmup-steps ${s.warmupSteps} is longer than the ${steps} training steps, so the ` +
        `warm-up is cut to ${steps} steps and the learning rate ends near its peak with no decay`,
    );
  }
}

export interface EvaluationResult {
  /** Mean cross-entropy in nats per token. */
  loss: number;
  /** Target tokens evaluated. */
  tokens: number;
}

/**
 * Returns the mean next-token cross-entropy of `model` over up to `maxWindows` fixed windows of
 * `context` tokens of `tokens` (1-D int64), in eval mode and without gradients.
 */
export function evaluateLanguageModel(
  model: LanguageModel,
  tokens: Tensor,
  options: { context: number; maxWindows: number; batchSize: number },
): EvaluationResult {
  const { starts, length } = evaluationWindows(tokens.size(0), options.context, options.maxWindows);
  const wasTraining = model.training;
  model.eval();
  let total = 0;
  let count = 0;
  try {
    noGrad(() => {
      for (let i = 0; i < starts.length; i += options.batchSize) {
        tidy(() => {
          const batch = starts.slice(i, i + options.batchSize);
          const { inputs, targets } = windowBatch(tokens, batch, length);
          const logits = model.forward(inputs); // [B, T, V]
          const flat = logits.view(-1, model.vocabSize); // [B*T, V]
          total += crossEntropy(flat, targets.reshape(-1), { reduction: 'sum' }).item();
          count += targets.numel();
        });
      }
    });
  } finally {
    model.train(wasTraining);
  }
  return { loss: total / count, tokens: count };
}

/** Bits per character from nats per token and the tokens-per-character ratio of the text. */
export function bitsPerCharacter(loss: number, tokens: number, characters: number): number {
  return (loss / Math.LN2) * (tokens / characters);
}

interface LastEvaluation {
  loss: number;
  bpc: number;
  step: number;
}

interface StepResult {
  loss: number;
  gradNorm: number;
  lr: number;
}

export class LanguageModelTrainer {
  readonly #params: Tensor[];
  readonly #optimizers: Record<string, AdamW> = {};
  readonly #schedule: (step: number) => number;
  readonly #trainTokens: Tensor;
  readonly #validTokens: Tensor;
  #lastEval: LastEvaluation = { loss: NaN, bpc: NaN, step: -1 };
  #savedInterval: SavedInterval | undefined;

  constructor(
    readonly model: LanguageModel,
    readonly data: TextData,
    readonly settings: TextTrainSettings,
    readonly steps: number,
  ) {
    this.#params = model.parameters();
    const decay = [...model.namedParameters()].filter(([, p]) => p.ndim >= 2).map(([, p]) => p);
    const noDecay = this.#params.filter((p) => p.ndim < 2);
    const adam = { lr: settings.lr, betas: [0.9, settings.beta2] as [number, number] };
    this.#optimizers.decay = new AdamW(decay, { ...adam, weightDecay: settings.weightDecay });
    if (noDecay.length > 0) {
      this.#optimizers.no_decay = new AdamW(noDecay, { ...adam, weightDecay: 0 });
    }
    this.#schedule = warmupCosineSchedule({
      maxLr: settings.lr,
      minLr: settings.minLr,
      warmupSteps: Math.min(settings.warmupSteps, steps),
      decaySteps: steps,
    });
    this.#trainTokens = keep(tokenTensor(data.trainTokens, settings.device));
    this.#validTokens = keep(tokenTensor(data.validTokens, settings.device));
  }

  dispose(): void {
    this.#trainTokens.dispose();
    this.#validTokens.dispose();
  }

  /** Restores model, optimizers and random state; returns the position and the time so far. */
  restore(checkpoint: LoadedCheckpoint): { progress: Progress; seconds: number } {
    restoreModule(checkpoint, 'model', this.model);
    for (const [name, optimizer] of Object.entries(this.#optimizers)) {
      restoreOptimizer(checkpoint, name, optimizer);
    }
    const rng = checkpoint.tensors.get('rng.cpu');
    if (rng) setRngState(rng);
    const cudaRng = checkpoint.tensors.get('rng.cuda');
    if (cudaRng && this.settings.device !== 'cpu') setRngState(cudaRng, this.settings.device);
    const seconds = Number(checkpoint.meta.extra?.seconds ?? 0);
    const lastEval = checkpoint.meta.extra?.lastEval as LastEvaluation | undefined;
    if (lastEval) this.#lastEval = lastEval;
    this.#savedInterval = checkpoint.meta.extra?.interval as SavedInterval | undefined;
    for (const t of checkpoint.tensors.values()) t.dispose();
    return { progress: checkpoint.meta.progress, seconds };
  }

  /** One optimizer step at 0-based step `step`; returns the loss read back. */
  step(step: number): StepResult {
    const lr = this.#schedule(step);
    const optimizers = Object.values(this.#optimizers);
    for (const optimizer of optimizers) optimizer.lr = lr;
    const { context, batchSize, seed, gradClip } = this.settings;
    return tidy(() => {
      const starts = randomWindowStarts(this.#trainTokens.size(0), context, batchSize, seed, step);
      const { inputs, targets } = windowBatch(this.#trainTokens, starts, context);
      const logits = this.model.forward(inputs); // [B, T, V]
      const loss = crossEntropy(logits.view(-1, this.model.vocabSize), targets.reshape(-1));
      for (const optimizer of optimizers) optimizer.zeroGrad();
      loss.backward();
      // With clipping off, an infinite bound still returns the norm for the log.
      const gradNorm = clipGradNorm(this.#params, gradClip > 0 ? gradClip : Infinity);
      for (const optimizer of optimizers) optimizer.step();
      return { loss: loss.item(), gradNorm, lr };
    });
  }

  /** Validation loss, perplexity and bits per character. */
  evaluate(): { loss: number; perplexity: number; bpc: number } {
    const { context, evalBatches, batchSize } = this.settings;
    const { loss } = evaluateLanguageModel(this.model, this.#validTokens, {
      context,
      maxWindows: evalBatches * batchSize,
      batchSize,
    });
    const bpc = bitsPerCharacter(loss, this.data.validTokens.length, this.data.validCharacters);
    return { loss, perplexity: Math.exp(loss), bpc };
  }

  async run(
    run: RunFolder,
    logger: Logger,
    interrupt: InterruptSignal,
    start: Progress,
    secondsBefore: number,
  ): Promise<Omit<TextTrainResult, 'folder'>> {
    const { logEvery, evalEvery, checkpointEvery, batchSize, context } = this.settings;
    const perEpoch = stepsPerEpoch(this.settings, this.data.trainTokens.length);
    const tokensPerStep = batchSize * context;
    // A run interrupted in the middle of a logging interval saves the interval so far, and the
    // resumed run continues it, so both runs log the same mean losses.
    const meter = new MeanMeter();
    meter.restore(this.#savedInterval?.meter);
    let step = start.step;
    let seconds = secondsBefore;
    let intervalSeconds = this.#savedInterval?.seconds ?? 0;
    let lastCheckpoint = '';
    const progressAt = (): Progress => ({
      epoch: Math.floor(step / perEpoch),
      batch: step % perEpoch,
      step,
    });
    const save = async (extra: Record<string, unknown> = {}) => {
      const interval = { meter: meter.state(), seconds: intervalSeconds };
      lastCheckpoint = await this.#checkpoint(run, progressAt(), seconds, { interval, ...extra });
    };

    if (step === 0) this.#logEvaluation(run, logger, step, seconds);
    if (step >= this.steps) {
      logger.info(
        `the run is already at step ${step}, which reaches the ${this.steps} steps requested; ` +
          'nothing to train. Pass a larger --steps to continue it',
      );
    }
    while (step < this.steps) {
      const started = performance.now();
      const result = this.step(step);
      const elapsed = (performance.now() - started) / 1000;
      step++;
      seconds += elapsed;
      intervalSeconds += elapsed;
      checkFinite(
        { loss: result.loss },
        `step ${step}`,
        `training stopped; the last good checkpoint is ` +
          `${lastCheckpoint || run.latestCheckpoint() || 'none yet'}. ` +
          'Lower --lr, or continue from that checkpoint with --resume',
      );
      meter.add({ loss: result.loss, grad_norm: result.gradNorm });
      logger.progress(this.#status(step, result, tokensPerStep / elapsed, seconds));
      if (step % logEvery === 0 || step === this.steps) {
        this.#logInterval(run, logger, step, perEpoch, meter, result.lr, intervalSeconds, seconds);
        intervalSeconds = 0;
      }
      if (step % evalEvery === 0 || step === this.steps) {
        this.#logEvaluation(run, logger, step, seconds);
      }
      if (step % checkpointEvery === 0 || step === this.steps) {
        await save();
        logger.info(`checkpoint: ${lastCheckpoint}`);
      }
      if (await interrupt.poll()) {
        await save({ interrupted: true });
        logger.info(
          `interrupted at step ${step}; saved ${lastCheckpoint}. Continue with: ` +
            `aigc train ${this.settings.model} --resume --out ${run.dir}`,
        );
        return this.#result(lastCheckpoint, progressAt(), true);
      }
    }
    if (lastCheckpoint === '') await save();
    logger.info(
      `done: ${plural(step, 'step')} in ${formatDuration(seconds)} of training; checkpoint ${lastCheckpoint}`,
    );
    return this.#result(lastCheckpoint, progressAt(), false);
  }

  #result(checkpoint: string, progress: Progress, interrupted: boolean) {
    const { loss, bpc, step } = this.#lastEval;
    return { checkpoint, progress, interrupted, validLoss: loss, validBpc: bpc, validStep: step };
  }

  #status(step: number, result: StepResult, tokensPerSecond: number, seconds: number): string {
    const eta = ((this.steps - step) * seconds) / Math.max(1, step);
    return (
      `step ${step}/${this.steps} ${progressBar(step / this.steps)} loss ` +
      `${result.loss.toFixed(4)} ${Math.round(tokensPerSecond).toLocaleString('en-US')} tokens/s ` +
      `ETA ${formatDuration(eta)}`
    );
  }

  #logInterval(
    run: RunFolder,
    logger: Logger,
    step: number,
    perEpoch: number,
    meter: MeanMeter,
    lr: number,
    intervalSeconds: number,
    seconds: number,
  ): void {
    const steps = meter.count;
    const means = meter.take();
    const { batchSize, context } = this.settings;
    const tokensPerSecond = (steps * batchSize * context) / Math.max(intervalSeconds, 1e-9);
    run.appendMetrics({
      step,
      epoch: Number((step / perEpoch).toFixed(3)),
      loss: means.loss,
      grad_norm: means.grad_norm,
      lr,
      'tokens/s': Number(tokensPerSecond.toFixed(1)),
      seconds: Number(seconds.toFixed(2)),
    });
    logger.info(
      `step ${step} | loss ${means.loss!.toFixed(4)} | lr ${lr.toExponential(2)} | ` +
        `grad norm ${means.grad_norm!.toFixed(3)} | ` +
        `${((intervalSeconds / steps) * 1000).toFixed(0)} ms/step | ` +
        `${Math.round(tokensPerSecond).toLocaleString('en-US')} tokens/s`,
    );
  }

  #logEvaluation(run: RunFolder, logger: Logger, step: number, seconds: number): void {
    const { loss, perplexity, bpc } = this.evaluate();
    this.#lastEval = { loss, bpc, step };
    run.appendMetrics({
      step,
      val_loss: loss,
      val_perplexity: perplexity,
      val_bpc: bpc,
      seconds: Number(seconds.toFixed(2)),
    });
    logger.info(
      `eval step ${step} | val loss ${loss.toFixed(4)} | perplexity ${perplexity.toFixed(2)} | ` +
        `${bpc.toFixed(4)} bits/char`,
    );
  }

  async #checkpoint(
    run: RunFolder,
    progress: Progress,
    seconds: number,
    extra: Record<string, unknown>,
  ): Promise<string> {
    const path = run.checkpointPath(progress.step);
    const tensors: Record<string, Tensor> = { 'rng.cpu': getRngState() };
    if (this.settings.device !== 'cpu') tensors['rng.cuda'] = getRngState(this.settings.device);
    try {
      await saveCheckpoint(path, {
        kind: this.settings.model,
        config: this.model.config,
        training: { ...this.settings, steps: this.steps, epochs: undefined },
        progress,
        modules: { model: this.model },
        optimizers: this.#optimizers,
        tensors,
        extra: {
          seconds,
          tokenizer: this.data.tokenizer.toJSON(),
          corpusSha256: this.data.fingerprint,
          lastEval: this.#lastEval,
          ...extra,
        },
      });
    } finally {
      for (const t of Object.values(tensors)) t.dispose();
    }
    run.pruneCheckpoints(this.settings.keepCheckpoints);
    return path;
  }
}
