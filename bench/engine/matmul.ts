/**
 * The engine benchmark through aigc's TypeScript API: float32 matmul GFLOPS, and the cost of one
 * small op (`a.add(b)` on 16 elements) with the Tensor wrapper and as a raw native call.
 * bench/engine/matmul_native.cc measures the same with libtorch called from C++, and
 * bench/engine/run.mjs prints the two side by side.
 *
 * Usage: node dist/bench/engine/matmul.js [--sizes 512,1024,2048] [--no-overhead]
 * Prints one JSON line on stdout. Thread settings come from aigc's defaults, which
 * AIGC_NUM_THREADS and OPENBLAS_NUM_THREADS override.
 */
import { parseArgs } from 'node:util';

import { config, getNumThreads, manualSeed, randn, type Tensor, tidy } from '../../src/index.js';
import { native } from '../../src/engine/native.js';

interface MatmulPlan {
  size: number;
  warmup: number;
  repeats: number;
}

/** Repeat counts for matmul, the same as in matmul_native.cc: 0.5-3 s per size at 100 GFLOPS. */
const MATMUL_PLANS: readonly MatmulPlan[] = [
  { size: 512, warmup: 10, repeats: 201 },
  { size: 1024, warmup: 3, repeats: 61 },
  { size: 2048, warmup: 2, repeats: 15 },
];

/** The small op: ADD_ELEMENTS float32 elements, timed in batches of OPS_PER_BATCH calls. */
const ADD_ELEMENTS = 16;
const OPS_PER_BATCH = 10_000;
const WARMUP_BATCHES = 2;
const BATCHES = 21;
/** Ops per tidy() scope in the scoped variant. */
const OPS_PER_SCOPE = 1000;

interface MatmulResult {
  size: number;
  repeats: number;
  medianMs: number;
  gflops: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[middle]!;
  return (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function round(value: number, decimals: number): number {
  return Number(value.toFixed(decimals));
}

function benchMatmul(plan: MatmulPlan): MatmulResult {
  return tidy(() => {
    const a = randn([plan.size, plan.size]);
    const b = randn([plan.size, plan.size]);
    for (let i = 0; i < plan.warmup; i++) a.matmul(b).dispose();
    const seconds: number[] = [];
    for (let i = 0; i < plan.repeats; i++) {
      const start = performance.now();
      const c = a.matmul(b);
      seconds.push((performance.now() - start) / 1e3);
      c.dispose();
    }
    const medianSeconds = median(seconds);
    const flops = 2 * plan.size ** 3;
    return {
      size: plan.size,
      repeats: plan.repeats,
      medianMs: round(medianSeconds * 1e3, 4),
      gflops: round(flops / medianSeconds / 1e9, 2),
    };
  });
}

/**
 * Runs `batch` (which performs OPS_PER_BATCH ops) WARMUP_BATCHES + BATCHES times and returns the
 * median microseconds per op.
 */
function microsPerOp(batch: () => void): number {
  const perOp: number[] = [];
  for (let i = 0; i < WARMUP_BATCHES + BATCHES; i++) {
    const start = performance.now();
    batch();
    const micros = ((performance.now() - start) * 1e3) / OPS_PER_BATCH;
    if (i >= WARMUP_BATCHES) perOp.push(micros);
  }
  return round(median(perOp), 3);
}

/** Measures the median microseconds per op of each way of calling `add` from JavaScript. */
function benchOverhead(a: Tensor, b: Tensor): Record<string, number> {
  const tensorAddDispose = microsPerOp(() => {
    for (let i = 0; i < OPS_PER_BATCH; i++) a.add(b).dispose();
  });
  const tensorAddTidy = microsPerOp(() => {
    for (let scope = 0; scope < OPS_PER_BATCH / OPS_PER_SCOPE; scope++) {
      tidy(() => {
        for (let i = 0; i < OPS_PER_SCOPE; i++) a.add(b);
      });
    }
  });
  // The addon's functions without the Tensor class: what every op pays at the N-API boundary.
  const nativeAddDispose = microsPerOp(() => {
    for (let i = 0; i < OPS_PER_BATCH; i++) native.dispose(native.add(a.handle, b.handle, 1));
  });
  // A native call that does no tensor work: the floor of any call into the addon.
  const nativeCall = microsPerOp(() => {
    for (let i = 0; i < OPS_PER_BATCH; i++) native.getNumThreads();
  });
  return { tensorAddDispose, tensorAddTidy, nativeAddDispose, nativeCall };
}

function parsePlans(list: string): MatmulPlan[] {
  return list.split(',').map((item) => {
    const size = Number(item);
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`--sizes: invalid size '${item}'; expected positive integers`);
    }
    return MATMUL_PLANS.find((plan) => plan.size === size) ?? { size, warmup: 3, repeats: 11 };
  });
}

function main(): void {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string' },
      'no-overhead': { type: 'boolean', default: false },
    },
  });
  const plans = values.sizes === undefined ? MATMUL_PLANS : parsePlans(values.sizes);
  manualSeed(0);

  const linked = config();
  const result: Record<string, unknown> = {
    impl: 'aigc',
    torchVersion: linked.torchVersion,
    threads: getNumThreads(),
    openblas: linked.openblas,
    blasThreads: Number(process.env.OPENBLAS_NUM_THREADS),
    matmul: plans.map(benchMatmul),
  };
  if (!values['no-overhead']) {
    result.addElements = ADD_ELEMENTS;
    result.overheadUs = tidy(() => benchOverhead(randn([ADD_ELEMENTS]), randn([ADD_ELEMENTS])));
  }
  console.log(JSON.stringify(result));
}

main();
