/**
 * The one list of backends. Their names, hypervisors and version fields are spelled once more in
 * results/names.ts, below the schema, and checked against these descriptors at compile time.
 * Adding a backend is a folder with descriptor.ts + backend.ts, its name there and one entry
 * below. Only descriptors are imported (light); implementations load when a run needs them.
 */
import { InputError, showValue } from '../errors/index.ts';
import { BACKEND_NAMES, HYPERVISOR_NAMES, VERSION_FIELDS, emptyVersions, type BackendName, type HypervisorName, type VersionKey } from '../results/names.ts';
import { limaDescriptor } from './lima/descriptor.ts';
import { qemuDescriptor } from './qemu/descriptor.ts';
import { sshDescriptor } from './ssh/descriptor.ts';

export const BACKENDS = [qemuDescriptor, limaDescriptor, sshDescriptor] as const;

export type BackendDescriptorEntry = (typeof BACKENDS)[number];

/**
 * The schema's names (results/names.ts) and the descriptors here must be the same set: these
 * lines fail `tsc` when a descriptor is added without its name there, or the other way round.
 */
type SameSet<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const namesMatch: SameSet<BackendDescriptorEntry['name'], BackendName> = true;
const hypervisorsMatch: SameSet<BackendDescriptorEntry['hypervisor'], HypervisorName> = true;
const versionKeysMatch: SameSet<BackendDescriptorEntry['versionFields'][number]['key'], VersionKey> = true;
void [namesMatch, hypervisorsMatch, versionKeysMatch];

export { BACKEND_NAMES, HYPERVISOR_NAMES, VERSION_FIELDS, emptyVersions };
export type { BackendName, HypervisorName, VersionKey };

export function backendDescriptor(name: string): BackendDescriptorEntry {
  const found = BACKENDS.find((backend) => backend.name === name);
  if (found === undefined) throw new InputError(`--backend: unknown backend ${showValue(name)} (known: ${BACKEND_NAMES.join(', ')})`);
  return found;
}
