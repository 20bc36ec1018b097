/** CONDITIONS COMPARED in the HTML report: in CI mode a verdict made under different conditions carries †, with a legend. */
import { describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../harness/render/exporters/html.ts';
import { buildReportModel } from '../../harness/render/model.ts';
import { metric, runFile, target } from '../helpers/results-factory.ts';
import { GENERATED_AT } from './helpers.ts';

const boots = (center: number) => [0, 1, 2].flatMap((boot) => [1, 1.001, 0.999].map((k) => center * (1 + 0.01 * (boot - 1)) * k));
const busyRun = () => {
  const run = runFile([target('stock', [metric('zfs.scrub.seconds', boots(2.0))]), target('custom', [metric('zfs.scrub.seconds', boots(3.0))])]);
  run.hostLoad = [0, 1, 2].flatMap((b) => [
    { at: '2026-11-25T10:00:00.000Z', variant: 'stock' as const, boot: b, loadAverage: 1, otherBusyFraction: 0.01, stealFraction: 0 },
    { at: '2026-11-25T10:00:00.000Z', variant: 'custom' as const, boot: b, loadAverage: 2, otherBusyFraction: 0.5, stealFraction: 0 },
  ]);
  return run;
};
const html = (ci: boolean, run = busyRun()) =>
  renderHtmlReport(buildReportModel({ results: [run], baseline: null, history: null, options: { claims: null, generatedAt: GENERATED_AT, ci } }));
const verdicts = (page: string) => page.slice(page.indexOf('<section id="verdicts">'), page.indexOf('</section>', page.indexOf('<section id="verdicts">')));

describe('HTML report: † on verdict rows made under different conditions', () => {
  it('in CI mode the regressed row carries the mark and the section a legend', async () => {
    const section = verdicts(await html(true));
    expect(section).toMatch(/<tr class="row-regressed">.*<span class="conditions-mark" title="made under different conditions">†<\/span><\/td><\/tr>/);
    expect(section).toContain('<p class="muted" id="conditions-legend">† the verdict was made under different conditions on its two sides');
  });

  it('outside CI mode, or with the same conditions on both sides, neither', async () => {
    expect(verdicts(await html(false))).not.toContain('†');
    const calm = busyRun();
    delete calm.hostLoad;
    expect(verdicts(await html(true, calm))).not.toContain('†');
  });
});
