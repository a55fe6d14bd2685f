import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { UsageError } from '../../src/cli/args.js';
import { evalCommand } from '../../src/cli/commands/eval.js';
import { evalImagesCommand } from '../../src/cli/commands/eval-images.js';
import { trainClassifierCommand } from '../../src/cli/commands/train-classifier.js';
import { encodePng } from '../../src/data/png.js';
import { MetricsError } from '../../src/metrics/errors.js';
import { loadDcganGenerator, sampleDcgan } from '../../src/sample/dcgan.js';
import { writeSeparateImages } from '../../src/sample/image-output.js';
import type { EvalReport } from '../../src/metrics/evaluate-images.js';
import { classifierCachePath, datasetKey } from '../../src/train/classifier.js';
import { DEFAULT_DCGAN_TRAIN_OPTIONS, trainDcgan } from '../../src/train/dcgan.js';
import { MemoryLogger } from '../../src/train/logger.js';
import { resolveCheckpoint as latestCheckpoint } from '../../src/train/run-folder.js';
import { InterruptSignal } from '../../src/train/loop.js';
import { makeTempDir } from '../data/helpers.js';
import { shapePixels, writeNoiseIdx, writeShapeDataset } from './helpers.js';

// One cache for the whole file: the first evaluation trains the classifier, later ones reuse it.
const tmp = makeTempDir();
const data = join(tmp.dir, 'shapes');
const previousHome = process.env.AIGC_HOME;
const FAST = ['--kid-subsets', '5', '--kid-subset-size', '200'];

before(() => {
  writeShapeDataset(data, 500, 300);
  process.env.AIGC_HOME = join(tmp.dir, 'home');
});

after(() => {
  if (previousHome === undefined) delete process.env.AIGC_HOME;
  else process.env.AIGC_HOME = previousHome;
  tmp.remove();
});

function readReport(path: string): EvalReport {
  return JSON.parse(readFileSync(path, 'utf8')) as EvalReport;
}

async function trainTinyDcgan(out: string, conditional: boolean, trainData = data): Promise<void> {
  await trainDcgan(
    {
      ...DEFAULT_DCGAN_TRAIN_OPTIONS,
      data: trainData,
      out,
      epochs: 1,
      steps: 2,
      batchSize: 64,
      logEvery: 100,
      conditional,
    },
    new MemoryLogger(),
    new InterruptSignal(false),
  );
}

test('eval --real trains the classifier first', async () => {
  const logger = new MemoryLogger();
  const out = join(tmp.dir, 'real.json');
  const args = ['--data', data, '--real', '--samples', '300', '--out', out, ...FAST];
  assert.equal(await evalImagesCommand(args, logger), 0);
  const text = logger.text();
  assert.match(text, /no metrics classifier cached for .*shapes at 1x16x16.*training one first/);
  assert.match(text, /^FID +\d+\.\d{4}/m);
  assert.match(text, /^train split class shares: 0 \d+\.\d%, 1 /m);
  const cached = classifierCachePath(datasetKey(data), 1, 16, join(tmp.dir, 'home'));
  assert.ok(existsSync(cached), 'the classifier was not cached');
  const report = readReport(out);
  assert.equal(report.generated.source, 'real');
  assert.equal(report.generated.images, 300);
  assert.equal(report.reference.images, 300);
  assert.equal(report.classifier.trainedNow, true);
  assert.ok(Number.isFinite(report.metrics.fid), `FID ${report.metrics.fid}`);
  assert.equal(report.metrics.kid.subsets, 5);
  assert.ok(report.metrics.precision > 0.5, `precision ${report.metrics.precision}`);
});

test('eval --images scores noise worse than --real', async () => {
  const noise = writeNoiseIdx(join(tmp.dir, 'noise-images-idx3-ubyte'), 300, 7);
  const realOut = join(tmp.dir, 'real-2.json');
  const noiseOut = join(tmp.dir, 'noise.json');
  const logger = new MemoryLogger();
  await evalImagesCommand(['--data', data, '--real', '--out', realOut, ...FAST], logger);
  await evalImagesCommand(['--data', data, '--images', noise, '--out', noiseOut, ...FAST], logger);
  assert.doesNotMatch(logger.text(), /training one first/, 'the cached classifier was not used');
  const real = readReport(realOut).metrics;
  const measured = readReport(noiseOut).metrics;
  assert.equal(measured.samples, 300);
  assert.ok(measured.fid > 5 * real.fid, `FID noise ${measured.fid}, real ${real.fid}`);
  assert.ok(measured.kid.mean > 5 * Math.abs(real.kid.mean), 'KID of noise is not far worse');
  assert.ok(measured.precision < real.precision / 3, `precision noise ${measured.precision}`);
});

test('eval --checkpoint writes eval.json', async () => {
  const run = join(tmp.dir, 'run');
  await trainTinyDcgan(run, false);
  const logger = new MemoryLogger();
  const args = ['--checkpoint', run, '--samples', '200', '--seed', '1', ...FAST];
  assert.equal(await evalImagesCommand(args, logger), 0);
  assert.match(
    logger.text(),
    /generating 200 images from .*step-\d+\.safetensors \(step \d+\), seed 1/,
  );
  const report = readReport(join(run, 'eval.json'));
  assert.equal(report.generated.source, 'checkpoint');
  assert.equal(report.generated.images, 200);
  assert.ok(report.generated.step! > 0);
  assert.equal(report.reference.data, data);
  assert.ok(Number.isFinite(report.metrics.fid));
  assert.equal(report.metrics.requestedClassAccuracy, undefined);
  assert.equal(
    report.metrics.classHistogram.counts.reduce((a, b) => a + b),
    200,
  );
  await assert.rejects(
    evalCommand(['--checkpoint', run, '--max-windows', '3']),
    (error: Error) =>
      error instanceof UsageError &&
      /--max-windows only applies to language models, but .* contains a dcgan image model/.test(
        error.message,
      ),
  );
});

test('eval --images reads a PNG folder', async () => {
  const folder = join(tmp.dir, 'pngs');
  const generator = loadDcganGenerator(latestCheckpoint(join(tmp.dir, 'run')));
  const images = sampleDcgan(generator, { count: 150, seed: 3 });
  await writeSeparateImages(folder, images);
  images.dispose();
  const out = join(tmp.dir, 'pngs.json');
  const args = ['--data', data, '--images', folder, '--out', out, ...FAST];
  assert.equal(await evalImagesCommand(args, new MemoryLogger()), 0);
  const report = readReport(out);
  assert.equal(report.generated.source, 'images');
  assert.equal(report.generated.images, 150);
  assert.ok(Number.isFinite(report.metrics.fid), `FID ${report.metrics.fid}`);
});

test('eval --images warns on color images', async () => {
  const folder = join(tmp.dir, 'color-pngs');
  mkdirSync(folder);
  const size = 16;
  const { pixels } = shapePixels(150, 5, size);
  for (let i = 0; i < 150; i++) {
    const gray = pixels.subarray(i * size * size, (i + 1) * size * size);
    const rgb = Uint8Array.from({ length: 3 * gray.length }, (_, j) =>
      j % 3 === 0 ? (gray[Math.floor(j / 3)] as number) : 0,
    );
    writeFileSync(join(folder, `${i}.png`), encodePng(rgb, size, size, 3));
  }
  const logger = new MemoryLogger();
  const out = join(tmp.dir, 'color.json');
  const args = ['--data', data, '--images', folder, '--out', out, ...FAST];
  assert.equal(await evalImagesCommand(args, logger), 0);
  const warnings = logger.lines.filter((line) => line.level === 'warn');
  assert.equal(warnings.length, 1, logger.text());
  assert.match(warnings[0]!.message, /converted 150 of 150 images in .* from color to gray/);
  assert.match(logger.text(), /measuring 150 images from .*color-pngs as 1x16x16/);
});

test('eval of a conditional checkpoint', async () => {
  const run = join(tmp.dir, 'conditional');
  await trainTinyDcgan(run, true);
  const out = join(tmp.dir, 'conditional.json');
  const args = ['--checkpoint', run, '--samples', '200', '--out', out, ...FAST];
  const logger = new MemoryLogger();
  await evalImagesCommand(args, logger);
  assert.doesNotMatch(logger.text(), /classes but the classifier/);
  const accuracy = readReport(out).metrics.requestedClassAccuracy;
  assert.notEqual(accuracy, undefined, 'requestedClassAccuracy is missing');
  assert.ok(accuracy! >= 0, `accuracy ${accuracy}`);
  assert.ok(accuracy! <= 1, `accuracy ${accuracy}`);
  assert.ok(!existsSync(join(run, 'eval.json')), '--out must replace the default report');
});

test('eval warns on a class-count mismatch', async () => {
  const threeClasses = writeShapeDataset(join(tmp.dir, 'three-classes'), 300, 100, 16, 3);
  const run = join(tmp.dir, 'three-class-run');
  await trainTinyDcgan(run, true, threeClasses);

  const logger = new MemoryLogger();
  const out = join(tmp.dir, 'three-class.json');
  const args = ['--checkpoint', run, '--data', data, '--samples', '200', '--out', out, ...FAST];
  assert.equal(await evalImagesCommand(args, logger), 0);
  assert.match(
    logger.text(),
    /the generator has 3 classes but the classifier of .* has 4, so the requested-class/,
  );
});

test('eval rejects bad input', async () => {
  const logger = new MemoryLogger();
  const cached = classifierCachePath(datasetKey(data), 1, 16, join(tmp.dir, 'home'));
  const smallTest = writeShapeDataset(join(tmp.dir, 'small-test'), 500, 100);
  // One IDX file, with its label file beside it, is a data set with a single split.
  const singleDir = writeShapeDataset(join(tmp.dir, 'single'), 300, 1);
  const single = join(singleDir, 'train-images-idx3-ubyte.gz');
  const cases: [string[], RegExp, new (...args: never[]) => Error][] = [
    [['--data', data], /exactly one of --checkpoint PATH, --real or --images PATH/, UsageError],
    [['--real', '--checkpoint', 'x'], /exactly one of/, UsageError],
    [['--real'], /--real needs --data NAME\|PATH/, UsageError],
    [
      ['--checkpoint', cached],
      /contains a classifier model, which does not generate images/,
      MetricsError,
    ],
    [
      ['--data', data, '--real', '--samples', '50'],
      /--samples: 50 images, but FID needs more samples than the classifier's 128 feature dimensions.*--samples 129 or more/,
      MetricsError,
    ],
    [
      ['--data', data, '--images', join(tmp.dir, 'missing')],
      /--images .*missing: not found; pass an IDX image file or a folder of PNG or JPEG images/,
      UsageError,
    ],
    [
      ['--data', data, '--images', data, '--samples', '50'],
      /--samples: 50 images, .*--samples 129 or more/,
      MetricsError,
    ],
    [
      ['--data', smallTest, '--real'],
      /: 100 images, but FID .*use a test split with at least 129 images, or train a classifier with fewer features/,
      MetricsError,
    ],
    [
      ['--data', single, '--real'],
      /: 50 images, but FID .*has a single split, .* needs at least 774 images/,
      MetricsError,
    ],
    [
      ['--data', data, '--real', '--classifier', join(tmp.dir, 'none.safetensors')],
      /not found/,
      MetricsError,
    ],
  ];
  for (const [args, pattern, kind] of cases) {
    await assert.rejects(
      () => evalImagesCommand(args, logger),
      (error: unknown) => {
        assert.ok(error instanceof kind, `${args.join(' ')}: got ${String(error)}`);
        assert.match((error as Error).message, pattern);
        return true;
      },
    );
  }
});

test('eval rejects a classifier of other data', async () => {
  const other = writeShapeDataset(join(tmp.dir, 'other'), 300, 150);
  const file = join(tmp.dir, 'other.safetensors');
  const logger = new MemoryLogger();
  const trainArgs = ['--data', other, '--epochs', '1', '--width', '4', '--out', file];
  assert.equal(await trainClassifierCommand(trainArgs, logger), 0);
  assert.match(logger.text(), /classifier for .*other: test accuracy 0\.\d{4}, saved to/);
  await assert.rejects(
    () => evalImagesCommand(['--data', data, '--real', '--classifier', file, ...FAST], logger),
    /was trained on other-[0-9a-f]{8} at 1x16x16, but these metrics need one for shapes-.*; omit --classifier/,
  );
});
