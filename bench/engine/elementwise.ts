/**
 * Elementwise ops of medium size through aigc, for choosing thread defaults.
 * It times `a.mul(b).relu()` on float32 vectors above ATen's grain size of 32768 elements. Each op
 * is then split over the intra-op threads, so every op starts a parallel region and wakes the pool.
 *
 * Usage: node dist/bench/engine/elementwise.js
 * Prints one JSON line on stdout with the median microseconds per `mul` + `relu` pair.
 */
import { getNumThreads, manualSeed, randn, tidy } from '../../src/index.js';

interface ElementwisePlan {
  elements: number;
  /** Number of op pairs per timed batch. The median is taken over BATCHES batches. */
  pairsPerBatch: number;
}

const PLANS: readonly ElementwisePlan[] = [
  { elements: 65_536, pairsPerBatch: 2000 },
  { elements: 1_048_576, pairsPerBatch: 200 },
];
const WARMUP_BATCHES = 1;
const BATCHES = 9;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[middle]!;
  return (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function benchPlan(plan: ElementwisePlan): { elements: number; micros: number } {
  return tidy(() => {
    const a = randn([plan.elements]);
    const b = randn([plan.elements]);
    const perPair: number[] = [];
    for (let batch = 0; batch < WARMUP_BATCHES + BATCHES; batch++) {
      const start = performance.now();
      for (let i = 0; i < plan.pairsPerBatch; i++) {
        tidy(() => {
          a.mul(b).relu();
        });
      }
      const micros = ((performance.now() - start) * 1e3) / plan.pairsPerBatch;
      if (batch >= WARMUP_BATCHES) perPair.push(micros);
    }
    return { elements: plan.elements, micros: Number(median(perPair).toFixed(2)) };
  });
}

function main(): void {
  manualSeed(0);
  const results = PLANS.map(benchPlan);
  console.log(
    JSON.stringify({
      impl: 'aigc',
      threads: getNumThreads(),
      blasThreads: Number(process.env.OPENBLAS_NUM_THREADS),
      mulRelu: results,
    }),
  );
}

main();
