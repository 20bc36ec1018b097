/**
 * The ReportModel: everything a report shows, as plain JSON-safe data (no NaN, no Infinity:
 * missing numbers are null). Built once by buildReportModel; every exporter (html, md, junit)
 * only formats it. Pure: no I/O, no clock unless generatedAt is left out.
 *
 * Pairing is the same as `kbench compare` (harness/compare): per guest OS custom vs stock inside
 * each run, and each run target vs the same target id in the baseline; one compareMetrics call
 * (one Holm family) per comparison set.
 */
import {
  compareSets,
  DEFAULT_ALPHA,
  DEFAULT_NOISE_THRESHOLD,
  DEFAULT_SEED,
  clockMismatch,
  fingerprintDifferences,
  nestedSamples,
  pairRunVsBaseline,
  pairStockVsCustom,
  storedModesFor,
  targetsMissingFromBaseline,
  type ComparisonSet,
} from '../compare/index.ts';
import { detectChangePoints, type ChangePointOptions } from '../stats/index.ts';
import type { HostFingerprint, ResultsFile, Target, Unit } from '../results/schema.ts';
import { DEFAULT_CONFIDENCE_LEVEL, median, summarizeSide, type Verdict } from '../stats/index.ts';
import { summarizeUnits } from '../stats/nested.ts';
import { finite, reportSets, slug, VERDICT_ORDER, type ComparedRow, type ComparisonKind, type Interval, type ReportSet, type SkippedRow } from './rows.ts';
import { KBENCH_VERSION } from '../version.ts';
import { emulationWarnings } from '../env/emulation.ts';
import { hostLoadWarnings } from '../env/load.ts';
import type { ClaimOutcome, ClaimsFile } from './claims.ts';
import { claimedFor, overviewRows, speedupBand, workloadOf, type OverviewRow } from './overview.ts';
import { runConditions, type RunConditions } from './conditions.ts';
import { judgeClaims, type ClaimJudgement } from '../claims/judge.ts';
import { measurementsFromRun } from '../claims/measurements.ts';

/** 3: statistics.bootstrapResamples removed (no report interval was ever a bootstrap one). */
export const REPORT_MODEL_VERSION = 3;

export type { ComparedRow, ComparisonKind, Interval, ReportSet, SideSummary, SkippedRow } from './rows.ts';

export interface DistributionPoint {
  series: string;
  value: number;
  role: 'stock' | 'custom' | 'baseline';
}

/** One boot of one series: the median of its iterations, the value the verdict is made on. */
export interface BootPoint {
  series: string;
  role: DistributionPoint['role'];
  /** "<run>/<boot>", the unit of replication the comparison uses. */
  unit: string;
  value: number;
  iterations: number;
  /**
   * The mode this boot belongs to when a metric's boots form several (e.g. two levels of
   * per-boot medians); null while nothing detects modes. The chart marks it by shape.
   */
  mode: string | null;
}

/** Geometric mean of one series' boot medians: the value ratios are taken of. */
export interface SeriesCenter {
  series: string;
  role: DistributionPoint['role'];
  value: number;
}

export interface SpeedupPoint {
  label: string;
  comparison: ComparisonKind;
  speedup: number;
  low: number | null;
  high: number | null;
  verdict: Verdict;
  exact: boolean;
  /** The metric's noise band as speedups (see overview.ts speedupBand). */
  bandLow: number | null;
  bandHigh: number | null;
  claimed: number | null;
}

export interface ClaimCheck {
  /** The comparison set the measurement comes from, e.g. "debian: custom vs stock kernel". */
  setTitle: string;
  guestOs: string;
  stated: string;
  quote: string;
  section: string;
  claimedSpeedup: number;
  measuredSpeedup: number | null;
  measuredCI: Interval | null;
  outcome: ClaimOutcome;
}

export interface HistoryPoint {
  runId: string;
  createdAt: string;
  median: number;
  n: number;
  current: boolean;
}

export interface HistoryChange {
  index: number;
  runId: string;
  createdAt: string;
  before: number;
  after: number;
  relativeChange: number | null;
}

export interface HistorySeries {
  target: string;
  points: HistoryPoint[];
  changes: HistoryChange[];
  segments: { from: string; to: string; level: number }[];
}

export interface MetricSection {
  id: string;
  anchor: string;
  workload: string;
  unit: Unit;
  direction: 'lower' | 'higher';
  /** Every iteration, drawn faintly behind the boots. */
  distribution: DistributionPoint[];
  /** One point per boot per series: what the comparison tests. */
  boots: BootPoint[];
  centers: SeriesCenter[];
  seriesOrder: string[];
  speedups: SpeedupPoint[];
  rows: ComparedRow[];
  skipped: SkippedRow[];
  claims: ClaimCheck[];
  history: HistorySeries[] | null;
  failures: { series: string; count: number; reasons: string[] }[];
  unsupported: { series: string; reason: string }[];
}

export interface RunInfo {
  /** "#1", "#2" when several runs are reported, "baseline" for the baseline, "" for a single run. */
  label: string;
  source: string | null;
  runId: string;
  kind: ResultsFile['kind'];
  kbenchVersion: string;
  createdAt: string;
  updatedAt: string;
  complete: boolean;
  settings: [string, string][];
  host: [string, string][] | null;
}

export interface GuestInfo {
  series: string;
  run: string;
  target: string;
  facts: [string, string][];
  zfsTunables: [string, string][];
  poolProperties: [string, string][];
  zfsImplementations: [string, string][];
}

export interface ReportModel {
  format: 'kbench-report-model';
  version: typeof REPORT_MODEL_VERSION;
  generatedAt: string;
  kbenchVersion: string;
  statistics: {
    test: string;
    correction: string;
    alpha: number;
    noiseThreshold: number;
    confidenceLevel: number;
    seed: number;
  };
  headline: string;
  counts: Record<Verdict | 'skipped', number>;
  runs: RunInfo[];
  baseline: RunInfo | null;
  history: { runs: number; from: string; to: string } | null;
  fingerprint: { hosts: string[]; guests: string[] };
  /** Per run (and the baseline): clock, accelerator, host load per kernel, versions, what was emulated. */
  conditions: RunConditions[];
  warnings: string[];
  /** CI mode: verdict rows made under different conditions carry the † mark, with a legend. */
  conditionsMarked: boolean;
  /** Every tested row for the overview forest plot, grouped by workload, regressions first. */
  overview: OverviewRow[];
  /** Every seed claim judged on this report's custom-vs-stock rows (harness/claims); empty without claims. */
  claims: ClaimJudgement[];
  sets: ReportSet[];
  /** Every compared row: regressions first, then improvements, unchanged, inconclusive. */
  verdicts: ComparedRow[];
  skipped: SkippedRow[];
  metrics: MetricSection[];
  guests: GuestInfo[];
  /** The inputs themselves plus the history medians, for embedding and download. */
  data: {
    format: 'kbench-report-data';
    version: 1;
    results: ResultsFile[];
    baseline: ResultsFile | null;
    history: { runId: string; createdAt: string; target: string; metric: string; median: number; n: number }[];
  };
}

export interface ReportOptions {
  alpha?: number;
  noiseThreshold?: number;
  seed?: number;
  /** Claims to check custom-vs-stock speedups against (kernels/claims.json); none when absent. */
  claims?: ClaimsFile | null;
  /** ISO time; defaults to now. */
  generatedAt?: string;
  kbenchVersion?: string;
  /** File names of the inputs, shown in the header. */
  sources?: { results?: string[]; baseline?: string | null };
  changePoints?: ChangePointOptions;
  /** CI mode (compare/conditions.ts ciMode): verdicts made under different conditions are marked † in the verdict rows. */
  ci?: boolean;
}

export interface ReportInput {
  results: ResultsFile[];
  baseline: ResultsFile | null;
  history: ResultsFile[] | null;
  options?: ReportOptions;
}

export { VERDICT_ORDER, toSpeedup } from './rows.ts';

const sortedEntries = (record: Record<string, string>): [string, string][] => Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

const GIB = 1024 ** 3;
const gib = (bytes: number): string => `${Number((bytes / GIB).toPrecision(3))} GiB`;

function hostFacts(host: HostFingerprint): [string, string][] {
  const cores =
    host.efficiencyCores > 0
      ? `${host.logicalCpus} logical (${host.performanceCores} performance + ${host.efficiencyCores} efficiency)`
      : `${host.logicalCpus} logical`;
  return [
    ['OS', `${host.os} ${host.osVersion}`.trim()],
    ['Architecture', host.arch],
    ['Model', host.modelId],
    ['CPU', host.chip],
    ['CPUs', cores],
    ['Memory', gib(host.memoryBytes)],
    ['Hypervisor', `${host.hypervisor} (${host.acceleration})`],
    ['QEMU', host.qemuVersion ?? 'n/a'],
    ['Lima', host.limaVersion ?? 'n/a'],
    ['Load average at start', host.loadAverage === null ? 'n/a' : host.loadAverage.toFixed(2)],
  ];
}

function runInfo(file: ResultsFile, label: string, source: string | null): RunInfo {
  const settings: [string, string][] =
    file.settings === null
      ? []
      : [
          ['Target', file.settings.target],
          ['Backend', file.settings.backend],
          ['Suite', file.settings.suite + (file.settings.quick ? ' (quick)' : '')],
          ['Kernels', file.settings.kernels.join(', ')],
          [
            'Runs',
            file.settings.runs.kind === 'fixed'
              ? `${file.settings.runs.count} (fixed)`
              : `adaptive ${file.settings.runs.minRuns}-${file.settings.runs.maxRuns}, target ±${(file.settings.runs.targetRelativeHalfWidth * 100).toFixed(1)}%`,
          ],
        ];
  return {
    label,
    source,
    runId: file.runId,
    kind: file.kind,
    kbenchVersion: file.kbenchVersion,
    createdAt: file.createdAt,
    updatedAt: file.updatedAt,
    complete: file.complete,
    settings,
    host: file.host === null ? null : hostFacts(file.host),
  };
}

function guestInfo(series: string, run: string, target: Target): GuestInfo {
  const guest = target.guest;
  return {
    series,
    run,
    target: target.id,
    facts: [
      ['OS', `${guest.os} ${guest.osVersion}`.trim()],
      ['Kernel', `${guest.kernelVariant}: ${guest.kernelRelease}`],
      ['Kernel config SHA-256', guest.kernelConfigSha256 ?? 'not exposed'],
      ['ZFS', guest.zfsVersion ?? 'absent'],
      ['Page size', guest.pageSizeBytes == null ? 'not recorded' : `${guest.pageSizeBytes} bytes`],
      ['vCPUs', String(guest.vcpus)],
      ['Memory', gib(guest.memoryBytes)],
    ],
    zfsTunables: sortedEntries(guest.zfsTunables),
    poolProperties: sortedEntries(guest.poolProperties),
    zfsImplementations: sortedEntries(guest.zfsImplementations),
  };
}

const variantRole = (target: Target): 'stock' | 'custom' => target.guest.kernelVariant;

/** The series name a target gets in charts: "debian/stock", "#2 debian/stock", "baseline debian/stock". */
const seriesName = (runLabel: string, targetId: string): string => (runLabel === '' ? targetId : `${runLabel} ${targetId}`);

function headlineOf(counts: ReportModel['counts'], sets: ReportSet[]): string {
  if (sets.length === 0) return 'Nothing to compare: no guest OS with both kernels and no baseline target.';
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  return [
    plural(counts.regressed, 'regression'),
    plural(counts.improved, 'improvement'),
    `${counts.equivalent} equivalent`,
    `${counts.inconclusive} inconclusive`,
    ...(counts.skipped > 0 ? [`${counts.skipped} not compared`] : []),
  ].join(', ');
}

interface LabelledSet {
  set: ComparisonSet;
  comparison: ComparisonKind;
  runLabel: string;
  runIndex: number;
}

/**
 * History steps smaller than half the metric's noise threshold are not marked: a trend line may
 * show drift the run-vs-baseline verdict would call noise, but not wiggles far below it.
 */
export const HISTORY_MIN_CHANGE_PER_NOISE_THRESHOLD = 0.5;

function historySeries(
  metricId: string,
  targetIds: string[],
  historyFiles: { file: ResultsFile; current: boolean }[],
  options: ChangePointOptions,
): HistorySeries[] {
  return targetIds.flatMap((targetId): HistorySeries[] => {
    const points: HistoryPoint[] = [];
    for (const { file, current } of historyFiles) {
      const metric = file.targets.find((t) => t.id === targetId)?.metrics.find((m) => m.id === metricId);
      if (metric === undefined || metric.samples.length === 0) continue;
      const values = metric.samples.map((s) => s.value);
      points.push({ runId: file.runId, createdAt: file.createdAt, median: median(values), n: values.length, current });
    }
    if (points.length === 0) return [];
    const detected = detectChangePoints(
      points.map((p) => p.median),
      options,
    );
    return [
      {
        target: targetId,
        points,
        changes: detected.changePoints.map((change) => ({
          index: change.index,
          runId: points[change.index]!.runId,
          createdAt: points[change.index]!.createdAt,
          before: change.before,
          after: change.after,
          relativeChange: finite(change.relativeChange),
        })),
        segments: detected.segments.map((segment) => ({
          from: points[segment.start]!.createdAt,
          to: points[segment.end - 1]!.createdAt,
          level: segment.level,
        })),
      },
    ];
  });
}

/** Every comparison of the report: each run's custom vs stock, and each run vs the baseline. */
function labelledSets(results: ResultsFile[], baseline: ResultsFile | null, runLabel: (index: number) => string, baselineName: string): LabelledSet[] {
  return results.flatMap((run, index) => [
    // MODE PRIOR (stats/modes.ts): the baseline's stored boots say which metrics have two modes.
    ...pairStockVsCustom(run, storedModesFor(run, baseline, baselineName)).map((set) => ({
      set,
      comparison: 'custom-vs-stock' as const,
      runLabel: runLabel(index),
      runIndex: index,
    })),
    // Times on different guest clocks are different quantities: such a run is shown, never compared with the baseline.
    ...(baseline === null || clockMismatch(run, baseline, '', '') !== null ? [] : pairRunVsBaseline(run, baseline)).map((set) => ({
      set,
      comparison: 'vs-baseline' as const,
      runLabel: runLabel(index),
      runIndex: index,
    })),
  ]);
}

interface ShownTarget {
  series: string;
  run: string;
  role: DistributionPoint['role'];
  target: Target;
}

/** Every (series, target) whose samples are shown, in a stable order: runs first, baseline last. */
function shownTargetsOf(results: ResultsFile[], baseline: ResultsFile | null, runLabel: (index: number) => string): ShownTarget[] {
  return [
    ...results.flatMap((run, index) =>
      [...run.targets]
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((target) => ({ series: seriesName(runLabel(index), target.id), run: run.runId, role: variantRole(target), target })),
    ),
    ...(baseline === null
      ? []
      : baseline.targets.map((target) => ({
          series: seriesName('baseline', target.id),
          run: baseline.runId,
          role: 'baseline' as const,
          target,
        }))),
  ];
}

/** The history's runs in time order, the current ones marked (and not counted twice); null without history. */
function historyFilesOf(history: ResultsFile[] | null, results: ResultsFile[]): HistoryFile[] | null {
  if (history === null) return null;
  const currentIds = new Set(results.map((r) => r.runId));
  return [
    ...history.filter((file) => !currentIds.has(file.runId)).map((file) => ({ file, current: false })),
    ...results.map((file) => ({ file, current: true })),
  ].sort((a, b) => Date.parse(a.file.createdAt) - Date.parse(b.file.createdAt));
}

type HistoryFile = { file: ResultsFile; current: boolean };

interface MetricContext {
  shownTargets: ShownTarget[];
  allRows: ComparedRow[];
  skipped: ReportModel['skipped'];
  claimsTable: ClaimJudgement[];
  historyFiles: HistoryFile[] | null;
  historyTargetIds: string[];
  noiseThreshold: number;
  changePoints: ReportOptions['changePoints'];
}

/** One metric's section: its samples by series, its rows, speedups, claims, history and failures. */
function metricSection(metricId: string, ctx: MetricContext): MetricSection {
  const { shownTargets, allRows, skipped, claimsTable, historyFiles, historyTargetIds, noiseThreshold } = ctx;
  const shown = shownTargets.flatMap(({ series, role, target }) => {
    const metric = target.metrics.find((m) => m.id === metricId);
    return metric === undefined ? [] : [{ series, role, target, metric }];
  });
  const first = shown[0]!.metric;
  const rows = allRows.filter((row) => row.metricId === metricId);
  // The same judgements as the claims table (kernel-aware), one per custom-vs-stock row with a claim.
  const claims: ClaimCheck[] = rows.flatMap((row) => {
    const judged = claimedFor(row, claimsTable);
    return judged === null
      ? []
      : [
          {
            setTitle: row.setTitle,
            guestOs: row.guestOs,
            stated: judged.stated,
            quote: judged.quote,
            section: judged.section,
            claimedSpeedup: judged.claimedSpeedup,
            measuredSpeedup: row.speedup,
            measuredCI: row.speedupCI,
            outcome: judged.verdict,
          },
        ];
  });
  return {
    id: metricId,
    anchor: `metric-${slug(metricId)}`,
    workload: workloadOf(metricId),
    unit: first.unit,
    direction: first.direction,
    distribution: shown.flatMap(({ series, role, metric }) => metric.samples.map((sample) => ({ series, value: sample.value, role }))),
    // Exactly what the comparison summarises (harness/compare nestedSamples, stats summarizeUnits / summarizeSide).
    boots: shown.flatMap(({ series, role, metric }) =>
      summarizeUnits(nestedSamples(metric)).map((unit) => ({ series, role, unit: unit.unit, value: unit.value, iterations: unit.iterations, mode: null })),
    ),
    centers: shown.flatMap(({ series, role, metric }) => {
      const center = finite(summarizeSide(nestedSamples(metric)).center);
      return center === null ? [] : [{ series, role, value: center }];
    }),
    seriesOrder: shown.filter(({ metric }) => metric.samples.length > 0).map(({ series }) => series),
    speedups: rows.flatMap((row) =>
      row.speedup === null
        ? []
        : [
            {
              label: row.setTitle,
              comparison: row.comparison,
              speedup: row.speedup,
              low: row.speedupCI?.low ?? null,
              high: row.speedupCI?.high ?? null,
              verdict: row.verdict,
              exact: row.method === 'exact',
              bandLow: speedupBand(row.noiseThreshold, row.direction).low,
              bandHigh: speedupBand(row.noiseThreshold, row.direction).high,
              claimed: claimedFor(row, claimsTable)?.claimedSpeedup ?? null,
            },
          ],
    ),
    rows,
    skipped: skipped.filter((row) => row.metricId === metricId),
    claims,
    history:
      historyFiles === null
        ? null
        : historySeries(metricId, historyTargetIds, historyFiles, {
            minRelativeChange: HISTORY_MIN_CHANGE_PER_NOISE_THRESHOLD * (first.noiseThreshold ?? noiseThreshold),
            ...ctx.changePoints,
          }),
    failures: shown
      .filter(({ metric }) => metric.failures.length > 0)
      .map(({ series, metric }) => ({
        series,
        count: metric.failures.length,
        reasons: [...new Set(metric.failures.map((f) => f.reason))].slice(0, 5),
      })),
    unsupported: shown.flatMap(({ series, metric }) => (metric.status.kind === 'unsupported' ? [{ series, reason: metric.status.reason }] : [])),
  };
}

/** The report's warnings: incomplete runs, host load, emulation, differences from the baseline, mixed hosts. */
function reportWarnings(results: ResultsFile[], baseline: ResultsFile | null, sources: NonNullable<ReportOptions['sources']>): string[] {
  const warnings: string[] = [];
  results.forEach((run, index) => {
    const name = sources.results?.[index] ?? run.runId;
    if (!run.complete) warnings.push(`${name}: the run is incomplete (interrupted or still going); its samples are shown as they are.`);
    warnings.push(...hostLoadWarnings(name, run.hostLoad, run.host?.logicalCpus ?? 1));
    warnings.push(...emulationWarnings(name, run));
    if (baseline !== null) {
      for (const difference of fingerprintDifferences(run, baseline))
        warnings.push(`${name}: ${difference.field} differs from the baseline: ${difference.baseline} vs ${difference.run}.`);
      const missing = targetsMissingFromBaseline(run, baseline);
      if (missing.length > 0) warnings.push(`${name}: the baseline has no samples for ${missing.join(', ')}.`);
    }
  });
  const hostKeys = new Set(results.map((r) => (r.host === null ? '' : `${r.host.chip}|${r.host.arch}|${r.host.acceleration}`)));
  if (hostKeys.size > 1) warnings.push('The runs come from different hosts or accelerations; compare them with care.');
  return warnings;
}

/** The hosts and guests the report's samples come from, one line each. */
function fingerprintOf(
  results: ResultsFile[],
  baseline: ResultsFile | null,
  shownTargets: ShownTarget[],
  hostLabel: (index: number) => string,
): ReportModel['fingerprint'] {
  const hostLine = (file: ResultsFile, label: string): string[] =>
    file.host === null
      ? []
      : [
          `${label}${file.host.chip}, ${file.host.arch}, ${file.host.logicalCpus} CPUs, ${gib(file.host.memoryBytes)}, ${file.host.hypervisor}/${file.host.acceleration}`,
        ];
  return {
    hosts: [...results.flatMap((run, index) => hostLine(run, hostLabel(index))), ...(baseline === null ? [] : hostLine(baseline, 'baseline: '))],
    guests: shownTargets.map(
      ({ series, target }) =>
        `${series}: ${target.guest.os} ${target.guest.osVersion}, kernel ${target.guest.kernelRelease}, ZFS ${target.guest.zfsVersion ?? 'absent'}`,
    ),
  };
}

/** The history's per-run medians, flat, for the report's data block. */
function historyData(metrics: MetricSection[]): ReportModel['data']['history'] {
  return metrics.flatMap((metric) =>
    (metric.history ?? []).flatMap((series) =>
      series.points.map((point) => ({
        runId: point.runId,
        createdAt: point.createdAt,
        target: series.target,
        metric: metric.id,
        median: point.median,
        n: point.n,
      })),
    ),
  );
}

export function buildReportModel(input: ReportInput): ReportModel {
  const options = input.options ?? {};
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const noiseThreshold = options.noiseThreshold ?? DEFAULT_NOISE_THRESHOLD;
  const seed = options.seed ?? DEFAULT_SEED;
  const results = input.results;
  const baseline = input.baseline;
  const severalRuns = results.length > 1;
  const runLabel = (index: number): string => (severalRuns ? `#${index + 1}` : '');
  const sources = options.sources ?? {};

  const labelled = labelledSets(results, baseline, runLabel, sources.baseline ?? 'the baseline');
  const outcome = compareSets(
    labelled.map((l) => l.set),
    { alpha, noiseThreshold, seed },
  );

  const sets: ReportSet[] = reportSets(
    outcome,
    labelled.map((l) => l.comparison),
    labelled.map((l) => l.runLabel),
  );

  const allRows = sets.flatMap((set) => set.rows);
  const verdicts = VERDICT_ORDER.flatMap((verdict) =>
    allRows.filter((row) => row.verdict === verdict).sort((a, b) => Math.abs(b.deltaPercent ?? 0) - Math.abs(a.deltaPercent ?? 0)),
  );
  const skipped = sets.flatMap((set) => set.skipped);
  const counts: ReportModel['counts'] = { regressed: 0, improved: 0, equivalent: 0, inconclusive: 0, skipped: skipped.length };
  for (const row of allRows) counts[row.verdict]++;

  const shownTargets = shownTargetsOf(results, baseline, runLabel);

  const metricOrder: string[] = [];
  for (const { target } of shownTargets) for (const metric of target.metrics) if (!metricOrder.includes(metric.id)) metricOrder.push(metric.id);

  const historyFiles = historyFilesOf(input.history, results);
  const historyTargetIds = [...new Set(results.flatMap((r) => r.targets.map((t) => t.id)))].sort();

  const claimsFile = options.claims ?? null;
  const claimsTable =
    claimsFile === null
      ? []
      : judgeClaims(
          claimsFile,
          results.flatMap((run, index) =>
            measurementsFromRun(
              sets.filter((set, s) => labelled[s]!.runIndex === index && set.comparison === 'custom-vs-stock').flatMap((set) => set.rows),
              run,
              sources.results?.[index] ?? run.runId,
            ),
          ),
        );
  const metrics: MetricSection[] = metricOrder.map((metricId) =>
    metricSection(metricId, {
      shownTargets,
      allRows,
      skipped,
      claimsTable,
      historyFiles,
      historyTargetIds,
      noiseThreshold,
      changePoints: options.changePoints,
    }),
  );

  const warnings = reportWarnings(results, baseline, sources);

  const historyRuns = historyFiles ?? [];
  const guests: GuestInfo[] = shownTargets.map(({ series, run, target }) => guestInfo(series, run, target));

  return {
    format: 'kbench-report-model',
    version: REPORT_MODEL_VERSION,
    generatedAt: options.generatedAt ?? new Date().toISOString(),
    kbenchVersion: options.kbenchVersion ?? KBENCH_VERSION,
    statistics: {
      test: "Welch's t on the logs of per-boot medians (the boot is the unit); ratio of geometric means with its 95% t-interval; deterministic metrics compared exactly",
      correction: outcome.options.procedure,
      alpha,
      noiseThreshold,
      confidenceLevel: DEFAULT_CONFIDENCE_LEVEL,
      seed,
    },
    headline: headlineOf(counts, sets),
    counts,
    runs: results.map((run, index) => runInfo(run, runLabel(index), sources.results?.[index] ?? null)),
    baseline: baseline === null ? null : runInfo(baseline, 'baseline', sources.baseline ?? null),
    history:
      historyFiles === null || historyRuns.length === 0
        ? null
        : { runs: historyRuns.length, from: historyRuns[0]!.file.createdAt, to: historyRuns[historyRuns.length - 1]!.file.createdAt },
    fingerprint: fingerprintOf(results, baseline, shownTargets, (index) => (severalRuns ? `${runLabel(index)}: ` : '')),
    conditions: [
      ...results.map((run, index) => runConditions(run, runLabel(index), baseline)),
      ...(baseline === null ? [] : [runConditions(baseline, 'baseline', null)]),
    ],
    warnings,
    conditionsMarked: options.ci === true,
    overview: overviewRows(verdicts, claimsTable, (id) => `metric-${slug(id)}`, sets.length > 1),
    claims: claimsTable,
    sets,
    verdicts,
    skipped,
    metrics,
    guests,
    data: {
      format: 'kbench-report-data',
      version: 1,
      results,
      baseline,
      history: historyData(metrics),
    },
  };
}
