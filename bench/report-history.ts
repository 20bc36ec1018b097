/**
 * How long building and rendering an HTML report takes with a long history, and how big the file
 * gets. 200 earlier runs of 530 samples each (about 100k samples), plus the current run and a
 * baseline, all generated in memory. History enters the report as one median per run, target and
 * metric, so the size stays bounded however many samples the history holds.
 * Targets: under 2 s, under 3 MB.
 *
 *   node --import tsx bench/report-history.ts
 */
import { loadClaimsSync } from '../harness/render/claims.ts';
import { renderHtmlReport } from '../harness/render/exporters/html.ts';
import { buildReportModel } from '../harness/render/model.ts';
import type { ResultsFile } from '../harness/results/schema.ts';
import { syntheticRun } from '../test/fixtures/results/synthetic.ts';

const HISTORY_RUNS = 200;
/** Each history run: 5 boots x 10 iterations, 530 samples over both kernels. */
const HISTORY_SHAPE = { boots: 5, iterationsPerBoot: 10 };
/** The current run and the baseline: a full-size run (suites/types.ts FULL_SIZES), 3 boots. */
const CURRENT_SHAPE = { boots: 3, iterationsPerBoot: 5 };
const TARGET_SECONDS = 2;
const TARGET_BYTES = 3 * 1000 * 1000;

const day = (i: number): string => new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString();
const run = (i: number, shape: { boots: number; iterationsPerBoot: number }): ResultsFile =>
  syntheticRun({
    runId: `bench-${String(i).padStart(3, '0')}`,
    createdAt: day(i),
    seed: 7000 + i,
    ...shape,
    // A real step to find: scrub on the custom kernel 15% slower from run 120 on.
    shifts: i >= 120 ? [{ target: 'debian/custom', metric: 'zfs.scrub.seconds', factor: 1.15 }] : [],
  });

const history = Array.from({ length: HISTORY_RUNS }, (_, i) => run(i, HISTORY_SHAPE));
const current = run(HISTORY_RUNS, CURRENT_SHAPE);
const baseline = run(HISTORY_RUNS - 1, CURRENT_SHAPE);
const samples = history.reduce((n, file) => n + file.targets.reduce((m, t) => m + t.metrics.reduce((k, metric) => k + metric.samples.length, 0), 0), 0);
const claims = loadClaimsSync();

// One warm-up pass so the figures are not dominated by module compilation in the JIT.
await renderHtmlReport(buildReportModel({ results: [current], baseline, history: history.slice(0, 5), options: { claims } }));

// The same report without history isolates the statistics of the current run vs stock and baseline.
const statsStart = performance.now();
buildReportModel({ results: [current], baseline, history: null, options: { claims } });
const statsOnly = performance.now() - statsStart;

const start = performance.now();
const model = buildReportModel({ results: [current], baseline, history, options: { claims } });
const built = performance.now();
const html = await renderHtmlReport(model);
const done = performance.now();

const seconds = (done - start) / 1000;
const bytes = Buffer.byteLength(html, 'utf8');
const steps = model.metrics.flatMap((m) =>
  (m.history ?? []).flatMap((s) => s.changes.map((c) => `${m.id} ${s.target} at ${c.runId} (${(c.relativeChange! * 100).toFixed(1)}%)`)),
);
console.log(
  `history: ${HISTORY_RUNS} runs, ${samples} samples; current run and baseline: ${CURRENT_SHAPE.boots} boots x ${CURRENT_SHAPE.iterationsPerBoot} iterations`,
);
console.log(
  `build model: ${(built - start).toFixed(0)} ms (without history: ${statsOnly.toFixed(0)} ms for ${model.sets.length} comparison sets of ${model.verdicts.length / model.sets.length} metrics)`,
);
console.log(`render HTML: ${(done - built).toFixed(0)} ms (${model.metrics.length} metric sections)`);
console.log(`total: ${seconds.toFixed(2)} s (target < ${TARGET_SECONDS} s) ${seconds < TARGET_SECONDS ? 'OK' : 'OVER'}`);
console.log(`HTML size: ${(bytes / 1e6).toFixed(2)} MB (target < ${TARGET_BYTES / 1e6} MB) ${bytes < TARGET_BYTES ? 'OK' : 'OVER'}`);
console.log(`change points found: ${steps.length === 0 ? 'none' : steps.join('; ')}`);
