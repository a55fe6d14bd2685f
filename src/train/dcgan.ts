/**
 * Trains a DCGAN as the TensorFlow DCGAN tutorial does. Each step draws noise, runs the
 * generator once and the discriminator on the real and on the generated batch. It then takes
 * each network's gradient of its own loss from that one graph and applies one Adam step to each.
 *
 *   d_loss = BCE(D(x), 1) + BCE(D(G(z)), 0)     g_loss = BCE(D(G(z)), 1)
 *
 * Every epoch writes a 4x4 grid from fixed noise; checkpoints hold both networks, both
 * optimizers and the random state, so --resume continues with the same losses.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { onesLike, tensor, zerosLike } from '../engine/creation.js';
import type { Device } from '../engine/dtype.js';
import { grad, noGrad } from '../engine/ops.js';
import { Generator, getRngState, manualSeed, randn, setRngState } from '../engine/random.js';
import { keep, tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { epochPermutation } from '../data/batches.js';
import { loadDataset } from '../data/datasets.js';
import { DataError } from '../data/errors.js';
import { encodeGif } from '../data/gif.js';
import type { ImageSet } from '../data/image-set.js';
import { decodeImage } from '../data/images.js';
import { writeFileAtomic } from '../io/atomic.js';
import {
  DcganDiscriminator,
  DcganGenerator,
  type DcganConfig,
  validateDcganConfig,
} from '../models/dcgan.js';
import { binaryCrossEntropyWithLogits as bce } from '../nn/functional.js';
import { MetricsError } from '../metrics/errors.js';
import { createImageEvaluator, type ImageEvaluator } from '../metrics/evaluator.js';
import { dcganSampler } from '../metrics/samplers.js';
import { Adam } from '../optim/optimizer.js';
import { gridOf, writeRaster } from '../sample/image-output.js';
import {
  openResumeCheckpoint,
  type LoadedCheckpoint,
  type Progress,
  restoreModule,
  restoreOptimizer,
  saveCheckpoint,
} from './checkpoint.js';
import { ConsoleLogger, formatDuration, plural, progressBar, type Logger } from './logger.js';
import {
  checkFinite,
  InterruptSignal,
  MeanMeter,
  type SavedInterval,
  validateCommonTrainOptions,
} from './loop.js';
import { RunFolder } from './run-folder.js';

export interface DcganTrainOptions {
  /** A dataset name (fashion-mnist, mnist) or a path to IDX files or an image folder. */
  data: string;
  /** The run folder. */
  out: string;
  /** Default 50. */
  epochs: number;
  /** Stop after this many optimizer steps, if that comes before the last epoch. */
  steps?: number;
  /** Stop once training has taken this many minutes in all, counting resumed sessions. */
  timeLimitMinutes?: number;
  /** Default 256. */
  batchSize: number;
  /** Adam learning rate of both networks. Default 1e-4. */
  lr: number;
  /** Adam's beta1 (momentum) of both networks. Default 0.9, Keras's; the DCGAN paper uses 0.5. */
  beta1: number;
  /** Seeds initialisation, noise, dropout and the data order. Default 1. */
  seed: number;
  /** Continue the run in `out` from its newest checkpoint. */
  resume: boolean;
  device: Device;
  /** Resize images to this size; default: the data's own (28 for MNIST). */
  imageSize?: number;
  /** Train a class-conditional model on the data's labels. */
  conditional: boolean;
  /** Epochs between checkpoints. Default 1. */
  checkpointEvery: number;
  /** Checkpoints to keep. Default 3. */
  keepCheckpoints: number;
  /** Steps between log lines. Default 50. */
  logEvery: number;
  /** Epochs between FID and KID evaluations on 2,000 samples; 0 turns them off. Default 0. */
  evalEvery: number;
}

export const DEFAULT_DCGAN_TRAIN_OPTIONS: Omit<DcganTrainOptions, 'data' | 'out'> = {
  epochs: 50,
  batchSize: 256,
  lr: 1e-4,
  beta1: 0.9,
  seed: 1,
  resume: false,
  device: 'cpu',
  conditional: false,
  checkpointEvery: 1,
  keepCheckpoints: 3,
  logEvery: 50,
  evalEvery: 0,
};

/** Keras's Adam epsilon, kept so the optimisation matches the tutorial. */
const ADAM_EPS = 1e-7;
const GRID_SIZE = 16;

export interface DcganTrainResult {
  folder: string;
  checkpoint: string;
  progress: Progress;
  interrupted: boolean;
  lastSample: string | null;
}

export interface Networks {
  generator: DcganGenerator;
  discriminator: DcganDiscriminator;
  optG: Adam;
  optD: Adam;
}

export async function trainDcgan(
  options: DcganTrainOptions,
  logger: Logger = new ConsoleLogger(),
  interrupt = new InterruptSignal(),
): Promise<DcganTrainResult> {
  validateCommonTrainOptions(options);
  const run = new RunFolder(options.out);
  const resumeFrom = openResumeCheckpoint(run, options.resume, 'dcgan', (m) => logger.warn(m));

  const data = await loadDataset(options.data, {
    split: 'train',
    size: options.imageSize,
    log: (m) => logger.info(m),
    warn: (m) => logger.warn(m),
  });
  const config = modelConfig(data, options, resumeFrom, (m) => logger.warn(m));
  if (options.batchSize > data.count) {
    throw new RangeError(
      `--batch-size ${options.batchSize} is larger than the ${data.count} images in ` +
        `${data.source}; pass --batch-size ${data.count} or less ` +
        `(the default is ${DEFAULT_DCGAN_TRAIN_OPTIONS.batchSize})`,
    );
  }

  const evaluator = options.evalEvery > 0 ? await evaluatorFor(options, config, logger) : null;

  // The folder is created only once the data and settings are known to be good, so a failed
  // start leaves nothing behind.
  run.prepare();
  manualSeed(options.seed);
  const nets = buildNetworks(config, options);
  let progress: Progress = { epoch: 0, batch: 0, step: 0 };
  let seconds = 0;
  let interval: SavedInterval | undefined;
  if (resumeFrom) {
    ({ progress, seconds, interval } = restore(resumeFrom, nets));
    // The learning rate comes from this command, so a diverged run can resume with a lower one.
    nets.optG.lr = options.lr;
    nets.optD.lr = options.lr;
    await run.truncateMetrics(progress.step);
  } else {
    run.clearMetrics();
  }
  await run.writeConfig({ kind: 'dcgan', model: config, training: options, data: data.source });
  logBanner(logger, options, config, data, nets, progress);

  const dataset = toDeviceTensors(data, options.device);
  const fixed = fixedInputs(config, options);
  const trainer = new DcganTrainer(nets, dataset, config, options, evaluator);
  try {
    const state = await trainer.run(run, logger, interrupt, progress, seconds, fixed, interval);
    await writeProgressGif(run, logger);
    return { ...state, folder: run.dir };
  } finally {
    interrupt.release();
    evaluator?.dispose();
    dataset.images.dispose();
    dataset.labels?.dispose();
    fixed.noise.dispose();
    fixed.labels?.dispose();
  }
}

/**
 * Builds the --eval-every evaluator, which loads (or first trains) the metrics classifier. Its
 * errors name the flag, because the training itself would run without it.
 */
async function evaluatorFor(
  options: DcganTrainOptions,
  config: DcganConfig,
  logger: Logger,
): Promise<ImageEvaluator> {
  try {
    return await createImageEvaluator(options.data, {
      imageSize: config.imageSize,
      channels: config.channels,
      device: options.device,
      logger,
    });
  } catch (error) {
    if (error instanceof DataError || error instanceof MetricsError) {
      error.message =
        `--eval-every ${options.evalEvery}: ${error.message}; ` +
        'or drop --eval-every to train without the metrics';
    }
    throw error;
  }
}

/**
 * Returns the number of classes of a conditional model, the largest label + 1, and warns when
 * labels below it have no images, because `generate --label` would then draw untrained classes.
 */
function classCount(labels: ArrayLike<number>, source: string, warn: (m: string) => void) {
  const seen = new Set<number>();
  let largest = 0;
  for (let i = 0; i < labels.length; i++) {
    seen.add(labels[i]!);
    largest = Math.max(largest, labels[i]!);
  }
  const count = largest + 1;
  if (seen.size < count) {
    warn(
      `the labels of ${source} run from 0 to ${largest} but only ${seen.size} of these ` +
        `${count} classes have images; the model gets ${count} classes, and the others ` +
        'stay untrained',
    );
  }
  return count;
}

function modelConfig(
  data: ImageSet,
  options: DcganTrainOptions,
  resumeFrom: LoadedCheckpoint | null,
  warn: (message: string) => void,
): DcganConfig {
  if (data.width !== data.height) {
    throw new RangeError(
      `DCGAN needs square images, but ${data.source} has ${data.width}x${data.height}; ` +
        'pass --image-size N to resize them',
    );
  }
  if (options.conditional && data.labels === null) {
    throw new Error(
      `--conditional needs class labels, but ${data.source} has none; use an IDX pair with ` +
        'labels or an image folder with one subfolder per class, or train without --conditional',
    );
  }
  const numClasses = options.conditional ? classCount(data.labels!, data.source, warn) : 0;
  const config: DcganConfig = {
    channels: data.channels,
    imageSize: data.width,
    latentDim: 100,
    numClasses,
  };
  validateDcganConfig(config);
  const saved = resumeFrom?.meta.config as DcganConfig | undefined;
  if (saved && JSON.stringify(saved) !== JSON.stringify(config)) {
    throw new Error(
      `--resume: the checkpoint's model ${JSON.stringify(saved)} does not match the data ` +
        `${JSON.stringify(config)}; resume with the same --data, --image-size and --conditional`,
    );
  }
  return config;
}

export function buildNetworks(config: DcganConfig, options: DcganTrainOptions): Networks {
  const generator = new DcganGenerator(config).to(options.device);
  const discriminator = new DcganDiscriminator(config).to(options.device);
  const adam = { lr: options.lr, betas: [options.beta1, 0.999] as [number, number], eps: ADAM_EPS };
  return {
    generator,
    discriminator,
    optG: new Adam(generator.parameters(), adam),
    optD: new Adam(discriminator.parameters(), adam),
  };
}

function restore(checkpoint: LoadedCheckpoint, nets: Networks) {
  restoreModule(checkpoint, 'generator', nets.generator);
  restoreModule(checkpoint, 'discriminator', nets.discriminator);
  restoreOptimizer(checkpoint, 'generator', nets.optG);
  restoreOptimizer(checkpoint, 'discriminator', nets.optD);
  const rng = checkpoint.tensors.get('rng.cpu');
  if (rng) setRngState(rng);
  const seconds = Number(checkpoint.meta.extra?.seconds ?? 0);
  const interval = checkpoint.meta.extra?.interval as SavedInterval | undefined;
  const progress = checkpoint.meta.progress;
  for (const t of checkpoint.tensors.values()) t.dispose();
  return { progress, seconds, interval };
}

/** A batch's image indices as an int64 tensor on `device`. */
function indexTensor(indices: Uint32Array, device: Device): Tensor {
  return tensor(
    BigInt64Array.from(indices, (i) => BigInt(i)),
    { device },
  );
}

function toDeviceTensors(
  data: ImageSet,
  device: Device,
): { images: Tensor; labels: Tensor | null } {
  return tidy(() => {
    const shape = [data.count, data.channels, data.height, data.width];
    const images = tensor(data.images, { shape, device });
    const labels = data.labels
      ? tensor(data.labels, { shape: [data.count] }).to({ dtype: 'int64', device })
      : null;
    return { images: keep(images), labels: labels && keep(labels) };
  });
}

/** The noise (and labels) of the per-epoch grid, from a generator of their own. */
function fixedInputs(config: DcganConfig, options: DcganTrainOptions) {
  const generator = new Generator(options.seed + 1);
  const noise = keep(randn([GRID_SIZE, config.latentDim], { generator }).to(options.device));
  const labels =
    config.numClasses > 0
      ? keep(
          tensor(
            Array.from({ length: GRID_SIZE }, (_, i) => i % config.numClasses),
            { dtype: 'int64', device: options.device },
          ),
        )
      : null;
  return { noise, labels };
}

function logBanner(
  logger: Logger,
  options: DcganTrainOptions,
  config: DcganConfig,
  data: ImageSet,
  nets: Networks,
  progress: Progress,
): void {
  logger.info(
    `data: ${data.source}: ${data.count} images ${data.channels}x${data.height}x${data.width}`,
  );
  logger.info(
    `model: DCGAN ${JSON.stringify(config)}; generator ${nets.generator.parameterCount()} ` +
      `parameters, discriminator ${nets.discriminator.parameterCount()}`,
  );
  logger.info(
    `training: ${plural(options.epochs, 'epoch')}` +
      (options.steps ? ` or ${plural(options.steps, 'step')}` : '') +
      `, batch ${options.batchSize}, Adam lr ${options.lr}, seed ${options.seed}, ` +
      `device ${options.device}` +
      (progress.step > 0 ? `; resuming at epoch ${progress.epoch + 1}, step ${progress.step}` : ''),
  );
}

interface StepLosses extends Record<string, number> {
  d_loss: number;
  g_loss: number;
  'D(x)': number;
  'D(G(z))': number;
}

export class DcganTrainer {
  readonly #gParams: Tensor[];
  readonly #dParams: Tensor[];

  constructor(
    readonly nets: Networks,
    readonly dataset: { images: Tensor; labels: Tensor | null },
    readonly config: DcganConfig,
    readonly options: DcganTrainOptions,
    readonly evaluator: ImageEvaluator | null = null,
  ) {
    this.#gParams = nets.generator.parameters();
    this.#dParams = nets.discriminator.parameters();
  }

  /** One step on the batch at `indices` (int64 [B]); returns the losses read back. */
  step(indices: Tensor): StepLosses {
    return tidy(() => {
      const { generator, discriminator, optG, optD } = this.nets;
      const real = this.dataset.images.indexSelect(0, indices); // [B, C, H, W]
      const labels = this.dataset.labels?.indexSelect(0, indices);
      const batch = real.size(0);
      const z = randn([batch, this.config.latentDim], { device: this.options.device });
      const fake = generator.forward(z, labels);
      const realLogits = discriminator.forward(real, labels); // [B, 1]
      const fakeLogits = discriminator.forward(fake, labels);
      const ones = onesLike(realLogits);
      const zeros = zerosLike(realLogits);
      const gLoss = bce(fakeLogits, ones);
      const dLoss = bce(realLogits, ones).add(bce(fakeLogits, zeros));
      const dGrads = grad(dLoss, this.#dParams, { retainGraph: true });
      const gGrads = grad(gLoss, this.#gParams);
      this.#dParams.forEach((p, i) => (p.grad = dGrads[i]!));
      this.#gParams.forEach((p, i) => (p.grad = gGrads[i]!));
      optD.step();
      optG.step();
      return {
        d_loss: dLoss.item(),
        g_loss: gLoss.item(),
        'D(x)': realLogits.sigmoid().mean().item(),
        'D(G(z))': fakeLogits.sigmoid().mean().item(),
      };
    });
  }

  async run(
    run: RunFolder,
    logger: Logger,
    interrupt: InterruptSignal,
    start: Progress,
    secondsBefore: number,
    fixed: { noise: Tensor; labels: Tensor | null },
    interval?: SavedInterval,
  ): Promise<Omit<DcganTrainResult, 'folder'>> {
    const { epochs, batchSize, steps: maxSteps } = this.options;
    const count = this.dataset.images.size(0);
    // A final batch of one image would break batch normalisation's statistics; drop it.
    const batchesPerEpoch = Math.ceil(count / batchSize) - (count % batchSize === 1 ? 1 : 0);
    const progress = { ...start };
    // An interrupted interval continues after a resume, so both runs log the same means.
    const meter = new MeanMeter();
    meter.restore(interval?.meter);
    let seconds = secondsBefore;
    let intervalSeconds = interval?.seconds ?? 0;
    let lastCheckpoint = '';
    let lastSample: string | null = null;
    const limitSeconds = (this.options.timeLimitMinutes ?? Infinity) * 60;
    const reachedSteps = () =>
      (maxSteps !== undefined && progress.step >= maxSteps) || seconds >= limitSeconds;
    if (reachedSteps()) {
      logger.info(
        `the run is at step ${progress.step} after ${formatDuration(seconds)} of training, which ` +
          'already meets its limit; raise --steps, --epochs or --time-limit (for aigc demo: ' +
          '--minutes) to train further',
      );
    }
    const save = async (extra: Record<string, unknown> = {}) => {
      const current = { meter: meter.state(), seconds: intervalSeconds };
      lastCheckpoint = await this.#checkpoint(run, progress, seconds, {
        interval: current,
        ...extra,
      });
    };

    while (progress.epoch < epochs) {
      const order = epochPermutation(count, this.options.seed, progress.epoch);
      while (progress.batch < batchesPerEpoch && !reachedSteps()) {
        const begin = progress.batch * batchSize;
        const batchOrder = order.subarray(begin, Math.min(begin + batchSize, count));
        const started = performance.now();
        const losses = tidy(() => this.step(indexTensor(batchOrder, this.options.device)));
        const elapsed = (performance.now() - started) / 1000;
        progress.batch++;
        progress.step++;
        seconds += elapsed;
        intervalSeconds += elapsed;
        checkFinite(
          { d_loss: losses.d_loss, g_loss: losses.g_loss },
          `step ${progress.step} (epoch ${progress.epoch + 1})`,
          `training stopped; the last good checkpoint is ` +
            `${lastCheckpoint || run.latestCheckpoint() || 'none yet'}. ` +
            'Lower --lr, or continue from that checkpoint with --resume',
        );
        meter.add(losses);
        logger.progress(
          this.#status(progress, batchesPerEpoch, losses, batchOrder.length / elapsed, seconds),
        );
        if (progress.step % this.options.logEvery === 0) {
          this.#logInterval(run, logger, progress, meter, intervalSeconds, seconds);
          intervalSeconds = 0;
        }
        if (await interrupt.poll()) {
          await save({ interrupted: true });
          logger.info(
            `interrupted at step ${progress.step}; saved ${lastCheckpoint}. ` +
              `Continue with: aigc train dcgan --resume --out ${run.dir}`,
          );
          return { checkpoint: lastCheckpoint, progress, interrupted: true, lastSample };
        }
      }
      if (meter.count > 0) {
        this.#logInterval(run, logger, progress, meter, intervalSeconds, seconds);
        intervalSeconds = 0;
      }
      const epochDone = progress.batch >= batchesPerEpoch;
      lastSample = await this.#writeSample(run, progress.epoch + 1, fixed);
      if (epochDone) {
        progress.epoch++;
        progress.batch = 0;
        if (this.evaluator && progress.epoch % this.options.evalEvery === 0) {
          this.#evaluate(run, logger, progress);
        }
      }
      const finished = progress.epoch >= epochs || reachedSteps();
      if (finished || progress.epoch % this.options.checkpointEvery === 0) {
        await save();
        logger.info(`checkpoint: ${lastCheckpoint}`);
      }
      if (finished) break;
    }
    if (lastCheckpoint === '') await save();
    logger.info(
      `done: ${plural(progress.step, 'step')} in ${formatDuration(seconds)} of training; ` +
        `checkpoint ${lastCheckpoint}`,
    );
    return { checkpoint: lastCheckpoint, progress, interrupted: false, lastSample };
  }

  /**
   * Adds FID and KID of 2,000 samples to metrics.jsonl. The samples come from a generator of
   * their own, so evaluating does not change the training's random stream.
   */
  #evaluate(run: RunFolder, logger: Logger, progress: Progress): void {
    const { generator } = this.nets;
    const started = performance.now();
    generator.eval();
    const sampler = dcganSampler(generator, {
      seed: this.options.seed + 2,
      device: this.options.device,
    });
    const result = this.evaluator!.evaluate((count) => sampler.sample(count));
    generator.train();
    const seconds = (performance.now() - started) / 1000;
    run.appendMetrics({
      step: progress.step,
      epoch: progress.epoch,
      fid: result.fid,
      kid: result.kid,
      kid_std: result.kidStd,
      eval_samples: result.samples,
      eval_seconds: Number(seconds.toFixed(1)),
    });
    logger.info(
      `eval | step ${progress.step} | epoch ${progress.epoch} | FID ${result.fid.toFixed(2)} | ` +
        `KID ${result.kid.toFixed(3)} ± ${result.kidStd.toFixed(3)} | ${seconds.toFixed(1)} s`,
    );
  }

  #status(
    progress: Progress,
    batchesPerEpoch: number,
    losses: StepLosses,
    imagesPerSecond: number,
    seconds: number,
  ): string {
    const { epochs, steps: maxSteps } = this.options;
    const totalSteps = Math.min(epochs * batchesPerEpoch, maxSteps ?? Infinity);
    const eta = ((totalSteps - progress.step) * seconds) / Math.max(1, progress.step);
    return (
      `epoch ${progress.epoch + 1}/${epochs} ${progressBar(progress.batch / batchesPerEpoch)} ` +
      `${progress.batch}/${batchesPerEpoch} d_loss ${losses.d_loss.toFixed(4)} ` +
      `g_loss ${losses.g_loss.toFixed(4)} ${imagesPerSecond.toFixed(0)} img/s ` +
      `ETA ${formatDuration(eta)}`
    );
  }

  #logInterval(
    run: RunFolder,
    logger: Logger,
    progress: Progress,
    meter: MeanMeter,
    intervalSeconds: number,
    seconds: number,
  ): void {
    const steps = meter.count;
    const means = meter.take();
    const imagesPerSecond = (steps * this.options.batchSize) / Math.max(intervalSeconds, 1e-9);
    const record = {
      step: progress.step,
      epoch: progress.epoch + 1,
      d_loss: means.d_loss,
      g_loss: means.g_loss,
      'D(x)': means['D(x)'],
      'D(G(z))': means['D(G(z))'],
      'images/s': Number(imagesPerSecond.toFixed(1)),
      seconds: Number(seconds.toFixed(2)),
    };
    run.appendMetrics(record);
    logger.info(
      `step ${progress.step} | epoch ${progress.epoch + 1}/${this.options.epochs} | ` +
        `d_loss ${means.d_loss!.toFixed(4)} | g_loss ${means.g_loss!.toFixed(4)} | ` +
        `D(x) ${means['D(x)']!.toFixed(3)} | D(G(z)) ${means['D(G(z))']!.toFixed(3)} | ` +
        `${imagesPerSecond.toFixed(1)} img/s | ${((intervalSeconds / steps) * 1000).toFixed(0)} ms/step`,
    );
  }

  async #writeSample(
    run: RunFolder,
    epoch: number,
    fixed: { noise: Tensor; labels: Tensor | null },
  ): Promise<string> {
    const { generator } = this.nets;
    generator.eval();
    const grid = tidy(() =>
      noGrad(() => gridOf(generator.forward(fixed.noise, fixed.labels ?? undefined), 4)),
    );
    generator.train();
    const path = join(run.samplesDir, `epoch-${String(epoch).padStart(4, '0')}.png`);
    await writeRaster(path, grid);
    return path;
  }

  async #checkpoint(
    run: RunFolder,
    progress: Progress,
    seconds: number,
    extra: Record<string, unknown>,
  ): Promise<string> {
    const path = run.checkpointPath(progress.step);
    const rng = getRngState();
    try {
      await saveCheckpoint(path, {
        kind: 'dcgan',
        config: this.config,
        training: this.options,
        progress: { ...progress },
        modules: { generator: this.nets.generator, discriminator: this.nets.discriminator },
        optimizers: { generator: this.nets.optG, discriminator: this.nets.optD },
        tensors: { 'rng.cpu': rng },
        extra: { seconds, ...extra },
      });
    } finally {
      rng.dispose();
    }
    run.pruneCheckpoints(this.options.keepCheckpoints);
    return path;
  }
}

/** Joins the per-epoch grids into samples/progress.gif. */
async function writeProgressGif(run: RunFolder, logger: Logger): Promise<void> {
  const files = readdirSync(run.samplesDir)
    .filter((name) => /^epoch-\d+\.png$/.test(name))
    .sort();
  if (files.length === 0) return;
  const frames = files.map((name) => {
    const path = join(run.samplesDir, name);
    const image = decodeImage(readFileSync(path), path);
    return { pixels: image.data, width: image.width, height: image.height, channels: 4 };
  });
  const gif = encodeGif(frames, { delayMs: 250 });
  const path = join(run.dir, 'progress.gif');
  await writeFileAtomic(path, gif);
  logger.info(`progress animation: ${path}`);
}
