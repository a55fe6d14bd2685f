import assert from 'node:assert/strict';
import { test } from 'node:test';

import { UsageError } from '../../src/cli/args.js';
import { EXIT_STATUS, exitStatusOf } from '../../src/cli/exit-status.js';
import { DataError, DownloadError } from '../../src/data/errors.js';
import { SafetensorsError } from '../../src/io/safetensors.js';
import { CheckpointError } from '../../src/train/checkpoint.js';

test('exit status by error kind', () => {
  const cases: [unknown, number][] = [
    [new UsageError('unknown option --x'), EXIT_STATUS.usage],
    [new RangeError('--lr must be positive'), EXIT_STATUS.usage],
    [new DataError('data.idx: not found'), EXIT_STATUS.input],
    [new DownloadError('no mirror answered'), EXIT_STATUS.input],
    [new CheckpointError('run contains a dcgan model'), EXIT_STATUS.input],
    [new SafetensorsError('step-1.safetensors: truncated header'), EXIT_STATUS.input],
    [new Error('native failure'), EXIT_STATUS.failed],
    ['a thrown string', EXIT_STATUS.failed],
  ];
  for (const [error, status] of cases) {
    assert.equal(exitStatusOf(error), status, String(error));
  }
});
