/**
 * JUnit XML, one <testsuite> per comparison set and one <testcase> per metric, for CI test
 * report viewers (GitHub, GitLab, Jenkins).
 *
 * Mapping: regressed -> <failure type="regression">; improved and equivalent -> passed;
 * inconclusive -> <skipped>, and so is a metric that could not be compared at all. Skipped, not a
 * property on a passing test: every viewer shows skipped tests as "neither passed nor failed",
 * which is exactly what an inconclusive comparison is, while a property would render as a green
 * pass and hide that kbench could not tell. In a "custom vs stock" suite a failure means the custom
 * kernel is significantly slower than stock on that metric. The exit code of kbench is separate.
 */
import type { ReportExporter } from './types.ts';
import { formatDelta, formatP, formatSide, formatSpeedup } from '../format.ts';
import type { ComparedRow, ReportModel, ReportSet } from '../model.ts';

/** Text safe in XML 1.0 content and in double-quoted attributes. */
export function escapeXml(text: string): string {
  return (
    text
      // Characters XML 1.0 cannot carry at all (even as references), and lone surrogates.
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
      // Attribute values would otherwise have their line breaks and tabs normalised to spaces.
      .replace(/\n/g, '&#10;')
      .replace(/\r/g, '&#13;')
      .replace(/\t/g, '&#9;')
  );
}

const attributes = (pairs: [string, string | number][]): string => pairs.map(([name, value]) => ` ${name}="${escapeXml(String(value))}"`).join('');

function summary(row: ComparedRow): string {
  return `${row.verdict}: ${formatDelta(row)}, speedup ${formatSpeedup(row.speedup)}, adjusted p ${formatP(row.adjustedP)}`;
}

function details(row: ComparedRow): string {
  return [
    `${row.baseline.label}: ${formatSide(row.baseline, row.unit)}`,
    `${row.candidate.label}: ${formatSide(row.candidate, row.unit)}`,
    `delta [95% CI]: ${formatDelta(row)}`,
    `speedup: ${formatSpeedup(row.speedup)}`,
    `p ${formatP(row.p)} (${row.method}), adjusted ${formatP(row.adjustedP)}`,
    ...(row.note === null ? [] : [`note: ${row.note}`]),
  ].join('\n');
}

const classname = (set: ReportSet): string => `kbench.${set.id}`;

function testcase(set: ReportSet, row: ComparedRow): string {
  const open = `    <testcase${attributes([
    ['classname', classname(set)],
    ['name', row.metricId],
  ])}>`;
  const body: string[] = [];
  if (row.verdict === 'regressed')
    body.push(
      `      <failure${attributes([
        ['type', 'regression'],
        ['message', summary(row)],
      ])}>${escapeXml(details(row))}</failure>`,
    );
  else if (row.verdict === 'inconclusive') body.push(`      <skipped${attributes([['message', `inconclusive: ${row.note ?? 'no verdict'}`]])}/>`);
  body.push(`      <system-out>${escapeXml(details(row))}</system-out>`);
  return [open, ...body, '    </testcase>'].join('\n');
}

export function renderJunitReport(model: ReportModel): string {
  const suites = model.sets.map((set) => {
    const failures = set.rows.filter((row) => row.verdict === 'regressed').length;
    const skipped = set.rows.filter((row) => row.verdict === 'inconclusive').length + set.skipped.length;
    const tests = set.rows.length + set.skipped.length;
    const properties = [
      ['comparison', set.comparison],
      ['baseline', set.baselineLabel],
      ['candidate', set.candidateLabel],
      ['alpha', String(model.statistics.alpha)],
      ['noiseThreshold', String(model.statistics.noiseThreshold)],
      ['seed', String(model.statistics.seed)],
      ['geomeanSpeedup', set.geomeanSpeedup === null ? 'n/a' : set.geomeanSpeedup.toFixed(4)],
    ].map(
      ([name, value]) =>
        `      <property${attributes([
          ['name', name!],
          ['value', value!],
        ])}/>`,
    );
    return [
      `  <testsuite${attributes([
        ['name', set.title],
        ['tests', tests],
        ['failures', failures],
        ['errors', 0],
        ['skipped', skipped],
        ['timestamp', model.generatedAt],
      ])}>`,
      '    <properties>',
      ...properties,
      '    </properties>',
      ...set.rows.map((row) => testcase(set, row)),
      ...set.skipped.map(
        (skip) =>
          `    <testcase${attributes([
            ['classname', classname(set)],
            ['name', skip.metricId],
          ])}>\n      <skipped${attributes([['message', `not compared: ${skip.reason}`]])}/>\n    </testcase>`,
      ),
      '  </testsuite>',
    ].join('\n');
  });
  const total = (pick: (set: ReportSet) => number): number => model.sets.reduce((sum, set) => sum + pick(set), 0);
  const head = `<testsuites${attributes([
    ['name', `kbench ${model.kbenchVersion}`],
    ['tests', total((set) => set.rows.length + set.skipped.length)],
    ['failures', model.counts.regressed],
    ['errors', 0],
    ['skipped', model.counts.inconclusive + model.counts.skipped],
    ['timestamp', model.generatedAt],
  ])}>`;
  return ['<?xml version="1.0" encoding="UTF-8"?>', head, ...suites, '</testsuites>', ''].join('\n');
}

export const junitExporter: ReportExporter = {
  format: 'junit',
  extension: 'junit.xml',
  description: 'JUnit XML: one testcase per metric, regression = failure, inconclusive = skipped',
  render: renderJunitReport,
};
