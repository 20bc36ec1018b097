/**
 * The overview forest plot, the per-boot charts and the conditions panel, on the real icount
 * testbed run (test/fixtures/results/testbed-icount-run.json, recorded on this host: x86_64
 * Debian under QEMU 7.2 TCG with an instruction-counting clock) and the synthetic regression run.
 */
import { describe, expect, it } from 'vitest';
import { loadClaimsSync } from '../../harness/render/claims.ts';
import { compactSvg, distributionRows, overviewChartRows, renderChartSvg, speedupRows } from '../../harness/render/charts.ts';
import { renderHtmlReport } from '../../harness/render/exporters/html.ts';
import { buildReportModel, type ComparedRow, type ReportModel } from '../../harness/render/model.ts';
import { speedupBand, withinWorkload, workloadOf } from '../../harness/render/overview.ts';
import { VERDICT_ORDER } from '../../harness/render/rows.ts';
import { classify, noiseBand } from '../../harness/stats/index.ts';
import { GENERATED_AT, loadFixture } from './helpers.ts';

const claims = loadClaimsSync();
const icount = buildReportModel({
  results: [loadFixture('testbed-icount-run.json')],
  baseline: null,
  history: null,
  options: { claims, generatedAt: GENERATED_AT, sources: { results: ['testbed-icount-run.json'] } },
});
const regression = buildReportModel({
  results: [loadFixture('debian-run-2-regression.json')],
  baseline: loadFixture('debian-run-1.json'),
  history: null,
  options: { claims, generatedAt: GENERATED_AT },
});

const geomean = (values: number[]): number => Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length);

/** The chart series of each side of a row: "debian/stock", or "baseline debian/custom" for the baseline side. */
function seriesOf(row: ComparedRow): { baseline: string; candidate: string } {
  if (row.comparison === 'custom-vs-stock') return { baseline: `${row.guestOs}/stock`, candidate: `${row.guestOs}/custom` };
  const target = row.setTitle.replace(/ vs baseline$/, '');
  return { baseline: `baseline ${target}`, candidate: target };
}

describe('overview rows', () => {
  for (const [name, model] of [
    ['icount testbed run', icount],
    ['regression run with baseline', regression],
  ] as [string, ReportModel][])
    it(`${name}: one row per tested metric, workloads contiguous, the groups holding regressions first`, () => {
      const tested = model.verdicts.filter((row) => row.speedup !== null);
      expect(model.overview).toHaveLength(tested.length);
      expect(new Set(model.overview.map((o) => `${o.setTitle} ${o.metricId}`)).size).toBe(tested.length);
      const order = model.overview.map((o) => o.workload).filter((w, i, all) => all[i - 1] !== w);
      expect(new Set(order).size).toBe(order.length);
      const worst = order.map((w) => Math.min(...model.overview.filter((o) => o.workload === w).map((o) => VERDICT_ORDER.indexOf(o.verdict))));
      expect([...worst].sort((a, b) => a - b)).toEqual(worst);
      expect(model.overview[0]!.verdict).toBe(model.counts.regressed > 0 ? 'regressed' : model.overview[0]!.verdict);
      const chartRows = overviewChartRows(model.overview);
      expect(chartRows.filter((r) => !r.header).map((r) => r.label)).toEqual(model.overview.map((o) => o.label));
      expect(chartRows.filter((r) => r.header).map((r) => r.headerLabel)).toEqual(order);
    });

  it("puts the icount run's kernel-size regression first, exact, and the seed's claimed values as markers", () => {
    const first = icount.overview[0]!;
    expect(first).toMatchObject({ metricId: 'kernel.image.bytes', workload: 'kernel', verdict: 'regressed', exact: true, low: null, high: null, claimed: 1.5 });
    const claimed = icount.overview
      .filter((o) => o.claimed !== null)
      .map((o) => o.metricId)
      .sort();
    expect(claimed).toEqual(
      icount.claims
        .filter((c) => c.verdict !== 'not measured')
        .map((c) => c.metricId)
        .sort(),
    );
    expect(icount.overview.find((o) => o.metricId === 'zfs.checksum.fletcher4_fastest.bytes_per_s')!.claimed).toBe(4);
  });

  it('shades the band classify() uses: equivalent CIs lie inside it, decided changes outside', () => {
    let checked = 0;
    for (const o of [...icount.overview, ...regression.overview]) {
      if (o.low === null || o.high === null || o.bandLow === null || o.bandHigh === null) continue;
      if (o.verdict === 'equivalent') expect(o.low >= o.bandLow - 1e-12 && o.high <= o.bandHigh + 1e-12, o.label).toBe(true);
      if (o.verdict === 'regressed' || o.verdict === 'improved') expect(o.high < o.bandLow || o.low > o.bandHigh, o.label).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
    // The same band in both directions, checked against classify on log ratios.
    for (const direction of ['lower', 'higher'] as const) {
      const band = speedupBand(0.05, direction);
      const speedupToLogRatio = (speedup: number) => (direction === 'lower' ? -Math.log(speedup) : Math.log(speedup));
      const inside = [speedupToLogRatio(band.low! * 1.0001), speedupToLogRatio(band.high! / 1.0001)].sort((a, b) => a - b);
      expect(classify(direction, { low: inside[0]!, high: inside[1]! }, 1, 0.05, noiseBand(0.05))).toBe('equivalent');
      const wider = [speedupToLogRatio(band.low! / 1.001), speedupToLogRatio(band.high! * 1.001)].sort((a, b) => a - b);
      expect(classify(direction, { low: wider[0]!, high: wider[1]! }, 1, 0.05, noiseBand(0.05))).toBe('inconclusive');
    }
  });

  it('names workloads and labels from metric ids', () => {
    expect(workloadOf('zfs.checksum.sha256_1m.mib_per_s')).toBe('checksum');
    expect(workloadOf('boot.kernel.seconds')).toBe('boot');
    expect(withinWorkload('zfs.checksum.sha256_1m.mib_per_s')).toBe('sha256_1m.mib_per_s');
    expect(withinWorkload('kernel.image.bytes')).toBe('image.bytes');
  });
});

describe('per-metric charts draw what the verdict used', () => {
  for (const [name, model] of [
    ['icount testbed run', icount],
    ['regression run with baseline', regression],
  ] as [string, ReportModel][])
    it(`${name}: one dot per boot, their count and geometric mean are the compared sides'`, () => {
      let sides = 0;
      for (const metric of model.metrics) {
        const rows = distributionRows(metric);
        for (const row of metric.rows) {
          const series = seriesOf(row);
          for (const side of ['baseline', 'candidate'] as const) {
            const boots = rows.filter((r) => r.kind === 'boot' && r.series === series[side]).map((r) => r.value as number);
            expect(boots, `${metric.id} ${row.setTitle} ${side}`).toHaveLength(row[side].boots);
            if (row[side].center === null || boots.some((v) => v <= 0)) continue;
            expect(geomean(boots) / row[side].center!, `${metric.id} ${row.setTitle} ${side}`).toBeCloseTo(1, 10);
            const center = rows.find((r) => r.kind === 'center' && r.series === series[side])!;
            expect((center.value as number) / row[side].center!).toBeCloseTo(1, 10);
            sides++;
          }
        }
        // Iterations stay in the chart, faint, all of them.
        expect(rows.filter((r) => r.kind === 'iteration')).toHaveLength(metric.distribution.length);
      }
      expect(sides).toBeGreaterThan(40);
    });

  it('has more iterations than boots where a workload repeats within a boot (so plotting iterations would show the wrong unit)', () => {
    const scrub = icount.metrics.find((m) => m.id === 'zfs.scrub.seconds')!;
    expect(scrub.distribution.length).toBe(18);
    expect(scrub.boots.length).toBe(6);
    expect(scrub.boots.every((b) => b.iterations === 3 && b.mode === null)).toBe(true);
  });

  it('marks boots by mode when a mode is set: another shape per mode, and the section says so', async () => {
    const model = structuredClone(icount);
    const metric = model.metrics.find((m) => m.id === 'zfs.scrub.seconds')!;
    metric.boots.forEach((boot, i) => (boot.mode = i % 2 === 0 ? '1' : '2'));
    const rows = distributionRows(metric).filter((r) => r.kind === 'boot');
    expect(rows.map((r) => r.mode)).toEqual(['1', '2', '1', '2', '1', '2']);
    const warnings: string[] = [];
    // Boot dots (white 0.8 outline; the legend's symbols have another size): their path shapes.
    const shapes = (svg: string) =>
      new Set(
        [...svg.matchAll(/<path transform="translate\([^)]*\)" d="([^"]+)" fill="#(?:4c78a8|f58518)" stroke="#fff" stroke-width="0.8"/g)].map((m) => m[1]),
      );
    const withModes = await renderChartSvg('distribution', distributionRows(metric), warnings);
    const without = await renderChartSvg('distribution', distributionRows(icount.metrics.find((m) => m.id === 'zfs.scrub.seconds')!), warnings);
    expect(shapes(without).size).toBe(1);
    expect(shapes(withModes).size).toBe(2);
    expect(warnings).toEqual([]);
    const html = await renderHtmlReport(model);
    expect(html).toContain('Boots (6 per-boot medians): modes 1, 2 marked by shape');
    expect(await renderHtmlReport(icount)).not.toContain('marked by shape');
  });

  it('speedup chart rows carry the band, the exact marker and the claim of the row', () => {
    const kernel = icount.metrics.find((m) => m.id === 'kernel.image.bytes')!;
    const [row] = speedupRows(kernel);
    expect(row).toMatchObject({ estimate: 'exact', claimed: 1.5, claimShown: true, verdict: 'regressed' });
    // No CI for an exact metric: a zero-length rule under the point, so the CI layer is never empty.
    expect([row!.low, row!.high]).toEqual([row!.speedup, row!.speedup]);
    const scrub = speedupRows(icount.metrics.find((m) => m.id === 'zfs.send_recv.mb_per_s')!)[0]!;
    expect(scrub).toMatchObject({ claimShown: false, claimed: scrub.speedup, estimate: '95% CI' });
    expect(scrub.low as number).toBeLessThan(scrub.high as number);
    const band = speedupBand(kernel.rows[0]!.noiseThreshold, 'lower');
    expect(row).toMatchObject({ bandLow: band.low, bandHigh: band.high });
  });
});

describe('conditions panel', () => {
  it('says the clock, accelerator, host load per side, versions and what was emulated, and the side differences in one line', () => {
    const [run] = icount.conditions;
    const facts = Object.fromEntries(run!.facts);
    expect(facts['Guest clock']).toBe('QEMU icount shift=0 (1 ns of guest time per guest instruction, idle skipped to the next timer)');
    expect(facts.Accelerator).toBe('qemu (qemu-tcg)');
    expect(facts.Emulated).toBe('the CPU: x86_64 guests under QEMU TCG on an x86_64 host (same architecture, no KVM)');
    expect(facts['Host load, stock']).toMatch(/^load 1\.\d\d-1\.\d\d \(median 1\.\d\d\), other processes .* of the CPU, steal at most .*, 3 boots$/);
    expect(facts['Host load, custom']).toMatch(/^load 1\.00-1\.72 /);
    expect(facts.QEMU).toBe('7.2.22');
    expect(facts['Kernel, debian/custom']).toBe('6.1.0-57-cloud-amd64 (x86_64)');
    expect(run!.differences).toEqual([
      'debian stock vs custom: kernel 6.1.0-57-amd64 → 6.1.0-57-cloud-amd64; kernel config; memory 1.92 GiB → 1.93 GiB; ZFS tunables l2arc_write_max, zfs_arc_max, zfs_arc_min',
    ]);
  });

  it('adds the run-vs-baseline fingerprint differences and a panel for the baseline', () => {
    expect(regression.conditions.map((c) => c.label)).toEqual(['', 'baseline']);
    expect(regression.conditions[1]!.differences.every((line) => !line.startsWith('run vs baseline'))).toBe(true);
  });
});

describe('compactSvg', () => {
  it('rounds geometry to 1/100 px, drops what a static picture never uses, and leaves text alone', () => {
    const svg =
      '<g class="mark-group role-frame" role="graphics-object" aria-roledescription="group mark container"><path class="background" aria-hidden="true" d="M0,0h0v0h0Z" pointer-events="none"/>' +
      '<path transform="translate(272.1483764648444,7)" d="M3.873012,0A3.8730,3.8730,0,1,1,-3.873999,0" opacity="1" stroke-opacity="1"/>' +
      '<text x="3.14159" y="-2.5">0.123456789 x="1.23456"</text>' +
      '<path class="foreground" aria-hidden="true" d="" pointer-events="none" display="none"/></g>';
    expect(compactSvg(svg)).toBe(
      '<g class="mark-group role-frame"><path transform="translate(272.14,7)" d="M3.87,0A3.87,3.87,0,1,1,-3.87,0" stroke-opacity="1"/><text x="3.14" y="-2.5">0.123456789 x="1.23456"</text></g>',
    );
  });
});
