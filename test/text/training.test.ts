import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { evalCommand } from '../../src/cli/commands/eval.js';
import { evalTextCommand, generateTextCommand } from '../../src/cli/commands/text.js';
import { UsageError } from '../../src/cli/args.js';
import { tidy } from '../../src/index.js';
import { loadLanguageModel } from '../../src/sample/text.js';
import { CheckpointError, readCheckpoint } from '../../src/train/checkpoint.js';
import { type TextTrainRequest, trainLanguageModel } from '../../src/train/language-model.js';
import { MemoryLogger } from '../../src/train/logger.js';
import { DivergenceError } from '../../src/train/loop.js';
import { noSignal, StopAfter } from '../helpers/signals.js';
import { warmupCosineSchedule } from '../../src/optim/schedule.js';
import { makeTempDir } from '../data/helpers.js';
import { assertIdentical } from '../helpers/assert.js';

/** Writes a small corpus with a strong pattern: couplets of five and seven letters. */
function writeCorpus(dir: string): string {
  const words = ['abcde', 'fghij', 'klmno', 'pqrst', 'uvwxy'];
  const lines: string[] = [];
  for (let i = 0; i < 60; i++) {
    lines.push(`${words[i % 5]}, ${words[(i * 3 + 1) % 5]}zz.`);
  }
  const path = join(dir, 'couplets.txt');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

function request(
  model: 'gpt' | 'lstm',
  data: string,
  out: string,
  extra: Partial<TextTrainRequest> = {},
): TextTrainRequest {
  return {
    model,
    data,
    out,
    steps: 8,
    batchSize: 8,
    context: 16,
    layers: 1,
    width: 32,
    heads: 2,
    embedding: 16,
    dropout: 0.1,
    lr: 1e-2,
    warmupSteps: 2,
    logEvery: 1,
    evalEvery: 4,
    evalBatches: 2,
    checkpointEvery: 4,
    seed: 3,
    ...extra,
  };
}

type Metric = Record<string, number>;

function metrics(out: string): Metric[] {
  return readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Metric);
}

/** Captures what `fn` writes to stdout and console.log. */
async function captureStdout(fn: () => Promise<unknown>): Promise<string> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = write;
  }
  return chunks.join('');
}

test('schedule warms up then decays', () => {
  const lr = warmupCosineSchedule({ maxLr: 1, minLr: 0.1, warmupSteps: 4, decaySteps: 14 });
  assert.equal(lr(0), 1 / 5);
  assert.equal(lr(3), 4 / 5);
  assert.equal(lr(4), 1);
  assert.ok(Math.abs(lr(9) - 0.55) < 1e-12, `midpoint ${lr(9)}`);
  assert.ok(Math.abs(lr(14) - 0.1) < 1e-12);
  assert.equal(lr(100), 0.1);
  assert.throws(
    () => warmupCosineSchedule({ maxLr: 1, minLr: 2, warmupSteps: 0, decaySteps: 1 }),
    /0 <= min 2 <= max 1/,
  );
});

for (const model of ['gpt', 'lstm'] as const) {
  test(`${model} overfits a tiny corpus`, async () => {
    const tmp = makeTempDir();
    try {
      const data = writeCorpus(tmp.dir);
      const out = join(tmp.dir, 'run');
      const logger = new MemoryLogger();
      const result = await trainLanguageModel(
        request(model, data, out, { steps: 150, evalEvery: 150, logEvery: 50, dropout: 0 }),
        logger,
        noSignal(),
      );
      const records = metrics(out);
      const evals = records.filter((r) => r.val_loss !== undefined);
      const initial = evals[0]!.val_loss!;
      const final = evals.at(-1)!.val_loss!;
      assert.ok(Math.abs(initial - Math.log(30)) < 0.5, `initial loss ${initial} is not ~ln(30)`);
      assert.ok(final < initial / 3, `validation loss ${initial} -> ${final} did not drop clearly`);
      assert.equal(result.validLoss, final);
      assert.ok(records.some((r) => r['tokens/s']! > 0));
      assert.match(logger.text(), new RegExp(`model: ${model} .*parameters`));
      assert.match(logger.text(), /training: 150 steps .* of 8 x 16 tokens; AdamW lr 0.01/);

      const loaded = tidy(() => loadLanguageModel(result.checkpoint));
      assert.equal(loaded.kind, model);
      assert.equal(loaded.tokenizer.vocabSize, 30);
    } finally {
      tmp.remove();
    }
  });
}

test('resume matches uninterrupted run', async () => {
  const tmp = makeTempDir();
  try {
    const data = writeCorpus(tmp.dir);
    const straight = join(tmp.dir, 'straight');
    const resumed = join(tmp.dir, 'resumed');
    // Logging every 3 steps puts the stop at step 5 inside an interval, whose mean loss the
    // resumed run must still log as the uninterrupted one does.
    const a = await trainLanguageModel(
      request('gpt', data, straight, { logEvery: 3 }),
      new MemoryLogger(),
      noSignal(),
    );
    const stopped = await trainLanguageModel(
      request('gpt', data, resumed, { logEvery: 3 }),
      new MemoryLogger(),
      new StopAfter(5),
    );
    assert.equal(stopped.interrupted, true);
    assert.equal(stopped.progress.step, 5);
    // Resume from the folder alone: the data and settings come from the checkpoint.
    const b = await trainLanguageModel(
      { model: 'gpt', out: resumed, resume: true },
      new MemoryLogger(),
      noSignal(),
    );
    assert.equal(b.progress.step, 8);
    const first = metrics(straight);
    const second = metrics(resumed);
    assert.deepEqual(
      second.map((r) => r.step),
      first.map((r) => r.step),
    );
    first.forEach((record, i) => {
      for (const key of ['loss', 'grad_norm', 'lr', 'val_loss', 'val_bpc']) {
        assert.equal(second[i]![key], record[key], `step ${record.step} ${key} differs`);
      }
    });
    tidy(() => {
      const x = readCheckpoint(a.checkpoint, 'gpt').tensors;
      const y = readCheckpoint(b.checkpoint, 'gpt').tensors;
      for (const [name, value] of x) {
        if (name.startsWith('model.') || name.startsWith('optim.')) {
          assertIdentical(y.get(name)!, value, `${name} differs after resume`);
        }
      }
    });
  } finally {
    tmp.remove();
  }
});

test('interrupt saves a checkpoint', async () => {
  const tmp = makeTempDir();
  try {
    const data = writeCorpus(tmp.dir);
    const signal = noSignal();
    signal.request();
    const result = await trainLanguageModel(
      request('lstm', data, join(tmp.dir, 'run')),
      new MemoryLogger(),
      signal,
    );
    assert.equal(result.interrupted, true);
    const meta = tidy(() => readCheckpoint(result.checkpoint, 'lstm').meta);
    assert.deepEqual(meta.progress, { epoch: 0, batch: 1, step: 1 });
    assert.equal(meta.extra?.interrupted, true);
    assert.equal((meta.extra?.tokenizer as { type: string }).type, 'char');
  } finally {
    tmp.remove();
  }
});

test('divergence keeps last checkpoint', async () => {
  const tmp = makeTempDir();
  try {
    const data = writeCorpus(tmp.dir);
    const out = join(tmp.dir, 'run');
    await trainLanguageModel(
      request('gpt', data, out, { steps: 4 }),
      new MemoryLogger(),
      noSignal(),
    );
    const before = readdirSync(join(out, 'checkpoints'));
    await assert.rejects(
      trainLanguageModel(
        { model: 'gpt', out, resume: true, steps: 20, lr: 1e30, warmupSteps: 0 },
        new MemoryLogger(),
        noSignal(),
      ),
      (error: Error) => {
        assert.ok(error instanceof DivergenceError, `expected DivergenceError, got ${error}`);
        assert.match(error.message, /loss became (NaN|Infinity) at step \d+/);
        assert.match(error.message, /last good checkpoint is .*step-00000004\.safetensors/);
        return true;
      },
    );
    assert.deepEqual(readdirSync(join(out, 'checkpoints')), before);
  } finally {
    tmp.remove();
  }
});

test('resume rejects another model kind', async () => {
  const tmp = makeTempDir();
  try {
    const data = writeCorpus(tmp.dir);
    const out = join(tmp.dir, 'run');
    await trainLanguageModel(
      request('gpt', data, out, { steps: 1 }),
      new MemoryLogger(),
      noSignal(),
    );
    await assert.rejects(
      trainLanguageModel({ model: 'lstm', out, resume: true }, new MemoryLogger(), noSignal()),
      (error: Error) =>
        error instanceof CheckpointError &&
        /contains a gpt model, but this command needs a checkpoint of kind lstm/.test(
          error.message,
        ),
    );
    await assert.rejects(
      trainLanguageModel(
        { model: 'gpt', out, resume: true, width: 64 },
        new MemoryLogger(),
        noSignal(),
      ),
      /trained with width 32; resume without changing the model/,
    );
  } finally {
    tmp.remove();
  }
});

test('corpus shorter than the context is rejected', async () => {
  const tmp = makeTempDir();
  try {
    const data = join(tmp.dir, 'short.txt');
    writeFileSync(data, 'a short text\nof two lines\n');
    const out = join(tmp.dir, 'run');
    await assert.rejects(
      trainLanguageModel(
        request('gpt', data, out, { context: 64 }),
        new MemoryLogger(),
        noSignal(),
      ),
      /has \d+ tokens, too few for windows of --context 64 \+ 1 tokens; use a shorter --context/,
    );
    assert.ok(!existsSync(join(out, 'checkpoints', 'step-00000001.safetensors')));
  } finally {
    tmp.remove();
  }
});

test('eval and generate commands print results', async () => {
  const tmp = makeTempDir();
  try {
    const data = writeCorpus(tmp.dir);
    const out = join(tmp.dir, 'run');
    await trainLanguageModel(
      request('gpt', data, out, { steps: 30 }),
      new MemoryLogger(),
      noSignal(),
    );
    const evaluation = await captureStdout(() => evalTextCommand(out, []));
    assert.match(evaluation, /\(gpt, step 30\)/);
    assert.match(
      evaluation,
      /validation loss \d+\.\d{4} nats\/token \| perplexity \d+\.\d\d \| \d+\.\d{4} bits\/char/,
    );
    await assert.rejects(
      evalCommand(['--checkpoint', out, '--samples', '100', '--seed=2']),
      (error: Error) =>
        error instanceof UsageError &&
        /--samples, --seed only apply to image models, but .* contains a gpt language model/.test(
          error.message,
        ),
    );
    const text = await captureStdout(() =>
      generateTextCommand(out, ['--prompt', 'abcde,', '--max-tokens', '20', '--samples', '2']),
    );
    const samples = text.trimEnd().split('\n\n');
    assert.equal(samples.length, 2, JSON.stringify(text));
    for (const sample of samples) assert.ok(sample.startsWith('abcde,'), sample);
    await assert.rejects(
      generateTextCommand(out, ['--top-k', '0']),
      (error: Error) =>
        error instanceof UsageError && /--top-k must be an integer/.test(error.message),
    );
    await assert.rejects(
      generateTextCommand(out, ['--top-k', '31']),
      (error: Error) =>
        error instanceof UsageError &&
        /--top-k must be an integer from 1 to 30/.test(error.message),
    );
    await assert.rejects(
      generateTextCommand(out, ['--prompt', 'ABC']),
      (error: Error) => error instanceof UsageError && /"A" \(U\+0041\)/.test(error.message),
    );
  } finally {
    tmp.remove();
  }
});
