/**
 * The community report in headless Chromium (as test/render/html.test.ts drives it): one forest
 * plot per guest OS with chips side by side, marks drawn, no request, no script, hostile strings
 * from a database written outside kbench shown as text. Also: the run report opens with the claims table.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClaimsSync } from '../../harness/claims/file.ts';
import { renderCommunityHtml } from '../../harness/render/community/html.ts';
import { buildCommunityModel, renderCommunityMarkdown, type CommunityModel } from '../../harness/community/report.ts';
import type { StoredRun } from '../../harness/db/index.ts';
import { renderHtmlReport } from '../../harness/render/exporters/html.ts';
import { buildReportModel } from '../../harness/render/model.ts';
import { parseResults } from '../../harness/results/store.ts';
import { fingerprintOf } from '../../harness/submit/bundle.ts';
import { HOSTILE_TEXT } from '../fixtures/results/generate.ts';
import { HOST, metric, runFile, target } from '../helpers/results-factory.ts';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/results/testbed-run.json');
const testbed = parseResults(readFileSync(FIXTURE, 'utf8'), FIXTURE);
const claims = loadClaimsSync();

const spread = (centre: number): number[] => Array.from({ length: 9 }, (_, i) => centre * (1 + ((i % 3) - 1) * 0.02));
/** A constructed alpine run of an M-series machine: custom `factor` times faster at pool create and scrub. */
function alpineRun(chip: string, factor: number, hostile = false) {
  const metrics = (seconds: number) => [metric('zfs.pool_create.seconds', spread(seconds)), metric('zfs.scrub.seconds', spread(seconds * 10))];
  const run = runFile([target('stock', metrics(2), 'alpine'), target('custom', metrics(2 / factor), 'alpine')], {
    host: { ...HOST, chip: hostile ? `${chip} ${HOSTILE_TEXT}` : chip, arch: 'arm64', hypervisor: 'lima', acceleration: 'vz' },
  });
  return run;
}
const stored = (results: ReturnType<typeof alpineRun>, machineId: string, origin: StoredRun['origin'] = 'submission'): StoredRun => ({
  id: machineId.padEnd(64, '0'),
  origin,
  machineId,
  source: 'x.json',
  recordedAt: '2026-12-01T00:00:00.000Z',
  results,
  fingerprint: fingerprintOf(results.host!, results.kbenchVersion),
});

let browser: Browser;
let page: Page;
let model: CommunityModel;
const requests: string[] = [];
const errors: string[] = [];

async function open(html: string, name: string): Promise<string> {
  const file = new URL(name, ARTIFACTS);
  writeFileSync(file, html);
  const url = pathToFileURL(file.pathname).href;
  page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  page.on('request', (r) => {
    if (r.url() !== url && !/^(data|about|blob):/.test(r.url())) requests.push(r.url());
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url, { waitUntil: 'load' });
  return url;
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const runs = [
    stored(testbed, 'testbed', 'run'),
    stored(alpineRun('Apple M2', 1.9), 'm2-a'),
    stored(alpineRun('Apple M2 Pro', 1.7), 'm2-b'),
    stored(alpineRun('Apple M2', 1.8), 'm2-b'),
    stored(alpineRun('Apple M4 Max', 2.1, true), 'm4-a'),
    // A second M4 that measured the opposite: two machines this far apart give an interval of
    // about [0.001x, 4000x], which must be clipped at the axis instead of squashing every row.
    stored(alpineRun('Apple M4', 0.05), 'm4-b'),
  ];
  model = buildCommunityModel(runs, { claims, generatedAt: '2026-12-01T00:00:00.000Z' });
  await open(await renderCommunityHtml(model), 'community.html');
}, 90_000);

afterAll(async () => {
  await browser?.close();
});

describe('community report in Chromium', () => {
  it('counts machines, not runs, and keeps chips and guests apart', () => {
    expect(model.counts).toEqual({ runs: 6, machines: 5, machineIds: 5, submissions: 5 });
    expect(model.guests.map((g) => [g.guestOs, g.chips])).toEqual([
      ['alpine', ['M2', 'M4']],
      ['debian', ['other']],
    ]);
    const m2pool = model.guests[0]!.cells.find((c) => c.chipClass === 'M2' && c.metricId === 'zfs.pool_create.seconds')!;
    expect(m2pool).toMatchObject({ machines: 2, runs: 3, ciBasis: 'machines' });
  });

  it('draws one forest plot per guest OS: legend, N per row, the claimed value, clipped extremes, no cut label', async () => {
    const charts = await page.$$eval('section.guest', (sections) =>
      sections.map((s) => {
        const svg = s.querySelector('.forest svg')!;
        const box = svg.getBoundingClientRect();
        const texts = [...svg.querySelectorAll('text')].map((t) => {
          const r = t.getBoundingClientRect();
          return {
            text: t.textContent ?? '',
            inside: r.left >= box.left - 0.5 && r.right <= box.right + 0.5 && r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5,
          };
        });
        return {
          id: s.id,
          svgs: s.querySelectorAll('.forest svg').length,
          marks: svg.querySelectorAll('g.role-mark > *').length,
          legend: [...svg.querySelectorAll('g.role-legend text')].map((t) => t.textContent),
          rowLabels: [...svg.querySelectorAll('g.role-axis text')].map((t) => t.textContent ?? '').filter((t) => t.includes(' · ')),
          claimed: svg.querySelectorAll('g.role-mark path[fill="#d62728"], g.role-mark path[stroke="#d62728"]').length,
          clipTexts: [...svg.querySelectorAll('g.mark-text.role-mark text')].map((t) => t.textContent),
          texts,
        };
      }),
    );
    expect(charts.map((c) => c.id)).toEqual(['guest-alpine', 'guest-debian']);
    for (const chart of charts) {
      expect(chart.svgs).toBe(1);
      expect(chart.marks).toBeGreaterThan(0);
      expect(chart.legend).toEqual(expect.arrayContaining(['headline (trimmed mean) and 95% interval', 'one machine']));
      expect(chart.rowLabels.length).toBeGreaterThan(0);
      for (const label of chart.rowLabels) expect(label).toMatch(/ · N=\d+ machines?$/);
      // No label cut ("…") and none outside the drawing.
      for (const t of chart.texts) {
        expect(t.text.endsWith('…'), t.text).toBe(false);
        expect(t.inside, t.text).toBe(true);
      }
    }
    const alpine = charts[0]!;
    expect(alpine.legend).toEqual(expect.arrayContaining(['claimed by the seed', 'clipped at the axis (value printed)']));
    expect(alpine.rowLabels).toContain('zfs.pool_create.seconds · Apple M2, vz, arch unknown · N=2 machines');
    expect(alpine.rowLabels).toContain('zfs.pool_create.seconds · Apple M4, vz, arch unknown · N=2 machines');
    // The claimed 1.75x for alpine pool create, drawn on every alpine pool-create row (M2, M4).
    expect(alpine.claimed).toBeGreaterThanOrEqual(2);
    // The M4 rows' interval is clipped on both sides, with the real bounds printed.
    expect(alpine.clipTexts.length).toBeGreaterThanOrEqual(2);
    for (const text of alpine.clipTexts) expect(text).toMatch(/^[\d.e+-]+×$/);
    const m4 = model.guests[0]!.cells.find((c) => c.chipClass === 'M4' && c.metricId === 'zfs.pool_create.seconds')!;
    expect(m4.ci!.low).toBeLessThan(0.01);
    expect(m4.ci!.high).toBeGreaterThan(100);
    await page.screenshot({ path: new URL('community-forest.png', ARTIFACTS).pathname, fullPage: true });
  });

  it('opens with the claims judged across machines', async () => {
    const first = await page.$eval('main > section', (s) => s.id);
    expect(first).toBe('claims');
    const alpinePool = await page.$$eval('#claims tr.claim', (rows) =>
      rows
        .map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent!.trim()))
        .filter((cells) => cells[0] === 'zfs.pool_create.seconds' && cells[1]!.includes('for alpine')),
    );
    expect(alpinePool).toHaveLength(2); // M2 and M4 cells
    expect(alpinePool[0]![4]).toBe('2 machines (3 runs)');
    expect(alpinePool[0]![2]).toBe('inconclusive: 2 machine(s)');
  });

  it('requests nothing, runs no script, and shows hostile chip names as text', async () => {
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.$$('main script:not([type="application/json"])')).toHaveLength(0);
    expect(await page.$$('img')).toHaveLength(0);
    const csp = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.getAttribute('content'));
    expect(csp).toContain("script-src 'none'");
    expect(await page.textContent('body')).toContain('<script>window.__pwned=1');
    const data = JSON.parse((await page.textContent('#kbench-community-data'))!) as CommunityModel;
    expect(data.counts.machines).toBe(5);
    expect(JSON.stringify(data)).not.toMatch(/"db"/);
  });

  it('--format md has a table per guest and the claims, with hostile text escaped', () => {
    const md = renderCommunityMarkdown(model);
    expect(md).toMatch(/### alpine\n\n\| metric \| chip \|/);
    expect(md).toMatch(
      /\| `zfs.pool_create.seconds` \| Apple M2 \| guest arch unknown, vz; stock 6\.1\.0-41-amd64 \\\(config aaaaaaaa\\\) vs custom 6\.1\.0-41-cloud-amd64 \\\(config bbbbbbbb\\\) \| 1\.\d\d× \| \[[\d.]+×, [\d.]+×\] \| 2 \| 3 \| machines \|/,
    );
    expect(md).toMatch(/\*\*inconclusive\*\*: 2 machine\\\(s\\\); confirmed or refuted needs at least 3/);
    expect(md).not.toMatch(/<script|<img/);
  });
});

describe('the run report opens with the claims table', () => {
  it('on the real testbed run: claims right after the overview, verdicts named, off-platform and off-kernel flagged', async () => {
    const report = buildReportModel({ results: [testbed], baseline: null, history: null, options: { claims, generatedAt: '2026-12-01T00:00:00.000Z' } });
    await page.close();
    await open(await renderHtmlReport(report), 'report-claims.html');
    expect(await page.$$eval('main > section', (s) => s.slice(0, 2).map((x) => x.id))).toEqual(['overview', 'claims']);
    // The testbed's custom side is Debian's cloud kernel, not the seed's M-series kernel: no verdict on the claims (issue 24).
    const verdicts = await page.$$eval('#claims .claim-verdict', (cells) => cells.map((c) => c.firstChild!.textContent));
    expect(verdicts).toEqual(Array(6).fill('measured on another kernel'));
    expect(await page.textContent('#claims details.note summary')).toBe('5 claims not measured by this report');
    expect(await page.$$('#claims .off-platform')).toHaveLength(6);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  });
});
