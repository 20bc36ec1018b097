/**
 * One interface for "a way to run a guest", one folder per implementation (qemu, lima, ssh).
 * Only the lifecycle every backend has; optional abilities get their own small interfaces.
 */
import type { Acceleration, GuestOs, KernelVariant } from '../results/schema.ts';
import type { SshEndpoint } from '../ssh/types.ts';

export interface TargetSpec {
  /** e.g. "debian-testbed", "alpine", "freebsd". */
  name: string;
  os: GuestOs;
  vcpus: number;
  memoryMiB: number;
  /** Extra empty disk for ZFS vdevs, MiB (0 = none; workloads then use file vdevs). */
  scratchDiskMiB: number;
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
  /** Host side: VM process start until the first successful SSH command; null when not booted by us. */
  hostBootSeconds: number | null;
  serialLogPath: string | null;
}

export interface Backend {
  readonly name: 'qemu' | 'lima' | 'ssh';
  /** Builds or reuses cached images for the target. MUST be idempotent. */
  prepare(spec: TargetSpec, variants: KernelVariant[], runDir: string): Promise<PreparedTarget>;
  /** Boots one kernel variant and waits until SSH answers (up to the boot deadline). */
  boot(prepared: PreparedTarget, variant: KernelVariant): Promise<BootedGuest>;
  /** Graceful shutdown, then kill; MUST leave no VM process behind, also when called twice. */
  shutdown(guest: BootedGuest): Promise<void>;
  /** Removes per-run state (not the shared image cache). */
  destroy(prepared: PreparedTarget): Promise<void>;
  /** Host facts for the fingerprint: hypervisor versions. */
  versions(): Promise<{ qemuVersion: string | null; limaVersion: string | null }>;
}
