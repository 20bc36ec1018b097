/**
 * baseline.json: the raw samples (never only summaries) plus fingerprints of the runs a
 * maintainer accepted as "how fast it is". Same format as a results file, kind "baseline".
 */
import { InputError } from '../errors/index.ts';
import type { ResultsFile, Target } from '../results/schema.ts';
import { newResultsFile } from '../results/new-file.ts';
import { describeDifferences, fingerprintDifferences } from '../compare/fingerprint.ts';
import { withMeasuredNoise } from './noise.ts';

export function emptyBaseline(now = new Date()): ResultsFile {
  return newResultsFile('baseline', { runId: () => 'baseline', complete: true, settings: null, host: null }, now);
}

function mergeTarget(into: Target, from: Target): Target {
  const metrics = new Map(into.metrics.map((metric) => [metric.id, structuredClone(metric)]));
  for (const metric of from.metrics) {
    const existing = metrics.get(metric.id);
    if (existing === undefined) {
      metrics.set(metric.id, structuredClone(metric));
      continue;
    }
    existing.samples.push(...metric.samples);
    existing.warmup.push(...metric.warmup);
    existing.failures.push(...metric.failures);
  }
  return { ...into, metrics: [...metrics.values()] };
}

/**
 * Builds a baseline from one or more complete runs. Runs must share a fingerprint (same machine,
 * hypervisor, kernels): pooling samples from different machines would blur exactly what the
 * baseline is for.
 */
export function baselineFromRuns(runs: { file: string; results: ResultsFile }[], now = new Date()): ResultsFile {
  if (runs.length === 0) throw new InputError('baseline update: give at least one results file');
  const baseline = emptyBaseline(now);
  const first = runs[0]!;
  baseline.host = first.results.host;
  for (const { file, results } of runs) {
    if (results.kind !== 'run') throw new InputError(`${file}: field kind: expected a run's results, got "${results.kind}"`);
    if (!results.complete) throw new InputError(`${file}: field complete: the run is unfinished; finish it with kbench run --resume ${file}`);
    const differences = fingerprintDifferences(results, first.results);
    if (differences.length > 0) throw new InputError(`${file}: fingerprint differs from ${first.file}: ${describeDifferences(differences)}`);
    const targets = new Map(baseline.targets.map((target) => [target.id, target]));
    const runIndex = baseline.sources.length;
    for (const original of results.targets) {
      // Boot 0 of the second run is another boot than boot 0 of the first: samples carry their run.
      const target = structuredClone(original);
      for (const metric of target.metrics) for (const sample of [...metric.samples, ...metric.warmup, ...metric.failures]) sample.run = runIndex;
      const existing = targets.get(target.id);
      targets.set(target.id, existing === undefined ? structuredClone(target) : mergeTarget(existing, target));
    }
    baseline.targets = [...targets.values()];
    // Host load per boot stays with the run it was measured in, so conditions can be compared per run.
    if (results.hostLoad !== undefined) baseline.hostLoad = [...(baseline.hostLoad ?? []), ...results.hostLoad.map((load) => ({ ...load, run: runIndex }))];
    baseline.sources.push({ runId: results.runId, file, ...(results.settings ? { target: results.settings.target } : {}) });
  }
  return withMeasuredNoise(baseline);
}
