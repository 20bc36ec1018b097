/**
 * Machine ids that are likely one machine. A new id costs nothing (a fresh $HOME makes one), so
 * the report counts clusters, not ids: two ids join when one run of each has the same hardware
 * fingerprint and near-copy samples. Pure.
 *
 * NEAR_COPY (named choice): for every metric both runs measured with at least 3 samples and a
 * spread of at least 1% (a metric that does not vary says nothing about which run it came
 * from), the 10/25/50/75/90% quantiles agree within 0.5%, and there are at least 3 such
 * metrics. Two honest runs on one model of machine differ by more than that: boot-to-boot
 * noise is a few percent. A replay with the numbers nudged by less than 0.5%, reordered or with
 * timestamps shifted is caught; one nudged by more is a new fabrication, which no check on the
 * numbers alone can tell from an honest run (README: what this can and cannot stop).
 */
import { canonicalJson } from '../submit/bundle.ts';
import type { ResultsFile } from '../results/schema.ts';

export const NEAR_COPY = { quantiles: [0.1, 0.25, 0.5, 0.75, 0.9], tolerance: 0.005, minSpread: 0.01, minSamples: 3, minMetrics: 3 } as const;

export interface ClusterInput {
  id: string;
  machineId: string;
  results: ResultsFile;
}

export interface ClusterLink {
  machineId: string;
  sameAs: string;
  run: string;
  otherRun: string;
  metrics: number;
}

export interface Clusters {
  /** Machine id -> the cluster it is counted in (the smallest machine id of the cluster). */
  clusterOf: Map<string, string>;
  links: ClusterLink[];
  count: number;
}

/** What stays the same for one machine across runs: chip, model, cores, rounded RAM, OS, hypervisor, accelerator. */
export function hardwareKey(results: ResultsFile): string {
  const h = results.host;
  if (h === null) return 'no host';
  return canonicalJson([h.chip, h.modelId, h.arch, h.performanceCores, h.efficiencyCores, h.logicalCpus, h.memoryBytes, h.os, h.hypervisor, h.acceleration]);
}

function quantile(sorted: readonly number[], p: number): number {
  const at = (sorted.length - 1) * p;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

function metricSamples(results: ResultsFile): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const target of results.targets)
    for (const metric of target.metrics)
      out.set(
        `${target.id} ${metric.id}`,
        metric.samples.map((s) => s.value).sort((a, b) => a - b),
      );
  return out;
}

const spreadOf = (sorted: readonly number[]): number => {
  const middle = quantile(sorted, 0.5);
  return middle > 0 ? (sorted[sorted.length - 1]! - sorted[0]!) / middle : 0;
};

/** The number of metrics that agree, when every comparable metric agrees and there are enough of them; else 0. */
export function nearCopyMetrics(a: ResultsFile, b: ResultsFile): number {
  const left = metricSamples(a);
  const right = metricSamples(b);
  let compared = 0;
  for (const [key, xs] of left) {
    const ys = right.get(key);
    if (ys === undefined || xs.length < NEAR_COPY.minSamples || ys.length < NEAR_COPY.minSamples) continue;
    if (spreadOf(xs) < NEAR_COPY.minSpread || spreadOf(ys) < NEAR_COPY.minSpread) continue;
    for (const p of NEAR_COPY.quantiles) {
      const x = quantile(xs, p);
      const y = quantile(ys, p);
      if (x <= 0 || y <= 0 ? x !== y : Math.abs(Math.log(x / y)) > NEAR_COPY.tolerance) return 0;
    }
    compared++;
  }
  return compared >= NEAR_COPY.minMetrics ? compared : 0;
}

export function clusterMachines(runs: readonly ClusterInput[]): Clusters {
  const parent = new Map<string, string>();
  const find = (id: string): string => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(id, root);
    return root;
  };
  for (const run of runs) if (!parent.has(run.machineId)) parent.set(run.machineId, run.machineId);
  const byHardware = new Map<string, ClusterInput[]>();
  for (const run of runs) byHardware.set(hardwareKey(run.results), [...(byHardware.get(hardwareKey(run.results)) ?? []), run]);
  const links: ClusterLink[] = [];
  for (const group of byHardware.values())
    for (let i = 0; i < group.length; i++)
      for (let j = i + 1; j < group.length; j++) {
        const a = group[i]!;
        const b = group[j]!;
        if (a.machineId === b.machineId || find(a.machineId) === find(b.machineId)) continue;
        const metrics = nearCopyMetrics(a.results, b.results);
        if (metrics === 0) continue;
        const [keep, merge] = [find(a.machineId), find(b.machineId)].sort();
        parent.set(merge!, keep!);
        links.push({ machineId: b.machineId, sameAs: a.machineId, run: b.id, otherRun: a.id, metrics });
      }
  const clusterOf = new Map<string, string>();
  for (const id of parent.keys()) clusterOf.set(id, find(id));
  return { clusterOf, links, count: new Set(clusterOf.values()).size };
}
