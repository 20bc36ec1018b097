/**
 * Charts: vega-lite specs kept as JSON files in reports/charts/, one per chart kind, filled with
 * data only (data.values) and rendered to SVG in Node by vega, so the report needs no script and
 * no network to show them. Input never becomes part of a spec's structure or an expression.
 */
import { readFileSync } from 'node:fs';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import type { MetricSection } from './model.ts';

export const CHART_KINDS = ['distribution', 'speedup', 'history', 'claims'] as const;
export type ChartKind = (typeof CHART_KINDS)[number];

export type ChartRow = Record<string, string | number | null>;

const CHARTS_DIR = new URL('../../reports/charts/', import.meta.url);
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

export async function renderChartSvg(kind: ChartKind, rows: ChartRow[]): Promise<string> {
  const compiled = vegaLite.compile(fillChartSpec(kind, rows)).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', loader: offlineLoader });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export function distributionRows(metric: MetricSection): ChartRow[] {
  return metric.distribution.map((point) => ({ series: point.series, value: point.value, role: point.role }));
}

export function speedupRows(metric: MetricSection): ChartRow[] {
  return metric.speedups.map((point) => ({
    label: point.label,
    speedup: point.speedup,
    low: point.low,
    high: point.high,
    verdict: point.verdict,
  }));
}

export function claimRows(metric: MetricSection): ChartRow[] {
  return metric.claims.flatMap((claim) => [
    { label: `${claim.guestOs}: claimed ${claim.stated}`, source: 'claimed', speedup: claim.claimedSpeedup, low: null, high: null },
    ...(claim.measuredSpeedup === null
      ? []
      : [
          {
            label: `${claim.setTitle.replace(/ kernel$/, '')}: measured`,
            source: 'measured',
            speedup: claim.measuredSpeedup,
            low: claim.measuredCI?.low ?? null,
            high: claim.measuredCI?.high ?? null,
          },
        ]),
  ]);
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
