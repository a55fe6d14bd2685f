/**
 * Long training loops must not leak: 2,000 Adam steps of a small CNN keep the live tensor count
 * and the resident set flat, with tidy() scopes and with garbage collection alone.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';

import { manualSeed, memory, randint, randn, setNumThreads, tidy } from '../../src/index.js';
import { Conv2d, Flatten, functional as F, Linear, ReLU, Sequential } from '../../src/nn/index.js';
import { Adam } from '../../src/optim/index.js';

// The model is tiny, so a second thread only adds wake-ups. On a 2-core machine whose cores
// another process kept busy, a step took about 0.5 ms on one thread and 5 ms on two.
setNumThreads(1);

const STEPS = 2000;
const MB = 1024 * 1024;
/** Allowed rss growth from step 500 to the end, well above allocator noise. */
const MAX_RSS_GROWTH = 30 * MB;

/** Conv2d(1, 8, 3) -> ReLU -> Flatten -> Linear(8 * 6 * 6, 2), trained with Adam. */
function setup() {
  manualSeed(0);
  const model = new Sequential(
    new Conv2d(1, 8, 3),
    new ReLU(),
    new Flatten(),
    new Linear(8 * 6 * 6, 2),
  );
  return { model, optimizer: new Adam(model.parameters(), { lr: 1e-3 }) };
}

/** Runs one step on a random batch [8, 1, 8, 8] and leaves every tensor it creates to the caller. */
function trainStep({ model, optimizer }: ReturnType<typeof setup>): void {
  const images = randn([8, 1, 8, 8]);
  const labels = randint(0, 2, [8]);
  const loss = F.crossEntropy(model.forward(images), labels);
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
}

function collectGarbage(): void {
  globalThis.gc?.();
}

function rss(): number {
  collectGarbage();
  return process.memoryUsage().rss;
}

test('tidy steps keep memory flat', () => {
  const training = setup();
  let tensorsAt200 = 0;
  let rssAt500 = 0;
  for (let step = 1; step <= STEPS; step++) {
    tidy(() => trainStep(training));
    if (step === 200) tensorsAt200 = memory().tensors;
    if (step === 500) rssAt500 = rss();
  }
  assert.equal(memory().tensors, tensorsAt200, 'live tensors after step 2000 vs step 200');
  const growth = rss() - rssAt500;
  assert.ok(growth < MAX_RSS_GROWTH, `rss grew ${(growth / MB).toFixed(1)} MB after step 500`);
});

test('finalizers alone keep memory flat', async (t) => {
  if (typeof globalThis.gc !== 'function') {
    t.skip('needs node --expose-gc to force collections');
    return;
  }
  collectGarbage();
  await nextTurn();
  const training = setup();
  const baseline = memory().tensors;
  let rssAt500 = 0;
  let peak = 0;
  for (let step = 1; step <= STEPS; step++) {
    trainStep(training);
    // Native finalizers run once the loop yields to the event loop.
    await nextTurn();
    if (step % 100 === 0) collectGarbage();
    if (step === 500) rssAt500 = rss();
    peak = Math.max(peak, memory().tensors - baseline);
  }
  collectGarbage();
  await nextTurn();
  await nextTurn();
  const remaining = memory().tensors - baseline;
  assert.ok(remaining <= 20, `${remaining} tensors above the baseline after a collection`);
  assert.ok(peak <= 100 * 20, `at most 100 unscoped steps of handles live; peak ${peak}`);
  const growth = rss() - rssAt500;
  assert.ok(growth < MAX_RSS_GROWTH, `rss grew ${(growth / MB).toFixed(1)} MB after step 500`);
});
