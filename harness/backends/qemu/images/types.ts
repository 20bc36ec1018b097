/**
 * An image provider makes the disk the qemu backend boots for one target: it builds it (the
 * Debian testbed) or fetches an official image into the cache, verifies it and arranges the SSH
 * key. One file per provider; images/index.ts registers it with one line.
 */
import type { BuildProgress } from '../../../progress/index.ts';
import type { GuestOs, KernelVariant } from '../../../results/schema.ts';
import type { Support } from '../../types.ts';
import type { HostArch, QemuBootMethod, QemuDisk } from '../args.ts';

export interface ImageRequest {
  variants: readonly KernelVariant[];
  arch: HostArch;
  /** Replaces ${KBENCH_CACHE:-~/.cache/kbench}; null = that default. */
  cacheDir: string | null;
  onProgress(message: string): void;
  /** Structured steps of an image build (step k of n, ETA), when the provider builds one. */
  onBuildProgress?(progress: BuildProgress): void;
  /**
   * A folder shaped like the repository holding one revision's image inputs (kbench gate), to
   * build or find the image from instead of this checkout's; only providers that say
   * `buildsFromInputs` take it.
   */
  inputsRoot?: string;
}

export interface PreparedImage {
  /** Read-only base of every boot's copy-on-write overlay. */
  rootDisk: { path: string; format: 'raw' | 'qcow2' };
  /** Per prepared variant: how qemu starts that kernel. */
  boot: Partial<Record<KernelVariant, QemuBootMethod>>;
  /** Extra drives after root and scratch (e.g. a cloud-init seed: a vvfat folder the guest may write to, through a throwaway snapshot overlay). */
  extraDisks: QemuDisk[];
  ssh: {
    user: string;
    privateKeyPath: string;
    /** Root shell lines that add an unprivileged login `user` with the same key (KBENCH_GUEST_USER), when the image can. */
    addLogin?(user: string): string;
  };
  /** A Linux kernel for the acceleration probe, or null: then the first candidate is tried on the real boot. */
  probeKernel: string | null;
  /** Kernel image file on the host per variant, for kernel.image.bytes; null when it lives in the guest. */
  kernelImage: Partial<Record<KernelVariant, string | null>>;
  /**
   * Variants that boot another disk than rootDisk, with that disk's SSH key (kbench gate: each
   * side its own revision's image). Absent: every variant boots rootDisk with `ssh`.
   */
  perVariant?: Partial<Record<KernelVariant, { rootDisk: PreparedImage['rootDisk']; privateKeyPath: string }>>;
  /** A locally built image's cache key (its inputs' hash) and the built image it was derived from, if it was (kbench gate says which). */
  origin?: { key: string; derivedFrom: string | null };
}

export interface ImageProvider {
  ensure(request: ImageRequest): Promise<PreparedImage>;
}

export interface ImageProviderDescriptor {
  readonly name: string;
  readonly os: GuestOs;
  /** The guest's architecture when it is fixed (an arm64 testbed); absent = the host's. */
  readonly guestArch?: HostArch;
  /** Where the image comes from, one line. */
  readonly source: string;
  /** What it can make, with the one-line reason when it cannot. */
  supports(variants: readonly KernelVariant[], arch: HostArch | null): Support;
  /** Whether its PreparedImage can add a second, unprivileged login (ssh.addLogin, KBENCH_GUEST_USER). */
  readonly addsLogins?: boolean;
  /** How each variant's kernel is booted, one line. */
  bootOf(variant: KernelVariant): string;
  /** Its image can be made from a revision's inputs (ImageRequest.inputsRoot): the repository paths it is built from. */
  readonly buildsFromInputs?: readonly string[];
  load(): Promise<ImageProvider>;
}
