/**
 * Every claim of kernels/claims.json judged against what was measured. Pure.
 *
 * confirmed: the whole CI of the measured speedup is at or above the claimed speedup;
 * refuted: the whole CI is below it; inconclusive: the CI contains it (or there is no CI);
 * not measured: no custom-vs-stock data for that guest OS and metric; measured on another
 * kernel: the custom kernel measured is known not to be the one the claims are about (the x86
 * testbed's custom side is Debian's cloud kernel plus the ZFS tuning, not the seed's M-series
 * kernel), so its CI says nothing about the claim; what the CI says is kept in `ciAgainstClaim`.
 * The CI is the one the
 * measurement comes with: the run's own (harness/compare) for results files, across machines
 * for the database (harness/community/aggregate.ts).
 */
import type { ChipClass } from '../submit/bundle.ts';
import type { Claim, ClaimsFile } from './file.ts';

export const CLAIM_VERDICTS = ['confirmed', 'refuted', 'inconclusive', 'measured on another kernel', 'not measured'] as const;
export type ClaimVerdict = (typeof CLAIM_VERDICTS)[number];

/** The one interval type (stats/welch.ts). */
import type { Interval } from '../stats/index.ts';
export type { Interval };

export function judgeClaim(claimed: number, ci: Interval | null): Exclude<ClaimVerdict, 'not measured' | 'measured on another kernel'> {
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
  /** The custom kernel measured (its `uname -r`), or null when the measurement does not record it. */
  kernelRelease: string | null;
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
  /** The custom kernel measured, or null when not measured or not recorded. */
  measuredKernel: string | null;
  /** Whether that kernel is the one the claims are about; null when unknown (not recorded, or no rule in the claims file). */
  onClaimedKernel: boolean | null;
  /** What the CI alone says against the claimed number, on whichever kernel; null when not measured. */
  ciAgainstClaim: Exclude<ClaimVerdict, 'not measured' | 'measured on another kernel'> | null;
  note: string;
}

const times = (x: number): string => `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`;

/**
 * CLAIMED KERNEL: a measurement speaks about a claim only when its custom kernel is the kernel
 * the claim is about, recognised by the release suffix the seed's config sets, on the guest
 * OSes whose release carries it. Unknown (no release recorded, a guest OS the rule cannot
 * recognise, or no rule) is not "another kernel": the verdict stands and the note says so.
 */
export function isClaimedKernel(claims: ClaimsFile, guestOs: string, kernelRelease: string | null): boolean | null {
  const rule = claims.claimedKernel;
  if (rule === undefined || kernelRelease === null || !rule.recognisedOn.includes(guestOs as (typeof rule.recognisedOn)[number])) return null;
  return kernelRelease.endsWith(rule.releaseSuffix);
}

function note(
  ciVerdict: ClaimVerdict,
  claimed: number,
  m: Measurement | null,
  onPlatform: boolean | null,
  platformText: string,
  onKernel: boolean | null,
  claims: ClaimsFile,
): string {
  if (m === null) return `no custom-vs-stock data for this guest and metric`;
  const ci = m.ci === null ? null : `[${times(m.ci.low)}, ${times(m.ci.high)}]`;
  let ciSays: string;
  if (ciVerdict === 'confirmed') ciSays = `the whole 95% CI ${ci} is at or above the claimed ${times(claimed)}`;
  else if (ciVerdict === 'refuted') ciSays = `the whole 95% CI ${ci} is below the claimed ${times(claimed)}`;
  else if (ci === null) ciSays = 'no confidence interval (too few samples): more runs needed';
  else ciSays = `the 95% CI ${ci} contains the claimed ${times(claimed)}: more runs or machines needed`;
  const parts = m.inconclusiveBecause ? [`inconclusive: ${m.inconclusiveBecause}`] : [];
  parts.push(
    onKernel === false
      ? `measured kernel ${m.kernelRelease} is not ${claims.claimedKernel!.description}: no verdict on the claim; on that kernel ${ciSays}`
      : ciSays,
  );
  if (m.ciBasis !== null) parts.push(`CI: ${m.ciBasis}`);
  if (onPlatform === false) parts.push(`measured on ${m.platform} (${m.guestOs} guest), not on the ${platformText} the claim was made for`);
  if (onKernel === null && m.kernelRelease === null) parts.push('which custom kernel was measured is not recorded');
  else if (onKernel === null && claims.claimedKernel !== undefined)
    parts.push(`kernel ${m.kernelRelease}: its release cannot tell whether it is ${claims.claimedKernel.description}`);
  return parts.join('; ');
}

function judgement(metricId: string, claim: Claim, claims: ClaimsFile, m: Measurement | null): ClaimJudgement {
  const limited = m !== null && typeof m.inconclusiveBecause === 'string' && m.inconclusiveBecause !== '';
  const ciAgainstClaim = m === null ? null : judgeClaim(claim.speedup, m.ci);
  const onClaimedKernel = m === null ? null : isClaimedKernel(claims, m.guestOs, m.kernelRelease);
  const verdict: ClaimVerdict =
    ciAgainstClaim === null ? 'not measured' : onClaimedKernel === false ? 'measured on another kernel' : limited ? 'inconclusive' : ciAgainstClaim;
  const onClaimedPlatform = m === null ? null : m.chipClasses.length > 0 && m.chipClasses.every((c) => claims.platform.chipClasses.includes(c));
  return {
    metricId,
    claimGuestOs: claim.guestOs,
    stated: claim.stated,
    claimedSpeedup: claim.speedup,
    section: claim.section,
    quote: claim.quote,
    verdict,
    verdictReason: limited ? m!.inconclusiveBecause! : null,
    measuredGuestOs: m?.guestOs ?? null,
    speedup: m?.speedup ?? null,
    ci: m?.ci ?? null,
    n: m?.n ?? null,
    platform: m?.platform ?? null,
    source: m?.source ?? null,
    onClaimedPlatform,
    measuredKernel: m?.kernelRelease ?? null,
    onClaimedKernel,
    ciAgainstClaim,
    note: note(ciAgainstClaim ?? 'not measured', claim.speedup, m, onClaimedPlatform, claims.platform.description, onClaimedKernel, claims),
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
  const counts = Object.fromEntries(CLAIM_VERDICTS.map((verdict) => [verdict, 0])) as Record<ClaimVerdict, number>;
  for (const row of rows) counts[row.verdict]++;
  return counts;
}
