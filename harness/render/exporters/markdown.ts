/**
 * Markdown for a GitHub step summary or a PR comment: a headline, regressions and improvements
 * listed separately, then one benchstat-style table per comparison set with verdict marks.
 * Every string from a results file goes through escapeMarkdown: no HTML, no table breakouts,
 * no @mentions, no links.
 */
import type { ReportExporter } from './types.ts';
import { formatDelta, formatP, formatSide, formatSpeedup, VERDICT_LABEL, VERDICT_MARK } from '../format.ts';
import type { ComparedRow, ReportModel } from '../model.ts';

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

function changeTable(rows: ComparedRow[]): string[] {
  return [
    '| | Comparison | Metric | Before | After | Delta [95% CI] | adj. p |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${VERDICT_MARK[row.verdict]} | ${escapeMarkdown(row.setTitle)} | ${code(row.metricId)} | ${escapeMarkdown(formatSide(row.baseline, row.unit))} | ${escapeMarkdown(formatSide(row.candidate, row.unit))} | ${escapeMarkdown(formatDelta(row))} | ${formatP(row.adjustedP)} |`,
    ),
  ];
}

export function renderMarkdownReport(model: ReportModel): string {
  const lines: string[] = [];
  lines.push(`## kbench: ${escapeMarkdown(model.headline)}`, '');
  const runs = model.runs.map((run) => `${run.label === '' ? 'run' : `run ${run.label}`} ${escapeMarkdown(run.runId)} (${run.createdAt})`);
  const against = model.baseline === null ? '' : ` against baseline ${escapeMarkdown(model.baseline.runId)}`;
  lines.push(`${runs.join(', ')}${against}; kbench ${escapeMarkdown(model.kbenchVersion)}, generated ${model.generatedAt}.`, '');
  for (const host of model.fingerprint.hosts) lines.push(`- Host: ${escapeMarkdown(host)}`);
  for (const guest of model.fingerprint.guests) lines.push(`- Guest: ${escapeMarkdown(guest)}`);
  lines.push('');
  if (model.warnings.length > 0) {
    lines.push('**Warnings**', '', ...model.warnings.map((warning) => `- ${escapeMarkdown(warning)}`), '');
  }

  const regressions = model.verdicts.filter((row) => row.verdict === 'regressed');
  const improvements = model.verdicts.filter((row) => row.verdict === 'improved');
  lines.push(`### ${VERDICT_MARK.regressed} Regressions (${regressions.length})`, '');
  lines.push(...(regressions.length === 0 ? ['None.'] : changeTable(regressions)), '');
  lines.push(`### ${VERDICT_MARK.improved} Improvements (${improvements.length})`, '');
  lines.push(...(improvements.length === 0 ? ['None.'] : changeTable(improvements)), '');

  const notes: string[] = [];
  for (const set of model.sets) {
    lines.push(`### ${escapeMarkdown(set.title)}`, '');
    lines.push(
      `| | Metric | ${escapeMarkdown(set.baselineLabel)} | ${escapeMarkdown(set.candidateLabel)} | Delta [95% CI] | Speedup | adj. p | Verdict |`,
      '|---|---|---|---|---|---|---|---|',
    );
    for (const row of set.rows) {
      lines.push(
        `| ${VERDICT_MARK[row.verdict]} | ${code(row.metricId)} | ${escapeMarkdown(formatSide(row.baseline, row.unit))} | ${escapeMarkdown(formatSide(row.candidate, row.unit))} | ${escapeMarkdown(formatDelta(row))} | ${escapeMarkdown(formatSpeedup(row.speedup))} | ${formatP(row.adjustedP)} | ${VERDICT_LABEL[row.verdict]} |`,
      );
      if (row.note !== null) notes.push(`- ${escapeMarkdown(set.title)}, ${code(row.metricId)}: ${escapeMarkdown(row.note)}`);
    }
    for (const skip of set.skipped)
      notes.push(`- ${escapeMarkdown(set.title)}, ${code(skip.metricId)}: not compared: ${escapeMarkdown(skip.reason)}`);
    lines.push('', `Geometric mean speedup of ${escapeMarkdown(set.candidateLabel)} over ${escapeMarkdown(set.baselineLabel)}: ${escapeMarkdown(formatSpeedup(set.geomeanSpeedup))}`, '');
  }
  if (model.sets.length === 0) lines.push('Nothing was compared.', '');

  const claimLines = model.metrics.flatMap((metric) =>
    metric.claims.map(
      (claim) =>
        `- ${code(metric.id)} on ${escapeMarkdown(claim.guestOs)}: seed claims ${escapeMarkdown(claim.stated)} (${escapeMarkdown(formatSpeedup(claim.claimedSpeedup))}), measured ${escapeMarkdown(formatSpeedup(claim.measuredSpeedup))}: ${claim.outcome}`,
    ),
  );
  if (claimLines.length > 0) lines.push('<details><summary>Seed claims vs measured</summary>', '', ...claimLines, '', '</details>', '');
  if (notes.length > 0) lines.push('<details><summary>Notes and metrics not compared</summary>', '', ...notes, '', '</details>', '');

  const s = model.statistics;
  lines.push(
    `<sub>${VERDICT_MARK.regressed} regressed, ${VERDICT_MARK.improved} improved, ${VERDICT_MARK.equivalent} equivalent (within the band), ${VERDICT_MARK.inconclusive} inconclusive. ` +
      `${escapeMarkdown(s.test)}; ${escapeMarkdown(s.correction)}, alpha ${s.alpha}; noise threshold ${s.noiseThreshold * 100}% unless set per metric; ` +
      `${s.confidenceLevel * 100}% CIs; history resampling seed ${s.seed}.</sub>`,
  );
  return `${lines.join('\n')}\n`;
}

export const markdownExporter: ReportExporter = {
  format: 'md',
  extension: 'md',
  description: 'Markdown summary for a GitHub step summary or PR comment',
  render: renderMarkdownReport,
};
