/** MODE PRIOR (stats/modes.ts): modes known from stored boots (baseline.json) reach a within-run comparison. */
import { describe, expect, it } from 'vitest';
import { bootsToShareAMode, compareMetrics, modePriorOf, type MetricComparisonInput, type ModePrior, type NestedSample } from '../../harness/stats/index.ts';
import { pairStockVsCustom, storedModesFor } from '../../harness/compare/index.ts';
import { describeModes } from '../../harness/render/rows.ts';
import { HOST, metric, runFile, target } from '../helpers/results-factory.ts';

const GB = 1e9;
const perBoot = (values: number[]): NestedSample[] => values.map((value, boot) => ({ value, unit: `0/${boot}` }));
/** n boots near `center`, ±0.5% apart. */
const near = (center: number, n: number): number[] => Array.from({ length: n }, (_, i) => center * (1 + 0.005 * ((i % 3) - 1)));
// What baseline.json stores for a fletcher4-like metric: 11 boots, 3 in the slow mode (1.0 GB/s), 8 at 1.5 GB/s.
const stored = [...near(1.0, 3), ...near(1.5, 8)].map((v) => v * GB);
const prior = modePriorOf(stored.map(Math.log), 'baseline.json')!;

const compare = (baseline: number[], candidate: number[], modePrior?: { baseline?: ModePrior | null; candidate?: ModePrior | null }) =>
  compareMetrics([
    {
      key: 'f4',
      direction: 'higher',
      baseline: perBoot(baseline),
      candidate: perBoot(candidate),
      noiseThreshold: 0.05,
      ...(modePrior === undefined ? {} : { modePrior }),
    } satisfies MetricComparisonInput,
  ])[0]!;

describe('MODE PRIOR: modes of stored boots', () => {
  it('are found by the GAP RULE in the stored boots, with their centers, distance and share', () => {
    expect(prior.low / GB).toBeCloseTo(1.0, 2);
    expect(prior.high / GB).toBeCloseTo(1.5, 2);
    expect(Math.exp(prior.shift)).toBeCloseTo(1.5, 2);
    expect(prior.lowShare).toBeCloseTo(3 / 11, 10);
    expect(
      modePriorOf(
        near(1.5, 11).map((v) => Math.log(v * GB)),
        'baseline.json',
      ),
    ).toBeNull();
  });

  it('3 custom boots all slow against 3 stock boots all fast: called without the prior, not called with it, and the row says why and how many boots decide', () => {
    const stock = near(1.5 * GB, 3);
    const custom = near(1.0 * GB, 3);
    // The within-run limit: no side shows modes by itself.
    expect(compare(stock, custom).verdict).toBe('regressed');
    const row = compare(stock, custom, { baseline: prior, candidate: prior });
    expect(row.verdict).toBe('inconclusive');
    expect(row.modes!.explainsChange).toBe(true);
    expect(row.modes!.prior).toBe('baseline.json');
    expect(row.bootsToDecide).toBe(3 + bootsToShareAMode(3 / 11)!);
    expect(row.note).toMatch(
      /^the boots stored in baseline\.json fall into two modes ×1\.50 apart, and which mode each side's boots landed in explains the change alone: not called; about \d+ boots per side would put boots of both sides in one mode \(95% chance\) and decide it \(have 3\)$/,
    );
    expect(describeModes({ ...row, unit: 'B/s' }, 'stock', 'custom')).toMatch(
      /^two modes in baseline\.json, (1000 MB\/s|1\.00 GB\/s) and 1\.50 GB\/s; 3 of 3 custom boots in the slow one, 0 of 3 stock boots; only the mode assignment explains the change: not called$/,
    );
  });

  it('holds for every split of boots from 2 to 8 a side, either side slow', () => {
    for (let nb = 2; nb <= 8; nb++)
      for (let nc = 2; nc <= 8; nc++)
        for (const [b, c] of [
          [1.5, 1.0],
          [1.0, 1.5],
        ] as const) {
          const row = compare(near(b * GB, nb), near(c * GB, nc), { baseline: prior, candidate: prior });
          expect(row.verdict, `${nb} vs ${nc}, ${b} → ${c}`).toBe('inconclusive');
          expect(row.modes!.explainsChange).toBe(true);
        }
  });

  it("one side's prior stands for both when the other kernel's stored boots show one mode", () => {
    expect(compare(near(1.5 * GB, 4), near(1.0 * GB, 4), { baseline: null, candidate: prior }).verdict).toBe('inconclusive');
  });

  it('a real change that is not the mode ratio is still called: -25% with both sides in the fast mode, and -25% below the slow mode', () => {
    // 1.125 GB/s lies below the cut (about 1.22 GB/s): placed in the slow mode it is +12.5% at a fixed mode, the other way; not called.
    expect(compare(near(1.5 * GB, 3), near(1.125 * GB, 3), { baseline: prior, candidate: prior }).verdict).toBe('inconclusive');
    // 1.2 GB/s is -20% from the fast mode and +20% from the slow one: in neither (PRIOR MODE REACH), so no mode assignment explains it.
    const between = compare(near(1.5 * GB, 3), near(1.2 * GB, 3), { baseline: prior, candidate: prior });
    expect(between.verdict).toBe('regressed');
    expect(between.modes!.inModes).toBe(false);
    expect(describeModes({ ...between, unit: 'B/s' }, 'stock', 'custom')).toMatch(
      /some boots lie in neither stored mode, so the mode assignment explains nothing: the verdict stands$/,
    );
    const bothFast = compare(near(1.5 * GB, 3), near(1.3 * GB, 3), { baseline: prior, candidate: prior });
    expect(bothFast.verdict).toBe('regressed');
    expect(bothFast.modes!.explainsChange).toBe(false);
    const belowSlow = compare(near(1.5 * GB, 3), near(0.7 * GB, 3), { baseline: prior, candidate: prior });
    expect(belowSlow.verdict).toBe('regressed');
    expect(belowSlow.modes!.explainsChange).toBe(false);
    const aboveFast = compare(near(1.0 * GB, 3), near(2.0 * GB, 3), { baseline: prior, candidate: prior });
    expect(aboveFast.verdict).toBe('improved');
  });

  it('bootsToShareAMode: (p(1-p))^m <= 5%', () => {
    expect(bootsToShareAMode(0.3)).toBe(2);
    expect(bootsToShareAMode(0.5)).toBe(3);
    expect(bootsToShareAMode(0.05)).toBe(1);
    expect(bootsToShareAMode(0)).toBeNull();
  });
});

describe('MODE PRIOR from baseline.json through pairing', () => {
  const values = (centers: number[]) => centers.flatMap((c) => [c, c * 1.001, c * 0.999]);
  const run = runFile([
    target('stock', [metric('zfs.checksum.fletcher4.bytes_per_s', values(near(1.5e9, 3)), { direction: 'higher', unit: 'B/s' })]),
    target('custom', [metric('zfs.checksum.fletcher4.bytes_per_s', values(near(1.0e9, 3)), { direction: 'higher', unit: 'B/s' })]),
  ]);
  const storedBoots = values(stored);
  const baseline = runFile(
    [
      target('stock', [metric('zfs.checksum.fletcher4.bytes_per_s', storedBoots, { direction: 'higher', unit: 'B/s' })]),
      target('custom', [metric('zfs.checksum.fletcher4.bytes_per_s', storedBoots, { direction: 'higher', unit: 'B/s' })]),
    ],
    { kind: 'baseline' },
  );

  it("attaches each kernel's stored modes to the pair when the host matches, none from another host", () => {
    const [set] = pairStockVsCustom(run, storedModesFor(run, baseline, 'baseline.json'));
    expect(set!.pairs[0]!.modePrior!.baseline!.source).toBe('baseline.json');
    expect(set!.pairs[0]!.modePrior!.candidate).not.toBeNull();
    const other = { ...baseline, host: { ...HOST, chip: 'another chip' } };
    expect(storedModesFor(run, other, 'baseline.json')).toBeNull();
    expect(pairStockVsCustom(run)[0]!.pairs[0]!.modePrior).toBeUndefined();
  });
});
