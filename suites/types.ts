/**
 * A workload reads like a test profile (Phoronix style): what it measures (id, unit, direction,
 * noise threshold), how to set up, one iteration, and a teardown that always runs. The runner
 * knows nothing of any particular workload.
 */
import type { GuestAdapter } from '../harness/guest/types.ts';
import type { Direction, MetricResolution, ScratchStorage, TimingSource, Unit } from '../harness/results/schema.ts';
import type { RemoteShell } from '../harness/ssh/types.ts';
import type { ZfsScratch } from './zfs/scratch.ts';

export interface MetricDefinition {
  id: string;
  unit: Unit;
  direction: Direction;
  /** Relative change that counts as real for this metric (default 5%). */
  noiseThreshold?: number;
  /**
   * The value is measured exactly and is the same on every boot (a file size): compared from one
   * boot per side, outside the multiple-testing family; spread is reported as a problem.
   */
  exact?: boolean;
  timing: TimingSource;
  /**
   * The finest difference the measurement can show (a kstat in whole MiB/s: step 1; a guest-timed
   * region: its clock tick over the shortest region timed). Verdicts widen by it, so a metric that
   * repeats only because of its rounding is never called exact.
   */
  resolution: MetricResolution;
  /** Where the workload's pool lived; set by the engine from Workload.scratch, never by hand. */
  scratch?: ScratchStorage;
  description: string;
}

/**
 * Guest-timed regions are read with a nanosecond clock (date +%s.%N; under icount one tick is
 * 2^shift ns) and every timed region of the suite lasts at least a millisecond: 1e-6 bounds it.
 */
export const TIMED_RESOLUTION: MetricResolution = { relative: 1e-6 };

export interface SuiteSizes {
  /** Size of each file vdev for pool_create, MiB. */
  poolVdevMiB: number;
  /** Incompressible data written per checksum/send iteration, MiB. */
  writeMiB: number;
  /** Data in the pool that scrub reads, MiB (seed: 10 GiB). */
  scrubMiB: number;
  /** Data per algorithm in the 1 MiB-record checksum scrubs, MiB (whole 1 MiB records). */
  verifyMiB: number;
  /** Snapshots per batch. */
  snapshotCount: number;
  /** Measured iterations per boot, after one warm-up. */
  iterationsPerBoot: number;
}

export const QUICK_SIZES: SuiteSizes = { poolVdevMiB: 256, writeMiB: 16, scrubMiB: 96, verifyMiB: 8, snapshotCount: 10, iterationsPerBoot: 3 };
export const FULL_SIZES: SuiteSizes = { poolVdevMiB: 1024, writeMiB: 1024, scrubMiB: 10240, verifyMiB: 256, snapshotCount: 100, iterationsPerBoot: 5 };

/** Facts about the current boot that per-boot workloads report. */
export interface BootInfo {
  hostBootSeconds: number | null;
  kernelImageBytes: number | null;
}

export interface WorkloadContext {
  shell: RemoteShell;
  guest: GuestAdapter;
  sizes: SuiteSizes;
  scratch: ZfsScratch;
  boot: BootInfo;
  /** Measured SSH round trip, ms: subtracted from host-side timings. */
  roundTripMs: number;
  log(message: string): void;
}

/** metric id -> value, or the reason a metric could not be measured in this iteration. */
export type IterationOutcome = Record<string, number | { failed: string }>;

/**
 * `setup` returns what its iterations use (a pool, a snapshot name); the engine hands it to every
 * iteration and to teardown, so a workload keeps no state of its own between calls.
 */
export interface Workload<State = unknown> {
  id: string;
  title: string;
  metrics: MetricDefinition[];
  /** per-boot: measured once right after boot (boot time, memory); iterated: warm-up + N samples. */
  schedule: 'per-boot' | 'iterated';
  requiresZfs: boolean;
  /**
   * Where its scratch pools live: `guest-ram` (file vdevs on a tmpfs in the guest: the host's disk
   * never enters the timed region) for metrics about ZFS's own work, `disk` only for a workload
   * that measures the disk itself; null for a workload that makes no pool.
   */
  scratch: ScratchStorage | null;
  setup(ctx: WorkloadContext): Promise<State>;
  iteration(ctx: WorkloadContext, state: State): Promise<IterationOutcome>;
  /** Always runs, also after a failed setup (state is then undefined): clean up through ctx.scratch. */
  teardown(ctx: WorkloadContext, state: State | undefined): Promise<void>;
}
