/**
 * Built-in targets: which guest OS, how big a VM, and which backends can boot it. Adding a target
 * is one entry here (plus a guest adapter for a new OS).
 */
import { InputError } from '../errors/index.ts';
import type { TargetSpec } from '../backends/types.ts';

export type BackendName = 'qemu' | 'lima' | 'ssh';

export interface TargetDefinition {
  spec: TargetSpec;
  backends: BackendName[];
  defaultBackend: BackendName;
  /** What a user must know before choosing it. */
  note: string;
}

const vm = (name: string, os: TargetSpec['os']): TargetSpec => ({ name, os, vcpus: 2, memoryMiB: 2048, scratchDiskMiB: 0 });

export const TARGETS: Record<string, TargetDefinition> = {
  'debian-testbed': {
    spec: vm('debian-testbed', 'debian'),
    backends: ['qemu', 'ssh'],
    defaultBackend: 'qemu',
    note: 'Debian 12 + OpenZFS 2.3 (bookworm-backports); stock = linux-image-amd64, custom = linux-image-cloud-amd64. Built locally, runs anywhere QEMU runs.',
  },
  'debian-arm64': { spec: vm('debian-arm64', 'debian'), backends: ['qemu', 'ssh'], defaultBackend: 'qemu', note: 'Debian 12 arm64 + OpenZFS 2.3; stock = linux-image-6.12-arm64 (4K pages), custom = the seed\'s M-series kernel (kernels/alpine-m-series.config on Linux 6.12, 16K pages). Cross-built here; TCG on x86_64, hvf on Apple silicon.' },
  alpine: {
    spec: vm('alpine', 'alpine'),
    backends: ['lima', 'qemu', 'ssh'],
    defaultBackend: 'lima',
    note: 'Alpine Linux with the M-series kernel from kernels/alpine-m-series.config (Apple silicon).',
  },
  freebsd: {
    spec: vm('freebsd', 'freebsd'),
    backends: ['lima', 'qemu', 'ssh'],
    defaultBackend: 'qemu',
    note: 'FreeBSD 15 with native ZFS; custom kernel from kernels/freebsd-m-series-kernel.conf.',
  },
  netbsd: {
    spec: vm('netbsd', 'netbsd'),
    backends: ['qemu', 'ssh'],
    defaultBackend: 'qemu',
    note: 'NetBSD (Lima cannot boot it); ZFS is experimental there.',
  },
  openbsd: {
    spec: vm('openbsd', 'openbsd'),
    backends: ['qemu', 'ssh'],
    defaultBackend: 'qemu',
    note: 'OpenBSD has no ZFS: ZFS metrics are reported as unsupported; boot and memory are measured.',
  },
};

export function resolveTarget(name: string, backend: string | undefined): { definition: TargetDefinition; backend: BackendName } {
  const definition = TARGETS[name];
  if (definition === undefined)
    throw new InputError(`--target: unknown target "${name}" (known: ${Object.keys(TARGETS).join(', ')})`);
  const chosen = backend ?? definition.defaultBackend;
  if (!['qemu', 'lima', 'ssh'].includes(chosen))
    throw new InputError(`--backend: unknown backend "${chosen}" (known: qemu, lima, ssh)`);
  if (!definition.backends.includes(chosen as BackendName))
    throw new InputError(`--backend: target ${name} cannot run on backend "${chosen}" (it runs on: ${definition.backends.join(', ')})`);
  return { definition, backend: chosen as BackendName };
}
