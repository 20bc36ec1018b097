/**
 * `kbench run`: boots each kernel variant in turn, runs the suite over SSH, and streams every
 * sample into the results file. Side effects live here; the plan, recording and statistics are
 * pure modules it drives.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Backend, BootedGuest, PreparedTarget } from '../backends/types.ts';
import { KbenchError } from '../errors/index.ts';
import type { GuestAdapter, GuestFacts } from '../guest/types.ts';
import { decideMoreRuns } from '../stats/index.ts';
import type { GuestFingerprint, KernelVariant, Metric, RunSettings } from '../results/schema.ts';
import type { RemoteShell } from '../ssh/types.ts';
import type { IterationOutcome, SuiteSizes, Workload, WorkloadContext } from '../../suites/types.ts';
import { ZfsScratch } from '../../suites/zfs/scratch.ts';
import { parseZfsTuning } from '../../custom-os/debian-testbed/zfs-tuning.ts';
import { bootOrder, remainingUnits, unitsForBoot, type PlannedBoot, type PlannedUnit } from './plan.ts';
import type { ProgressReporter } from './progress.ts';
import type { RunRecorder } from './recorder.ts';

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

const TUNING_FILE = new URL('../../kernels/zfs-m-series-tuning.conf', import.meta.url);

function tunableNames(): string[] {
  const parsed = parseZfsTuning(readFileSync(TUNING_FILE, 'utf8'), 'kernels/zfs-m-series-tuning.conf');
  return parsed.ok ? parsed.value.map((entry) => entry.name) : [];
}

/** A guest that stopped answering: the sample fails, the VM is rebooted, the run goes on. */
class GuestLostError extends Error {}

interface LiveBoot {
  booted: BootedGuest;
  shell: RemoteShell;
  context: WorkloadContext;
  zfsSupported: boolean;
  unsupportedReason: string | null;
  bootIndex: number;
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

  private iterationsPerBoot(): number {
    return this.options.sizes.iterationsPerBoot;
  }

  private rounds(): number {
    const runs = this.options.settings.runs;
    return runs.kind === 'fixed' ? runs.count : runs.maxRuns;
  }

  async run(): Promise<void> {
    const { progress, recorder } = this.deps;
    const variants = this.options.settings.kernels;
    const boots = bootOrder(this.rounds(), variants);
    const allUnits = boots.map((boot) => unitsForBoot(boot, this.options.suite, this.iterationsPerBoot()));
    // Adaptive runs plan for their cap; the ETA shrinks when they stop early.
    progress.stepsTotal = allUnits.reduce((n, units) => n + units.length, 0);
    progress.stepsDone = recorder.completedUnits().size;
    const startedAt = Date.now();
    for (const [index, boot] of boots.entries()) {
      const units = remainingUnits(allUnits[index]!, recorder.completedUnits());
      if (units.length === 0) continue;
      if (boot.variant === variants[0] && this.enoughForAdaptive(boot.round, (Date.now() - startedAt) / 1000)) break;
      await this.runBoot(boot, units);
    }
    // An adaptive run that stopped early has nothing left to wait for.
    progress.stepsTotal = progress.stepsDone;
  }

  /** Adaptive mode: stop before a new round when every metric is precise enough or a cap is hit. */
  private enoughForAdaptive(round: number, elapsedSeconds: number): boolean {
    const runs = this.options.settings.runs;
    if (runs.kind !== 'adaptive' || round === 0) return false;
    const metrics = this.deps.recorder.results.targets.flatMap((target) => target.metrics).filter((m) => m.status.kind === 'measured');
    if (metrics.length === 0) return false;
    const decisions = metrics.map((metric) =>
      decideMoreRuns(
        metric.samples.map((s) => s.value),
        {
          targetRelativeHalfWidth: runs.targetRelativeHalfWidth,
          minRuns: runs.minRuns,
          maxRuns: runs.maxRuns,
          maxWallSeconds: runs.maxWallSeconds,
          elapsedSeconds,
          seed: this.options.seed,
        },
      ),
    );
    const done = decisions.every((decision) => decision.enough);
    if (done)
      this.deps.progress.emit({
        event: 'note',
        message: `adaptive: stopping after ${round} rounds (${[...new Set(decisions.map((d) => d.reason))].join(', ')})`,
      });
    return done;
  }

  private async bootGuest(boot: PlannedBoot, attempt: number): Promise<LiveBoot> {
    const { backend, guest, progress } = this.deps;
    progress.emit({ event: 'boot', target: this.options.prepared.spec.name, variant: boot.variant, message: `round ${boot.round + 1}${attempt > 0 ? `, reboot ${attempt}` : ''}` });
    const booted = await backend.boot(this.options.prepared, boot.variant);
    let shell: RemoteShell | null = null;
    try {
      shell = await this.deps.connect(booted);
      const support = await guest.zfsSupport(shell);
      const roundTripMs = await shell.measureRoundTripMs(5);
      const facts = await guest.facts(shell);
      // The acceleration is known only once a VM really ran (kvm is tried, tcg is the fallback).
      const host = this.deps.recorder.results.host;
      if (host !== null) host.acceleration = booted.acceleration;
      const context: WorkloadContext = {
        shell,
        guest,
        sizes: this.options.sizes,
        scratch: new ZfsScratch(shell, guest),
        boot: {
          hostBootSeconds: booted.hostBootSeconds,
          kernelImageBytes: facts.kernelImageBytes ?? this.options.prepared.facts[boot.variant]?.kernelImageBytes ?? null,
        },
        roundTripMs,
        log: (message) => progress.emit({ event: 'note', variant: boot.variant, message }),
      };
      await this.recordFingerprint(boot.variant, shell, facts, support.supported);
      progress.emit({
        event: 'booted',
        variant: boot.variant,
        message: `${facts.kernelRelease}, ${booted.acceleration}, SSH after ${booted.hostBootSeconds?.toFixed(1) ?? '?'} s, round trip ${roundTripMs.toFixed(2)} ms`,
      });
      return {
        booted,
        shell,
        context,
        zfsSupported: support.supported,
        unsupportedReason: support.supported ? null : support.reason,
        bootIndex: boot.round,
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
      vcpus: facts.vcpus,
      memoryBytes: facts.memoryBytes,
      zfsTunables: zfsSupported ? await guest.readZfsTunables(shell, tunableNames()) : {},
      poolProperties: zfsSupported ? ZfsScratch.pinnedProperties() : {},
      zfsImplementations: zfsSupported ? await guest.zfsImplementations(shell) : {},
    };
    recorder.target(fingerprint);
    recorder.save();
  }

  private async shutdownGuest(live: LiveBoot): Promise<void> {
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
        if (error instanceof KbenchError) throw error;
        attempt++;
        const reason = `boot failed: ${(error as Error).message}`;
        this.deps.progress.emit({ event: 'failure', variant: boot.variant, message: reason });
        if (attempt > this.maxReboots) {
          this.failUnits(boot, pending, reason);
          return;
        }
        continue;
      }
      try {
        pending = await this.runUnits(boot, live, pending);
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
    const ctx = live.context;
    let setUp = false;
    try {
      try {
        await workload.setup(ctx);
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
          outcome = await workload.iteration(ctx);
        } catch (error) {
          await this.failOrLose(boot, live, workload, unit, (error as Error).message);
          continue;
        }
        const target = this.targetFor(boot.variant);
        for (const definition of workload.metrics) {
          const value = outcome[definition.id];
          const timing = resolveTiming(definition.timing, this.deps.guest);
          if (typeof value === 'number' && Number.isFinite(value) && value >= 0)
            recorder.recordValue(target, definition, timing, value, live.bootIndex, unit.warmup);
          else {
            const reason = value === undefined ? 'the workload returned no value' : typeof value === 'number' ? `invalid value ${value}` : value.failed;
            recorder.recordFailure(target, definition, timing, reason, live.bootIndex);
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
          await workload.teardown(ctx);
        } catch (error) {
          progress.emit({ event: 'failure', variant: boot.variant, workload: workload.id, message: `teardown: ${(error as Error).message}` });
        }
      }
    }
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

export const RUN_DIR_FOR = (resultsFile: string): string => path.join(path.dirname(path.resolve(resultsFile)), 'logs');
