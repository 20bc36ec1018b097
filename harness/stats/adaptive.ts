/**
 * When to stop running a workload: as soon as the median is known precisely enough, bounded by
 * a minimum (so a lucky tight start cannot end a run early), a maximum number of runs, and an
 * optional wall-clock budget. Like Phoronix's "re-run while noisy", but on the CI of the median.
 */
import { bootstrapMedianCI, resolveBootstrapOptions } from './bootstrap.ts';
import { assertFiniteSamples, median } from './descriptive.ts';

export type RunDecisionReason = 'precise' | 'max-runs' | 'max-wall-time' | 'need-min-runs' | 'imprecise';

export interface RunDecision {
  enough: boolean;
  reason: RunDecisionReason;
  /** (ci.high - ci.low) / 2 / median of the samples so far; null with < 2 samples or a median of 0 and a non-zero width. */
  relativeHalfWidth: number | null;
}

export interface AdaptiveRunOptions {
  /** Stop once the CI half-width of the median is at most this fraction of the median. Default 0.02. */
  targetRelativeHalfWidth?: number;
  /** Never stop for precision before this many runs. Default 5. */
  minRuns?: number;
  /** Stop at this many runs whatever the precision. Default 30. */
  maxRuns?: number;
  /** Stop once elapsedSeconds reaches this budget, even below minRuns. No budget when absent. */
  maxWallSeconds?: number;
  /** Seconds spent so far on this workload. */
  elapsedSeconds?: number;
  seed?: number;
  resamples?: number;
  level?: number;
}

export const DEFAULT_TARGET_RELATIVE_HALF_WIDTH = 0.02;
export const DEFAULT_MIN_RUNS = 5;
export const DEFAULT_MAX_RUNS = 30;

function relativeHalfWidthOf(samples: readonly number[], options: AdaptiveRunOptions): number | null {
  if (samples.length < 2) return null;
  const ci = bootstrapMedianCI(samples, options);
  const halfWidth = (ci.high - ci.low) / 2;
  const center = median(samples);
  if (center === 0) return halfWidth === 0 ? 0 : null;
  return halfWidth / Math.abs(center);
}

export function decideMoreRuns(samples: readonly number[], options: AdaptiveRunOptions = {}): RunDecision {
  const target = options.targetRelativeHalfWidth ?? DEFAULT_TARGET_RELATIVE_HALF_WIDTH;
  const minRuns = options.minRuns ?? DEFAULT_MIN_RUNS;
  const maxRuns = options.maxRuns ?? DEFAULT_MAX_RUNS;
  const elapsed = options.elapsedSeconds ?? 0;
  if (!(target > 0 && Number.isFinite(target))) throw new RangeError(`targetRelativeHalfWidth must be a positive number, got ${target}`);
  if (!Number.isInteger(minRuns) || minRuns < 1) throw new RangeError(`minRuns must be a positive integer, got ${minRuns}`);
  if (!Number.isInteger(maxRuns) || maxRuns < minRuns) throw new RangeError(`maxRuns must be an integer >= minRuns (${minRuns}), got ${maxRuns}`);
  if (options.maxWallSeconds !== undefined && !(options.maxWallSeconds > 0))
    throw new RangeError(`maxWallSeconds must be positive, got ${options.maxWallSeconds}`);
  if (!(elapsed >= 0 && Number.isFinite(elapsed))) throw new RangeError(`elapsedSeconds must be a finite number >= 0, got ${elapsed}`);
  resolveBootstrapOptions(options);
  assertFiniteSamples(samples);

  const relativeHalfWidth = relativeHalfWidthOf(samples, options);
  const decide = (enough: boolean, reason: RunDecisionReason): RunDecision => ({ enough, reason, relativeHalfWidth });
  const n = samples.length;
  if (n >= minRuns && relativeHalfWidth !== null && relativeHalfWidth <= target) return decide(true, 'precise');
  if (n >= maxRuns) return decide(true, 'max-runs');
  if (options.maxWallSeconds !== undefined && elapsed >= options.maxWallSeconds) return decide(true, 'max-wall-time');
  if (n < minRuns) return decide(false, 'need-min-runs');
  return decide(false, 'imprecise');
}
