import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';

// The worker imports the compiled library by URL, so this test runs from dist/ like the others.
const LIBRARY = new URL('../../src/index.js', import.meta.url).href;

function runWorker(source: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, { eval: true, workerData: { library: LIBRARY } });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.library).then((aigc) => {
  const sum = aigc.tidy(() => aigc.tensor([1, 2, 3]).mul(2).sum().item());
  let message = '';
  try {
    aigc.tensor([[1, 2]]).matmul(aigc.tensor([[1, 2]]));
  } catch (error) {
    message = error.constructor.name + ': ' + error.message;
  }
  parentPort.postMessage({ sum, message, live: aigc.memory().tensors });
});
`;

test('addon loads in worker threads', async () => {
  const results = (await Promise.all([runWorker(WORKER_SOURCE), runWorker(WORKER_SOURCE)])) as {
    sum: number;
    message: string;
    live: number;
  }[];
  for (const result of results) {
    assert.equal(result.sum, 12);
    assert.match(result.message, /^TorchError: matmul: /);
  }
});
