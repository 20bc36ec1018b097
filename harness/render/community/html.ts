/**
 * The community report as one self-contained HTML file: one forest plot per guest OS (chips
 * side by side), the table of cells, and the seed's claims judged. No script at all, so its
 * Content-Security-Policy allows none; every string goes through Handlebars' escaping.
 */
import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { renderChartSvg } from '../charts.ts';
import { claimsTableView, jsonForScriptElement } from '../exporters/html.ts';
import { formatSpeedup, formatSpeedupInterval } from '../../format/index.ts';
import { forestRows } from './forest.ts';
import { chipLabel, COMMUNITY_METHOD, describeCell, type CommunityModel } from '../../community/report.ts';
import { projectFile } from '../../root.ts';

const REPORTS_DIR = projectFile('reports/');

export const COMMUNITY_CSP = [
  "default-src 'none'",
  "script-src 'none'",
  "style-src 'unsafe-inline'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

let template: HandlebarsTemplateDelegate | null = null;

function loadTemplate(): HandlebarsTemplateDelegate {
  if (template !== null) return template;
  const handlebars = Handlebars.create();
  for (const name of ['styles', 'claims']) handlebars.registerPartial(name, readFileSync(new URL(`partials/${name}.hbs`, REPORTS_DIR), 'utf8'));
  template = handlebars.compile(readFileSync(new URL('community.hbs', REPORTS_DIR), 'utf8'), { strict: true });
  return template;
}

export async function renderCommunityHtml(model: CommunityModel): Promise<string> {
  const guests = [];
  // One chart at a time: vega views are memory-hungry.
  for (const guest of model.guests)
    guests.push({
      guestOs: guest.guestOs,
      chips: guest.chips.map(chipLabel).join(', '),
      chart: new Handlebars.SafeString(await renderChartSvg('community', forestRows(guest.cells))),
      cells: guest.cells.map((cell) => ({
        metricId: cell.metricId,
        chip: chipLabel(cell.chipClass),
        cell: describeCell(cell),
        emulated: cell.emulated,
        speedup: formatSpeedup(cell.speedup),
        ci: formatSpeedupInterval(cell.ci),
        machines: cell.machines,
        runs: cell.runs,
        ciBasis: cell.ciBasis,
        platforms: cell.platforms.join('; '),
      })),
    });
  // "inconclusive: 2 machine(s)": the reason a verdict could not be more than inconclusive, in the verdict cell itself.
  const claimsTable =
    claimsTableView(model.claims)?.map((row, i) => {
      const reason = model.claims[i]!.verdictReason;
      return reason === null ? row : { ...row, verdict: `${row.verdict}: ${reason.replace(/;.*$/, '')}` };
    }) ?? null;
  return loadTemplate()({
    csp: COMMUNITY_CSP,
    kbenchVersion: model.kbenchVersion,
    generatedAt: model.generatedAt,
    counts: model.counts,
    confidence: model.confidence * 100,
    method: COMMUNITY_METHOD(model.confidence),
    guests,
    claimsTable,
    data: new Handlebars.SafeString(jsonForScriptElement(model)),
  });
}
