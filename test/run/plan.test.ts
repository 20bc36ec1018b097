import { describe, expect, it } from 'vitest';
import { bootOrder, remainingUnits, unitsForBoot } from '../../harness/run/plan.ts';
import { estimateRemainingSeconds, formatDuration, formatProgressLine } from '../../harness/progress/index.ts';
import { selectWorkloads } from '../../suites/index.ts';

const suite = selectWorkloads('zfs', ['boot', 'pool_create']);

describe('run plan', () => {
  it('boots kernels alternately, round by round', () => {
    expect(bootOrder(2, ['stock', 'custom']).map((b) => `${b.round}${b.variant}`)).toEqual(['0stock', '0custom', '1stock', '1custom']);
  });

  it('per-boot workloads once, iterated ones as warm-up + N', () => {
    const keys = unitsForBoot({ round: 1, variant: 'custom', bootOnly: false }, suite, 2).map((u) => `${u.key}${u.warmup ? ' (warm-up)' : ''}`);
    expect(keys).toEqual(['1/custom/boot/1', '1/custom/pool_create/0 (warm-up)', '1/custom/pool_create/1', '1/custom/pool_create/2']);
  });

  it('a resume skips finished units but warms up again before the rest of a workload', () => {
    const units = unitsForBoot({ round: 0, variant: 'stock', bootOnly: false }, suite, 3);
    const left = remainingUnits(units, new Set(['0/stock/boot/1', '0/stock/pool_create/0', '0/stock/pool_create/1']));
    expect(left.map((u) => u.key)).toEqual(['0/stock/pool_create/0', '0/stock/pool_create/2', '0/stock/pool_create/3']);
    expect(remainingUnits(units, new Set(units.map((u) => u.key)))).toEqual([]);
  });
});

describe('progress', () => {
  it('formats elapsed time and ETA', () => {
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(65)).toBe('01:05');
    expect(formatDuration(null)).toBe('--:--');
    expect(estimateRemainingSeconds(100, 4, 10)).toBe(150);
    expect(estimateRemainingSeconds(100, 0, 10)).toBeNull();
  });

  it('names target, workload, sample k of n and the step', () => {
    const line = formatProgressLine({
      event: 'sample',
      target: 'debian/custom',
      variant: 'custom',
      workload: 'scrub',
      sample: 2,
      samples: 3,
      step: 40,
      steps: 92,
      message: 'scrub.seconds=0.8',
      elapsedSeconds: 600,
      etaSeconds: 780,
    });
    expect(line).toBe('[10:00 elapsed, ETA 13:00] debian/custom scrub sample 2/3 step 40/92: scrub.seconds=0.8');
  });
});
