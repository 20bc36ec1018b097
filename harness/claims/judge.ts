/**
 * Every claim of kernels/claims.json judged against what was measured. Pure.
 *
 * confirmed: the whole CI of the measured speedup is at or above the claimed speedup;
 * refuted: the whole CI is below it; inconclusive: the CI contains it (or there is no CI);
 * not measured: no custom-vs-stock data for that guest OS and metric. The CI is the one the
 * measurement comes with: the run's own (harness/compare) for results files, across machines
 * for the database (harness/community/aggregate.ts).
 */
import type { ChipClass } from '../submit/bundle.ts';
import type { Claim, ClaimsFile } from './file.ts';

export const CLAIM_VERDICTS = ['confirmed', 'refuted', 'inconclusive', 'not measured'] as const;
export type ClaimVerdict = (typeof CLAIM_VERDICTS)[number];

export interface Interval {
  low: number;
  high: number;
}

export function judgeClaim(claimed: number, ci: Interval | null): Exclude<ClaimVerdict, 'not measured'> {
  if (ci === null) return 'inconclusive';
  if (ci.low >= claimed) return 'confirmed';
  if (ci.high < claimed) return 'refuted';
  return 'inconclusive';
}

/** One measured custom-vs-stock speedup a claim can be judged on. */
export interface Measurement {
  guestOs: string;
  metricId: string;
  /** > 1 = custom better. */
  speedup: number;
  ci: Interval | null;
  /** "9+9 samples, 3+3 boots" or "4 machines (7 runs)". */
  n: string;
  chipClasses: ChipClass[];
  /** "AMD EPYC, x64, qemu-tcg". */
  platform: string;
  /** The results file, or "database". */
  source: string;
  /** How the CI was made, when it is not the plain per-run one. */
  ciBasis: string | null;
  /**
   * Why this measurement can never confirm or refute ("2 machine(s)", "emulated: qemu-tcg"):
   * the verdict is then inconclusive whatever the CI says. Absent = no such limit.
   */
  inconclusiveBecause?: string | null;
}

export interface ClaimJudgement {
  metricId: string;
  /** The guest the claim is made for, or null for the seed's general claim. */
  claimGuestOs: string | null;
  stated: string;
  claimedSpeedup: number;
  section: string;
  quote: string;
  verdict: ClaimVerdict;
  /** "2 machine(s)" when the verdict is inconclusive for a reason other than the CI; else null. */
  verdictReason: string | null;
  /** The guest the measurement is from (null when not measured). */
  measuredGuestOs: string | null;
  speedup: number | null;
  ci: Interval | null;
  n: string | null;
  platform: string | null;
  source: string | null;
  /** false: measured on hosts other than those the claim was made for. null when not measured. */
  onClaimedPlatform: boolean | null;
  note: string;
}

const times = (x: number): string => `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`;

function note(verdict: ClaimVerdict, claimed: number, m: Measurement | null, onPlatform: boolean | null, platformText: string): string {
  const parts: string[] = [];
  if (m === null) return `no custom-vs-stock data for this guest and metric`;
  if (m.inconclusiveBecause) parts.push(`inconclusive: ${m.inconclusiveBecause}`);
  const ci = m.ci === null ? null : `[${times(m.ci.low)}, ${times(m.ci.high)}]`;
  if (verdict === 'confirmed') parts.push(`the whole 95% CI ${ci} is at or above the claimed ${times(claimed)}`);
  else if (verdict === 'refuted') parts.push(`the whole 95% CI ${ci} is below the claimed ${times(claimed)}`);
  else if (ci === null) parts.push('no confidence interval (too few samples): more runs needed');
  else parts.push(`the 95% CI ${ci} contains the claimed ${times(claimed)}: more runs or machines needed`);
  if (m.ciBasis !== null) parts.push(`CI: ${m.ciBasis}`);
  if (onPlatform === false) parts.push(`measured on ${m.platform} (${m.guestOs} guest), not on the ${platformText} the claim was made for`);
  return parts.join('; ');
}

function judgement(metricId: string, claim: Claim, claims: ClaimsFile, m: Measurement | null): ClaimJudgement {
  const limited = m !== null && typeof m.inconclusiveBecause === 'string' && m.inconclusiveBecause !== '';
  const verdict: ClaimVerdict = m === null ? 'not measured' : limited ? 'inconclusive' : judgeClaim(claim.speedup, m.ci);
  const onClaimedPlatform = m === null ? null : m.chipClasses.length > 0 && m.chipClasses.every((c) => claims.platform.chipClasses.includes(c));
  return {
    metricId,
    claimGuestOs: claim.guestOs,
    stated: claim.stated,
    claimedSpeedup: claim.speedup,
    section: claim.section,
    quote: claim.quote,
    verdict,
    verdictReason: limited ? m.inconclusiveBecause! : null,
    measuredGuestOs: m?.guestOs ?? null,
    speedup: m?.speedup ?? null,
    ci: m?.ci ?? null,
    n: m?.n ?? null,
    platform: m?.platform ?? null,
    source: m?.source ?? null,
    onClaimedPlatform,
    note: note(verdict, claim.speedup, m, onClaimedPlatform, claims.platform.description),
  };
}

/**
 * One row per claim and measurement it applies to: an OS-specific claim to that OS's
 * measurements; a general claim to every OS the seed makes no claim of its own for. A claim
 * with nothing to apply to is one "not measured" row, so every claim appears.
 */
export function judgeClaims(claims: ClaimsFile, measurements: readonly Measurement[]): ClaimJudgement[] {
  const rows: ClaimJudgement[] = [];
  for (const [metricId, entries] of Object.entries(claims.claims)) {
    const specific = new Set<string>(entries.flatMap((c) => (c.guestOs === null ? [] : [c.guestOs])));
    for (const claim of entries) {
      const applicable = measurements.filter(
        (m) => m.metricId === metricId && (claim.guestOs === null ? !specific.has(m.guestOs) : m.guestOs === claim.guestOs),
      );
      if (applicable.length === 0) rows.push(judgement(metricId, claim, claims, null));
      else for (const m of applicable) rows.push(judgement(metricId, claim, claims, m));
    }
  }
  return rows;
}

export function countVerdicts(rows: readonly ClaimJudgement[]): Record<ClaimVerdict, number> {
  const counts = { confirmed: 0, refuted: 0, inconclusive: 0, 'not measured': 0 } as Record<ClaimVerdict, number>;
  for (const row of rows) counts[row.verdict]++;
  return counts;
}
