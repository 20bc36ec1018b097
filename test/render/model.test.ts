import { describe, expect, it } from 'vitest';
import { loadClaimsSync } from '../../harness/render/claims.ts';
import { buildReportModel, toSpeedup, VERDICT_ORDER } from '../../harness/render/model.ts';
import { GENERATED_AT, loadFixture, scrubStepHistory } from './helpers.ts';

const run1 = loadFixture('debian-run-1.json');
const run2 = loadFixture('debian-run-2-regression.json');
const claims = loadClaimsSync();

describe('buildReportModel', () => {
  const model = buildReportModel({ results: [run2], baseline: run1, history: null, options: { claims, generatedAt: GENERATED_AT } });

  it('pairs custom vs stock per guest OS and each target vs the baseline, one Holm family per set', () => {
    expect(model.sets.map((s) => [s.title, s.comparison, s.baselineLabel, s.candidateLabel])).toEqual([
      ['debian: custom vs stock kernel', 'custom-vs-stock', 'stock', 'custom'],
      ['debian/stock vs baseline', 'vs-baseline', 'baseline', 'run'],
      ['debian/custom vs baseline', 'vs-baseline', 'baseline', 'run'],
    ]);
    for (const set of model.sets) {
      expect(set.rows).toHaveLength(8);
      // The unsupported checksum metric is listed, not dropped.
      expect(set.skipped.map((s) => s.metricId)).toEqual(['zfs.checksum.sha256_256k.mib_per_s']);
    }
  });

  it('finds the planted scrub regression of the custom kernel against the baseline', () => {
    const scrub = model.sets[2]!.rows.find((r) => r.metricId === 'zfs.scrub.seconds')!;
    expect(scrub.verdict).toBe('regressed');
    expect(scrub.deltaPercent).toBeGreaterThan(15);
    expect(scrub.deltaCI!.low).toBeGreaterThan(5);
    expect(scrub.adjustedP).toBeLessThan(0.05);
    // Lower is better, so 25% more time is a speedup below 1, with the CI flipped accordingly.
    expect(scrub.speedup).toBeCloseTo(1 / scrub.ratio!, 12);
    expect(scrub.speedupCI!.high).toBeCloseTo(1 / scrub.ratioCI!.low, 12);
    const sendRecv = model.sets[2]!.rows.find((r) => r.metricId === 'zfs.send_recv.mb_per_s')!;
    // +14% over two boots per side: the boots disagree too much to confirm it (pseudo-replicated
    // iterations once called this "improved"); the row says how many boots would decide it.
    expect(sendRecv.verdict).toBe('inconclusive');
    expect(sendRecv.bootsToDecide).toBeGreaterThan(2);
    expect(sendRecv.speedup).toBeCloseTo(sendRecv.ratio!, 12);
  });

  it('orders the verdict list regressions, improvements, equivalent, inconclusive and counts them', () => {
    const ranks = model.verdicts.map((row) => VERDICT_ORDER.indexOf(row.verdict));
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
    expect(model.counts).toEqual({
      regressed: model.verdicts.filter((r) => r.verdict === 'regressed').length,
      improved: model.verdicts.filter((r) => r.verdict === 'improved').length,
      equivalent: model.verdicts.filter((r) => r.verdict === 'equivalent').length,
      inconclusive: model.verdicts.filter((r) => r.verdict === 'inconclusive').length,
      skipped: 3,
    });
    expect(model.counts.regressed).toBeGreaterThanOrEqual(1);
    expect(model.headline).toMatch(/^\d+ regressions?, \d+ improvements?, \d+ equivalent, \d+ inconclusive, 3 not compared$/);
  });

  it('checks the seed claims against the measured custom-vs-stock speedup', () => {
    const pool = model.metrics.find((m) => m.id === 'zfs.pool_create.seconds')!;
    expect(pool.claims).toHaveLength(1);
    const claim = pool.claims[0]!;
    expect(claim.claimedSpeedup).toBe(1.75);
    expect(claim.quote).toBe('| Pool Create | 2.1s | 1.2s | **1.75x** |');
    // About 1.18x measured, CI well below 1.75.
    expect(claim.measuredSpeedup).toBeGreaterThan(1.05);
    expect(claim.measuredCI!.high).toBeLessThan(1.75);
    // The synthetic custom kernel (6.1.119-kbench-zfs) is not the seed's M-series kernel: no verdict on the claim.
    expect(claim.outcome).toBe('measured on another kernel');
    expect(model.claims.find((row) => row.metricId === 'zfs.pool_create.seconds' && row.claimGuestOs === null)).toMatchObject({
      ciAgainstClaim: 'refuted',
      measuredKernel: '6.1.119-kbench-zfs',
    });
    expect(model.metrics.find((m) => m.id === 'zfs.snapshots.create_single.per_s')!.claims).toEqual([]);
  });

  it('keeps every sample for the distribution chart: stock, custom, baseline', () => {
    const scrub = model.metrics.find((m) => m.id === 'zfs.scrub.seconds')!;
    expect(scrub.seriesOrder).toEqual(['debian/custom', 'debian/stock', 'baseline debian/stock', 'baseline debian/custom']);
    expect(scrub.distribution).toHaveLength(40);
    expect(new Set(scrub.distribution.map((p) => p.role))).toEqual(new Set(['stock', 'custom', 'baseline']));
    expect(scrub.failures).toEqual([
      { series: 'baseline debian/custom', count: 1, reasons: ['zpool scrub -w kbench exited 1: cannot scrub kbench: currently resilvering'] },
    ]);
  });

  it('is plain JSON: no NaN or Infinity, survives a round trip', () => {
    const text = JSON.stringify(model);
    expect(text).not.toMatch(/NaN|Infinity/);
    // Strict: an undefined field, a Date or a class instance would not come back as it went in.
    expect(JSON.parse(text)).toStrictEqual(model);
    expect(model.generatedAt).toBe(GENERATED_AT);
  });

  it('warns when the baseline comes from another machine or kernel', () => {
    const other = structuredClone(run1);
    other.host!.chip = 'Apple M2';
    other.targets[1]!.guest.kernelRelease = '6.1.0-27-amd64';
    const warned = buildReportModel({ results: [run2], baseline: other, history: null });
    expect(warned.warnings.join('\n')).toMatch(/host\.chip differs from the baseline: Apple M2 vs Intel/);
    expect(warned.warnings.join('\n')).toMatch(/guest\.kernelRelease differs/);
    // The recorded run was emulated: that one warning is always there (test/render/emulation-warnings.test.ts).
    expect(model.warnings.filter((w) => !w.includes('QEMU TCG'))).toEqual([]);
  });

  it('without a baseline compares custom vs stock only; without history has no history', () => {
    const alone = buildReportModel({ results: [run1], baseline: null, history: null });
    expect(alone.sets.map((s) => s.comparison)).toEqual(['custom-vs-stock']);
    expect(alone.metrics.every((m) => m.history === null)).toBe(true);
    expect(alone.baseline).toBeNull();
  });

  it('labels several runs #1, #2 and keeps their sets apart', () => {
    const both = buildReportModel({ results: [run1, run2], baseline: null, history: null });
    expect(both.sets.map((s) => s.title)).toEqual(['#1 debian: custom vs stock kernel', '#2 debian: custom vs stock kernel']);
    expect(both.metrics[0]!.seriesOrder).toEqual(['#1 debian/custom', '#1 debian/stock', '#2 debian/custom', '#2 debian/stock']);
  });

  it('turns history into per-run medians and finds the step in the custom scrub time', () => {
    const history = scrubStepHistory();
    const current = history.pop()!;
    const withHistory = buildReportModel({ results: [current], baseline: null, history });
    const scrub = withHistory.metrics.find((m) => m.id === 'zfs.scrub.seconds')!;
    const custom = scrub.history!.find((s) => s.target === 'debian/custom')!;
    const stock = scrub.history!.find((s) => s.target === 'debian/stock')!;
    expect(custom.points).toHaveLength(12);
    expect(custom.points.at(-1)!.current).toBe(true);
    expect(custom.points.filter((p) => p.current)).toHaveLength(1);
    expect(custom.changes.map((c) => c.runId)).toEqual(['history-07']);
    expect(custom.changes[0]!.relativeChange).toBeGreaterThan(0.12);
    expect(stock.changes).toEqual([]);
    expect(withHistory.history).toEqual({ runs: 12, from: history[0]!.createdAt, to: current.createdAt });
    // The history is embedded as medians, one row per run x target x metric.
    expect(withHistory.data.history.filter((h) => h.metric === 'zfs.scrub.seconds')).toHaveLength(24);
  });

  it('does not count the current run twice when the history directory holds it too', () => {
    const history = scrubStepHistory();
    const current = history.at(-1)!;
    const withHistory = buildReportModel({ results: [current], baseline: null, history });
    expect(withHistory.metrics[0]!.history![0]!.points).toHaveLength(12);
  });
});

describe('toSpeedup', () => {
  it('is 1/ratio when lower is better, the ratio when higher is better, null when undefined', () => {
    expect(toSpeedup(0.5, 'lower')).toBe(2);
    expect(toSpeedup(0.5, 'higher')).toBe(0.5);
    expect(toSpeedup(Number.POSITIVE_INFINITY, 'lower')).toBeNull();
    expect(toSpeedup(0, 'higher')).toBeNull();
  });
});
