/**
 * Markdown for a GitHub step summary or a PR comment, in the HTML report's order: a one-line
 * headline, the regressions, one line per verdict class, then one compact table of every
 * compared metric; claims, conditions, warnings and notes folded in <details>. Always under
 * MARKDOWN_MAX_CHARS, however many metrics: tables stop with a "… N more" row when full.
 * Every string from a results file goes through escapeMarkdown: no HTML, no table breakouts,
 * no @mentions, no links.
 */
import type { ReportExporter } from './types.ts';
import { formatDelta, formatP, formatSide, formatSpeedup, formatSpeedupInterval, formatThreshold, VERDICT_LABEL, VERDICT_MARK } from '../format.ts';
import { VERDICT_ORDER, type ComparedRow, type ReportModel } from '../model.ts';

const MARKDOWN_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '@': '&#64;',
  '#': '&#35;',
  '://': ':&#47;&#47;',
};

/** Text that renders literally in GitHub-flavoured Markdown, inside a table cell or a list item. */
export function escapeMarkdown(text: string): string {
  return (
    text
      // One line: a newline would end the table row or the list item.
      .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
      // HTML, then mentions (@), issue references (#) and bare-URL autolinks (://) as entities.
      .replace(/[&<>"@#]|:\/\//g, (match) => MARKDOWN_ENTITIES[match]!)
      // Emphasis, code spans, links, strikethrough and table cells.
      .replace(/[\\`*_[\]|~]/g, '\\$&')
  );
}

/** Code span for metric ids only: they match /^[a-z0-9_.]+$/, so nothing in them needs escaping. */
const code = (metricId: string): string => `\`${metricId}\``;

/**
 * MARKDOWN SIZE CAP: GitHub refuses PR comments over 65,536 characters (step summaries allow
 * 1 MiB); 65,000 leaves room for a bot's own framing. The fixed parts are small; tables and
 * folded sections fill what is left, in order of importance.
 */
export const MARKDOWN_MAX_CHARS = 65_000;
/** Kept free for the footer and the "… more" rows while the tables fill. */
const FOOTER_RESERVE = 1_500;

class Budget {
  readonly lines: string[] = [];
  private used = 0;
  constructor(private readonly limit: number) {}
  get left(): number {
    return this.limit - this.used;
  }
  /** Adds the lines if they fit in what is left minus `reserve`; false (nothing added) otherwise. */
  tryPush(lines: readonly string[], reserve = FOOTER_RESERVE): boolean {
    const size = lines.reduce((n, line) => n + line.length + 1, 0);
    if (size > this.left - reserve) return false;
    this.lines.push(...lines);
    this.used += size;
    return true;
  }
  push(...lines: string[]): void {
    this.lines.push(...lines);
    this.used += lines.reduce((n, line) => n + line.length + 1, 0);
  }
  /** A table: its header, as many rows as fit, then one row saying how many did not. */
  table(header: readonly string[], rows: readonly string[], columns: number, reserve = FOOTER_RESERVE): void {
    this.push(...header);
    let shown = 0;
    for (const row of rows) {
      if (!this.tryPush([row], reserve)) break;
      shown++;
    }
    if (shown < rows.length)
      this.push(`| … |${' |'.repeat(Math.max(0, columns - 2))} ${rows.length - shown} more rows: see the HTML report (\`kbench report\`) |`);
  }
}

/** Marks a verdict made under different conditions on its two sides. */
const CONDITIONS_MARK = '†';
const conditionsMark = (row: ComparedRow): string => (row.conditionsDiffer === true ? ` ${CONDITIONS_MARK}` : '');

function changeRow(row: ComparedRow): string {
  return `| ${VERDICT_MARK[row.verdict]}${conditionsMark(row)} | ${escapeMarkdown(row.setTitle)} | ${code(row.metricId)} | ${escapeMarkdown(formatSide(row.baseline, row.unit))} | ${escapeMarkdown(formatSide(row.candidate, row.unit))} | ${escapeMarkdown(formatDelta(row))} | ${formatP(row.adjustedP)} |`;
}
const CHANGE_HEADER = ['| | Comparison | Metric | Before | After | Delta [95% CI] | adj. p |', '|---|---|---|---|---|---|---|'];

/** The rows in the overview's order (workload groups, regressions first), then any untested row. */
function inOverviewOrder(model: ReportModel): ComparedRow[] {
  const key = (row: { setTitle: string; metricId: string }) => `${row.setTitle}\u0000${row.metricId}`;
  const byKey = new Map(model.verdicts.map((row) => [key(row), row]));
  const ordered = model.overview.flatMap((o) => {
    const row = byKey.get(key(o));
    return row === undefined ? [] : [row];
  });
  const seen = new Set(ordered.map(key));
  return [...ordered, ...model.verdicts.filter((row) => !seen.has(key(row)))];
}

/** One line per verdict class, like the HTML overview: the class, its count, its metrics (all but equivalent, which is a count). */
function verdictLines(model: ReportModel): string[] {
  return VERDICT_ORDER.filter((verdict) => verdict !== 'regressed').map((verdict) => {
    const rows = model.verdicts.filter((row) => row.verdict === verdict);
    const several = model.sets.length > 1;
    const names =
      verdict === 'equivalent' || rows.length === 0
        ? ''
        : `: ${rows
            .slice(0, 30)
            .map((row) => `${code(row.metricId)}${several ? ` (${escapeMarkdown(row.setTitle)})` : ''} ${escapeMarkdown(formatSpeedup(row.speedup))}`)
            .join(', ')}${rows.length > 30 ? `, … ${rows.length - 30} more` : ''}`;
    return `- ${VERDICT_MARK[verdict]} ${rows.length} ${VERDICT_LABEL[verdict]}${names}`;
  });
}

function folded(summary: string, lines: readonly string[]): string[] {
  return [`<details><summary>${summary}</summary>`, '', ...lines, '', '</details>', ''];
}

/** Adds a folded section, dropping its last lines (with a note) until it fits. */
function pushFolded(budget: Budget, summary: string, lines: readonly string[]): void {
  for (let keep = lines.length; ; keep = Math.floor(keep * 0.7)) {
    const shown = keep === lines.length ? lines : [...lines.slice(0, keep), `- … ${lines.length - keep} more: see the HTML report`];
    if (budget.tryPush(folded(summary, shown), 600) || keep === 0) return;
  }
}

export function renderMarkdownReport(model: ReportModel, maxChars = MARKDOWN_MAX_CHARS): string {
  const budget = new Budget(maxChars);
  budget.push(`## kbench: ${escapeMarkdown(model.headline)}`, '');
  const runs = model.runs.map((run) => `${run.label === '' ? 'run' : `run ${run.label}`} ${escapeMarkdown(run.runId)} (${run.createdAt})`);
  const against = model.baseline === null ? '' : ` against baseline ${escapeMarkdown(model.baseline.runId)}`;
  const warned = model.warnings.length === 0 ? '' : ` ⚠ ${model.warnings.length} warning${model.warnings.length === 1 ? '' : 's'} below.`;
  budget.push(`${runs.join(', ')}${against}; kbench ${escapeMarkdown(model.kbenchVersion)}, generated ${model.generatedAt}.${warned}`, '');

  // CONDITIONS COMPARED (compare/conditions.ts): said above the verdicts, each verdict it touches marked †.
  const differing = model.sets.filter((set) => set.conditionsNote !== undefined && set.conditionsNote !== null);
  for (const set of differing) budget.push(`> ⚠ ${escapeMarkdown(set.title)}: ${escapeMarkdown(set.conditionsNote!)} (verdicts marked ${CONDITIONS_MARK})`, '');

  const regressions = model.verdicts.filter((row) => row.verdict === 'regressed');
  budget.push(`### ${VERDICT_MARK.regressed} Regressions (${regressions.length})`, '');
  if (regressions.length === 0) budget.push('None.');
  else budget.table(CHANGE_HEADER, regressions.map(changeRow), 7, FOOTER_RESERVE + 4_000);
  budget.push('', ...verdictLines(model), '');

  budget.push(`### Results (${model.verdicts.length} compared metrics, by workload, regressions first)`, '');
  const several = model.sets.length > 1;
  const rows = inOverviewOrder(model).map(
    (row) =>
      `| ${VERDICT_MARK[row.verdict]} | ${code(row.metricId)}${several ? ` ${escapeMarkdown(row.setTitle)}` : ''} | ${escapeMarkdown(formatDelta(row))} | ${escapeMarkdown(formatSpeedup(row.speedup))} | ${escapeMarkdown(formatThreshold(row))} | ${formatP(row.adjustedP)} | ${VERDICT_LABEL[row.verdict]}${conditionsMark(row)} |`,
  );
  if (rows.length === 0) budget.push('Nothing was compared.');
  else budget.table(['| | Metric | Delta [95% CI] | Speedup | Band | adj. p | Verdict |', '|---|---|---|---|---|---|---|'], rows, 7, FOOTER_RESERVE + 2_000);
  budget.push('');
  for (const set of model.sets)
    budget.push(
      `Geometric mean speedup of ${escapeMarkdown(set.candidateLabel)} over ${escapeMarkdown(set.baselineLabel)} (${escapeMarkdown(set.title)}): ${escapeMarkdown(formatSpeedup(set.geomeanSpeedup))}`,
    );
  if (model.sets.length > 0) budget.push('');

  const claims = model.claims.filter((row) => row.verdict !== 'not measured');
  if (claims.length > 0)
    pushFolded(
      budget,
      `Seed claims (${claims.length} measured of ${model.claims.length})`,
      claims.map(
        (row) =>
          `- ${code(row.metricId)} for ${escapeMarkdown(row.claimGuestOs ?? 'any guest')}: seed claims ${escapeMarkdown(row.stated)} (${escapeMarkdown(formatSpeedup(row.claimedSpeedup))}), measured ${escapeMarkdown(formatSpeedup(row.speedup))} ${escapeMarkdown(formatSpeedupInterval(row.ci))} on kernel ${escapeMarkdown(row.measuredKernel ?? 'not recorded')}: **${row.verdict}**`,
      ),
    );
  const conditions = model.conditions.flatMap((run) => [
    `- ${escapeMarkdown(run.label === '' ? run.runId : `${run.label} ${run.runId}`)}: ${run.facts.map(([k, v]) => `${escapeMarkdown(k)}: ${escapeMarkdown(v)}`).join('; ')}`,
    ...run.differences.map((line) => `  - differs: ${escapeMarkdown(line)}`),
  ]);
  if (conditions.length > 0) pushFolded(budget, 'Conditions', conditions);
  if (model.warnings.length > 0)
    pushFolded(
      budget,
      `Warnings (${model.warnings.length})`,
      model.warnings.map((warning) => `- ${escapeMarkdown(warning)}`),
    );
  const notes = [
    ...model.verdicts.flatMap((row) => (row.note === null ? [] : [`- ${escapeMarkdown(row.setTitle)}, ${code(row.metricId)}: ${escapeMarkdown(row.note)}`])),
    ...model.skipped.map((skip) => `- ${escapeMarkdown(skip.setTitle)}, ${code(skip.metricId)}: not compared: ${escapeMarkdown(skip.reason)}`),
  ];
  if (notes.length > 0) pushFolded(budget, 'Notes and metrics not compared', notes);

  const s = model.statistics;
  budget.push(
    `<sub>${VERDICT_MARK.regressed} regressed, ${VERDICT_MARK.improved} improved, ${VERDICT_MARK.equivalent} equivalent (within the band), ${VERDICT_MARK.inconclusive} inconclusive. ` +
      `${escapeMarkdown(s.test)}; ${escapeMarkdown(s.correction)}, alpha ${s.alpha}; noise threshold ${s.noiseThreshold * 100}% unless set per metric; ` +
      `${s.confidenceLevel * 100}% CIs; seed ${s.seed}.</sub>`,
  );
  return `${budget.lines.join('\n')}\n`;
}

export const markdownExporter: ReportExporter = {
  format: 'md',
  extension: 'md',
  description: 'Markdown summary for a GitHub step summary or PR comment',
  render: renderMarkdownReport,
};
