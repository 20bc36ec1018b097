import { describe, expect, it } from 'vitest';
import { escapeXml, renderJunitReport } from '../../harness/render/exporters/junit.ts';
import { escapeMarkdown, renderMarkdownReport } from '../../harness/render/exporters/markdown.ts';
import { loadClaimsSync } from '../../harness/render/claims.ts';
import { buildReportModel } from '../../harness/render/model.ts';
import { HOSTILE_TEXT } from '../fixtures/results/generate.ts';
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

  it('leads with the headline and lists regressions and improvements separately', () => {
    expect(markdown.split('\n')[0]).toBe(`## kbench: ${model.headline}`);
    const regressions = section(markdown, '### ✗ Regressions');
    expect(regressions).toContain(`### ✗ Regressions (${model.counts.regressed})`);
    expect(regressions).toMatch(/\| ✗ \| debian\/custom vs baseline \| `zfs\.scrub\.seconds` \| 2\.\d\d s ±[\d.]+% \(2×5\) \| 3\.\d\d s ±[\d.]+% \(2×5\) \| \+2\d% \\\[\+\d+%, \+\d+%\\\] \| 0\.\d+ \|/);
    expect(regressions).not.toContain('send_recv');
    const improvements = section(markdown, '### ✓ Improvements');
    // Two boots per side cannot confirm send_recv's +14%; the smaller kernel image is exact.
    expect(improvements).toContain('`kernel.image.bytes`');
    expect(improvements).not.toContain('send_recv');
    expect(improvements).not.toContain('zfs.scrub.seconds');
  });

  it('has a benchstat-style table per comparison set with a mark, the geomean and the method', () => {
    const set = section(markdown, '### debian: custom vs stock kernel');
    const rows = set.split('\n').filter((line) => line.startsWith('| '));
    // header + 8 compared metrics, every row with the same 8 columns (no cell broke the table).
    expect(rows).toHaveLength(9);
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length).toBe(10);
    expect(set).toMatch(/\| \? \| `boot\.host_to_ssh\.seconds` .* \| inconclusive \|/);
    expect(set).toMatch(/Geometric mean speedup of custom over stock: \d\.\d\d×/);
    expect(markdown).toMatch(/about \d+ boots per side would decide it at this variance \(have 2\)/);
    expect(markdown).toContain('seed claims 1.75x (1.75×), measured 1.');
    expect(markdown).toMatch(/seed 20261125/);
  });

  it('renders hostile strings inert: no HTML, no table breakout, no mention, no link', () => {
    const text = renderMarkdownReport(hostileModel);
    expect(text).not.toMatch(/<script|<img|onerror="|@here|\]\(/i);
    expect(text).toContain('&lt;script&gt;window.\\_\\_pwned=1;alert(1)&lt;/script&gt;');
    for (const line of text.split('\n').filter((l) => l.startsWith('| ')))
      expect(line.split(/(?<!\\)\|/).length, line).toBeGreaterThanOrEqual(9);
  });

  it('escapeMarkdown keeps text on one line and neutralises markup', () => {
    expect(escapeMarkdown('a|b\n*c* [x](y) @me #12 http://e <b> `c`')).toBe(
      'a\\|b \\*c\\* \\[x\\](y) &#64;me &#35;12 http:&#47;&#47;e &lt;b&gt; \\`c\\`',
    );
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
