import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { ImageClassifier } from '../../src/models/classifier.js';
import { loadClassifier } from '../../src/metrics/classifier-cache.js';
import { MetricsError } from '../../src/metrics/errors.js';
import { classifyImageSet } from '../../src/metrics/features.js';
import { fid } from '../../src/metrics/fid.js';
import { kid } from '../../src/metrics/kid.js';
import { precisionRecall } from '../../src/metrics/precision-recall.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import {
  classifierCachePath,
  type ClassifierMeta,
  datasetKey,
  DEFAULT_CLASSIFIER_TRAIN_OPTIONS,
  fitClassifier,
  loadClassifierSplits,
  trainClassifier,
} from '../../src/train/classifier.js';
import { MemoryLogger } from '../../src/train/logger.js';
import { getRngState, manualSeed, memory, randn, tidy } from '../../src/index.js';
import { makeTempDir } from '../data/helpers.js';
import { noiseSet, shapeSet, writeShapeDataset } from './helpers.js';

const SMALL = {
  ...DEFAULT_CLASSIFIER_TRAIN_OPTIONS,
  epochs: 4,
  batchSize: 32,
  lr: 2e-3,
  width: 16,
  featureDim: 32,
  logEvery: 1000,
};

/** One classifier trained on 600 synthetic shapes, shared by the tests below. */
const trained = (async () => {
  const splits = { train: shapeSet(600, 1), test: shapeSet(200, 2), heldOut: false };
  manualSeed(123);
  const before = Array.from(tidy(() => getRngState().toTypedArray() as Uint8Array));
  const fit = await fitClassifier(splits, SMALL, new MemoryLogger());
  const after = Array.from(tidy(() => getRngState().toTypedArray() as Uint8Array));
  return { fit, sameRng: before.join() === after.join() };
})();

test('classifier learns synthetic shapes', async () => {
  const { fit } = await trained;
  assert.ok(fit.testAccuracy > 0.9, `test accuracy ${fit.testAccuracy}`);
  assert.equal(fit.steps, 4 * Math.ceil(600 / 32));
  assert.equal(fit.model.training, false, 'the fitted model is returned in eval mode');
});

test('classifier training restores the default generator', async () => {
  const { sameRng } = await trained;
  assert.ok(sameRng, 'the default generator state changed');
});

test('noise scores worse than real images', async () => {
  const { fit } = await trained;
  tidy(() => {
    const test = classifyImageSet(fit.model, shapeSet(200, 2)).features;
    const real = classifyImageSet(fit.model, shapeSet(200, 3)).features;
    const noise = classifyImageSet(fit.model, noiseSet(200, 4)).features;
    const fidReal = fid(real, test);
    const fidNoise = fid(noise, test);
    assert.ok(fidNoise > 5 * fidReal, `FID noise ${fidNoise}, real ${fidReal}`);
    const kidOptions = { subsets: 5, subsetSize: 100 };
    const kidReal = kid(real, test, kidOptions).mean;
    const kidNoise = kid(noise, test, kidOptions).mean;
    assert.ok(kidNoise > 5 * Math.abs(kidReal), `KID noise ${kidNoise}, real ${kidReal}`);
    const prReal = precisionRecall(test, real);
    const prNoise = precisionRecall(test, noise);
    assert.ok(prReal.precision > 0.7, `precision of real images ${prReal.precision}`);
    assert.ok(prNoise.precision < prReal.precision / 3, `precision of noise ${prNoise.precision}`);
    assert.ok(prNoise.recall < prReal.recall / 3, `recall of noise ${prNoise.recall}`);
  });
});

test('classifier features leave no tensors behind', async () => {
  const { fit } = await trained;
  const set = shapeSet(50, 5);
  const run = () => {
    tidy(() => {
      classifyImageSet(fit.model, set, { batchSize: 16 });
    });
  };
  run();
  const before = memory().tensors;
  run();
  assert.equal(memory().tensors, before);
});

test('classifier shapes for odd sizes', () => {
  tidy(() => {
    const model = new ImageClassifier({
      channels: 3,
      imageSize: 15,
      numClasses: 5,
      width: 4,
      featureDim: 12,
    }).eval();
    const { features, logits } = model.forwardWithFeatures(randn([2, 3, 15, 15]));
    assert.deepEqual(features.shape, [2, 12]);
    assert.deepEqual(logits.shape, [2, 5]);
    assert.throws(
      () =>
        new ImageClassifier({ channels: 1, imageSize: 3, numClasses: 2, width: 4, featureDim: 8 }),
      /image size must be an integer of at least 4, got 3/,
    );
  });
});

test('classifier features reject other image sizes', async () => {
  const { fit } = await trained;
  assert.throws(
    () => classifyImageSet(fit.model, shapeSet(10, 1, 20)),
    (error: unknown) => {
      assert.ok(error instanceof MetricsError);
      assert.match(error.message, /\[10,1,20,20\].*takes \[N, 1, 16, 16\]/);
      return true;
    },
  );
});

test('datasetKey keeps names and hashes paths', () => {
  assert.equal(datasetKey('fashion-mnist'), 'fashion-mnist');
  assert.match(datasetKey('/data/my shapes'), /^my-shapes-[0-9a-f]{8}$/);
  assert.notEqual(datasetKey('/a/shapes'), datasetKey('/b/shapes'));
});

test('trainClassifier caches with metadata', async () => {
  const tmp = makeTempDir();
  try {
    const data = writeShapeDataset(join(tmp.dir, 'shapes'), 400, 150);
    const cacheDir = join(tmp.dir, 'cache');
    const logger = new MemoryLogger();
    const result = await trainClassifier({ ...SMALL, epochs: 1, data, cacheDir }, logger);
    const expected = classifierCachePath(datasetKey(data), 1, 16, cacheDir);
    assert.equal(result.path, expected);
    assert.ok(existsSync(expected), 'the cache file is missing');
    assert.match(logger.text(), /test accuracy 0\.\d{4} on 150 images/);
    const meta = tidy(() => readCheckpoint(expected, 'classifier').meta);
    const training = meta.training as ClassifierMeta;
    assert.equal(meta.kind, 'classifier');
    assert.equal(training.dataKey, datasetKey(data));
    assert.equal(training.testImages, 150);
    assert.equal(training.testAccuracy, result.meta.testAccuracy);
    assert.deepEqual(meta.config, { ...result.model.config });

    const loaded = loadClassifier(expected, { data, channels: 1, imageSize: 16 });
    const set = shapeSet(20, 9);
    tidy(() => {
      const a = classifyImageSet(loaded.model, set).logits.toArray();
      const b = classifyImageSet(result.model, set).logits.toArray();
      assert.deepEqual(a, b, 'the cached classifier computes other logits');
    });
    const wrongData = { data: 'fashion-mnist', channels: 1, imageSize: 16 };
    assert.throws(
      () => loadClassifier(expected, wrongData),
      (error: unknown) => {
        assert.ok(error instanceof MetricsError);
        assert.match(error.message, /was trained on shapes-[0-9a-f]{8} at 1x16x16/);
        assert.match(error.message, /need one for fashion-mnist at 1x16x16; delete the file/);
        return true;
      },
    );
    const wrongSize = { data, channels: 1, imageSize: 28 };
    assert.throws(() => loadClassifier(expected, wrongSize), /at 1x28x28; delete the file/);
  } finally {
    tmp.remove();
  }
});

test('single-split data holds out a test sixth', async () => {
  const tmp = makeTempDir();
  try {
    const dir = writeShapeDataset(join(tmp.dir, 'shapes'), 120, 30);
    // A single IDX images file serves both splits.
    const splits = await loadClassifierSplits(join(dir, 'train-images-idx3-ubyte.gz'));
    assert.equal(splits.heldOut, true);
    assert.equal(splits.train.count, 100);
    assert.equal(splits.test.count, 20);
  } finally {
    tmp.remove();
  }
});

test('classifier rejects unlabelled data', async () => {
  const splits = { train: noiseSet(40, 1), test: noiseSet(10, 2), heldOut: false };
  await assert.rejects(
    () => fitClassifier(splits, SMALL, new MemoryLogger()),
    /has no class labels, and the metrics classifier needs them/,
  );
});
