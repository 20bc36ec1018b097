/**
 * One interface for "a way to run a guest", one folder per implementation (qemu, lima, ssh).
 * Only the lifecycle every backend has; optional abilities get their own small interfaces.
 * Each folder has a light `descriptor.ts` (name, versions it records, what it supports, how it
 * would run a target) registered in catalog.ts, and the heavy implementation it loads on demand.
 */
import type { Acceleration, GuestClock, GuestOs, KernelVariant } from '../results/schema.ts';
import type { SshEndpoint } from '../ssh/types.ts';

export interface TargetSpec {
  /** e.g. "debian-testbed", "alpine", "freebsd". */
  name: string;
  os: GuestOs;
  vcpus: number;
  memoryMiB: number;
  /** Extra empty disk for ZFS vdevs, MiB (0 = none; workloads then use file vdevs). */
  scratchDiskMiB: number;
  /** Which image provider builds or fetches the disk a VM backend boots (qemu/images/). */
  image: string;
  /** What the suite needs to know about this target: the ZFS tunables file the custom profile sets. */
  suiteContext: { zfsTunablesFile: string | null };
}

/** The host a backend would run on: what `supports` may depend on. */
export interface HostPlatform {
  platform: NodeJS.Platform;
  /** Node's process.arch: "arm64", "x64". */
  arch: string;
}

export type Support = { ok: true } | { ok: false; reason: string };

/** How a backend would run a target, without running anything (`kbench run --plan`). */
export interface BackendPlan {
  /** Where the disk or machine comes from, one line. */
  source: string;
  /** Per kernel variant: how that kernel gets booted, one line. */
  variants: Partial<Record<KernelVariant, string>>;
  /** Host commands in the order a run issues them; <PLACEHOLDERS> for values known only then. */
  commands: string[];
  /** Which mark starts `boot.host_to_ssh.seconds`, or null when the backend boots nothing. */
  bootClock: string | null;
}

export interface VersionField {
  /** Field of the host fingerprint, e.g. "qemuVersion". */
  key: string;
  /** Label in reports, e.g. "QEMU". */
  label: string;
}

export interface BackendDescriptor<Options = never> {
  readonly name: string;
  /** host.hypervisor in the results file: what runs the guest ("none" = not ours). */
  readonly hypervisor: string;
  readonly summary: string;
  /** Host tool versions this backend records in the host fingerprint. */
  readonly versionFields: readonly VersionField[];
  /** Whether this backend can run the target's variants at all (on `host`, when given), with the reason when not. */
  supports(target: TargetSpec, variants: readonly KernelVariant[], host?: HostPlatform): Support;
  /** Pure: what a run would do. Only called when supports() said yes. */
  describe(target: TargetSpec, variants: readonly KernelVariant[], host: HostPlatform): BackendPlan;
  /** The implementation, imported only when a run needs it. */
  load(): Promise<(options?: Options) => Backend>;
}

/** What `prepare` produced: images/kernels ready to boot. Opaque per backend beyond these fields. */
export interface PreparedTarget {
  spec: TargetSpec;
  variants: KernelVariant[];
  /** Folder where this run's logs (serial console etc.) are written. */
  runDir: string;
  /** Free-form facts about the prepared images, for the fingerprint (e.g. kernel image bytes). */
  facts: Record<KernelVariant, { kernelImagePath: string | null; kernelImageBytes: number | null }>;
}

export interface BootedGuest {
  variant: KernelVariant;
  endpoint: SshEndpoint;
  acceleration: Acceleration;
  /** What the guest's clock counts; absent = the host's wall clock. */
  guestClock?: GuestClock;
  /** Host side: VM process start until the first successful SSH command; null when not booted by us. */
  hostBootSeconds: number | null;
  /** Which mark started hostBootSeconds (e.g. Lima's "[VZ] - vm state change: running" line). */
  hostBootStart?: string;
  serialLogPath: string | null;
}

export interface Backend {
  readonly name: string;
  /** Builds or reuses cached images for the target. MUST be idempotent. */
  prepare(spec: TargetSpec, variants: KernelVariant[], runDir: string): Promise<PreparedTarget>;
  /** Boots one kernel variant and waits until SSH answers (up to the boot deadline). */
  boot(prepared: PreparedTarget, variant: KernelVariant): Promise<BootedGuest>;
  /** Graceful shutdown, then kill; MUST leave no VM process behind, also when called twice. */
  shutdown(guest: BootedGuest): Promise<void>;
  /** Removes per-run state (not the shared image cache). */
  destroy(prepared: PreparedTarget): Promise<void>;
  /** Host facts for the fingerprint: the versions of the tools named in the descriptor's versionFields. */
  versions(): Promise<Record<string, string | null>>;
}

/** Optional ability: the measured machine is not the one running kbench (--backend ssh). */
export interface MeasuresRemoteHost {
  /** Host-fingerprint fields of the machine the guest really runs on, read over SSH. */
  measuredHost(prepared: PreparedTarget): Promise<Record<string, string | number | null>>;
}

export function measuresRemoteHost(backend: Backend): backend is Backend & MeasuresRemoteHost {
  return typeof (backend as Partial<MeasuresRemoteHost>).measuredHost === 'function';
}
