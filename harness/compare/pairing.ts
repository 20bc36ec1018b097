/**
 * Decides what is compared with what: a run against the baseline (same target id, same metric
 * id), or custom against stock kernels inside one run (per guest OS). Pure: no I/O.
 */
import { guestClockOf, type GuestClock, type KernelVariant, type Metric, type MetricResolution, type ResultsFile, type Target } from '../results/schema.ts';
import { modePriorOf, summarizeUnits, type ModePrior, type NestedSample } from '../stats/index.ts';
import { sideConditions, type SideConditions } from './conditions.ts';

export interface MetricPair {
  /** Target and metric, e.g. "debian/custom zfs.pool_create.seconds". */
  key: string;
  guestOs: string;
  metricId: string;
  unit: Metric['unit'];
  direction: Metric['direction'];
  /** The suite's threshold for the metric, when it sets one. */
  noiseThreshold: number | undefined;
  /** A threshold measured by an A/A calibration stored with the baseline, when there is one. */
  calibratedThreshold: number | undefined;
  /** Declared deterministic by its workload. */
  exact: boolean;
  /** The coarser of the two sides' declared resolutions, when either declares one. */
  resolution?: MetricResolution | undefined;
  /** Samples with their unit of replication ("<run>/<boot>"). */
  baseline: NestedSample[];
  candidate: NestedSample[];
  /** The sides come from different runs (a run against a baseline): the run is a level. */
  acrossRuns?: boolean;
  /** Between-run CV a calibration stored with the baseline measured, with its df. */
  runCv?: { cv: number; df: number; source: string } | undefined;
  /** Which clock's drift moves it between runs (FAMILY RUN VARIANCE, stats/compare.ts): `driftGroupOf`. */
  driftGroup?: string;
  /** MODE PRIOR (stats/modes.ts): the modes the metric's stored boots (baseline.json) show, per side. */
  modePrior?: { baseline: ModePrior | null; candidate: ModePrior | null } | undefined;
}

/** A metric that cannot be compared, with the reason (shown, never silently dropped). */
export interface SkippedMetric {
  key: string;
  reason: string;
}

/** A metric whose unit or direction changed between the two sides: a failure of the gate, never a pass. */
export interface IncomparableMetric {
  key: string;
  candidate: { unit: Metric['unit']; direction: Metric['direction'] };
  baseline: { unit: Metric['unit']; direction: Metric['direction'] };
  /** What else differs, when units and directions agree (where the scratch pool lived). */
  detail?: string;
}

/** The coarser resolution per field: a step of 1 MiB/s on one side bounds what both can show. */
export function coarserResolution(a: MetricResolution | undefined, b: MetricResolution | undefined): MetricResolution | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const step = Math.max(a.step ?? 0, b.step ?? 0);
  const relative = Math.max(a.relative ?? 0, b.relative ?? 0);
  // Floored only when both sides say so: otherwise the symmetric (wider) reading.
  const floor = a.floor === true && b.floor === true;
  return { ...(step > 0 ? { step } : {}), ...(relative > 0 ? { relative } : {}), ...(floor ? { floor } : {}) };
}

export interface ComparisonSet {
  /** e.g. "debian: custom vs stock" or "debian/custom vs baseline". */
  title: string;
  baselineLabel: string;
  candidateLabel: string;
  pairs: MetricPair[];
  skipped: SkippedMetric[];
  /** Also listed in `skipped` (so tables show them); kept apart so a gate can fail on them. */
  incomparable: IncomparableMetric[];
  /** What each side was measured under (compare/conditions.ts); absent when the caller built the set by hand. */
  conditions?: { baseline: SideConditions; candidate: SideConditions };
}

function runCvOf(metric: Metric): MetricPair['runCv'] {
  const noise = metric.noise;
  if (noise?.runCv === undefined || noise.runCvDf === undefined) return undefined;
  return { cv: noise.runCv, df: noise.runCvDf, source: `kbench calibrate (${noise.calibration ?? `${noise.runCvDf + 1} runs`})` };
}

/**
 * What moves a metric between runs: the host's state moves whatever the host's clock times, and
 * under an instruction-counting guest clock it moves nothing the guest times (nor what the
 * guest's kernel reports). On the host's wall clock every metric is the host's.
 */
export function driftGroupOf(clock: GuestClock, timing: Metric['timing']): 'host clock' | 'guest clock' {
  return clock.kind === 'icount' && (timing === 'guest' || timing === 'kernel') ? 'guest clock' : 'host clock';
}

/** Boots are the units; in a baseline pooled from several runs, boot 0 of run 1 is not boot 0 of run 0. */
export const nestedSamples = (metric: Metric): NestedSample[] =>
  metric.samples.map((sample) => ({ value: sample.value, unit: `${sample.run ?? 0}/${sample.boot}` }));

function pairTargets(
  title: string,
  baselineLabel: string,
  candidateLabel: string,
  keyPrefix: string,
  baseline: Target,
  candidate: Target,
  acrossRuns: boolean,
  clock: GuestClock,
): ComparisonSet {
  const pairs: MetricPair[] = [];
  const skipped: SkippedMetric[] = [];
  const incomparable: IncomparableMetric[] = [];
  const baselineMetrics = new Map(baseline.metrics.map((metric) => [metric.id, metric]));
  for (const metric of candidate.metrics) {
    const key = `${keyPrefix} ${metric.id}`;
    const other = baselineMetrics.get(metric.id);
    baselineMetrics.delete(metric.id);
    if (other === undefined) {
      skipped.push({ key, reason: `no ${baselineLabel} samples for this metric` });
      continue;
    }
    const unsupported = [metric, other].find((m) => m.status.kind === 'unsupported');
    if (unsupported !== undefined && unsupported.status.kind === 'unsupported') {
      skipped.push({ key, reason: `unsupported: ${unsupported.status.reason}` });
      continue;
    }
    if (metric.samples.length === 0 && other.samples.length === 0) {
      const failure = metric.failures[0] ?? other.failures[0];
      skipped.push({ key, reason: `no samples on either side${failure === undefined ? '' : `: ${failure.reason}`}` });
      continue;
    }
    if (metric.unit !== other.unit || metric.direction !== other.direction) {
      skipped.push({
        key,
        reason: `incomparable: ${candidateLabel} is ${metric.unit}/${metric.direction}, ${baselineLabel} is ${other.unit}/${other.direction}`,
      });
      incomparable.push({
        key,
        candidate: { unit: metric.unit, direction: metric.direction },
        baseline: { unit: other.unit, direction: other.direction },
      });
      continue;
    }
    // A pool in guest RAM and one on a host-served disk time different things.
    const scratch = { candidate: metric.scratch ?? 'disk', baseline: other.scratch ?? 'disk' };
    if (scratch.candidate !== scratch.baseline) {
      const detail = `its scratch pool was in ${scratch.candidate} for ${candidateLabel} but in ${scratch.baseline} for ${baselineLabel}`;
      skipped.push({ key, reason: `incomparable: ${detail}` });
      incomparable.push({
        key,
        candidate: { unit: metric.unit, direction: metric.direction },
        baseline: { unit: other.unit, direction: other.direction },
        detail,
      });
      continue;
    }
    pairs.push({
      key,
      guestOs: candidate.guest.os,
      metricId: metric.id,
      unit: metric.unit,
      direction: metric.direction,
      noiseThreshold: metric.noiseThreshold ?? other.noiseThreshold,
      calibratedThreshold: other.noise?.calibratedThreshold ?? metric.noise?.calibratedThreshold ?? undefined,
      exact: metric.exact === true || other.exact === true,
      resolution: coarserResolution(metric.resolution, other.resolution),
      baseline: nestedSamples(other),
      candidate: nestedSamples(metric),
      acrossRuns,
      runCv: runCvOf(other),
      driftGroup: driftGroupOf(clock, metric.timing),
    });
  }
  for (const leftover of baselineMetrics.values()) skipped.push({ key: `${keyPrefix} ${leftover.id}`, reason: `no ${candidateLabel} samples for this metric` });
  return { title, baselineLabel, candidateLabel, pairs, skipped, incomparable };
}

/**
 * Stored boots whose modes a stock-vs-custom comparison may use (MODE PRIOR): a baseline file,
 * its name, and which stored kernel stands for each side (default: the same one; `kbench gate`
 * puts two custom kernels in the slots and reads both from the stored custom boots).
 */
export interface StoredModes {
  stored: ResultsFile;
  source: string;
  variants?: { baseline: KernelVariant; candidate: KernelVariant };
}

/** The modes of one stored metric's boot summaries (GAP RULE), or null (absent, one mode, zeros). */
function storedModePrior(stored: ResultsFile, os: string, variant: KernelVariant, metricId: string, source: string): ModePrior | null {
  const target = stored.targets.find((t) => t.guest.os === os && t.guest.kernelVariant === variant);
  const metric = target?.metrics.find((m) => m.id === metricId);
  if (metric === undefined || metric.exact === true || metric.samples.length === 0) return null;
  const values = summarizeUnits(nestedSamples(metric)).map((u) => u.value);
  if (!values.every((v) => v > 0)) return null;
  return modePriorOf(values.map(Math.log), source);
}

/** The set's pairs with the stored modes of their metrics attached (only where a side's stored boots show two). */
export function withStoredModes(set: ComparisonSet, os: string, from: StoredModes): ComparisonSet {
  const variants = from.variants ?? { baseline: 'stock', candidate: 'custom' };
  return {
    ...set,
    pairs: set.pairs.map((pair) => {
      const prior = {
        baseline: storedModePrior(from.stored, os, variants.baseline, pair.metricId, from.source),
        candidate: storedModePrior(from.stored, os, variants.candidate, pair.metricId, from.source),
      };
      return prior.baseline === null && prior.candidate === null ? pair : { ...pair, modePrior: prior };
    }),
  };
}

/** Custom over stock for every guest OS that has both kernels in the run; with stored boots, their modes (MODE PRIOR). */
export function pairStockVsCustom(run: ResultsFile, storedModes?: StoredModes | null): ComparisonSet[] {
  const byOs = new Map<string, { stock?: Target; custom?: Target }>();
  for (const target of run.targets) {
    const entry = byOs.get(target.guest.os) ?? {};
    entry[target.guest.kernelVariant] = target;
    byOs.set(target.guest.os, entry);
  }
  const sets: ComparisonSet[] = [];
  for (const [os, { stock, custom }] of byOs) {
    if (stock === undefined || custom === undefined) continue;
    const set: ComparisonSet = {
      ...pairTargets(`${os}: custom vs stock kernel`, 'stock', 'custom', os, stock, custom, false, guestClockOf(run.host)),
      conditions: { baseline: sideConditions(run, 'stock', 'stock'), candidate: sideConditions(run, 'custom', 'custom') },
    };
    sets.push(storedModes === undefined || storedModes === null ? set : withStoredModes(set, os, storedModes));
  }
  return sets;
}

/** Each target of the run against the same target id in the baseline. */
export function pairRunVsBaseline(run: ResultsFile, baseline: ResultsFile): ComparisonSet[] {
  const baselineTargets = new Map(baseline.targets.map((target) => [target.id, target]));
  const sets: ComparisonSet[] = [];
  for (const target of run.targets) {
    const other = baselineTargets.get(target.id);
    if (other === undefined) continue;
    const variant = target.guest.kernelVariant;
    sets.push({
      ...pairTargets(`${target.id} vs baseline`, 'baseline', 'run', target.id, other, target, true, guestClockOf(run.host)),
      conditions: { baseline: sideConditions(baseline, variant, 'baseline'), candidate: sideConditions(run, variant, 'run') },
    });
  }
  return sets;
}

/** Target ids of the run that the baseline has nothing for. */
export function targetsMissingFromBaseline(run: ResultsFile, baseline: ResultsFile): string[] {
  const known = new Set(baseline.targets.map((target) => target.id));
  return run.targets.map((target) => target.id).filter((id) => !known.has(id));
}
