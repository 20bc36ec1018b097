/**
 * The HTML report in a real browser (headless Chromium): charts drew marks, no console errors,
 * no request leaves the page, the download works, and hostile strings stay text.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClaimsSync } from '../../harness/render/claims.ts';
import { contentSecurityPolicy, jsonForScriptElement, renderHtmlReport } from '../../harness/render/exporters/html.ts';
import { renderJunitReport } from '../../harness/render/exporters/junit.ts';
import { buildReportModel, type ReportModel } from '../../harness/render/model.ts';
import { distributionRows, historyRows, overviewChartRows, renderChartSvg, renderChartSvgUncached, speedupRows } from '../../harness/render/charts.ts';
import { HOSTILE_TEXT } from '../fixtures/results/generate.ts';
import { GENERATED_AT, loadFixture, scrubStepHistory } from './helpers.ts';
import { describeNeeding, unmetNeeds } from '../helpers/needs.ts';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
const packageVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

let browser: Browser;

beforeAll(async () => {
  // jsonForScriptElement and the template checks below need no browser.
  if (unmetNeeds(['chromium']) !== null) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

interface OpenedReport {
  page: Page;
  url: string;
  errors: string[];
  requests: string[];
  dialogs: string[];
}

async function openReport(html: string, name: string, viewport = { width: 1200, height: 900 }): Promise<OpenedReport> {
  const file = new URL(name, ARTIFACTS);
  writeFileSync(file, html);
  const url = pathToFileURL(file.pathname).href;
  const page = await browser.newPage({ viewport, acceptDownloads: true });
  const opened: OpenedReport = { page, url, errors: [], requests: [], dialogs: [] };
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') opened.errors.push(message.text());
  });
  page.on('pageerror', (error) => opened.errors.push(error.message));
  page.on('request', (request) => {
    const requested = request.url();
    if (requested !== url && !/^(data|about|blob):/.test(requested)) opened.requests.push(requested);
  });
  page.on('dialog', (dialog) => {
    opened.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(url, { waitUntil: 'load' });
  return opened;
}

describeNeeding(['chromium'], 'HTML report of a run with a regression against its baseline, with history', () => {
  let model: ReportModel;
  let html: string;
  let opened: OpenedReport;

  beforeAll(async () => {
    const history = scrubStepHistory();
    model = buildReportModel({
      results: [loadFixture('debian-run-2-regression.json')],
      baseline: loadFixture('debian-run-1.json'),
      history,
      options: { claims: loadClaimsSync(), generatedAt: GENERATED_AT, sources: { results: ['runs/run-2.json'], baseline: 'baseline.json' } },
    });
    html = await renderHtmlReport(model);
    opened = await openReport(html, 'report.html');
  }, 60_000);

  afterAll(async () => {
    await opened?.page.close();
  });

  it('draws marks in every chart: overview, distribution, speedup and history', async () => {
    const charts = await opened.page.$$eval('.chart', (nodes) =>
      nodes.map((node) => ({
        kind: node.className.replace('chart chart-', ''),
        metric: node.closest('article')?.id ?? node.closest('section')!.id,
        svg: node.querySelector('svg') !== null,
        marks: node.querySelectorAll('svg g.role-mark > *').length,
      })),
    );
    const measured = model.metrics.filter((m) => m.distribution.length > 0).length;
    expect(charts.filter((c) => c.kind === 'overview')).toHaveLength(1);
    expect(charts.filter((c) => c.kind === 'distribution' && c.svg)).toHaveLength(measured);
    expect(charts.filter((c) => c.kind === 'speedup')).toHaveLength(measured);
    expect(charts.filter((c) => c.kind === 'history')).toHaveLength(measured);
    for (const chart of charts) {
      expect(chart.svg, `${chart.metric} ${chart.kind}`).toBe(true);
      expect(chart.marks, `${chart.metric} ${chart.kind}`).toBeGreaterThan(0);
    }
  });

  it('draws one dot per boot, one faint tick per sample, and a change-point rule where the history steps', async () => {
    const scrub = model.metrics.find((m) => m.id === 'zfs.scrub.seconds')!;
    const ticks = await opened.page.$$eval('#metric-zfs-scrub-seconds .chart-distribution svg g.mark-rect.role-mark', (groups) =>
      groups.map((g) => g.children.length),
    );
    // Iterations, then one center bar per series.
    expect(ticks).toEqual([40, 4]);
    const dots = await opened.page.$$eval('#metric-zfs-scrub-seconds .chart-distribution svg g.mark-symbol.role-mark', (groups) =>
      groups.map((g) => g.children.length),
    );
    expect(dots).toEqual([scrub.boots.length]);
    expect(scrub.boots.length).toBe(8);
    const changes = await opened.page.textContent('#metric-zfs-scrub-seconds .changes');
    expect(changes).toMatch(/debian\/custom: step of \+\d+% at run history-07/);
    // Dashed change rules exist only in the scrub history.
    const dashed = await opened.page.$$eval('#metric-zfs-scrub-seconds .chart-history g.mark-rule.role-mark line', (lines) => lines.length);
    expect(dashed).toBe(1);
    expect(await opened.page.$$eval('#metric-zfs-pool-create-seconds .chart-history g.mark-rule.role-mark line', (l) => l.length)).toBe(0);
  });

  it('logs nothing to the console and sends no request anywhere', () => {
    expect(opened.errors).toEqual([]);
    expect(opened.requests).toEqual([]);
    expect(opened.dialogs).toEqual([]);
  });

  it('says what was compared, when, on what, by which kbench, regressions first', async () => {
    expect(await opened.page.textContent('header')).toContain('debian: custom vs stock kernel; debian/stock vs baseline; debian/custom vs baseline');
    const header = await opened.page.textContent('#conditions');
    expect(header).toContain('debian: custom vs stock kernel; debian/stock vs baseline; debian/custom vs baseline');
    expect(header).toContain('2026-11-24T09-00-00Z-debian');
    expect(header).toContain('runs/run-2.json');
    expect(header).toContain('Intel(R) Xeon(R) CPU @ 2.20GHz, x86_64, 2 CPUs, 8 GiB, qemu/qemu-tcg');
    expect(header).toContain('kernel 6.1.119-kbench-zfs');
    expect(header).toContain(`by kbench ${packageVersion}`);
    const order = await opened.page.$$eval('.verdict-table', (tables) => tables.map((t) => t.getAttribute('data-verdict')));
    expect(order).toEqual(['regressed', 'improved', 'equivalent', 'inconclusive']);
    const firstRegression = await opened.page.textContent('.verdict-table[data-verdict="regressed"] tbody tr');
    expect(firstRegression).toMatch(/debian\/custom vs baseline.*zfs\.scrub\.seconds.*\+2\d% \[\+\d+%, \+\d+%\]/);
  });

  it('shows the system tables: host, guests, pool properties, ZFS tunables', async () => {
    const system = (await opened.page.textContent('#system'))!;
    for (const text of [
      'Intel(R) Xeon(R) CPU @ 2.20GHz',
      'qemu (qemu-tcg)',
      'recordsize128K',
      'zfs_arc_max536870912',
      'zfs_fletcher_4_implavx2',
      '6.1.0-28-amd64',
    ])
      expect(system).toContain(text);
  });

  it('embeds the raw data as JSON that parses back to the inputs, and downloads it', async () => {
    const embedded = await opened.page.evaluate(() => JSON.parse(document.getElementById('kbench-data')!.textContent!));
    expect(embedded).toEqual(JSON.parse(JSON.stringify(model.data)));
    const [download] = await Promise.all([opened.page.waitForEvent('download'), opened.page.click('#kbench-download')]);
    expect(download.suggestedFilename()).toBe('kbench-report-data.json');
    const saved = JSON.parse(readFileSync(await download.path(), 'utf8'));
    expect(saved.results[0].runId).toBe('2026-11-24T09-00-00Z-debian');
    expect(saved.baseline.targets[0].metrics[0].samples).toHaveLength(10);
    expect(opened.requests).toEqual([]);
  });

  it('saves a screenshot to test-artifacts/report.png', async () => {
    await opened.page.screenshot({ path: new URL('report.png', ARTIFACTS).pathname, fullPage: true });
    expect(readdirSync(ARTIFACTS)).toContain('report.png');
  });

  it('renders every chart without a vega or vega-lite warning, exactly as an uncached compile would', async () => {
    const warnings: string[] = [];
    let charts = 0;
    for (const metric of model.metrics)
      for (const [kind, rows] of [
        ['distribution', distributionRows(metric)],
        ['speedup', speedupRows(metric)],
        ['history', historyRows(metric)],
      ] as const) {
        if (rows.length === 0) continue;
        charts++;
        const svg = await renderChartSvg(kind, rows, warnings);
        expect(svg, `${metric.id} ${kind}`).toBe(await renderChartSvgUncached(kind, rows, warnings));
      }
    const overview = overviewChartRows(model.overview);
    expect(await renderChartSvg('overview', overview, warnings)).toBe(await renderChartSvgUncached('overview', overview, warnings));
    // 9 metrics with samples; 3 of them unsupported on one side have no speedup chart.
    expect(charts).toBe(24);
    expect(warnings).toEqual([]);
  });

  it('JUnit output parses as XML with one testcase per metric and a failure per regression', async () => {
    const xml = renderJunitReport(model);
    const parsed = await opened.page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      if (doc.querySelector('parsererror') !== null) return null;
      return {
        suites: [...doc.querySelectorAll('testsuite')].map((s) => ({
          name: s.getAttribute('name'),
          tests: Number(s.getAttribute('tests')),
          cases: s.querySelectorAll('testcase').length,
          failures: [...s.querySelectorAll('testcase > failure')].map((f) => f.parentElement!.getAttribute('name')),
          skipped: s.querySelectorAll('testcase > skipped').length,
        })),
        totalFailures: Number(doc.documentElement.getAttribute('failures')),
      };
    }, xml);
    expect(parsed).not.toBeNull();
    expect(parsed!.suites.map((s) => s.name)).toEqual(model.sets.map((s) => s.title));
    for (const suite of parsed!.suites) {
      expect(suite.cases).toBe(9);
      expect(suite.tests).toBe(9);
    }
    expect(parsed!.suites[2]!.failures).toContain('zfs.scrub.seconds');
    expect(parsed!.totalFailures).toBe(model.counts.regressed);
    expect(parsed!.suites.reduce((n, s) => n + s.skipped, 0)).toBe(model.counts.inconclusive + model.counts.skipped);
  });
});

describeNeeding(['chromium'], 'HTML report of the real icount testbed run (24 metrics) at 1400×900, as a new reader opens it', () => {
  let model: ReportModel;
  let html: string;
  let opened: OpenedReport;

  beforeAll(async () => {
    model = buildReportModel({
      results: [loadFixture('testbed-icount-run.json')],
      baseline: null,
      history: null,
      options: { claims: loadClaimsSync(), generatedAt: GENERATED_AT, sources: { results: ['testbed-icount-run.json'] } },
    });
    html = await renderHtmlReport(model);
    opened = await openReport(html, 'report-icount.html', { width: 1400, height: 900 });
  }, 60_000);

  afterAll(async () => {
    await opened?.page.close();
  });

  it('shows the whole overview chart and the verdict lines without scrolling', async () => {
    expect(model.metrics).toHaveLength(24);
    expect(await opened.page.evaluate(() => window.scrollY)).toBe(0);
    const chart = (await opened.page.locator('.chart-overview svg').boundingBox())!;
    expect(chart.y).toBeGreaterThanOrEqual(0);
    expect(chart.y + chart.height).toBeLessThanOrEqual(900);
    const lines = (await opened.page.locator('#verdict-lines').boundingBox())!;
    expect(lines.y + lines.height).toBeLessThanOrEqual(900);
    // Nothing but the header comes before it.
    expect(await opened.page.$$eval('main > *', (nodes) => nodes.slice(0, 3).map((n) => n.id || n.tagName.toLowerCase()))).toEqual([
      'header',
      'overview',
      'claims',
    ]);
    // One point per tested metric, one labelled row per workload panel.
    const symbols = await opened.page.$$eval('.chart-overview svg g.mark-symbol.role-mark > path', (paths) =>
      paths.map((p) => ({
        filled: p.getAttribute('fill') !== 'transparent' && p.getAttribute('fill') !== null,
        hidden: p.getAttribute('stroke-opacity') === '0' || p.getAttribute('opacity') === '0',
      })),
    );
    // One visible point per metric, one visible claim diamond per claim; workload header rows draw nothing.
    expect(symbols.filter((s) => s.filled && !s.hidden)).toHaveLength(model.overview.length);
    expect(symbols.filter((s) => !s.filled && !s.hidden)).toHaveLength(model.overview.filter((o) => o.claimed !== null).length);
    const workloads = new Set(model.overview.map((o) => o.workload));
    const bold = await opened.page.$$eval('.chart-overview svg g.mark-text.role-mark text', (texts) =>
      texts.filter((t) => t.getAttribute('font-weight') === 'bold' && t.textContent !== '').map((t) => t.textContent),
    );
    expect(bold).toEqual([...workloads]);
    const verdictLines = await opened.page.$$eval('.verdict-line', (nodes) => nodes.map((n) => n.getAttribute('data-verdict')));
    expect(verdictLines).toEqual(['regressed', 'improved', 'equivalent', 'inconclusive']);
    expect(await opened.page.textContent('.verdict-line[data-verdict="regressed"]')).toMatch(/^✗ 1 regressed: kernel\.image\.bytes 0\.5\d×$/);
    await opened.page.screenshot({ path: new URL('report-icount-first-screen.png', ARTIFACTS).pathname });
  });

  it('stays self-contained: the same CSP, no request, no console message, under 1 MB for 24 metrics', async () => {
    const csp = await opened.page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.getAttribute('content'));
    const script = readFileSync(new URL('../../reports/download.js', import.meta.url), 'utf8');
    const { createHash } = await import('node:crypto');
    expect(csp).toBe(contentSecurityPolicy(createHash('sha256').update(script, 'utf8').digest('base64')));
    expect(csp).toContain("default-src 'none'");
    expect(opened.requests).toEqual([]);
    expect(opened.errors).toEqual([]);
    expect(Buffer.byteLength(html, 'utf8')).toBeLessThan(1_000_000);
  });

  it('stays under 1 MB with a baseline and a four-run history too (history charts, baseline series, both files embedded)', async () => {
    const withHistory = buildReportModel({
      results: [loadFixture('testbed-icount-run.json')],
      baseline: loadFixture('testbed-run-a.json'),
      history: ['testbed-run.json', 'testbed-run-a.json', 'testbed-run-b.json', 'testbed-icount-run.json'].map(loadFixture),
      options: { claims: loadClaimsSync(), generatedAt: GENERATED_AT },
    });
    expect(withHistory.metrics.every((m) => (m.history ?? []).length > 0)).toBe(true);
    expect(Buffer.byteLength(await renderHtmlReport(withHistory), 'utf8')).toBeLessThan(1_000_000);
  }, 60_000);

  it('renders the overview and every metric chart without a vega warning', async () => {
    // Uncached: the cached runtimes were compiled (and warned, if at all) while the page was rendered.
    const warnings: string[] = [];
    await renderChartSvgUncached('overview', overviewChartRows(model.overview), warnings);
    for (const metric of model.metrics) {
      await renderChartSvgUncached('distribution', distributionRows(metric), warnings);
      await renderChartSvgUncached('speedup', speedupRows(metric), warnings);
    }
    expect(warnings).toEqual([]);
  });

  it('claims: compact rows linked to their metric, notes folded, no verdict on a kernel the claim is not about', async () => {
    const rows = await opened.page.$$eval('.claims-table tbody tr', (trs) =>
      trs.map((tr) => ({
        link: tr.querySelector('a')?.getAttribute('href') ?? null,
        verdict: tr.querySelector('.claim-verdict')!.textContent,
        folded: tr.querySelector('details') !== null && !tr.querySelector('details')!.open,
        kernel: tr.textContent!.includes('kernel 6.1.0-57-cloud-amd64'),
      })),
    );
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      expect(row.link).toMatch(/^#metric-/);
      expect(await opened.page.locator(row.link!).count()).toBe(1);
      expect(row.verdict).toMatch(/^measured on another kernel/);
      expect(row.folded).toBe(true);
      expect(row.kernel).toBe(true);
    }
    expect(await opened.page.textContent('#claims')).toContain('the CI alone: refuted');
  });

  it('conditions panel: clock, accelerator, host load per side, QEMU and kernels, what was emulated, the side differences', async () => {
    const text = (await opened.page.textContent('#conditions'))!;
    for (const expected of [
      'Guest clockQEMU icount shift=0',
      'Acceleratorqemu (qemu-tcg)',
      'Host load, stockload 1.',
      'Host load, customload 1.00-1.72',
      'QEMU7.2.22',
      'Kernel, debian/custom6.1.0-57-cloud-amd64',
      'EmulatedThe CPU'.replace('The', 'the'),
      'Differs: debian stock vs custom: kernel 6.1.0-57-amd64 → 6.1.0-57-cloud-amd64; kernel config; memory 1.92 GiB → 1.93 GiB; ZFS tunables l2arc_write_max, zfs_arc_max, zfs_arc_min',
    ])
      expect(text).toContain(expected);
  });

  it('a metric section: boots as dots over faint iterations on one axis, the band on the speedup chart', async () => {
    const section = opened.page.locator('#metric-zfs-scrub-seconds');
    const dots = await section.locator('.chart-distribution svg g.mark-symbol.role-mark > *').count();
    expect(dots).toBe(6);
    // Both kernels in one chart, one value axis.
    expect(await section.locator('.chart-distribution svg').count()).toBe(1);
    const labels = await section.locator('.chart-distribution svg g.role-axis-label text').allTextContents();
    expect(labels).toEqual(expect.arrayContaining(['debian/stock', 'debian/custom']));
    const band = await section.locator('.chart-speedup svg g.mark-rect.role-mark > *').count();
    expect(band).toBe(1);
    await section.scrollIntoViewIfNeeded();
    await section.screenshot({ path: new URL('report-icount-metric-scrub.png', ARTIFACTS).pathname });
  });
});

describeNeeding(['chromium'], 'HTML report of hostile input', () => {
  let opened: OpenedReport;
  let html: string;
  let model: ReportModel;
  const hostile = loadFixture('hostile.json');

  beforeAll(async () => {
    model = buildReportModel({ results: [hostile], baseline: hostile, history: [hostile], options: { claims: loadClaimsSync(), generatedAt: GENERATED_AT } });
    html = await renderHtmlReport(model);
    opened = await openReport(html, 'report-hostile.html');
  }, 60_000);

  afterAll(async () => {
    await opened?.page.close();
  });

  it('runs nothing: no dialog, no global set, no error, no request, only its own two scripts', async () => {
    expect(await opened.page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(opened.dialogs).toEqual([]);
    expect(opened.errors).toEqual([]);
    expect(opened.requests).toEqual([]);
    expect(await opened.page.$$eval('script', (s) => s.map((x) => x.id || x.type || 'inline'))).toEqual(['kbench-data', 'inline']);
    expect(await opened.page.$$eval('img', (images) => images.length)).toBe(0);
    expect(html.match(/<\/script>/gi)).toHaveLength(2);
  });

  it('shows every free-text field literally, template braces included', async () => {
    // innerText, not textContent: the test reads what a reader sees (hidden elements left out).
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point
    const text = await opened.page.evaluate(() => document.body.innerText);
    const literal = HOSTILE_TEXT.slice(0, HOSTILE_TEXT.indexOf(' &'));
    expect(literal).toContain('{{constructor}}');
    for (const field of [
      'guest.osVersion',
      'guest.kernelRelease',
      'guest.zfsVersion',
      'tunable.name',
      'tunable.value',
      'pool.name',
      'pool.value',
      'impl.value',
      'failure.reason',
      'host.chip',
      'host.os',
      'host.modelId',
      'host.qemuVersion',
      'runId',
      'settings.suite',
      'unsupported:zfs.checksum.sha256_256k.mib_per_s',
    ])
      expect(text, field).toContain(`${literal} & `);
    for (const field of ['guest.kernelRelease', 'tunable.name', 'pool.value', 'failure.reason', 'host.chip', 'runId'])
      expect(text.includes(`[${field}]`), field).toBe(true);
  });

  it('embeds the hostile strings as JSON that cannot close its script element and parses back exactly', async () => {
    const open = '<script type="application/json" id="kbench-data">';
    const scriptBody = html.slice(html.indexOf(open) + open.length, html.indexOf('</script>'));
    expect(scriptBody.length).toBeGreaterThan(10_000);
    expect(scriptBody).not.toMatch(/<\/?script|<!--|\u2028|\u2029/i);
    const embedded = await opened.page.evaluate(() => JSON.parse(document.getElementById('kbench-data')!.textContent!));
    expect(embedded.results[0].targets[0].guest.kernelRelease).toBe(`${HOSTILE_TEXT} [guest.kernelRelease]`);
    expect(embedded).toEqual(JSON.parse(JSON.stringify(model.data)));
  });

  it('JUnit output of hostile input is well-formed and carries the strings back exactly', async () => {
    const xml = renderJunitReport(model);
    const messages = await opened.page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      if (doc.querySelector('parsererror') !== null) return null;
      return [...doc.querySelectorAll('skipped')].map((s) => s.getAttribute('message'));
    }, xml);
    expect(messages).toContain(`not compared: unsupported: ${HOSTILE_TEXT} [unsupported:zfs.checksum.sha256_256k.mib_per_s]`);
  });
});

describe('jsonForScriptElement', () => {
  it('escapes <, >, & and the JSON line separators, and parses back to the same value', () => {
    const value = { s: '</script><!-- & \u2028\u2029 <b>', n: [1, 2.5] };
    const text = jsonForScriptElement(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('templates', () => {
  it('never use triple-stash (unescaped) output', () => {
    const dir = new URL('../../reports/', import.meta.url);
    const files = ['report.hbs', ...readdirSync(new URL('partials/', dir)).map((f) => `partials/${f}`)];
    for (const file of files) expect(readFileSync(new URL(file, dir), 'utf8'), file).not.toContain('{{{');
  });
});
