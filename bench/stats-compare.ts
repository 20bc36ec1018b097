/**
 * Cost of the statistics behind `kbench compare`: one command over a full suite (30 metrics,
 * 10 boots x 3 iterations per side). Target: under 0.5 s, so `kbench compare` in CI is never the
 * slow step.
 *
 *   node --import tsx bench/stats-compare.ts
 */
import { Bench } from 'tinybench';
import { compareMetrics, createRng, type NestedSample } from '../harness/stats/index.ts';

const rng = createRng(42);
const noisy = (center: number, boots: number, perBoot: number): NestedSample[] =>
  Array.from({ length: boots * perBoot }, (_, i) => ({ value: center * (1 + (rng.nextFloat() - 0.5) * 0.1), unit: `0/${Math.floor(i / perBoot)}` }));
const inputs = Array.from({ length: 30 }, (_, i) => ({
  key: `metric_${i}`,
  direction: (i % 2 === 0 ? 'lower' : 'higher') as 'lower' | 'higher',
  baseline: noisy(100, 10, 3),
  candidate: noisy(i % 5 === 0 ? 110 : 100, 10, 3),
}));

const bench = new Bench({ iterations: 5, warmupIterations: 1 });
bench.add('compareMetrics: 30 metrics x (10 boots x 3) per side', () => {
  compareMetrics(inputs);
});
await bench.run();
console.table(bench.table());
const whole = bench.tasks[0]!.result;
const meanMs = whole && 'latency' in whole ? (whole as { latency: { mean: number } }).latency.mean : Number.NaN;
console.log(`full-suite comparison: ${meanMs.toFixed(0)} ms (target < 500 ms) ${meanMs < 500 ? 'OK' : 'OVER TARGET'}`);
