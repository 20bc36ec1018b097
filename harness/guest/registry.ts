/** One line per guest OS: adding an OS is a folder with parse.ts + index.ts and a line here. */
import type { GuestOs } from '../results/schema.ts';
import { createFreebsdAdapter } from './freebsd/index.ts';
import { createLinuxAdapter } from './linux/index.ts';
import { createNetbsdAdapter } from './netbsd/index.ts';
import { createOpenbsdAdapter } from './openbsd/index.ts';
import type { GuestAdapter } from './types.ts';

const ADAPTERS: Record<GuestOs, () => GuestAdapter> = {
  debian: () => createLinuxAdapter('debian'),
  alpine: () => createLinuxAdapter('alpine'),
  freebsd: createFreebsdAdapter,
  netbsd: createNetbsdAdapter,
  openbsd: createOpenbsdAdapter,
};

export function getGuestAdapter(os: GuestOs): GuestAdapter {
  const make = ADAPTERS[os];
  if (!make) throw new Error(`no guest adapter for ${JSON.stringify(os)} (known: ${Object.keys(ADAPTERS).join(', ')})`);
  return make();
}
