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
