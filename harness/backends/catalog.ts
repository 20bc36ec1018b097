/**
 * The one list of backends: names, the host tool versions they record, and the results-schema
 * enums all come from here. Adding a backend is a folder with descriptor.ts + backend.ts and one
 * entry below. Only descriptors are imported (light); implementations load when a run needs them.
 */
import { InputError, showValue } from '../errors/index.ts';
import { limaDescriptor } from './lima/descriptor.ts';
import { qemuDescriptor } from './qemu/descriptor.ts';
import { sshDescriptor } from './ssh/descriptor.ts';

export const BACKENDS = [qemuDescriptor, limaDescriptor, sshDescriptor] as const;

export type BackendDescriptorEntry = (typeof BACKENDS)[number];
export type BackendName = BackendDescriptorEntry['name'];
export type VersionKey = BackendDescriptorEntry['versionFields'][number]['key'];
export type HypervisorName = BackendDescriptorEntry['hypervisor'];

export const BACKEND_NAMES = BACKENDS.map((backend) => backend.name) as unknown as readonly [BackendName, ...BackendName[]];

export const HYPERVISOR_NAMES = [...new Set(BACKENDS.map((backend) => backend.hypervisor))] as unknown as readonly [HypervisorName, ...HypervisorName[]];

/** Every host tool version a results file records, in a stable order, with its report label. */
export const VERSION_FIELDS: readonly { key: VersionKey; label: string }[] = BACKENDS.flatMap((backend) => backend.versionFields).filter(
  (field, index, all) => all.findIndex((other) => other.key === field.key) === index,
);

export function emptyVersions(): Record<VersionKey, string | null> {
  return Object.fromEntries(VERSION_FIELDS.map((field) => [field.key, null])) as Record<VersionKey, string | null>;
}

export function backendDescriptor(name: string): BackendDescriptorEntry {
  const found = BACKENDS.find((backend) => backend.name === name);
  if (found === undefined) throw new InputError(`--backend: unknown backend ${showValue(name)} (known: ${BACKEND_NAMES.join(', ')})`);
  return found;
}
