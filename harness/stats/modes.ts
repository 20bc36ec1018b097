/**
 * Boots in modes. Some metrics settle per boot into one of a few states (fletcher4 under TCG:
 * about 30% of boots at 0.67× the others), so a side's boot summaries fall into separated
 * groups, and a comparison in which one kernel happened to get the slow boots shows a "change"
 * that is only which boots landed where. Pure.
 *
 * GAP RULE (detection): on one side's sorted log boot summaries (>= 3 boots), the largest gap
 * between neighbours splits them in two groups; they are modes when that gap is at least
 * MODE_GAP_WITHIN_SDS times the pooled standard deviation inside the groups and at least
 * MODE_MIN_GAP (10%). Why a gap and not a mixture fit: with 3-11 boots a fitted mixture has more
 * parameters than the data can carry, while a gap of 6 within-group SDs between groups has a
 * chance below 1e-3 under one normal mode of that spread, and the 10% floor keeps a tight metric
 * (1% noise) from calling ordinary scatter modes. A side whose boots are all in one mode shows
 * nothing by itself: detection needs a side (a pooled baseline is the usual one) with boots in both.
 */
import { mean } from './descriptive.ts';

export const MODE_GAP_WITHIN_SDS = 6;
export const MODE_MIN_GAP = Math.log(1.1);

export interface Modes {
  /** Log value between the two modes (the middle of the gap that was found). */
  cut: number;
  /** Centers (geometric means over both sides) of the low and high mode, in the metric's unit. */
  low: number;
  high: number;
  baseline: { low: number; high: number };
  candidate: { low: number; high: number };
  /**
   * Log distance between the modes, measured inside the sides that have boots in both (weighted
   * by their boots), so that a kernel's own change does not leak into it.
   */
  shift: number;
}

/** The cut between two modes of one side's log boot summaries, with the size of the gap; null when one mode. */
export function sideModeCut(logs: readonly number[]): { cut: number; gap: number } | null {
  if (logs.length < 3) return null;
  const sorted = [...logs].sort((a, b) => a - b);
  let at = 0;
  for (let i = 1; i < sorted.length - 1; i++) if (sorted[i + 1]! - sorted[i]! > sorted[at + 1]! - sorted[at]!) at = i;
  const gap = sorted[at + 1]! - sorted[at]!;
  const groups = [sorted.slice(0, at + 1), sorted.slice(at + 1)];
  let squares = 0;
  let df = 0;
  for (const g of groups) {
    const m = mean(g);
    squares += g.reduce((s, v) => s + (v - m) ** 2, 0);
    df += g.length - 1;
  }
  const within = df > 0 ? Math.sqrt(squares / df) : 0;
  if (gap < MODE_MIN_GAP || gap < MODE_GAP_WITHIN_SDS * within) return null;
  return { cut: (sorted[at]! + sorted[at + 1]!) / 2, gap };
}

/** Modes found on either side (the wider gap wins), with every boot of both sides assigned; null when none. */
export function detectModes(logsBaseline: readonly number[], logsCandidate: readonly number[]): Modes | null {
  const found = [sideModeCut(logsBaseline), sideModeCut(logsCandidate)].filter((c): c is { cut: number; gap: number } => c !== null);
  if (found.length === 0) return null;
  const { cut } = found.reduce((a, b) => (b.gap > a.gap ? b : a));
  const all = [...logsBaseline, ...logsCandidate];
  const count = (logs: readonly number[]) => ({ low: logs.filter((v) => v < cut).length, high: logs.filter((v) => v >= cut).length });
  let weighted = 0;
  let weights = 0;
  for (const logs of [logsBaseline, logsCandidate]) {
    const low = logs.filter((v) => v < cut);
    const high = logs.filter((v) => v >= cut);
    if (low.length === 0 || high.length === 0) continue;
    weighted += (mean(high) - mean(low)) * logs.length;
    weights += logs.length;
  }
  return {
    shift: weighted / weights,
    cut,
    low: Math.exp(mean(all.filter((v) => v < cut))),
    high: Math.exp(mean(all.filter((v) => v >= cut))),
    baseline: count(logsBaseline),
    candidate: count(logsCandidate),
  };
}

/**
 * Logs with the mode taken out: every boot in the low mode moved up by the distance between the
 * mode centers, so what is left is the difference at a fixed mode. Null when the two sides share
 * no mode (each side all in a different one): then nothing but the assignment can be measured.
 */
export function withinModeLogs(logs: readonly number[], modes: Modes): number[] {
  return logs.map((v) => (v < modes.cut ? v + modes.shift : v));
}

export function sidesShareAMode(modes: Modes): boolean {
  return (modes.baseline.low > 0 && modes.candidate.low > 0) || (modes.baseline.high > 0 && modes.candidate.high > 0);
}

/**
 * MODE PRIOR: the modes a metric showed in boots stored outside this comparison (baseline.json
 * pools runs per metric: 11-22 boots), found by the same GAP RULE. Why it is needed: within one
 * run, one kernel with all its boots in the slow mode and the other with all in the fast one is
 * exactly what a real change of the mode ratio looks like, and no within-run test can tell them
 * apart (3 boots a side: 2·0.3³·0.7³ = 1.85% of metrics, ~30% of 21-metric commands). Stored
 * boots that show both modes give what the run cannot: where the cut lies and how far apart the
 * modes are. The cut is absolute (the middle of the largest gap, in log units): with modes 1.5×
 * apart it lies ~20% from each mode, far beyond run-to-run drift (2-5%), so a run's boots can be
 * placed in a stored mode.
 */
export interface ModePrior {
  /** Log value between the modes. */
  cut: number;
  /** Geometric means of the stored boots below and above the cut, in the metric's unit. */
  low: number;
  high: number;
  /** Log distance between the mode centers. */
  shift: number;
  /** Share of the stored boots in the low mode. */
  lowShare: number;
  /** Stored boots the prior was found in. */
  boots: number;
  /** Where the boots came from ("baseline.json"). */
  source: string;
}

/** The modes of stored log boot summaries (GAP RULE), or null when they show one mode. */
export function modePriorOf(logs: readonly number[], source: string): ModePrior | null {
  const found = sideModeCut(logs);
  if (found === null) return null;
  const low = logs.filter((v) => v < found.cut);
  const high = logs.filter((v) => v >= found.cut);
  return {
    cut: found.cut,
    low: Math.exp(mean(low)),
    high: Math.exp(mean(high)),
    shift: mean(high) - mean(low),
    lowShare: low.length / logs.length,
    boots: logs.length,
    source,
  };
}

/**
 * PRIOR MODE REACH: a boot lies in a stored mode when it is within a third of the distance
 * between the modes from that mode's center (log units; the cut is at half). Why: a boot between
 * a third and two thirds of the way is not what either mode gives (with modes 1.5× apart, more
 * than 14% from both centers, 4 boot SDs at a boot CV of 3%), so which mode it landed in cannot be
 * what explains it; a real change of the kernel (+25% on top of the slow mode) is placed so.
 */
export const PRIOR_MODE_REACH = 1 / 3;

/** A row's modes placed by a prior: like Modes, plus where the prior came from and whether every boot lies in a mode. */
export type PriorModes = Modes & { prior: string; lowShare: number; inModes: boolean };

/**
 * Both sides' boots placed in the stored modes, each side by its own stored boots' prior (the
 * stock kernel's by the baseline's stock boots), else by the other side's. The shift is the
 * priors' mean. Null when neither side has a prior.
 */
export function placeInPriorModes(
  logsBaseline: readonly number[],
  logsCandidate: readonly number[],
  priors: { baseline?: ModePrior | null; candidate?: ModePrior | null },
): PriorModes | null {
  const baselinePrior = priors.baseline ?? priors.candidate ?? null;
  const candidatePrior = priors.candidate ?? priors.baseline ?? null;
  if (baselinePrior === null || candidatePrior === null) return null;
  const count = (logs: readonly number[], prior: ModePrior) => ({
    low: logs.filter((v) => v < prior.cut).length,
    high: logs.filter((v) => v >= prior.cut).length,
  });
  const both = baselinePrior === candidatePrior ? [baselinePrior] : [baselinePrior, candidatePrior];
  const lies = (logs: readonly number[], prior: ModePrior) =>
    logs.every((v) => Math.abs(v - Math.log(v < prior.cut ? prior.low : prior.high)) <= PRIOR_MODE_REACH * prior.shift);
  return {
    inModes: lies(logsBaseline, baselinePrior) && lies(logsCandidate, candidatePrior),
    cut: baselinePrior.cut,
    low: Math.exp(mean(both.map((p) => Math.log(p.low)))),
    high: Math.exp(mean(both.map((p) => Math.log(p.high)))),
    shift: mean(both.map((p) => p.shift)),
    baseline: count(logsBaseline, baselinePrior),
    candidate: count(logsCandidate, candidatePrior),
    prior: [...new Set(both.map((p) => p.source))].join(', '),
    lowShare: mean(both.map((p) => p.lowShare)),
  };
}

/** Logs moved to the high mode by a side's own prior cut and the priors' shift (as withinModeLogs). */
export function withinPriorModeLogs(logs: readonly number[], prior: ModePrior, shift: number): number[] {
  return logs.map((v) => (v < prior.cut ? v + shift : v));
}

/**
 * Chance that the sides will have boots in a common mode after more boots (MODE SHARE CHANCE):
 * once they do, the difference at a fixed mode is measured inside the run. 95%, the level of
 * every interval here.
 */
export const MODE_SHARE_CHANCE = 0.95;

/**
 * Extra boots per side after which, with a share `lowShare` of boots in the low mode, two sides
 * that so far lie each in a different mode have a boot in a common mode with MODE_SHARE_CHANCE:
 * they still share none only if every new boot of one side lands in its mode and every new boot
 * of the other in the other, (lowShare · (1 − lowShare))^m. Null when a mode never occurs.
 */
export function bootsToShareAMode(lowShare: number): number | null {
  const stay = lowShare * (1 - lowShare);
  if (!(stay > 0 && stay < 1)) return null;
  return Math.ceil(Math.log(1 - MODE_SHARE_CHANCE) / Math.log(stay));
}
