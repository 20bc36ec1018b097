/**
 * Coverage of the community interval (TRIMMED_LOG_MEAN, harness/community/aggregate.ts) at 3-10
 * machines, by simulation: each machine's true log speedup is the population's plus a
 * between-machine effect (sd 0.1, the spread the issue measured), each run adds its own noise
 * (sd 0.05), machines send 1-4 runs. Also the headline's error with one 10x machine among them.
 * Target: coverage >= 93% at every k from 3 to 10 (normal and t3 between-machine effects).
 *
 *   node --import tsx bench/community-coverage.ts
 */
import { robustLogSummary } from '../harness/community/aggregate.ts';
import { createRng } from '../harness/stats/index.ts';

const rng = createRng(20261202);
const normal = (): number => {
  const u = Math.max(rng.nextFloat(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextFloat());
};
/** Student t with 3 df scaled to sd 1: heavier tails than any normal. */
const t3 = (): number => {
  const z = normal();
  const chi = normal() ** 2 + normal() ** 2 + normal() ** 2;
  return z / Math.sqrt(chi / 3) / Math.sqrt(3);
};

const TRUE_LOG = Math.log(1.3);
const BETWEEN_SD = 0.1;
const RUN_SD = 0.05;
const REPS = 20_000;

function machineLogs(k: number, effect: () => number): number[] {
  return Array.from({ length: k }, () => {
    const own = TRUE_LOG + BETWEEN_SD * effect();
    const runs = 1 + rng.nextIndex(4);
    let sum = 0;
    for (let r = 0; r < runs; r++) sum += own + RUN_SD * normal();
    return sum / runs;
  });
}

let worst = 1;
let outside = 0;
console.log('machines  coverage(normal)  coverage(t3)  headline with one 10x machine (one draw, true 1.30x)');
for (let k = 3; k <= 10; k++) {
  const covered = { normal: 0, t3: 0 };
  for (const [name, effect] of [
    ['normal', normal],
    ['t3', t3],
  ] as const)
    for (let i = 0; i < REPS; i++) {
      const logs = machineLogs(k, effect);
      const s = robustLogSummary(logs);
      const sorted = [...logs].sort((x, y) => x - y);
      const g = Math.floor(0.1 * k);
      const mean = sorted.slice(g, k - g).reduce((x, y) => x + y, 0) / (k - 2 * g);
      if (s.low! === s.center || s.high! === s.center) outside += mean === s.center ? 0 : 1;
      if (s.low! <= TRUE_LOG && TRUE_LOG <= s.high!) covered[name]++;
    }
  const outlier = machineLogs(k - 1, normal);
  outlier.push(Math.log(10));
  const headline = Math.exp(robustLogSummary(outlier).center);
  const a = covered.normal / REPS;
  const b = covered.t3 / REPS;
  worst = Math.min(worst, a, b);
  console.log(`${String(k).padStart(8)}  ${(100 * a).toFixed(1).padStart(15)}%  ${(100 * b).toFixed(1).padStart(11)}%  ${headline.toFixed(2)}x`);
}
console.log(`headline outside the plain interval (interval widened to hold it): ${outside} of ${8 * 2 * REPS} draws`);
console.log(`lowest coverage ${(100 * worst).toFixed(1)}% (target >= 93%) ${worst >= 0.93 ? 'OK' : 'BELOW TARGET'}`);
process.exitCode = worst >= 0.93 ? 0 : 1;
