/**
 * Built-in targets, one file each in targets/; adding a target is a file there and one line
 * below. Which backends can run a target is not written here: each backend says so itself
 * (BackendDescriptor.supports), and this table is derived from that.
 */
import { BACKENDS, backendDescriptor, type BackendName } from '../backends/catalog.ts';
import type { BackendPlan, HostPlatform, Support } from '../backends/types.ts';
import { InputError, showValue } from '../errors/index.ts';
import type { KernelVariant } from '../results/schema.ts';
import alpineTarget from './targets/alpine.ts';
import debianArm64 from './targets/debian-arm64.ts';
import debianTestbed from './targets/debian-testbed.ts';
import type { TargetDefinition } from './targets/define.ts';
import freebsdTarget from './targets/freebsd.ts';
import netbsdTarget from './targets/netbsd.ts';
import openbsdTarget from './targets/openbsd.ts';

export type { TargetDefinition } from './targets/define.ts';
export type { BackendName } from '../backends/catalog.ts';

const ALL_TARGETS: TargetDefinition[] = [debianTestbed, debianArm64, alpineTarget, freebsdTarget, netbsdTarget, openbsdTarget];

/** The target `kbench run` and `kbench gate` use without --target: the locally built testbed. */
export const DEFAULT_TARGET = debianTestbed.spec.name;

export const TARGETS: Record<string, TargetDefinition> = Object.fromEntries(ALL_TARGETS.map((target) => [target.spec.name, target]));

const BOTH: readonly KernelVariant[] = ['stock', 'custom'];

export function currentHost(): HostPlatform {
  return { platform: process.platform, arch: process.arch };
}

/** Every backend with its answer for this target and variants (host-independent unless `host` is given). */
export function backendSupport(
  definition: TargetDefinition,
  variants: readonly KernelVariant[] = BOTH,
  host?: HostPlatform,
): { backend: BackendName; support: Support }[] {
  return BACKENDS.map((backend) => ({ backend: backend.name, support: backend.supports(definition.spec, variants, host) }));
}

/** The backends that can run the target's stock and custom kernels (the README table). */
export function backendsFor(definition: TargetDefinition, variants: readonly KernelVariant[] = BOTH): BackendName[] {
  return backendSupport(definition, variants).flatMap((entry) => (entry.support.ok ? [entry.backend] : []));
}

export function findTarget(name: string): TargetDefinition {
  const definition = TARGETS[name];
  if (definition === undefined) throw new InputError(`--target: unknown target ${showValue(name)} (known: ${Object.keys(TARGETS).join(', ')})`);
  return definition;
}

/** The target and the backend that will run it; an InputError with the backend's own reason when it cannot. */
export function resolveTarget(
  name: string,
  backend: string | undefined,
  variants: readonly KernelVariant[] = BOTH,
): { definition: TargetDefinition; backend: BackendName } {
  const definition = findTarget(name);
  const descriptor = backendDescriptor(backend ?? definition.defaultBackend);
  const support = descriptor.supports(definition.spec, variants);
  if (!support.ok) {
    const others = backendSupport(definition, variants)
      .filter((entry) => entry.support.ok && entry.backend !== descriptor.name)
      .map((entry) => entry.backend);
    throw new InputError(
      `--backend ${descriptor.name}: target ${name} with --kernels ${variants.join(',')}: ${support.reason}${others.length > 0 ? ` (it runs on: ${others.join(', ')})` : ''}`,
    );
  }
  return { definition, backend: descriptor.name };
}

export interface TargetDescription {
  target: string;
  os: string;
  backend: BackendName;
  hypervisor: string;
  variants: KernelVariant[];
  image: string;
  suiteContext: TargetDefinition['spec']['suiteContext'];
  vm: { vcpus: number; memoryMiB: number; scratchDiskMiB: number };
  plan: BackendPlan;
  /** What the same target would need on this host that is missing, or null (e.g. qemu on an arm64 host for the amd64 testbed). */
  hostProblem: string | null;
  /** Every backend and whether it can run this target with these variants. */
  backends: { backend: BackendName; ok: boolean; reason: string | null }[];
}

/**
 * `kbench run --plan`: how target + backend + variants would run, resolved without booting or
 * fetching anything. Throws the same one-line InputError as a real run when the backend cannot.
 */
export function describeTarget(
  name: string,
  backend: string | undefined,
  variants: readonly KernelVariant[] = BOTH,
  host: HostPlatform = currentHost(),
): TargetDescription {
  const { definition, backend: chosen } = resolveTarget(name, backend, variants);
  const descriptor = backendDescriptor(chosen);
  const onHost = descriptor.supports(definition.spec, variants, host);
  return {
    target: definition.spec.name,
    os: definition.spec.os,
    backend: chosen,
    hypervisor: descriptor.hypervisor,
    variants: [...variants],
    image: definition.spec.image,
    suiteContext: definition.spec.suiteContext,
    vm: { vcpus: definition.spec.vcpus, memoryMiB: definition.spec.memoryMiB, scratchDiskMiB: definition.spec.scratchDiskMiB },
    plan: descriptor.describe(definition.spec, variants, host),
    hostProblem: onHost.ok ? null : onHost.reason,
    backends: backendSupport(definition, variants).map((entry) => ({
      backend: entry.backend,
      ok: entry.support.ok,
      reason: entry.support.ok ? null : entry.support.reason,
    })),
  };
}

/** A way to run the target that the chosen flags do not take: another backend, stock kernel only. */
export interface TargetAlternative {
  /** The flags that pick it, e.g. "--backend qemu --kernels stock". */
  flags: string;
  description: TargetDescription;
  /** Why this backend does not take all the requested variants, when it takes fewer. */
  refused: string | null;
}

/**
 * `kbench run --plan`'s "how it runs": the chosen route, its target's note, and each other backend
 * that can boot the stock kernel when it cannot run the requested variants (NetBSD and OpenBSD
 * under qemu: the official image, its key, its boot), so a plan names an image even when the
 * default route is a machine you booted.
 */
export function targetRoutes(
  name: string,
  backend: string | undefined,
  variants: readonly KernelVariant[] = BOTH,
  host: HostPlatform = currentHost(),
): { note: string; chosen: TargetDescription; alternatives: TargetAlternative[] } {
  const chosen = describeTarget(name, backend, variants, host);
  const definition = findTarget(name);
  const alternatives: TargetAlternative[] = [];
  for (const entry of BACKENDS) {
    if (entry.name === chosen.backend) continue;
    const all = entry.supports(definition.spec, variants);
    const stockOnly = !all.ok && variants.includes('custom') && entry.supports(definition.spec, ['stock']).ok;
    if (!all.ok && !stockOnly) continue;
    const takes = all.ok ? variants : (['stock'] as const);
    // A route that boots nothing (ssh to a machine you have) is no alternative to one that boots.
    if (chosen.plan.bootClock !== null && entry.describe(definition.spec, takes, host).bootClock === null) continue;
    alternatives.push({
      flags: all.ok ? `--backend ${entry.name}` : `--backend ${entry.name} --kernels stock`,
      description: describeTarget(name, entry.name, takes, host),
      refused: all.ok ? null : all.reason,
    });
  }
  return { note: definition.note, chosen, alternatives };
}
