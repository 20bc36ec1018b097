/**
 * The kbench results format, version RESULTS_SCHEMA_VERSION (1); older versions are carried
 * forward on read by migrations.ts. One zod schema yields both the static type and the
 * runtime validator, so the two never drift. Documented for humans in README.md, "The results format".
 *
 * A results file holds one run: the host fingerprint, and one "target" per booted
 * (guest OS, kernel variant) pair, each with its guest fingerprint and its metrics.
 * A baseline file has the same shape with `kind: "baseline"`.
 */
import { z } from 'zod';
import { BACKEND_NAMES, GUEST_OS_NAMES, HYPERVISOR_NAMES, VERSION_FIELDS, type VersionKey } from './names.ts';

export const RESULTS_SCHEMA_VERSION = 1;

/** Units kbench knows; anything else is rejected so a typo never compares seconds with ms. */
export const UNITS = ['s', 'ms', 'B', 'MiB', 'B/s', 'MB/s', 'MiB/s', 'ops/s', 'count'] as const;
export const Unit = z.enum(UNITS);
export type Unit = z.infer<typeof Unit>;

/** Which way is better: a lower time, or a higher throughput. */
export const Direction = z.enum(['lower', 'higher']);
export type Direction = z.infer<typeof Direction>;

export const KernelVariant = z.enum(['stock', 'custom']);
export type KernelVariant = z.infer<typeof KernelVariant>;

export const Acceleration = z.enum(['vz', 'qemu-hvf', 'qemu-kvm', 'qemu-tcg', 'none']);
export type Acceleration = z.infer<typeof Acceleration>;

/**
 * What the guest's clocks count. `host-wall`: the host's real time (hardware virtualization, or
 * TCG that follows the host clock), so a busy host lands in every guest timing. `icount`: QEMU's
 * instruction counter (`-icount shift=N`): guest time advances 2^N ns per executed guest
 * instruction, so a guest time measures code-path length at a fixed virtual rate, not hardware
 * speed. `sleep` is what an idle guest's clock does: true (sleep=on) advances it at the host's
 * pace until the next guest timer, so a wait for the host (a disk read) costs what it took;
 * false or absent (sleep=off, files before 2026-12-04) jumps straight to the next guest timer,
 * so a wait costs the distance to that timer, repeated while the host has not answered.
 */
export const GuestClock = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('host-wall') }),
  z.strictObject({ kind: z.literal('icount'), shift: z.number().int().min(0).max(10), sleep: z.boolean().optional() }),
]);
export type GuestClock = z.infer<typeof GuestClock>;

/** Absent in files from before the clock was recorded: those guests ran on the host's clock. */
export function guestClockOf(host: { guestClock?: GuestClock | undefined } | null): GuestClock {
  return host?.guestClock ?? { kind: 'host-wall' };
}

/** "host wall clock" / "QEMU icount shift=0 (1 ns of guest time per guest instruction, idle at the host's pace)". */
export function describeGuestClock(clock: GuestClock): string {
  if (clock.kind === 'host-wall') return 'host wall clock';
  const ns = 2 ** clock.shift;
  const idle = clock.sleep === true ? "idle at the host's pace" : 'idle skipped to the next timer';
  return `QEMU icount shift=${clock.shift} (${ns} ns of guest time per guest instruction, ${idle})`;
}

export const GuestOs = z.enum(GUEST_OS_NAMES);
export type GuestOs = z.infer<typeof GuestOs>;

/** How the clock was read: in the guest, or on the host minus the measured SSH round trip. */
export const TimingSource = z.enum(['guest', 'host-minus-rtt', 'host', 'kernel']);
export type TimingSource = z.infer<typeof TimingSource>;

// zod already refuses NaN and ±Infinity for z.number(); the message says so in plain words.
const finiteNonNegative = z.number({ error: 'must be a finite number' }).refine((v) => v >= 0, { message: 'must not be negative' });
const isoTime = z.iso.datetime({ offset: true });
const metricId = z.string().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/, 'must look like "area.workload.measure" (lowercase, dots)');

export const Sample = z.strictObject({
  value: finiteNonNegative,
  at: isoTime,
  /** Which boot of this target produced it (0-based), so drift across boots can be seen. */
  boot: z.number().int().nonnegative(),
  /** In a baseline pooled from several runs: index into `sources` of the run it came from. */
  run: z.number().int().nonnegative().optional(),
});
export type Sample = z.infer<typeof Sample>;

export const Failure = z.strictObject({
  reason: z.string().min(1),
  at: isoTime,
  boot: z.number().int().nonnegative(),
  /** In a baseline pooled from several runs: index into `sources` of the run it came from. */
  run: z.number().int().nonnegative().optional(),
});
export type Failure = z.infer<typeof Failure>;

/** Measured, or honestly not measurable on this guest (never zeros in place of a number). */
export const MetricStatus = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('measured') }),
  z.strictObject({ kind: z.literal('unsupported'), reason: z.string().min(1) }),
]);
export type MetricStatus = z.infer<typeof MetricStatus>;

/**
 * Noise measured on real boots, stored with a baseline (`kbench baseline update`, `kbench
 * calibrate`): what run plans are sized from and what the noise threshold can be raised to.
 * CVs are standard deviations of natural logs (0.04 = 4%).
 */
export const MeasuredNoise = z.strictObject({
  /** Between-boot CV of the boot summaries, after removing what iteration noise adds. */
  bootCv: z.number().nonnegative(),
  /** Within-boot CV between iterations (null for per-boot metrics). */
  iterationCv: z.number().nonnegative().nullable(),
  boots: z.number().int().nonnegative(),
  iterationsPerBoot: z.number().nonnegative(),
  /** Threshold from an A/A calibration (kbench calibrate), or null when none was made. */
  calibratedThreshold: z.number().gt(0).lt(10).nullable(),
  /** Which A/A the calibration came from ("2 runs", "alternate boots of 1 run"). */
  calibration: z.string().nullable(),
  /**
   * Between-run CV (standard deviation of the run effect on log boot summaries) that the
   * calibration measured over >= 2 runs, and its degrees of freedom (runs - 1); absent when the
   * calibration had one run or in files from before it was recorded (RUN LEVEL, stats/compare.ts).
   */
  runCv: z.number().nonnegative().optional(),
  runCvDf: z.number().int().positive().optional(),
});
export type MeasuredNoise = z.infer<typeof MeasuredNoise>;

export const MetricResolution = z
  .strictObject({
    step: z.number().positive().optional(),
    relative: z.number().positive().lt(1).optional(),
    /** The source truncates to whole steps (integer division): the true value lies in [v, v + step). */
    floor: z.boolean().optional(),
  })
  .refine((r) => r.step !== undefined || r.relative !== undefined, { message: 'needs step or relative' });
export type MetricResolution = z.infer<typeof MetricResolution>;

/** Where a ZFS workload's scratch pool lives: files on a tmpfs in guest RAM, or a disk image the host serves. */
export const ScratchStorage = z.enum(['guest-ram', 'disk']);
export type ScratchStorage = z.infer<typeof ScratchStorage>;

export const Metric = z.strictObject({
  id: metricId,
  unit: Unit,
  direction: Direction,
  /** Relative change below which a difference is called noise (0.05 = 5%); overrides the default. */
  noiseThreshold: z.number().gt(0).lt(10).optional(),
  /** Declared deterministic by its workload: compared exactly, from one boot per side. */
  exact: z.boolean().optional(),
  /** Measured noise (baselines only). */
  noise: MeasuredNoise.optional(),
  /**
   * The finest difference the measurement can show: `step` in the metric's unit (a kstat that
   * reports whole MiB/s has step 1), or `relative` to the value (a clock tick over the shortest
   * timed region). Verdicts widen their intervals by it; absent in files from before it was recorded.
   */
  resolution: MetricResolution.optional(),
  /** Where the workload's scratch pool lived: guest RAM (tmpfs) or a disk the host serves. */
  scratch: ScratchStorage.optional(),
  timing: TimingSource,
  status: MetricStatus,
  samples: z.array(Sample),
  /** Warm-up iterations, kept for the record and never used in statistics. */
  warmup: z.array(Sample),
  failures: z.array(Failure),
});
export type Metric = z.infer<typeof Metric>;

export const HostFingerprint = z.strictObject({
  os: z.string().min(1),
  osVersion: z.string(),
  arch: z.string().min(1),
  /** e.g. "Mac14,2"; on Linux the DMI product name, or "unknown". */
  modelId: z.string(),
  /** e.g. "Apple M2"; on Linux the CPU model name. */
  chip: z.string(),
  performanceCores: z.number().int().nonnegative(),
  efficiencyCores: z.number().int().nonnegative(),
  logicalCpus: z.number().int().positive(),
  memoryBytes: z.number().int().positive(),
  /** What ran the guest, from results/names.ts, which the backend catalog is checked against ("none" = a machine kbench did not start). */
  hypervisor: z.enum(HYPERVISOR_NAMES),
  acceleration: Acceleration,
  /** What the guests' clocks counted (absent = host-wall, in files from before it was recorded). */
  guestClock: GuestClock.optional(),
  /** Host tool versions (qemuVersion, limaVersion, ...): one per versionField a backend declares. */
  ...(Object.fromEntries(VERSION_FIELDS.map((field) => [field.key, z.string().nullable()])) as Record<VersionKey, z.ZodNullable<z.ZodString>>),
  /** 1-minute load average when the run started: a noise source worth recording. */
  loadAverage: z.number().nonnegative().nullable(),
});
export type HostFingerprint = z.infer<typeof HostFingerprint>;

export const GuestFingerprint = z.strictObject({
  os: GuestOs,
  osVersion: z.string(),
  kernelVariant: KernelVariant,
  kernelRelease: z.string(),
  /** SHA-256 of the kernel's build config (hex), or null when the guest does not expose it. */
  kernelConfigSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits')
    .nullable(),
  zfsVersion: z.string().nullable(),
  /** `getconf PAGESIZE` in the guest (16384 on the 16K-page M-series kernel); absent in files from before it was recorded. */
  pageSizeBytes: z.number().int().positive().nullable().optional(),
  /** `uname -m` in the guest, normalized (aarch64, x86_64); absent in files from before it was recorded. */
  arch: z.string().min(1).max(32).nullable().optional(),
  vcpus: z.number().int().positive(),
  memoryBytes: z.number().int().positive(),
  zfsTunables: z.record(z.string(), z.string()),
  poolProperties: z.record(z.string(), z.string()),
  /** Implementations ZFS chose (zfs_fletcher_4_impl …), recorded because they move checksum numbers. */
  zfsImplementations: z.record(z.string(), z.string()),
});
export type GuestFingerprint = z.infer<typeof GuestFingerprint>;

export const Target = z.strictObject({
  /** "<os>/<variant>", e.g. "debian/custom". */
  id: z.string().regex(/^[a-z0-9-]+\/(stock|custom)$/, 'must be "<os>/<stock|custom>"'),
  guest: GuestFingerprint,
  metrics: z.array(Metric),
});
export type Target = z.infer<typeof Target>;

export const RunSettings = z.strictObject({
  target: z.string(),
  backend: z.enum(BACKEND_NAMES),
  suite: z.string(),
  /** Only these workloads of the suite (`--only`), or null for all of them. */
  workloads: z.array(z.string()).nullable(),
  quick: z.boolean(),
  kernels: z.array(KernelVariant),
  runs: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('fixed'), count: z.number().int().positive() }),
    z.strictObject({
      kind: z.literal('adaptive'),
      targetRelativeHalfWidth: z.number().gt(0),
      minRuns: z.number().int().positive(),
      maxRuns: z.number().int().positive(),
      maxWallSeconds: z.number().positive(),
    }),
  ]),
  /** Extra boots per kernel, after the full rounds, that measure only the per-boot workloads. */
  bootOnlyRounds: z.number().int().nonnegative().optional(),
  /** Measured iterations per boot per workload, when the plan set them (else the suite's size). */
  iterations: z.record(z.string(), z.number().int().positive()).optional(),
});
export type RunSettings = z.infer<typeof RunSettings>;

/** Host load around one boot's measurements: a busy host makes numbers noisier and slower. */
export const HostLoadSample = z.strictObject({
  at: isoTime,
  variant: KernelVariant,
  boot: z.number().int().nonnegative(),
  /** 1-minute load average at the end of the boot's measurements. */
  loadAverage: z.number().nonnegative(),
  /** Share of host CPU time spent by other processes than this run's VM and kbench (0-1), when known. */
  otherBusyFraction: z.number().min(0).max(1).nullable(),
  /** Share of CPU time stolen by the host's own hypervisor (0-1), when the host reports it. */
  stealFraction: z.number().min(0).max(1).nullable(),
  /**
   * Mean host CPU frequency (MHz) over the host's CPUs, averaged over the boot's start and the end
   * of its measurements (Linux: cpufreq scaling_cur_freq, else /proc/cpuinfo "cpu MHz"); null
   * when the host does not say, absent in files from before it was recorded.
   */
  cpuMhz: z.number().positive().nullable().optional(),
  /**
   * Share of the guest's own CPU time its kernel counted as stolen (Linux guests: the steal column
   * of the guest's /proc/stat, from login to the end of the boot's measurements); null when the
   * guest cannot say, absent in files from before it was recorded.
   */
  guestStealFraction: z.number().min(0).max(1).nullable().optional(),
  /** In a baseline pooled from several runs: index into `sources` of the run it came from. */
  run: z.number().int().nonnegative().optional(),
});
export type HostLoadSample = z.infer<typeof HostLoadSample>;

export const ResultsFile = z
  .strictObject({
    format: z.literal('kbench-results'),
    kind: z.enum(['run', 'baseline']),
    /** Always the current version once read: older files are migrated first (migrations.ts). */
    schemaVersion: z.literal(RESULTS_SCHEMA_VERSION),
    kbenchVersion: z.string(),
    runId: z.string().min(1),
    createdAt: isoTime,
    updatedAt: isoTime,
    /** Set once every planned sample is in; false while a run is going or was interrupted. */
    complete: z.boolean(),
    settings: RunSettings.nullable(),
    /**
     * Units of the run plan already done ("round/variant/workload/iteration"): `kbench run --resume`
     * skips exactly these, so no finished sample is lost or repeated.
     */
    completedUnits: z.array(z.string()),
    /** Files a baseline was made from. */
    /** `target`: the run's settings.target (absent in baselines written before it was recorded). */
    sources: z.array(z.strictObject({ runId: z.string(), file: z.string(), target: z.string().optional() })),
    host: HostFingerprint.nullable(),
    /** Host load per boot (absent in files from before it was recorded). */
    hostLoad: z.array(HostLoadSample).optional(),
    targets: z.array(Target),
  })
  .superRefine((file, ctx) => {
    const seenTargets = new Set<string>();
    file.targets.forEach((target, t) => {
      if (seenTargets.has(target.id)) ctx.addIssue({ code: 'custom', path: ['targets', t, 'id'], message: 'duplicate target id', input: target.id });
      seenTargets.add(target.id);
      const expectedId = `${target.guest.os}/${target.guest.kernelVariant}`;
      if (target.id !== expectedId)
        ctx.addIssue({
          code: 'custom',
          path: ['targets', t, 'id'],
          message: `does not match its guest (${expectedId})`,
          input: target.id,
        });
      const seenMetrics = new Set<string>();
      target.metrics.forEach((metric, m) => {
        if (seenMetrics.has(metric.id))
          ctx.addIssue({
            code: 'custom',
            path: ['targets', t, 'metrics', m, 'id'],
            message: 'duplicate metric id',
            input: metric.id,
          });
        seenMetrics.add(metric.id);
        if (metric.status.kind === 'unsupported' && metric.samples.length > 0)
          ctx.addIssue({
            code: 'custom',
            path: ['targets', t, 'metrics', m, 'samples'],
            message: 'an unsupported metric cannot have samples',
            input: metric.samples.length,
          });
      });
    });
    if (file.targets.length > 0 && file.host === null)
      ctx.addIssue({ code: 'custom', path: ['host'], message: 'required when there are targets', input: null });
  });
export type ResultsFile = z.infer<typeof ResultsFile>;
