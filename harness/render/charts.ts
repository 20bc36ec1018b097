/**
 * Charts: vega-lite specs kept as JSON files in reports/charts/, one per chart kind, filled with
 * data only (data.values) and rendered to SVG in Node by vega, so the report needs no script and
 * no network to show them. Input never becomes part of a spec's structure or an expression.
 */
import { readFileSync } from 'node:fs';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import type { MetricSection } from './model.ts';
import type { OverviewRow } from './overview.ts';
import { projectFile } from '../root.ts';

export const CHART_KINDS = ['overview', 'distribution', 'speedup', 'history', 'community'] as const;
export type ChartKind = (typeof CHART_KINDS)[number];

export type ChartRow = Record<string, string | number | boolean | null>;

const CHARTS_DIR = projectFile('reports/charts/');
const specCache = new Map<ChartKind, vegaLite.TopLevelSpec>();

export function loadChartSpec(kind: ChartKind): vegaLite.TopLevelSpec {
  const cached = specCache.get(kind);
  if (cached !== undefined) return cached;
  const spec = JSON.parse(readFileSync(new URL(`${kind}.vl.json`, CHARTS_DIR), 'utf8')) as vegaLite.TopLevelSpec & {
    data?: { values?: unknown };
  };
  if (!Array.isArray(spec.data?.values)) throw new Error(`reports/charts/${kind}.vl.json must have data.values (an empty array to fill)`);
  specCache.set(kind, spec);
  return spec;
}

/** A copy of the chart's spec with its rows as data.values; nothing else in the spec changes. */
export function fillChartSpec(kind: ChartKind, rows: ChartRow[]): vegaLite.TopLevelSpec {
  const spec = structuredClone(loadChartSpec(kind)) as vegaLite.TopLevelSpec & { data: { values: ChartRow[] } };
  spec.data.values = rows;
  return spec;
}

/** Vega must never fetch anything: a report renders from its data alone. */
const offlineLoader = {
  load: () => Promise.reject(new Error('kbench charts load no external resources')),
  sanitize: () => Promise.reject(new Error('kbench charts load no external resources')),
  http: () => Promise.reject(new Error('kbench charts load no external resources')),
  file: () => Promise.reject(new Error('kbench charts load no external resources')),
} as unknown as vega.Loader;

/**
 * The history chart's change-point layer is empty when nothing changed; vega then warns about
 * the empty extent of its x field. That is the expected case, not a problem with the chart.
 */
const EXPECTED_WARNINGS = [/^Infinite extent for field "at": \[Infinity, -Infinity\]$/];

/** Collects vega and vega-lite warnings instead of printing them in the middle of CLI output. */
function collectingLogger(warnings: string[]): vega.LoggerInterface {
  let level = vega.Warn;
  const logger = {
    level(value?: number) {
      if (value === undefined) return level;
      level = value;
      return logger;
    },
    error(...args: unknown[]) {
      throw new Error(`chart: ${args.map(String).join(' ')}`);
    },
    warn(...args: unknown[]) {
      const message = args.map(String).join(' ');
      if (!EXPECTED_WARNINGS.some((expected) => expected.test(message))) warnings.push(message);
      return logger;
    },
    info: () => logger,
    debug: () => logger,
  };
  return logger as vega.LoggerInterface;
}

/** The dataset vega-lite makes of a top-level data.values. */
const SOURCE_DATASET = 'source_0';

/**
 * Compiling a vega-lite spec costs as much as drawing it, so each chart kind is compiled and
 * parsed once, without data, and every chart gets a fresh view of that runtime spec with its
 * rows inserted. vega-lite never looks at inline values while compiling, so this draws exactly
 * what compiling the filled spec would (a test holds it to that).
 */
const runtimeCache = new Map<ChartKind, vega.Runtime>();

function runtimeFor(kind: ChartKind, logger: vega.LoggerInterface): vega.Runtime {
  const cached = runtimeCache.get(kind);
  if (cached !== undefined) return cached;
  const compiled = vegaLite.compile(fillChartSpec(kind, []), { logger }).spec;
  if (!compiled.data?.some((data) => data.name === SOURCE_DATASET && 'values' in data))
    throw new Error(`reports/charts/${kind}.vl.json compiled without a ${SOURCE_DATASET} dataset`);
  const runtime = vega.parse(compiled);
  runtimeCache.set(kind, runtime);
  return runtime;
}

/** The geometry attributes vega writes: coordinates and sizes in pixels, never text. */
const GEOMETRY_ATTRIBUTE = /\b(d|transform|points|x|y|x1|x2|y1|y2|width|height)="([^"]*)"/g;
const LONG_DECIMAL = /(-?\d+\.\d{2})\d+/g;
/** What a static picture never uses: empty or hidden paths vega keeps for interaction, ARIA roles of a chart marked aria-hidden, default opacity. */
const UNUSED_SVG = [
  /<path class="background" aria-hidden="true" d="M0,0h0v0h0Z" pointer-events="none"\/>/g,
  /<path class="foreground" aria-hidden="true" d="" pointer-events="none" display="none"\/>/g,
  / pointer-events="none"/g,
  / aria-hidden="true"/g,
  / role="graphics-(?:object|symbol)"/g,
  / aria-roledescription="[^"]*"/g,
  / opacity="1"/g,
];

/**
 * SVG COMPACTION: vega writes coordinates with ~14 decimals ("M272.1483764648444,7"), an empty
 * background and a hidden foreground path per group, and ARIA roles (the specs turn ARIA off,
 * config.aria false). Coordinates are truncated to 1/100 px (invisible) and the rest dropped:
 * a 24-metric report with history and a baseline goes from 1.11 MB to under 1 MB. Only geometry
 * attributes are rounded, so no label or number shown as text changes.
 */
export function compactSvg(svg: string): string {
  // Inside tags only: text content has "<" escaped, so a tag never starts in a label.
  let out = svg.replace(/<[^>]*>/g, (tag) =>
    tag.replace(GEOMETRY_ATTRIBUTE, (_, name: string, value: string) => `${name}="${value.replace(LONG_DECIMAL, '$1')}"`),
  );
  for (const unused of UNUSED_SVG) out = out.replace(unused, '');
  return out;
}

async function drawSvg(runtime: vega.Runtime, rows: ChartRow[] | null, logger: vega.LoggerInterface): Promise<string> {
  const view = new vega.View(runtime, { renderer: 'none', loader: offlineLoader, logger });
  try {
    if (rows !== null) view.data(SOURCE_DATASET, rows);
    return compactSvg(await view.toSVG());
  } finally {
    view.finalize();
  }
}

/** SVG of one chart. Warnings from vega/vega-lite go to `warnings` (tests require there are none). */
export async function renderChartSvg(kind: ChartKind, rows: ChartRow[], warnings: string[] = []): Promise<string> {
  const logger = collectingLogger(warnings);
  return drawSvg(runtimeFor(kind, logger), rows, logger);
}

/** The same chart compiled from its filled spec, with no cache: the reference renderChartSvg must match. */
export async function renderChartSvgUncached(kind: ChartKind, rows: ChartRow[], warnings: string[] = []): Promise<string> {
  const logger = collectingLogger(warnings);
  return drawSvg(vega.parse(vegaLite.compile(fillChartSpec(kind, rows), { logger }).spec), null, logger);
}

/** Iterations (faint), one dot per boot median, and each series' center: the boots are what the verdict tests. */
export function distributionRows(metric: MetricSection): ChartRow[] {
  return [
    ...metric.distribution.map((point) => ({ kind: 'iteration', series: point.series, role: point.role, value: point.value, mode: '' })),
    ...metric.boots.map((boot) => ({ kind: 'boot', series: boot.series, role: boot.role, value: boot.value, mode: boot.mode ?? '' })),
    ...metric.centers.map((center) => ({ kind: 'center', series: center.series, role: center.role, value: center.value, mode: '' })),
  ];
}

/**
 * Rows for the speedup and overview charts. Every layer of those specs draws every row, so none
 * is ever empty: no CI (exact, or unbounded) is a zero-length rule under the point, no claim an
 * invisible diamond, an unbounded band a zero-width one.
 */
function forestRow(point: {
  speedup: number;
  low: number | null;
  high: number | null;
  exact: boolean;
  verdict: string;
  bandLow: number | null;
  bandHigh: number | null;
  claimed: number | null;
}) {
  const noCI = point.exact || point.low === null || point.high === null;
  return {
    speedup: point.speedup,
    low: noCI ? point.speedup : point.low,
    high: noCI ? point.speedup : point.high,
    verdict: point.verdict,
    estimate: point.exact ? 'exact' : '95% CI',
    bandLow: point.bandLow ?? point.speedup,
    bandHigh: point.bandHigh ?? point.speedup,
    claimed: point.claimed ?? point.speedup,
    claimShown: point.claimed !== null,
    // A field, not a calculate transform: a transform would fork the data, and the overview's facets then warn.
    claim: 'claimed by the seed',
  };
}

export function speedupRows(metric: MetricSection): ChartRow[] {
  return metric.speedups.map((point) => ({ label: point.label, ...forestRow(point) }));
}

/**
 * The overview's rows in their order, each workload group opened by a header row that names it
 * (its marks hidden; a line above it parts the groups). Header rows get harmless values (1×)
 * so that no layer sees a missing one.
 */
export function overviewChartRows(rows: readonly OverviewRow[]): ChartRow[] {
  return rows.flatMap((row, i) => {
    const first = i === 0 || rows[i - 1]!.workload !== row.workload;
    const metricRow = { key: `${row.setTitle}\u0000${row.metricId}`, label: row.label, headerLabel: '', header: false, groupStart: false, ...forestRow(row) };
    if (!first) return [metricRow];
    const header = {
      key: `workload\u0000${row.workload}`,
      label: '',
      headerLabel: row.workload,
      header: true,
      groupStart: i > 0,
      ...forestRow({ speedup: 1, low: null, high: null, exact: false, verdict: 'equivalent', bandLow: null, bandHigh: null, claimed: null }),
    };
    return [header, metricRow];
  });
}

export function historyRows(metric: MetricSection): ChartRow[] {
  return (metric.history ?? []).flatMap((series) => [
    ...series.points.map((point) => ({
      kind: 'point',
      series: series.target,
      at: point.createdAt,
      value: point.median,
      segment: null,
      run: point.current ? 'current' : 'history',
    })),
    ...series.segments.flatMap((segment, i) =>
      [segment.from, segment.to].map((at) => ({ kind: 'level', series: series.target, at, value: segment.level, segment: `${series.target} ${i}`, run: null })),
    ),
    ...series.changes.map((change) => ({ kind: 'change', series: series.target, at: change.createdAt, value: change.after, segment: null, run: null })),
  ]);
}
