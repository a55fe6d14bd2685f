// Runs the engine benchmark: float32 matmul GFLOPS and the per-op cost of a small op, through
// aigc (bench/engine/matmul.ts) and through libtorch from C++ (bench/engine/matmul_native.cc).
//
// Usage: node bench/engine/run.mjs [--rounds 3] [--sizes 512,1024,2048]
// Each round runs aigc, then libtorch, one process at a time. The tables show the median over
// rounds of each process's own median, with the range over rounds in brackets. A burst of load
// from another process then widens the range more than it moves the reported figure.
// AIGC_NUM_THREADS and OPENBLAS_NUM_THREADS apply to both sides.
import { parseArgs } from 'node:util';

import {
  benchEnv,
  ensureBuilt,
  loadAverage,
  median,
  medianWithRange,
  printTable,
  runNativeBench,
  runTsBench,
} from './harness.mjs';

const OVERHEAD_ROWS = [
  ['aigc', 'tensorAddDispose', 'a.add(b) then dispose()'],
  ['aigc', 'tensorAddTidy', 'a.add(b) in tidy(), 1000 ops per scope'],
  ['aigc', 'nativeAddDispose', 'raw addon add + dispose, no Tensor class'],
  ['aigc', 'nativeCall', 'empty addon call (getNumThreads)'],
  ['libtorch', 'add', 'at::add from C++'],
];

function parseOptions() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      sizes: { type: 'string' },
    },
  });
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new RangeError(`--rounds: expected a positive integer, got '${values.rounds}'`);
  }
  return { rounds, args: values.sizes === undefined ? [] : ['--sizes', values.sizes] };
}

function runRounds({ rounds, args }) {
  const results = { aigc: [], libtorch: [] };
  for (let round = 1; round <= rounds; round++) {
    console.error(`bench/engine: round ${round} of ${rounds}`);
    results.aigc.push(runTsBench('matmul', args));
    results.libtorch.push(runNativeBench(args));
  }
  return results;
}

function printMatmul(results) {
  const rows = results.aigc[0].matmul.map(({ size }, i) => {
    const aigc = results.aigc.map((run) => run.matmul[i].gflops);
    const libtorch = results.libtorch.map((run) => run.matmul[i].gflops);
    const ratio = median(aigc) / median(libtorch);
    return [`${size}`, medianWithRange(aigc, 1), medianWithRange(libtorch, 1), ratio.toFixed(2)];
  });
  printTable(['matmul n x n', 'aigc GFLOPS', 'libtorch GFLOPS', 'aigc / libtorch'], rows);
}

function printOverhead(results) {
  const libtorchAdd = median(results.libtorch.map((run) => run.overheadUs.add));
  const rows = OVERHEAD_ROWS.map(([impl, key, label]) => {
    const micros = results[impl].map((run) => run.overheadUs[key]);
    const versus = key === 'nativeCall' ? '' : `${(median(micros) / libtorchAdd).toFixed(2)}x`;
    return [impl, label, medianWithRange(micros, 3), versus];
  });
  const elements = results.aigc[0].addElements;
  printTable(['', `add, ${elements} float32 elements`, 'us per op', 'vs at::add'], rows);
}

function main() {
  const options = parseOptions();
  ensureBuilt();
  const loadBefore = loadAverage();
  const results = runRounds(options);
  const first = results.aigc[0];
  const native = results.libtorch[0];
  console.log(
    `engine benchmark: libtorch ${first.torchVersion}, intra-op threads aigc ${first.threads} / ` +
      `libtorch ${native.threads}, OpenBLAS ${first.openblas ? 'yes' : 'no'} with ` +
      `${benchEnv().OPENBLAS_NUM_THREADS} thread(s), ${options.rounds} round(s)`,
  );
  console.log(`load average before: ${loadBefore}; after: ${loadAverage()}\n`);
  printMatmul(results);
  console.log('');
  printOverhead(results);
}

main();
