import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import { MetricsError } from '../../src/metrics/errors.js';
import { createImageEvaluator } from '../../src/metrics/evaluator.js';
import { MemoryLogger } from '../../src/train/logger.js';
import { getRngState, memory, rand, tensor, tidy } from '../../src/index.js';
import { makeTempDir } from '../data/helpers.js';
import { shapeSet, writeShapeDataset } from './helpers.js';

function rngBytes(): string {
  return tidy(() => Array.from(getRngState().toTypedArray() as Uint8Array).join());
}

test('image evaluator ranks shapes above noise', async () => {
  const tmp = makeTempDir();
  try {
    const data = writeShapeDataset(join(tmp.dir, 'shapes'), 800, 300);
    const logger = new MemoryLogger();
    const evaluator = await createImageEvaluator(data, {
      imageSize: 16,
      channels: 1,
      samples: 200,
      kidSubsets: 5,
      cacheDir: join(tmp.dir, 'cache'),
      logger,
    });
    assert.match(logger.text(), /training one first/);
    const shapes = shapeSet(200, 11);
    let offset = 0;
    const sampleShapes = (count: number) => {
      const size = 16 * 16;
      const images = shapes.images.subarray(offset * size, (offset + count) * size);
      offset += count;
      return tensor(images, { shape: [count, 1, 16, 16] });
    };
    const rngBefore = rngBytes();
    const real = evaluator.evaluate(sampleShapes);
    assert.equal(rngBytes(), rngBefore, 'evaluate() must not draw from the default generator');
    const noise = evaluator.evaluate((count) => tidy(() => rand([count, 1, 16, 16]).mul(2).sub(1)));
    assert.equal(real.samples, 200);
    assert.ok(noise.fid > 5 * real.fid, `FID noise ${noise.fid}, shapes ${real.fid}`);
    assert.ok(noise.kid > real.kid, `KID noise ${noise.kid}, shapes ${real.kid}`);
    assert.ok(real.kidStd >= 0);

    const tensorsBefore = memory().tensors;
    offset = 0;
    evaluator.evaluate(sampleShapes);
    assert.equal(memory().tensors, tensorsBefore, 'evaluate() leaked tensors');
    evaluator.dispose();
  } finally {
    tmp.remove();
  }
});

test('image evaluator rejects too few samples', async () => {
  const tmp = makeTempDir();
  try {
    const data = writeShapeDataset(join(tmp.dir, 'shapes'), 300, 150);
    const options = { imageSize: 16, channels: 1, samples: 100, cacheDir: join(tmp.dir, 'cache') };
    await assert.rejects(
      () => createImageEvaluator(data, { ...options, logger: new MemoryLogger() }),
      (error: unknown) => {
        assert.ok(error instanceof MetricsError);
        assert.match(error.message, /at least 129 samples for 128-dimensional features, got 100/);
        return true;
      },
    );
  } finally {
    tmp.remove();
  }
});
