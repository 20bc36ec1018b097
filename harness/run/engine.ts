/**
 * `kbench run`: boots each kernel variant in turn, runs the suite over SSH, and streams every
 * sample into the results file. Side effects live here; the plan, recording and statistics are
 * pure modules it drives.
 */
import { readFileSync } from 'node:fs';
import type { Backend, BootedGuest, PreparedTarget } from '../backends/types.ts';
import { InfraError, KbenchError } from '../errors/index.ts';
import type { GuestAdapter, GuestCpuTicks, GuestFacts } from '../guest/types.ts';
import { compareSets, pairStockVsCustom, nestedSamples } from '../compare/index.ts';
import { busyReason, guestStealFraction, logicalCpuCount, snapshotLoad, summarizeLoad, type LoadSnapshot } from '../env/load.ts';
import { summarizeSide } from '../stats/index.ts';
import type { GuestFingerprint, KernelVariant, Metric, ResultsFile, RunSettings, ScratchStorage } from '../results/schema.ts';
import type { RemoteShell } from '../ssh/types.ts';
import type { IterationOutcome, MetricDefinition, SuiteSizes, Workload, WorkloadContext } from '../../suites/types.ts';
import { RAM_SCRATCH_DIR, ZfsScratch } from '../../suites/zfs/scratch.ts';
import { parseZfsTuning } from '../../suites/zfs/tuning-file.ts';
import { bootOrder, remainingUnits, unitsForBoot, type PlannedBoot, type PlannedUnit } from './plan.ts';
import type { ProgressReporter } from '../progress/index.ts';
import type { RunRecorder } from './recorder.ts';
import { projectFile } from '../root.ts';

export interface EngineDependencies {
  backend: Backend;
  guest: GuestAdapter;
  /** Opens the harness's own SSH session to a booted guest. */
  connect(guest: BootedGuest): Promise<RemoteShell>;
  progress: ProgressReporter;
  recorder: RunRecorder;
}

export interface EngineOptions {
  settings: RunSettings;
  suite: Workload[];
  sizes: SuiteSizes;
  prepared: PreparedTarget;
  /** Reboots allowed per boot slot after a guest crash before the slot is given up. */
  maxRebootsPerBoot?: number;
  seed: number;
}

/**
 * The ZFS tunables whose current values the guest fingerprint records: the names the target's own
 * tuning file sets (TargetSpec.suiteContext.zfsTunablesFile, relative to the project), none when
 * the target has no such file. The engine knows no OS's file of its own.
 */
function tunableNames(zfsTunablesFile: string | null): string[] {
  if (zfsTunablesFile === null) return [];
  const parsed = parseZfsTuning(readFileSync(projectFile(zfsTunablesFile), 'utf8'), zfsTunablesFile);
  return parsed.ok ? parsed.value.map((entry) => entry.name) : [];
}

/** A guest that stopped answering: the sample fails, the VM is rebooted, the run goes on. */
class GuestLostError extends Error {}

interface LiveBoot {
  booted: BootedGuest;
  shell: RemoteShell;
  context: WorkloadContext;
  /** One scratch per storage kind, made on first use and shared by the boot's workloads (one data file each). */
  scratches: Map<ScratchStorage, ZfsScratch>;
  /** Whether the guest's timers and cron were stopped (once, before the first ZFS workload). */
  backgroundQuieted: boolean;
  zfsSupported: boolean;
  unsupportedReason: string | null;
  bootIndex: number;
  loadAtStart: LoadSnapshot;
  /** The guest's CPU accounting after login (for its steal time), or null when it cannot say. */
  guestTicksAtStart: GuestCpuTicks | null;
}

function resolveTiming(definitionTiming: Metric['timing'], guest: GuestAdapter): Metric['timing'] {
  if (definitionTiming === 'guest' && guest.monotonicClockCommand() === null) return 'host-minus-rtt';
  return definitionTiming;
}

export class RunEngine {
  private readonly maxReboots: number;

  constructor(
    private readonly deps: EngineDependencies,
    private readonly options: EngineOptions,
  ) {
    this.maxReboots = options.maxRebootsPerBoot ?? 2;
  }

  /** Iterations per boot per workload: the plan's when it set them, else the suite size's. */
  private iterations(): Record<string, number> | number {
    return this.options.settings.iterations ?? this.options.sizes.iterationsPerBoot;
  }

  async run(): Promise<void> {
    const { progress, recorder } = this.deps;
    const { settings, suite } = this.options;
    const variants = settings.kernels;
    const runs = settings.runs;
    const fullRounds = runs.kind === 'fixed' ? runs.count : runs.maxRuns;
    const bootOnlyRounds = runs.kind === 'fixed' ? (settings.bootOnlyRounds ?? 0) : 0;
    const planned = bootOrder(fullRounds, variants, bootOnlyRounds);
    // Adaptive runs plan for their cap; the total shrinks when they stop early.
    progress.stepsTotal = planned.reduce((n, boot) => n + unitsForBoot(boot, suite, this.iterations(), this.options.sizes.iterationsPerBoot).length, 0);
    progress.stepsDone = recorder.completedUnits().size;
    const startedAt = Date.now();
    let bootOnlyFromRound: number | null = null;
    for (let round = 0; round < fullRounds + bootOnlyRounds; round++) {
      let bootOnly = round >= fullRounds;
      if (runs.kind === 'adaptive' && round >= ADAPTIVE_MIN_ROUNDS) {
        const status = this.adaptiveStatus(round, (Date.now() - startedAt) / 1000);
        if (status.stop) {
          progress.emit({ event: 'note', message: `adaptive: stopping after ${round} rounds: ${status.reason}` });
          break;
        }
        // Once every iterated metric is settled, only per-boot ones are left: cheap boot-only rounds.
        if (status.onlyPerBootLeft) bootOnlyFromRound ??= round;
        bootOnly = bootOnlyFromRound !== null;
      }
      for (const variant of variants) {
        const boot: PlannedBoot = { round, variant, bootOnly };
        const units = remainingUnits(unitsForBoot(boot, suite, this.iterations(), this.options.sizes.iterationsPerBoot), recorder.completedUnits());
        if (units.length === 0) continue;
        await this.runBoot(boot, units);
      }
    }
    // A run that stopped early has nothing left to wait for.
    progress.stepsTotal = progress.stepsDone;
  }

  /**
   * Adaptive mode, before a new round: stop when every metric is decided (regressed, improved,
   * equivalent) or cannot be decided within the remaining rounds at its measured variance, or
   * when the wall-time budget is spent. Counts boots, not samples; a series with no samples
   * (every iteration failed) is not waited for.
   */
  private adaptiveStatus(round: number, elapsedSeconds: number): { stop: boolean; onlyPerBootLeft: boolean; reason: string } {
    const runs = this.options.settings.runs;
    if (runs.kind !== 'adaptive') return { stop: false, onlyPerBootLeft: false, reason: '' };
    if (elapsedSeconds >= runs.maxWallSeconds) return { stop: true, onlyPerBootLeft: false, reason: `wall-time budget of ${runs.maxWallSeconds} s spent` };
    const perBootMetrics = new Set(this.options.suite.filter((w) => w.schedule === 'per-boot').flatMap((w) => w.metrics.map((m) => m.id)));
    const unsettled = adaptiveUnsettled(this.deps.recorder.results, runs.maxRuns, runs.targetRelativeHalfWidth);
    if (unsettled.length === 0) return { stop: true, onlyPerBootLeft: true, reason: `every metric decided or undecidable within ${runs.maxRuns} boots` };
    const onlyPerBootLeft = unsettled.every((id) => perBootMetrics.has(id));
    return { stop: false, onlyPerBootLeft, reason: `${unsettled.length} metrics undecided after ${round} rounds` };
  }

  /**
   * Host load, host CPU frequency and guest steal time from this boot's start to the end of its
   * measurements, kept with the results: the conditions a comparison checks (compare/conditions.ts).
   */
  private async recordHostLoad(boot: PlannedBoot, live: LiveBoot): Promise<void> {
    const after = snapshotLoad(this.vmPid(live.booted));
    const load = summarizeLoad(live.loadAtStart, after);
    const guestSteal = guestStealFraction(live.guestTicksAtStart, live.guestTicksAtStart === null ? null : await this.guestTicks(live.shell));
    this.deps.recorder.recordHostLoad({
      at: new Date(after.at).toISOString(),
      variant: boot.variant,
      boot: boot.round,
      loadAverage: Math.round(load.loadAverage * 100) / 100,
      otherBusyFraction: load.otherBusyFraction === null ? null : Math.round(load.otherBusyFraction * 1000) / 1000,
      stealFraction: load.stealFraction === null ? null : Math.round(load.stealFraction * 1000) / 1000,
      cpuMhz: load.cpuMhz ?? null,
      guestStealFraction: guestSteal === null ? null : Math.round(guestSteal * 1000) / 1000,
    });
    this.deps.recorder.save();
    const busy = busyReason(load, logicalCpuCount());
    if (busy !== null)
      this.deps.progress.emit({
        event: 'note',
        variant: boot.variant,
        message: `host busy during round ${boot.round + 1}: ${busy}; numbers from this boot are noisier`,
      });
  }

  /** The guest's CPU accounting; null when its OS keeps none or the read fails (never fails the boot). */
  private async guestTicks(shell: RemoteShell): Promise<GuestCpuTicks | null> {
    if (this.deps.guest.cpuTicks === undefined) return null;
    return this.deps.guest.cpuTicks(shell).catch(() => null);
  }

  private vmPid(booted: BootedGuest): number | null {
    const withPid = this.deps.backend as Backend & { pidOf?: (guest: BootedGuest) => number | null };
    return typeof withPid.pidOf === 'function' ? withPid.pidOf(booted) : null;
  }

  private async bootGuest(boot: PlannedBoot, attempt: number): Promise<LiveBoot> {
    const { backend, guest, progress } = this.deps;
    // Before the VM exists its CPU time is 0: only kbench's own counts.
    const loadAtStart = snapshotLoad('not-started');
    progress.emit({
      event: 'boot',
      target: this.options.prepared.spec.name,
      variant: boot.variant,
      message: `round ${boot.round + 1}${attempt > 0 ? `, reboot ${attempt}` : ''}`,
    });
    const booted = await backend.boot(this.options.prepared, boot.variant);
    let shell: RemoteShell | null = null;
    try {
      shell = await this.deps.connect(booted);
      const support = await guest.zfsSupport(shell);
      const roundTripMs = await shell.measureRoundTripMs(5);
      const facts = await guest.facts(shell);
      // The acceleration is known only once a VM really ran (kvm is tried, tcg is the fallback).
      const host = this.deps.recorder.results.host;
      if (host !== null) {
        host.acceleration = booted.acceleration;
        host.guestClock = booted.guestClock ?? { kind: 'host-wall' };
      }
      const context: WorkloadContext = {
        shell,
        guest,
        sizes: this.options.sizes,
        scratch: new ZfsScratch(shell, guest, 'disk'),
        boot: {
          hostBootSeconds: booted.hostBootSeconds,
          kernelImageBytes: facts.kernelImageBytes ?? this.options.prepared.facts[boot.variant]?.kernelImageBytes ?? null,
        },
        roundTripMs,
        log: (message) => progress.emit({ event: 'note', variant: boot.variant, message }),
      };
      await this.recordFingerprint(boot.variant, shell, facts, support.supported);
      const guestTicksAtStart = await this.guestTicks(shell);
      progress.emit({
        event: 'booted',
        variant: boot.variant,
        message: `${facts.kernelRelease}, ${booted.acceleration}, SSH after ${booted.hostBootSeconds?.toFixed(1) ?? '?'} s, round trip ${roundTripMs.toFixed(2)} ms`,
      });
      return {
        booted,
        shell,
        context,
        scratches: new Map([['disk', context.scratch]]),
        backgroundQuieted: false,
        zfsSupported: support.supported,
        unsupportedReason: support.supported ? null : support.reason,
        bootIndex: boot.round,
        loadAtStart,
        guestTicksAtStart,
      };
    } catch (error) {
      await shell?.close().catch(() => undefined);
      await backend.shutdown(booted);
      throw error;
    }
  }

  private async recordFingerprint(variant: KernelVariant, shell: RemoteShell, facts: GuestFacts, zfsSupported: boolean): Promise<void> {
    const { guest, recorder } = this.deps;
    const fingerprint: GuestFingerprint = {
      os: this.options.prepared.spec.os,
      osVersion: facts.osVersion,
      kernelVariant: variant,
      kernelRelease: facts.kernelRelease,
      kernelConfigSha256: facts.kernelConfigSha256,
      zfsVersion: facts.zfsVersion,
      pageSizeBytes: facts.pageSizeBytes,
      arch: facts.arch,
      vcpus: facts.vcpus,
      memoryBytes: facts.memoryBytes,
      zfsTunables: zfsSupported ? await guest.readZfsTunables(shell, tunableNames(this.options.prepared.spec.suiteContext.zfsTunablesFile)) : {},
      poolProperties: zfsSupported ? ZfsScratch.pinnedProperties() : {},
      zfsImplementations: zfsSupported ? await guest.zfsImplementations(shell) : {},
    };
    recorder.target(fingerprint);
    recorder.save();
  }

  private async shutdownGuest(live: LiveBoot): Promise<void> {
    // A machine kbench did not boot (--backend ssh) keeps no tmpfs or data file of ours.
    for (const scratch of live.scratches.values())
      await scratch
        .release()
        .catch((error: unknown) =>
          this.deps.progress.emit({ event: 'note', variant: live.booted.variant, message: `scratch release: ${(error as Error).message}` }),
        );
    await live.shell.close().catch(() => undefined);
    await this.deps.backend.shutdown(live.booted);
    this.deps.progress.emit({ event: 'shutdown', variant: live.booted.variant, message: 'VM stopped' });
  }

  private async runBoot(boot: PlannedBoot, units: PlannedUnit[]): Promise<void> {
    let pending = units;
    let attempt = 0;
    while (pending.length > 0) {
      let live: LiveBoot;
      try {
        live = await this.bootGuest(boot, attempt);
      } catch (error) {
        // A refused host key or login is the user's to fix: rebooting would not change it.
        // A VM that did not boot or an SSH deadline (InfraError) is retried per the reboot policy.
        if (error instanceof KbenchError && !(error instanceof InfraError)) throw error;
        attempt++;
        const reason = `boot failed: ${(error as Error).message}`;
        this.deps.progress.emit({
          event: 'failure',
          variant: boot.variant,
          message: `${reason}${attempt > this.maxReboots ? '' : `; retrying (${attempt} of ${this.maxReboots})`}`,
        });
        if (attempt > this.maxReboots) {
          // Infrastructure that failed every attempt ends the run (exit 3); the units stay pending
          // so that --resume does them once it works, and everything recorded so far is kept.
          if (error instanceof InfraError)
            throw new InfraError(`${boot.variant} kernel, round ${boot.round + 1}: ${attempt} boot attempts failed, the last with: ${error.message}`);
          this.failUnits(boot, pending, reason);
          return;
        }
        continue;
      }
      try {
        pending = await this.runUnits(boot, live, pending);
        await this.recordHostLoad(boot, live);
      } finally {
        await this.shutdownGuest(live);
      }
      if (pending.length > 0) {
        attempt++;
        if (attempt > this.maxReboots) {
          this.failUnits(boot, pending, `gave up after ${this.maxReboots} reboots`);
          return;
        }
      }
    }
  }

  /** Runs units until done or the guest is lost; returns the units still to do. */
  private async runUnits(boot: PlannedBoot, live: LiveBoot, units: PlannedUnit[]): Promise<PlannedUnit[]> {
    const byWorkload = new Map<Workload, PlannedUnit[]>();
    for (const unit of units) byWorkload.set(unit.workload, [...(byWorkload.get(unit.workload) ?? []), unit]);
    for (const [workload, workloadUnits] of byWorkload) {
      if (workload.requiresZfs && !live.zfsSupported) {
        this.markUnsupported(boot.variant, workload, live.unsupportedReason ?? 'ZFS is not available');
        for (const unit of workloadUnits) this.deps.recorder.completeUnit(unit.key);
        this.deps.recorder.save();
        continue;
      }
      try {
        await this.runWorkload(boot, live, workload, workloadUnits);
      } catch (error) {
        // What the lost guest finished (or recorded as failed) is done; a reboot warms up again.
        if (error instanceof GuestLostError) return remainingUnits(units, this.deps.recorder.completedUnits());
        throw error;
      }
    }
    return [];
  }

  private async runWorkload(boot: PlannedBoot, live: LiveBoot, workload: Workload, units: PlannedUnit[]): Promise<void> {
    const { progress, recorder } = this.deps;
    if (workload.scratch !== null && !live.backgroundQuieted) {
      live.backgroundQuieted = true;
      // Only on machines kbench booted itself: an existing machine's cron is its owner's.
      const quiet = this.deps.backend.name === 'ssh' ? null : this.deps.guest.quietBackgroundCommand();
      if (quiet !== null) await live.shell.exec(quiet, { timeoutMs: 60_000 }).catch(() => undefined);
    }
    const storage = this.storageFor(workload);
    let scratch = live.scratches.get(storage);
    if (scratch === undefined) {
      scratch = new ZfsScratch(live.shell, this.deps.guest, storage);
      live.scratches.set(storage, scratch);
    }
    const ctx: WorkloadContext = { ...live.context, scratch };
    const recorded = (definition: MetricDefinition): MetricDefinition => (workload.scratch === null ? definition : { ...definition, scratch: storage });
    let setUp = false;
    let state: unknown;
    try {
      try {
        state = await workload.setup(ctx);
        setUp = true;
      } catch (error) {
        await this.failOrLose(boot, live, workload, units[0]!, `setup failed: ${(error as Error).message}`);
        // Without its setup no iteration can run: each planned unit is recorded as failed.
        for (const unit of units.slice(1)) this.recordUnitFailure(boot, live, workload, unit, `setup failed: ${(error as Error).message}`);
        return;
      }
      const measured = units.filter((unit) => !unit.warmup).length;
      for (const unit of units) {
        let outcome: IterationOutcome;
        try {
          outcome = await workload.iteration(ctx, state);
        } catch (error) {
          await this.failOrLose(boot, live, workload, unit, (error as Error).message);
          continue;
        }
        const target = this.targetFor(boot.variant);
        for (const definition of workload.metrics) {
          const value = outcome[definition.id];
          const timing = resolveTiming(definition.timing, this.deps.guest);
          if (typeof value === 'number' && Number.isFinite(value) && value >= 0)
            recorder.recordValue(target, recorded(definition), timing, value, live.bootIndex, unit.warmup);
          else {
            const reason = value === undefined ? 'the workload returned no value' : typeof value === 'number' ? `invalid value ${value}` : value.failed;
            recorder.recordFailure(target, recorded(definition), timing, reason, live.bootIndex);
          }
        }
        recorder.completeUnit(unit.key);
        recorder.save();
        progress.stepsDone++;
        progress.emit({
          event: 'sample',
          target: target.id,
          variant: boot.variant,
          workload: workload.id,
          sample: unit.warmup ? 0 : units.filter((u) => !u.warmup).indexOf(unit) + 1,
          samples: measured,
          message: unit.warmup ? 'warm-up (discarded)' : summarize(outcome),
        });
      }
    } finally {
      if (setUp || workload.requiresZfs) {
        try {
          await workload.teardown(ctx, state);
        } catch (error) {
          progress.emit({ event: 'failure', variant: boot.variant, workload: workload.id, message: `teardown: ${(error as Error).message}` });
        }
      }
    }
  }

  /** The workload's declared storage; guest-ram falls back to disk on a guest without a RAM file system (recorded per metric). */
  private storageFor(workload: Workload): ScratchStorage {
    if (workload.scratch === 'guest-ram' && this.deps.guest.ramScratchCommands(RAM_SCRATCH_DIR) !== null) return 'guest-ram';
    return 'disk';
  }

  private targetFor(variant: KernelVariant) {
    const target = this.deps.recorder.findTarget(this.options.prepared.spec.os, variant);
    if (target === undefined) throw new Error(`internal: no fingerprint recorded for ${variant}`);
    return target;
  }

  private recordUnitFailure(boot: PlannedBoot, live: LiveBoot, workload: Workload, unit: PlannedUnit, reason: string): void {
    const target = this.targetFor(boot.variant);
    for (const definition of workload.metrics)
      this.deps.recorder.recordFailure(target, definition, resolveTiming(definition.timing, this.deps.guest), reason, live.bootIndex);
    this.deps.recorder.completeUnit(unit.key);
    this.deps.recorder.save();
    this.deps.progress.stepsDone++;
  }

  /** Records the failure; if the guest no longer answers, throws GuestLostError so it is rebooted. */
  private async failOrLose(boot: PlannedBoot, live: LiveBoot, workload: Workload, unit: PlannedUnit, message: string): Promise<void> {
    const alive = await live.shell
      .exec('true', { timeoutMs: 15_000 })
      .then((result) => result.code === 0)
      .catch(() => false);
    const reason = alive ? message : `guest stopped answering (${message}); VM rebooted`;
    this.recordUnitFailure(boot, live, workload, unit, reason);
    this.deps.progress.emit({ event: 'failure', variant: boot.variant, workload: workload.id, message: reason });
    if (!alive) throw new GuestLostError(reason);
  }

  private markUnsupported(variant: KernelVariant, workload: Workload, reason: string): void {
    const target = this.targetFor(variant);
    for (const definition of workload.metrics)
      this.deps.recorder.markUnsupported(target, definition, resolveTiming(definition.timing, this.deps.guest), reason);
  }

  private failUnits(boot: PlannedBoot, units: PlannedUnit[], reason: string): void {
    const target = this.deps.recorder.findTarget(this.options.prepared.spec.os, boot.variant);
    if (target !== undefined)
      for (const workload of new Set(units.map((unit) => unit.workload)))
        for (const definition of workload.metrics)
          this.deps.recorder.recordFailure(target, definition, resolveTiming(definition.timing, this.deps.guest), reason, boot.round);
    for (const unit of units) this.deps.recorder.completeUnit(unit.key);
    this.deps.recorder.save();
  }
}

function summarize(outcome: IterationOutcome): string {
  return Object.entries(outcome)
    .slice(0, 3)
    .map(([id, value]) => `${id.split('.').slice(-2).join('.')}=${typeof value === 'number' ? Number(value.toPrecision(4)) : 'failed'}`)
    .join(' ');
}

/** Adaptive runs never stop before this many rounds: a lucky tight start is not evidence. */
export const ADAPTIVE_MIN_ROUNDS = 3;

/**
 * Metric ids not yet settled: with both kernels, the custom-vs-stock verdict is inconclusive and
 * more boots (up to maxBoots) would decide it; with one kernel, the center's CI half-width is
 * still above the target. Metrics with no samples are never waited for.
 */
export function adaptiveUnsettled(results: ResultsFile, maxBoots: number, targetRelativeHalfWidth: number): string[] {
  const sets = pairStockVsCustom(results);
  if (sets.length > 0) {
    const outcome = compareSets(sets);
    return outcome.sets
      .flatMap((set) => set.rows)
      .filter((row) => row.verdict === 'inconclusive' && row.bootsToDecide !== null && row.bootsToDecide <= maxBoots)
      .map((row) => row.metricId);
  }
  return results.targets.flatMap((target) =>
    target.metrics
      .filter((metric) => metric.samples.length > 0 && metric.exact !== true)
      .filter((metric) => {
        const side = summarizeSide(nestedSamples(metric));
        if (side.ci === null) return side.boots < maxBoots;
        return (side.ci.high - side.ci.low) / 2 / side.center > targetRelativeHalfWidth;
      })
      .map((metric) => metric.id),
  );
}
