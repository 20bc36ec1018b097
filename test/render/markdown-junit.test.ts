import { describe, expect, it } from 'vitest';
import { escapeXml, renderJunitReport } from '../../harness/render/exporters/junit.ts';
import { escapeMarkdown, MARKDOWN_MAX_CHARS, renderMarkdownReport } from '../../harness/render/exporters/markdown.ts';
import { metric, runFile, target } from '../helpers/results-factory.ts';
import { loadClaimsSync } from '../../harness/render/claims.ts';
import { buildReportModel } from '../../harness/render/model.ts';
import { GENERATED_AT, loadFixture } from './helpers.ts';

const claims = loadClaimsSync();
const model = buildReportModel({
  results: [loadFixture('debian-run-2-regression.json')],
  baseline: loadFixture('debian-run-1.json'),
  history: null,
  options: { claims, generatedAt: GENERATED_AT },
});
const hostile = loadFixture('hostile.json');
const hostileModel = buildReportModel({ results: [hostile], baseline: hostile, history: null, options: { claims, generatedAt: GENERATED_AT } });

const section = (markdown: string, heading: string): string => {
  const start = markdown.indexOf(heading);
  const next = markdown.indexOf('\n### ', start + 1);
  return markdown.slice(start, next === -1 ? undefined : next);
};

describe('Markdown report', () => {
  const markdown = renderMarkdownReport(model);

  it('leads with a one-line headline, then the regressions, then one line per verdict class', () => {
    expect(markdown.split('\n')[0]).toBe(`## kbench: ${model.headline}`);
    const regressions = section(markdown, '### ✗ Regressions');
    expect(markdown.indexOf('### ✗ Regressions')).toBeLessThan(markdown.indexOf('### Results'));
    expect(regressions).toContain(`### ✗ Regressions (${model.counts.regressed})`);
    expect(regressions).toMatch(
      /\| ✗ \| debian\/custom vs baseline \| `zfs\.scrub\.seconds` \| 2\.\d\d s ±[\d.]+% \(2×5\) \| 3\.\d\d s ±[\d.]+% \(2×5\) \| \+2\d% \\\[\+\d+%, \+\d+%\\\] \| 0\.\d+ \|/,
    );
    const table = regressions.split('\n').filter((line) => line.startsWith('| ✗'));
    expect(table).toHaveLength(model.counts.regressed);
    // Two boots per side cannot confirm send_recv's +14%; the smaller kernel image is exact.
    const improved = regressions.split('\n').find((line) => line.startsWith('- ✓'))!;
    expect(improved).toMatch(/^- ✓ 1 improved: `kernel\.image\.bytes` \(debian: custom vs stock kernel\) 1\.\d\d×$/);
    expect(regressions).toMatch(new RegExp(`\\n- = ${model.counts.equivalent} equivalent\\n`));
    expect(regressions).toMatch(new RegExp(`\\n- \\? ${model.counts.inconclusive} inconclusive: .*zfs\\.send_recv\\.mb_per_s`));
  });

  it('has one compact table of every compared metric in the overview order, the geomeans, notes and claims', () => {
    const results = section(markdown, '### Results');
    const rows = results.split('\n').filter((line) => line.startsWith('| '));
    // header + every compared row, every row with the same 7 columns (no cell broke the table).
    expect(rows).toHaveLength(model.verdicts.length + 1);
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length).toBe(9);
    expect(
      rows.slice(1).map((row) =>
        row
          .match(/`([a-z0-9_.]+)` (.*?) \|/)!
          .slice(1)
          .join(' '),
      ),
    ).toEqual(model.overview.map((o) => `${o.metricId} ${o.setTitle}`));
    expect(rows[1]).toMatch(/^\| ✗ \| `zfs\.scrub\.seconds` debian\/custom vs baseline \|/);
    expect(results).toMatch(/\| \? \| `boot\.host_to_ssh\.seconds` debian: custom vs stock kernel .* \| inconclusive \|/);
    expect(results).toMatch(/Geometric mean speedup of custom over stock \(debian: custom vs stock kernel\): \d\.\d\d×/);
    expect(markdown).toMatch(/about \d+ boots per side would decide it at this variance \(have 2\)/);
    expect(markdown).toMatch(/seed claims 1\.75x \(1\.75×\), measured 1\.\d\d× .* on kernel 6\.1\.119-kbench-zfs: \*\*measured on another kernel\*\*/);
    expect(markdown).toMatch(/<details><summary>Conditions<\/summary>[\s\S]*differs: debian stock vs custom: kernel 6\.1\.0-28-amd64 → 6\.1\.119-kbench-zfs/);
    expect(markdown).toMatch(/seed 20261125/);
  });

  it('stays under 65 000 characters however many metrics, saying how many rows it left out', () => {
    const ids = Array.from({ length: 1200 }, (_, i) => `zfs.workload${i % 40}.metric_number_${i}.seconds`);
    const values = (centre: number) => Array.from({ length: 6 }, (_, i) => centre * (1 + ((i % 3) - 1) * 0.02));
    const run = runFile([
      target(
        'stock',
        ids.map((id, i) => metric(id, values(1 + (i % 7) * 0.1))),
      ),
      target(
        'custom',
        ids.map((id, i) => metric(id, values((1 + (i % 7) * 0.1) * (i % 5 === 0 ? 1.3 : 1)))),
      ),
    ]);
    const big = buildReportModel({ results: [run], baseline: null, history: null, options: { claims, generatedAt: GENERATED_AT } });
    expect(big.verdicts).toHaveLength(1200);
    expect(big.counts.regressed).toBeGreaterThan(100);
    const text = renderMarkdownReport(big);
    expect(text.length).toBeLessThan(MARKDOWN_MAX_CHARS);
    expect(text.length).toBeGreaterThan(MARKDOWN_MAX_CHARS * 0.8);
    expect(text.split('\n')[0]).toBe(`## kbench: ${big.headline}`);
    expect(text).toMatch(/\| … \|.* \d+ more rows: see the HTML report/);
    expect(text).toMatch(/<sub>.*seed 20261125\.<\/sub>\n$/);
    // Small reports are never cut.
    expect(markdown).not.toContain('more rows: see the HTML report');
  });

  it('renders hostile strings inert: no HTML, no table breakout, no mention, no link', () => {
    const text = renderMarkdownReport(hostileModel);
    expect(text).not.toMatch(/<script|<img|onerror="|@here|\]\(/i);
    expect(text).toContain('&lt;script&gt;window.\\_\\_pwned=1;alert(1)&lt;/script&gt;');
    for (const line of text.split('\n').filter((l) => l.startsWith('| '))) expect(line.split(/(?<!\\)\|/).length, line).toBeGreaterThanOrEqual(9);
  });

  it('escapeMarkdown keeps text on one line and neutralises markup', () => {
    expect(escapeMarkdown('a|b\n*c* [x](y) @me #12 http://e <b> `c`')).toBe('a\\|b \\*c\\* \\[x\\](y) &#64;me &#35;12 http:&#47;&#47;e &lt;b&gt; \\`c\\`');
  });
});

describe('JUnit report', () => {
  const xml = renderJunitReport(model);

  it('fails exactly the regressed metrics and skips the inconclusive and the uncompared ones', () => {
    const failures = [...xml.matchAll(/<testcase classname="([^"]+)" name="([^"]+)">\n\s+<failure type="regression" message="([^"]+)"/g)];
    expect(failures.map((m) => m[2])).toEqual(['zfs.scrub.seconds']);
    expect(failures.length).toBe(model.counts.regressed);
    expect(failures[0]![3]).toMatch(/^regressed: \+\d+(\.\d)?% \[\+\d/);
    expect(xml.match(/<skipped message="inconclusive: /g)?.length).toBe(model.counts.inconclusive);
    expect(xml.match(/<skipped message="not compared: unsupported: /g)?.length).toBe(3);
    expect(xml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="kbench 0\.1\.0" tests="27" failures="\d+" errors="0" skipped="\d+"/);
  });

  it('escapes every string, including characters XML cannot carry', () => {
    expect(escapeXml('<a href="x">&\'\u0000\n\ud800</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;\ufffd&#10;\ufffd&lt;/a&gt;');
    const text = renderJunitReport(hostileModel);
    expect(text).not.toMatch(/<script|<img|"onerror/);
    expect(text).toContain('&lt;script&gt;window.__pwned=1;alert(1)&lt;/script&gt;');
  });
});
