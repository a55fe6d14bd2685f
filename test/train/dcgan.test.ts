import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { encodeIdx } from '../../src/data/idx.js';
import { loadDcganGenerator, sampleDcgan } from '../../src/sample/dcgan.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import {
  DEFAULT_DCGAN_TRAIN_OPTIONS,
  type DcganTrainOptions,
  trainDcgan,
} from '../../src/train/dcgan.js';
import { MemoryLogger } from '../../src/train/logger.js';
import { DivergenceError } from '../../src/train/loop.js';
import { noSignal, StopAfter } from '../helpers/signals.js';
import { memory, tidy } from '../../src/index.js';
import { makeTempDir } from '../data/helpers.js';

/** 48 labelled 8x8 images: bright squares at a class-dependent corner on a dark background. */
function writeTinyDataset(dir: string): string {
  const count = 48;
  const pixels = new Uint8Array(count * 64);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 4;
    const [row, col] = [((i % 4) >> 1) * 4, (i % 2) * 4];
    for (let y = 0; y < 4; y++)
      for (let x = 0; x < 4; x++) pixels[i * 64 + (row + y) * 8 + col + x] = 255;
  }
  writeFileSync(
    join(dir, 'train-images-idx3-ubyte.gz'),
    encodeIdx(pixels, [count, 8, 8], { gzip: true }),
  );
  writeFileSync(
    join(dir, 'train-labels-idx1-ubyte.gz'),
    encodeIdx(labels, [count], { gzip: true }),
  );
  return dir;
}

function options(data: string, out: string, extra: Partial<DcganTrainOptions> = {}) {
  return {
    ...DEFAULT_DCGAN_TRAIN_OPTIONS,
    data,
    out,
    epochs: 2,
    batchSize: 16,
    logEvery: 1,
    seed: 5,
    ...extra,
  } satisfies DcganTrainOptions;
}

function metrics(out: string): Record<string, number>[] {
  return readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, number>);
}

test('dcgan run writes the run folder', async () => {
  const tmp = makeTempDir();
  try {
    const data = writeTinyDataset(tmp.dir);
    const out = join(tmp.dir, 'run');
    const result = await trainDcgan(options(data, out), new MemoryLogger(), noSignal());
    assert.equal(result.progress.step, 6);
    assert.equal(result.interrupted, false);
    for (const file of ['config.json', 'metrics.jsonl', 'progress.gif']) {
      assert.ok(existsSync(join(out, file)), `${file} is missing`);
    }
    assert.deepEqual(readdirSync(join(out, 'samples')).sort(), [
      'epoch-0001.png',
      'epoch-0002.png',
    ]);
    const records = metrics(out);
    assert.deepEqual(
      records.map((r) => r.step),
      [1, 2, 3, 4, 5, 6],
    );
    for (const key of ['d_loss', 'g_loss', 'D(x)', 'D(G(z))', 'images/s', 'seconds', 'epoch']) {
      assert.ok(Number.isFinite(records[0]![key]), `metrics lack ${key}`);
    }
    const checkpoint = tidy(() => readCheckpoint(result.checkpoint, 'dcgan').meta);
    assert.deepEqual(checkpoint.progress, { epoch: 2, batch: 0, step: 6 });
  } finally {
    tmp.remove();
  }
});

test('dcgan resume matches uninterrupted run', async () => {
  const tmp = makeTempDir();
  try {
    const data = writeTinyDataset(tmp.dir);
    const straight = join(tmp.dir, 'straight');
    const resumed = join(tmp.dir, 'resumed');
    await trainDcgan(options(data, straight), new MemoryLogger(), noSignal());
    // Stop in the middle of the second epoch, then resume to the end.
    await trainDcgan(options(data, resumed, { steps: 4 }), new MemoryLogger(), noSignal());
    await trainDcgan(options(data, resumed, { resume: true }), new MemoryLogger(), noSignal());
    const a = metrics(straight);
    const b = metrics(resumed);
    assert.equal(b.length, a.length);
    a.forEach((record, i) => {
      for (const key of ['d_loss', 'g_loss', 'D(x)', 'D(G(z))']) {
        assert.equal(b[i]![key], record[key], `step ${record.step} ${key} differs after resume`);
      }
    });
  } finally {
    tmp.remove();
  }
});

test('dcgan interrupted log interval continues', async () => {
  const tmp = makeTempDir();
  try {
    const data = writeTinyDataset(tmp.dir);
    const straight = join(tmp.dir, 'straight');
    const resumed = join(tmp.dir, 'resumed');
    // With 3 steps per epoch and a log line every 2 steps, Ctrl-C at step 2 of the second
    // epoch (step 5) stops inside an interval that the resumed run must complete.
    const settings = { epochs: 3, logEvery: 2 };
    await trainDcgan(options(data, straight, settings), new MemoryLogger(), noSignal());
    const stopped = await trainDcgan(
      options(data, resumed, settings),
      new MemoryLogger(),
      new StopAfter(5),
    );
    assert.equal(stopped.interrupted, true);
    await trainDcgan(
      options(data, resumed, { ...settings, resume: true }),
      new MemoryLogger(),
      noSignal(),
    );
    const a = metrics(straight);
    const b = metrics(resumed);
    assert.deepEqual(
      b.map((record) => record.step),
      a.map((record) => record.step),
    );
    a.forEach((record, i) => {
      assert.equal(b[i]!.g_loss, record.g_loss, `step ${record.step} g_loss differs`);
    });
  } finally {
    tmp.remove();
  }
});

test('dcgan resume skips a truncated checkpoint', async () => {
  const tmp = makeTempDir();
  try {
    const data = writeTinyDataset(tmp.dir);
    const straight = join(tmp.dir, 'straight');
    const resumed = join(tmp.dir, 'resumed');
    await trainDcgan(options(data, straight), new MemoryLogger(), noSignal());
    await trainDcgan(options(data, resumed), new MemoryLogger(), noSignal());
    // Damage the newest checkpoint (step 6), so resuming has to start again from step 3.
    const newest = join(resumed, 'checkpoints', 'step-00000006.safetensors');
    truncateSync(newest, 1000);
    const logger = new MemoryLogger();
    await trainDcgan(options(data, resumed, { resume: true }), logger, noSignal());
    assert.ok(
      logger.lines.some(
        ({ level, message }) =>
          level === 'warn' && /skipping a damaged checkpoint: .*step-00000006/.test(message),
      ),
      'expected a warning about the damaged checkpoint',
    );
    const a = metrics(straight);
    const b = metrics(resumed);
    assert.equal(b.length, a.length);
    a.forEach((record, i) => {
      assert.equal(b[i]!.step, record.step);
      assert.equal(b[i]!.g_loss, record.g_loss, `step ${record.step} g_loss differs`);
    });
    assert.equal(
      tidy(() => readCheckpoint(newest, 'dcgan').meta.progress.step),
      6,
    );
  } finally {
    tmp.remove();
  }
});

test('dcgan new run replaces stale metrics', async () => {
  const tmp = makeTempDir();
  try {
    const data = writeTinyDataset(tmp.dir);
    const out = join(tmp.dir, 'run');
    // A run that quit without a checkpoint leaves its metrics behind.
    mkdirSync(out);
    writeFileSync(join(out, 'metrics.jsonl'), '{"step":5,"d_loss":1}\n{"step":10,"d_loss":1}\n');
    await trainDcgan(options(data, out, { epochs: 1 }), new MemoryLogger(), noSignal());
    const steps = metrics(out).map((record) => record.step);
    assert.deepEqual(steps, [1, 2, 3]);
  } finally {
    tmp.remove();
  }
});

test('dcgan interrupt saves a checkpoint', async () => {
  const tmp = makeTempDir();
  try {
    const data = writeTinyDataset(tmp.dir);
    const out = join(tmp.dir, 'run');
    const signal = noSignal();
    signal.request();
    const result = await trainDcgan(options(data, out), new MemoryLogger(), signal);
    assert.equal(result.interrupted, true);
    assert.equal(result.progress.step, 1);
    const meta = tidy(() => readCheckpoint(result.checkpoint, 'dcgan').meta);
    assert.deepEqual(meta.progress, { epoch: 0, batch: 1, step: 1 });
  } finally {
    tmp.remove();
  }
});

test('dcgan divergence keeps last checkpoint', async () => {
  const tmp = makeTempDir();
  try {
    const data = writeTinyDataset(tmp.dir);
    const out = join(tmp.dir, 'run');
    await trainDcgan(options(data, out, { epochs: 1 }), new MemoryLogger(), noSignal());
    const before = readdirSync(join(out, 'checkpoints'));
    await assert.rejects(
      trainDcgan(
        options(data, out, { resume: true, lr: 1e30, epochs: 4 }),
        new MemoryLogger(),
        noSignal(),
      ),
      (error: Error) => {
        assert.ok(error instanceof DivergenceError, `expected DivergenceError, got ${error}`);
        assert.match(error.message, /became (NaN|Infinity|-Infinity) at step \d+/);
        assert.match(error.message, /last good checkpoint is .*step-00000003\.safetensors/);
        return true;
      },
    );
    assert.deepEqual(readdirSync(join(out, 'checkpoints')), before);
  } finally {
    tmp.remove();
  }
});

test('conditional dcgan generates requested class', async () => {
  const tmp = makeTempDir();
  try {
    const data = writeTinyDataset(tmp.dir);
    const out = join(tmp.dir, 'run');
    const result = await trainDcgan(
      options(data, out, { conditional: true, epochs: 1 }),
      new MemoryLogger(),
      noSignal(),
    );
    const before = memory().tensors;
    const shape = tidy(() => {
      const generator = loadDcganGenerator(result.checkpoint);
      assert.equal(generator.config.numClasses, 4);
      return sampleDcgan(generator, { count: 3, seed: 1, label: 2 }).shape;
    });
    assert.deepEqual(shape, [3, 1, 8, 8]);
    assert.ok(memory().tensors - before < 40, 'sampling leaked tensors');
    assert.throws(
      () =>
        tidy(() =>
          sampleDcgan(loadDcganGenerator(result.checkpoint), { count: 1, seed: 1, label: 9 }),
        ),
      /--label must be an integer from 0 to 3, got 9/,
    );
  } finally {
    tmp.remove();
  }
});

test('conditional dcgan warns about empty classes', async () => {
  const tmp = makeTempDir();
  try {
    const dir = writeTinyDataset(tmp.dir);
    // Relabel the 48 images as classes 0 and 5 only.
    const labels = Uint8Array.from({ length: 48 }, (_, i) => (i % 2) * 5);
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), encodeIdx(labels, [48], { gzip: true }));
    const logger = new MemoryLogger();
    const out = join(tmp.dir, 'run');
    await trainDcgan(options(dir, out, { conditional: true, steps: 1 }), logger, noSignal());
    const warnings = logger.lines.filter(({ level }) => level === 'warn').map((l) => l.message);
    assert.ok(
      warnings.some((m) => /run from 0 to 5 but only 2 of these 6 classes have images/.test(m)),
      `expected a warning about empty classes, got: ${warnings.join(' | ')}`,
    );
  } finally {
    tmp.remove();
  }
});

test('dcgan eval-every adds FID and KID', async () => {
  const tmp = makeTempDir();
  const previousHome = process.env.AIGC_HOME;
  process.env.AIGC_HOME = join(tmp.dir, 'home');
  try {
    // The evaluator needs a test split and enough images for a 128-feature covariance.
    const count = 512;
    const pixels = new Uint8Array(count * 64);
    const labels = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      labels[i] = i % 4;
      const [row, col] = [((i % 4) >> 1) * 4, (i % 2) * 4];
      for (let y = 0; y < 4; y++) {
        for (let x = 0; x < 4; x++) pixels[i * 64 + (row + y) * 8 + col + x] = 200 + (i % 50);
      }
    }
    for (const split of ['train', 't10k']) {
      writeFileSync(
        join(tmp.dir, `${split}-images-idx3-ubyte.gz`),
        encodeIdx(pixels, [count, 8, 8], { gzip: true }),
      );
      writeFileSync(
        join(tmp.dir, `${split}-labels-idx1-ubyte.gz`),
        encodeIdx(labels, [count], { gzip: true }),
      );
    }
    const out = join(tmp.dir, 'run');
    await trainDcgan(
      options(tmp.dir, out, { epochs: 1, batchSize: 128, evalEvery: 1, logEvery: 100 }),
      new MemoryLogger(),
      noSignal(),
    );
    const evals = metrics(out).filter((record) => 'fid' in record);
    assert.equal(evals.length, 1);
    assert.ok(evals[0]!.fid! > 0, `FID ${evals[0]!.fid} must be positive for an untrained model`);
    assert.ok(Number.isFinite(evals[0]!.kid), 'KID must be finite');
    assert.equal(evals[0]!.eval_samples, 2000);
  } finally {
    if (previousHome === undefined) delete process.env.AIGC_HOME;
    else process.env.AIGC_HOME = previousHome;
    tmp.remove();
  }
});

test('dcgan eval-every rejects unlabelled data', async () => {
  const tmp = makeTempDir();
  try {
    // An IDX image file without its label file trains an unconditional DCGAN, but the metrics
    // classifier needs labels.
    const count = 256;
    const pixels = new Uint8Array(count * 64).map((_, i) => (i * 37) % 256);
    writeFileSync(
      join(tmp.dir, 'train-images-idx3-ubyte.gz'),
      encodeIdx(pixels, [count, 8, 8], { gzip: true }),
    );
    const out = join(tmp.dir, 'run');
    const file = join(tmp.dir, 'train-images-idx3-ubyte.gz');
    await assert.rejects(
      trainDcgan(
        options(file, out, { epochs: 1, batchSize: 64, evalEvery: 1 }),
        new MemoryLogger(),
        noSignal(),
      ),
      /^DataError: --eval-every 1: .*no class labels.*drop --eval-every/,
    );
    assert.equal(existsSync(out), false, 'a failed start must not leave a run folder');
  } finally {
    tmp.remove();
  }
});
