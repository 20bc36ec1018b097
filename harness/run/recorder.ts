/**
 * Owns the results file during a run: every sample, warm-up and failure is written through at
 * once (atomically), so a crash or kill -9 loses nothing that finished.
 */
import type { GuestFingerprint, HostFingerprint, KernelVariant, Metric, ResultsFile, RunSettings, Target, HostLoadSample } from '../results/schema.ts';
import { newResultsFile } from '../results/new-file.ts';
import { saveResultsSync } from '../results/store.ts';
import type { MetricDefinition } from '../../suites/types.ts';

export function newRunFile(settings: RunSettings, host: HostFingerprint, now = new Date()): ResultsFile {
  return newResultsFile('run', { runId: (at) => `${settings.target}-${at.replace(/[:.]/g, '-')}`, complete: false, settings, host }, now);
}

export class RunRecorder {
  private readonly completed: Set<string>;

  constructor(
    readonly file: string,
    readonly results: ResultsFile,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.completed = new Set(results.completedUnits);
  }

  completedUnits(): ReadonlySet<string> {
    return this.completed;
  }

  target(guest: GuestFingerprint): Target {
    const id = `${guest.os}/${guest.kernelVariant}`;
    let target = this.results.targets.find((t) => t.id === id);
    if (target === undefined) {
      target = { id, guest, metrics: [] };
      this.results.targets.push(target);
    } else {
      // Facts can only be refined (e.g. pool properties learned later), never change identity.
      target.guest = { ...guest, poolProperties: { ...target.guest.poolProperties, ...guest.poolProperties } };
    }
    return target;
  }

  findTarget(os: string, variant: KernelVariant): Target | undefined {
    return this.results.targets.find((t) => t.id === `${os}/${variant}`);
  }

  private metric(target: Target, definition: MetricDefinition, timing: Metric['timing']): Metric {
    let metric = target.metrics.find((m) => m.id === definition.id);
    if (metric === undefined) {
      metric = {
        id: definition.id,
        unit: definition.unit,
        direction: definition.direction,
        ...(definition.noiseThreshold === undefined ? {} : { noiseThreshold: definition.noiseThreshold }),
        ...(definition.exact === true ? { exact: true } : {}),
        resolution: definition.resolution,
        ...(definition.scratch === undefined ? {} : { scratch: definition.scratch }),
        timing,
        status: { kind: 'measured' },
        samples: [],
        warmup: [],
        failures: [],
      };
      target.metrics.push(metric);
    }
    return metric;
  }

  recordValue(target: Target, definition: MetricDefinition, timing: Metric['timing'], value: number, boot: number, warmup: boolean): void {
    const metric = this.metric(target, definition, timing);
    (warmup ? metric.warmup : metric.samples).push({ value, at: this.clock().toISOString(), boot });
  }

  recordHostLoad(sample: HostLoadSample): void {
    this.results.hostLoad ??= [];
    this.results.hostLoad.push(sample);
  }

  recordFailure(target: Target, definition: MetricDefinition, timing: Metric['timing'], reason: string, boot: number): void {
    this.metric(target, definition, timing).failures.push({ reason: reason.slice(0, 500), at: this.clock().toISOString(), boot });
  }

  markUnsupported(target: Target, definition: MetricDefinition, timing: Metric['timing'], reason: string): void {
    const metric = this.metric(target, definition, timing);
    metric.status = { kind: 'unsupported', reason: reason.slice(0, 500) };
  }

  completeUnit(key: string): void {
    if (this.completed.has(key)) return;
    this.completed.add(key);
    this.results.completedUnits.push(key);
  }

  /** Atomic write of the whole file (it is small: thousands of samples at most). */
  save(): void {
    this.results.updatedAt = this.clock().toISOString();
    saveResultsSync(this.file, this.results);
  }

  finish(): void {
    this.results.complete = true;
    this.save();
  }
}
