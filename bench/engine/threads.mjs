// Compares thread settings for aigc: libtorch's intra-op threads (AIGC_NUM_THREADS) against
// OpenBLAS's threads (OPENBLAS_NUM_THREADS), on float32 matmul (bench/engine/matmul.ts),
// convolution training steps (bench/engine/conv.ts) and medium elementwise ops
// (bench/engine/elementwise.ts). For the largest thread count it also runs
// both OpenBLAS settings with GOMP_SPINCOUNT=0, which makes idle OpenMP threads of libgomp sleep
// at once instead of spinning beside OpenBLAS's threads.
//
// Usage: node bench/engine/threads.mjs [--rounds 3] [--threads 1,2]
// Each round runs every setting once, one process at a time and starting at a different setting,
// so load from other processes spreads over all settings. The tables show the median over rounds
// and its range. Other variables, such as OMP_WAIT_POLICY, pass through to every run.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

import {
  benchEnv,
  ensureBuilt,
  formatRange,
  loadAverage,
  median,
  printTable,
  runTsBench,
} from './harness.mjs';

function parseOptions() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      threads: { type: 'string', default: `1,${availableParallelism()}` },
    },
  });
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new RangeError(`--rounds: expected a positive integer, got '${values.rounds}'`);
  }
  const counts = values.threads.split(',').map(Number);
  if (counts.some((count) => !Number.isInteger(count) || count < 1)) {
    throw new RangeError(`--threads: expected positive integers, got '${values.threads}'`);
  }
  return { rounds, settings: settingsFor(counts) };
}

function settingsFor(counts) {
  const settings = counts.flatMap((intraOp) => counts.map((blas) => ({ intraOp, blas })));
  const maxThreads = Math.max(...counts);
  if (maxThreads > 1) {
    for (const blas of counts) settings.push({ intraOp: maxThreads, blas, spinCount: '0' });
  }
  return settings;
}

function runSetting({ intraOp, blas, spinCount }) {
  const overrides = { AIGC_NUM_THREADS: String(intraOp), OPENBLAS_NUM_THREADS: String(blas) };
  if (spinCount !== undefined) overrides.GOMP_SPINCOUNT = spinCount;
  const env = benchEnv(overrides);
  const matmul = runTsBench('matmul', ['--no-overhead'], env).matmul;
  const conv = runTsBench('conv', [], env).cases;
  const elementwise = runTsBench('elementwise', [], env).mulRelu;
  return { matmul, conv, elementwise };
}

// The table columns, each a label, the reader of one run's value and the decimals shown.
function columns(firstRun) {
  const matmulColumns = firstRun.matmul.map(({ size }, i) => [
    `GFLOPS ${size}`,
    (run) => run.matmul[i].gflops,
    1,
  ]);
  const convColumns = firstRun.conv.flatMap(({ name }, i) => [
    [`${name} fwd ms`, (run) => run.conv[i].forwardMs, 1],
    [`${name} step ms`, (run) => run.conv[i].stepMs, 1],
  ]);
  const elementwiseColumns = firstRun.elementwise.map(({ elements }, i) => [
    `mul+relu ${elements} us`,
    (run) => run.elementwise[i].micros,
    1,
  ]);
  return [...matmulColumns, ...convColumns, ...elementwiseColumns];
}

function printTables(settings, runs) {
  const table = columns(runs[0][0]);
  const header = ['intra-op', 'OpenBLAS', 'spin', ...table.map(([label]) => label)];
  const rows = (format) =>
    settings.map((setting, s) => [
      String(setting.intraOp),
      String(setting.blas),
      setting.spinCount ?? '-',
      ...table.map(([, read, digits]) => format(runs[s].map(read), digits)),
    ]);
  console.log('median over rounds');
  printTable(
    header,
    rows((values, digits) => median(values).toFixed(digits)),
  );
  console.log('\nrange over rounds (min-max)');
  printTable(header, rows(formatRange));
}

function main() {
  const { rounds, settings } = parseOptions();
  ensureBuilt({ native: false });
  const loadBefore = loadAverage();
  const runs = settings.map(() => []);
  for (let round = 1; round <= rounds; round++) {
    console.error(`bench/engine: round ${round} of ${rounds}`);
    // Each round starts at a different setting, so no setting always runs last.
    for (let k = 0; k < settings.length; k++) {
      const s = (k + round - 1) % settings.length;
      runs[s].push(runSetting(settings[s]));
    }
  }
  console.log(`thread settings, ${rounds} round(s)`);
  console.log(
    'intra-op: AIGC_NUM_THREADS; OpenBLAS: OPENBLAS_NUM_THREADS; spin: GOMP_SPINCOUNT (- = unset)\n' +
      'GFLOPS n: float32 matmul n x n; step: forward + backward (bench/engine/conv.ts has shapes)\n' +
      'mul+relu n us: microseconds per a.mul(b).relu() on n float32 elements',
  );
  console.log(`load average before: ${loadBefore}; after: ${loadAverage()}\n`);
  printTables(settings, runs);
}

main();
