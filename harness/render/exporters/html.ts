/**
 * One self-contained HTML file: Handlebars templates from reports/, charts pre-rendered to SVG,
 * the raw data embedded as JSON with a download button. It opens offline and requests nothing:
 * its Content-Security-Policy allows no network at all and only the one download script (by hash).
 *
 * Every string from a results file reaches the page through Handlebars' escaping `{{ }}`; the
 * templates never use `{{{ }}}`. The only unescaped insertions are SafeStrings made here: SVG
 * from vega (which escapes its text), the download script, and JSON escaped for a script element.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { distributionRows, historyRows, overviewChartRows, renderChartSvg, speedupRows, type ChartKind, type ChartRow } from '../charts.ts';
import type { ReportExporter } from './types.ts';
import { CONDITIONS_MARK } from './text.ts';
import {
  formatDelta,
  formatDirection,
  formatMaybeValue,
  formatP,
  formatPercent,
  formatSide,
  formatSpeedup,
  formatSpeedupInterval,
  formatThreshold,
  VERDICT_LABEL,
  VERDICT_MARK,
} from '../format.ts';
import type { ClaimJudgement, ClaimVerdict } from '../../claims/judge.ts';
import { VERDICT_ORDER, type ComparedRow, type MetricSection, type ReportModel, type RunInfo } from '../model.ts';
import { projectFile } from '../../root.ts';

const REPORTS_DIR = projectFile('reports/');

export const CLAIM_VERDICT_TEXT: Record<ClaimVerdict, string> = {
  confirmed: 'confirmed: the whole CI is at or above the claim',
  refuted: 'refuted: the whole CI is below the claim',
  inconclusive: 'inconclusive: the CI contains the claim',
  'measured on another kernel': 'measured on another kernel: no verdict on the claim',
  'not measured': 'not measured',
};

/**
 * JSON that can sit inside <script type="application/json"> whatever the strings hold: "<" and
 * ">" cannot form "</script>" or "<!--", "&" cannot start an entity, and U+2028/U+2029 (legal in
 * JSON, line breaks in old JavaScript) are escaped too. JSON.parse reads it back unchanged.
 */
export function jsonForScriptElement(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

interface Templates {
  report: HandlebarsTemplateDelegate;
  script: string;
  scriptHash: string;
}

let templates: Templates | null = null;

function loadTemplates(): Templates {
  if (templates !== null) return templates;
  const handlebars = Handlebars.create();
  const partialsDir = new URL('partials/', REPORTS_DIR);
  for (const name of readdirSync(partialsDir).filter((file) => file.endsWith('.hbs')))
    handlebars.registerPartial(name.slice(0, -'.hbs'.length), readFileSync(new URL(name, partialsDir), 'utf8'));
  const report = handlebars.compile(readFileSync(new URL('report.hbs', REPORTS_DIR), 'utf8'), { strict: true });
  const script = readFileSync(new URL('download.js', REPORTS_DIR), 'utf8');
  const scriptHash = createHash('sha256').update(script, 'utf8').digest('base64');
  templates = { report, script, scriptHash };
  return templates;
}

export function contentSecurityPolicy(scriptHash: string): string {
  return [
    "default-src 'none'",
    `script-src 'sha256-${scriptHash}'`,
    // vega's SVG carries style attributes; styles cannot fetch anything with everything else 'none'.
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

const safe = (html: string): Handlebars.SafeString => new Handlebars.SafeString(html);

function rowView(row: ComparedRow, anchor: string, conditionsMarked = false) {
  return {
    conditionsMark: conditionsMarked && row.conditionsDiffer === true ? CONDITIONS_MARK : null,
    setTitle: row.setTitle,
    metricId: row.metricId,
    anchor,
    baseline: `${row.baseline.label}: ${formatSide(row.baseline, row.unit)}`,
    candidate: `${row.candidate.label}: ${formatSide(row.candidate, row.unit)}`,
    delta: formatDelta(row),
    band: formatThreshold(row),
    speedup: formatSpeedup(row.speedup),
    speedupCI: formatSpeedupInterval(row.speedupCI),
    p: formatP(row.p),
    adjustedP: row.method === 'exact' ? 'exact' : formatP(row.adjustedP),
    verdict: row.verdict,
    mark: VERDICT_MARK[row.verdict],
    note: [row.note, ...row.problems.map((problem) => `problem: ${problem}`)].filter((x) => x !== null).join('; ') || null,
  };
}

async function chartOrNull(kind: ChartKind, rows: ChartRow[]): Promise<Handlebars.SafeString | null> {
  return rows.length === 0 ? null : safe(await renderChartSvg(kind, rows));
}

async function metricView(metric: MetricSection) {
  const [distribution, speedup, history] = await Promise.all([
    chartOrNull('distribution', distributionRows(metric)),
    chartOrNull('speedup', speedupRows(metric)),
    chartOrNull('history', historyRows(metric)),
  ]);
  const modes = new Set(metric.boots.flatMap((boot) => (boot.mode === null ? [] : [boot.mode])));
  return {
    id: metric.id,
    anchor: metric.anchor,
    unit: metric.unit,
    direction: formatDirection(metric.direction),
    charts: { distribution, speedup, history },
    boots: metric.boots.length,
    modes: modes.size > 1 ? [...modes].sort().join(', ') : null,
    rows: metric.rows.map((row) => rowView(row, metric.anchor)),
    claims: metric.claims.map((claim) => ({
      guestOs: claim.guestOs,
      stated: claim.stated,
      claimed: formatSpeedup(claim.claimedSpeedup),
      measured: `${formatSpeedup(claim.measuredSpeedup)} ${formatSpeedupInterval(claim.measuredCI)}`.trim(),
      outcome: claim.outcome,
      outcomeClass: claim.outcome.replace(/ /g, '-'),
    })),
    changes: (metric.history ?? []).flatMap((series) =>
      series.changes.map((change) => ({
        target: series.target,
        runId: change.runId,
        at: change.createdAt,
        change: formatPercent(change.relativeChange === null ? null : change.relativeChange * 100),
        before: formatMaybeValue(change.before, metric.unit),
        after: formatMaybeValue(change.after, metric.unit),
      })),
    ),
    skipped: metric.skipped,
    unsupported: metric.unsupported,
    failures: metric.failures,
  };
}

/** The claims table a report opens with: every seed claim, judged (harness/claims); null when none was measured. */
export function claimsTableView(claims: readonly ClaimJudgement[], anchorOf: (metricId: string) => string | null = () => null) {
  if (!claims.some((row) => row.verdict !== 'not measured')) return null;
  return claims.map((row) => ({
    metricId: row.metricId,
    anchor: anchorOf(row.metricId),
    claimFor: row.claimGuestOs ?? 'any guest',
    stated: row.stated,
    claimed: formatSpeedup(row.claimedSpeedup),
    quote: row.quote,
    section: row.section,
    verdict: row.verdict,
    verdictClass: row.verdict.replace(/ /g, '-'),
    ciAgainstClaim: row.verdict === 'measured on another kernel' ? row.ciAgainstClaim : null,
    kernel: row.measuredKernel ?? '',
    onClaimedKernel: row.onClaimedKernel,
    measured: row.speedup === null ? '' : `${formatSpeedup(row.speedup)} ${formatSpeedupInterval(row.ci)}`,
    n: row.n ?? '',
    platform: row.platform === null ? '' : `${row.measuredGuestOs} guest on ${row.platform}`,
    offPlatform: row.onClaimedPlatform === false,
    note: row.note,
  }));
}

function runTitle(run: RunInfo): string {
  if (run.label === 'baseline') return `Baseline ${run.runId}`;
  return run.label === '' ? `Run ${run.runId}` : `Run ${run.label} ${run.runId}`;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** The overview's lines under the chart: one per verdict class, each metric linked to its section. */
function verdictLines(model: ReportModel) {
  return VERDICT_ORDER.map((verdict) => {
    const rows = model.overview.filter((row) => row.verdict === verdict);
    return {
      verdict,
      mark: VERDICT_MARK[verdict],
      label: VERDICT_LABEL[verdict],
      count: rows.length,
      metrics: rows.map((row) => ({
        anchor: row.anchor,
        label: model.sets.length > 1 ? `${row.metricId} (${row.setTitle})` : row.metricId,
        speedup: formatSpeedup(row.speedup),
      })),
    };
  });
}

export async function renderHtmlReport(model: ReportModel): Promise<string> {
  const { report, script, scriptHash } = loadTemplates();
  const anchors = new Map(model.metrics.map((metric) => [metric.id, metric.anchor]));
  const json = jsonForScriptElement(model.data);
  const overview = model.overview.length === 0 ? null : safe(await renderChartSvg('overview', overviewChartRows(model.overview)));
  const metrics = [];
  // One chart at a time: vega views are memory-hungry and the machine may have two cores.
  for (const metric of model.metrics) metrics.push(await metricView(metric));
  const view = {
    csp: contentSecurityPolicy(scriptHash),
    kbenchVersion: model.kbenchVersion,
    headline: model.headline,
    generatedAt: model.generatedAt,
    sets: model.sets.map((set) => ({
      id: set.id,
      title: set.title,
      baselineLabel: set.baselineLabel,
      candidateLabel: set.candidateLabel,
      geomean: formatSpeedup(set.geomeanSpeedup),
    })),
    runs: model.runs,
    baseline: model.baseline,
    history: model.history,
    fingerprint: model.fingerprint,
    warnings: model.warnings,
    overview,
    verdictLines: verdictLines(model),
    conditions: model.conditions.map((run) => ({
      ...run,
      title: run.label === 'baseline' ? `Baseline ${run.runId}` : run.label === '' ? `Run ${run.runId}` : `Run ${run.label} ${run.runId}`,
    })),
    claimsTable: claimsTableView(model.claims, (id) => anchors.get(id) ?? null)?.filter((row) => row.verdict !== 'not measured') ?? null,
    claimsNotMeasured: model.claims
      .filter((row) => row.verdict === 'not measured')
      .map((row) => ({ metricId: row.metricId, stated: row.stated, claimFor: row.claimGuestOs ?? 'any guest' })),
    verdictGroups: VERDICT_ORDER.map((verdict) => ({
      verdict,
      label: VERDICT_LABEL[verdict],
      mark: VERDICT_MARK[verdict],
      rows: model.verdicts.filter((row) => row.verdict === verdict).map((row) => rowView(row, anchors.get(row.metricId) ?? '', model.conditionsMarked)),
    })).filter((group) => group.rows.length > 0),
    // CONDITIONS COMPARED: the legend only when some verdict row carries the mark.
    conditionsLegend:
      model.conditionsMarked && model.verdicts.some((row) => row.conditionsDiffer === true)
        ? `${CONDITIONS_MARK} the verdict was made under different conditions on its two sides (host load, CPU frequency, steal, CPU, QEMU or accelerator; see Conditions): it may reflect the host, not the kernel`
        : null,
    skipped: model.skipped,
    metrics,
    hosts: [...model.runs, ...(model.baseline === null ? [] : [model.baseline])].map((run) => ({
      title: runTitle(run),
      host: run.host,
      settings: run.settings,
    })),
    guests: model.guests,
    statistics: model.statistics,
    data: { json: safe(json), size: formatBytes(Buffer.byteLength(json, 'utf8')) },
    script: safe(script),
  };
  return report(view);
}

export const htmlExporter: ReportExporter = {
  format: 'html',
  extension: 'html',
  description: 'self-contained HTML report with SVG charts and the raw data embedded',
  render: renderHtmlReport,
};
