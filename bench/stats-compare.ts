/**
 * Cost of the statistics behind `kbench compare`: one comparison set of a full suite (30 metrics,
 * 30 samples per side, 10,000 bootstrap resamples), and Mann-Whitney alone. Target: a whole
 * suite compares in under 2 s, so `kbench compare` in CI is never the slow step.
 *
 *   node --import tsx bench/stats-compare.ts
 */
import { Bench } from 'tinybench';
import { compareMetrics, createRng, mannWhitneyU } from '../harness/stats/index.ts';

const rng = createRng(42);
const noisy = (center: number, n: number): number[] => Array.from({ length: n }, () => center * (1 + (rng.nextFloat() - 0.5) * 0.1));
const inputs = Array.from({ length: 30 }, (_, i) => ({
  key: `metric_${i}`,
  direction: (i % 2 === 0 ? 'lower' : 'higher') as 'lower' | 'higher',
  baseline: noisy(100, 30),
  candidate: noisy(i % 5 === 0 ? 110 : 100, 30),
}));

const bench = new Bench({ iterations: 5, warmupIterations: 1 });
bench
  .add('compareMetrics: 30 metrics x 30+30 samples, 10k resamples', () => {
    compareMetrics(inputs, { seed: 1 });
  })
  .add('mannWhitneyU: 30 vs 30 (normal approximation)', () => {
    mannWhitneyU(inputs[0]!.baseline, inputs[0]!.candidate);
  })
  .add('mannWhitneyU: 8 vs 8 (exact distribution)', () => {
    mannWhitneyU(inputs[1]!.baseline.slice(0, 8), inputs[1]!.candidate.slice(0, 8));
  });
await bench.run();
console.table(bench.table());
const whole = bench.tasks[0]!.result;
const meanMs = whole && 'latency' in whole ? (whole as { latency: { mean: number } }).latency.mean : Number.NaN;
console.log(`full-suite comparison: ${meanMs.toFixed(0)} ms (target < 2000 ms) ${meanMs < 2000 ? 'OK' : 'OVER TARGET'}`);
