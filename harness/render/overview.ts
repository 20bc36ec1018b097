/**
 * The overview a report opens with: one row per tested metric (speedup, 95% CI, the metric's
 * noise band, verdict, claimed value), grouped by workload, regressions first. Pure.
 */
import type { ClaimJudgement } from '../claims/judge.ts';
import { noiseBand, speedupOf, type Verdict } from '../stats/index.ts';
import { VERDICT_ORDER, type ComparedRow } from './rows.ts';

export interface OverviewRow {
  metricId: string;
  anchor: string;
  workload: string;
  /** Rank of the workload: groups holding a regression come first. */
  workloadRank: number;
  /** The y label: the metric id without its workload part, with the comparison when the report has several. */
  label: string;
  setTitle: string;
  verdict: Verdict;
  /** Deterministic metrics are compared exactly: a point, no CI. */
  exact: boolean;
  speedup: number;
  low: number | null;
  high: number | null;
  /** The noise band as speedups: inside it, a change is "equivalent". Null where it is unbounded. */
  bandLow: number | null;
  bandHigh: number | null;
  /** The seed's claimed speedup for this metric and guest, when a custom-vs-stock claim exists. */
  claimed: number | null;
}

/**
 * WORKLOAD OF A METRIC: the first part of its id, or the second under "zfs." (zfs.checksum.* is
 * the checksum workload); metric ids are "<workload>.<what>.<unit>" by the suites' convention.
 */
export function workloadOf(metricId: string): string {
  const parts = metricId.split('.');
  return parts[0] === 'zfs' && parts.length > 2 ? parts[1]! : parts[0]!;
}

/** "zfs.checksum.sha256_1m.mib_per_s" → "sha256_1m.mib_per_s": the panel already names the workload. */
export function withinWorkload(metricId: string): string {
  const workload = workloadOf(metricId);
  const parts = metricId.split('.');
  const skip = parts[0] === 'zfs' && parts[1] === workload ? 2 : parts[0] === workload ? 1 : 0;
  return parts.length > skip ? parts.slice(skip).join('.') : metricId;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) && x > 0 ? x : null);

/**
 * The band classify() uses, [1 - t, 1 + t] on the ratio candidate/baseline, turned into
 * speedups (> 1 better): inverted for lower-is-better metrics.
 */
export function speedupBand(noiseThreshold: number, direction: 'lower' | 'higher'): { low: number | null; high: number | null } {
  const band = noiseBand(noiseThreshold);
  // The one speedup formula (stats/speedup.ts); each end stays null on its own when degenerate.
  const a = speedupOf(direction, Math.exp(band.lower));
  const b = speedupOf(direction, Math.exp(band.upper));
  return { low: finiteOrNull(Math.min(a, b)), high: finiteOrNull(Math.max(a, b)) };
}

/** The claimed speedup judged on this row's measurement: custom-vs-stock rows only. */
export function claimedFor(row: ComparedRow, claims: readonly ClaimJudgement[]): ClaimJudgement | null {
  if (row.comparison !== 'custom-vs-stock') return null;
  return claims.find((claim) => claim.metricId === row.metricId && claim.measuredGuestOs === row.guestOs) ?? null;
}

const verdictRank = (verdict: Verdict): number => VERDICT_ORDER.indexOf(verdict);

export function overviewRows(
  rows: readonly ComparedRow[],
  claims: readonly ClaimJudgement[],
  anchorOf: (metricId: string) => string,
  severalSets: boolean,
): OverviewRow[] {
  const tested = rows.filter((row): row is ComparedRow & { speedup: number } => row.speedup !== null);
  const rankOf = new Map<string, number>();
  for (const row of tested) {
    const workload = workloadOf(row.metricId);
    rankOf.set(workload, Math.min(rankOf.get(workload) ?? Infinity, verdictRank(row.verdict)));
  }
  const workloads = [...rankOf.keys()].sort((a, b) => rankOf.get(a)! - rankOf.get(b)! || a.localeCompare(b));
  return tested
    .map((row): OverviewRow => {
      const band = speedupBand(row.noiseThreshold, row.direction);
      const workload = workloadOf(row.metricId);
      return {
        metricId: row.metricId,
        anchor: anchorOf(row.metricId),
        workload,
        workloadRank: workloads.indexOf(workload),
        label: severalSets ? `${withinWorkload(row.metricId)} (${row.setTitle})` : withinWorkload(row.metricId),
        setTitle: row.setTitle,
        verdict: row.verdict,
        exact: row.method === 'exact',
        speedup: row.speedup,
        low: row.method === 'exact' ? null : (row.speedupCI?.low ?? null),
        high: row.method === 'exact' ? null : (row.speedupCI?.high ?? null),
        bandLow: band.low,
        bandHigh: band.high,
        claimed: claimedFor(row, claims)?.claimedSpeedup ?? null,
      };
    })
    .sort(
      (a, b) => a.workloadRank - b.workloadRank || verdictRank(a.verdict) - verdictRank(b.verdict) || a.speedup - b.speedup || a.label.localeCompare(b.label),
    );
}
