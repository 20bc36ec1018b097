/**
 * The names a results file may contain that registries higher up own: guest OSes, backends, the
 * hypervisors they start, and the host tool versions they record. They live here, below the
 * schema, because the schema's enums need them and the schema may not import backends/ or guest/
 * (ARCHITECTURE.md: results is below both). backends/catalog.ts checks at compile time that its
 * descriptors and these names are the same set, and test/backends/catalog.test.ts checks order and
 * folders — so adding a backend is its folder, its name here and its descriptor in the catalog,
 * and forgetting one fails `tsc`.
 */

/**
 * Every guest OS, with what its kernel calls itself (`uname -s`, checked before measuring). This
 * line is a guest's registration: the one place outside its own files that spells its name. The
 * guest registry (guest/registry.ts) lists each guest folder's defineGuest entry and fails `tsc`
 * when a name here has none; test/architecture/guest-names.test.ts counts where else a name is
 * spelled.
 */
export const GUEST_OSES = [
  { name: 'debian', unameS: 'Linux' },
  { name: 'alpine', unameS: 'Linux' },
  { name: 'freebsd', unameS: 'FreeBSD' },
  { name: 'netbsd', unameS: 'NetBSD' },
  { name: 'openbsd', unameS: 'OpenBSD' },
] as const;
export type GuestOsName = (typeof GUEST_OSES)[number]['name'];
export const GUEST_OS_NAMES = GUEST_OSES.map((guest) => guest.name) as unknown as readonly [GuestOsName, ...GuestOsName[]];

/** What `uname -s` says on the guest OS `os`, or null for a name that is not a guest OS. */
export function unameOf(os: string): string | null {
  return GUEST_OSES.find((guest) => guest.name === os)?.unameS ?? null;
}

/** Every backend, in catalog order. */
export const BACKEND_NAMES = ['qemu', 'lima', 'ssh'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** What ran the guest ("none" = a machine kbench did not start, the ssh backend). */
export const HYPERVISOR_NAMES = ['qemu', 'lima', 'none'] as const;
export type HypervisorName = (typeof HYPERVISOR_NAMES)[number];

/** Every host tool version a results file records, in a stable order, with its report label. */
export const VERSION_FIELDS = [
  { key: 'qemuVersion', label: 'QEMU' },
  { key: 'limaVersion', label: 'Lima' },
] as const satisfies readonly { key: string; label: string }[];
export type VersionKey = (typeof VERSION_FIELDS)[number]['key'];

export function emptyVersions(): Record<VersionKey, string | null> {
  return Object.fromEntries(VERSION_FIELDS.map((field) => [field.key, null])) as Record<VersionKey, string | null>;
}
