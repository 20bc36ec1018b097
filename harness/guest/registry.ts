/**
 * One line per guest OS: adding an OS is a folder with parse.ts + index.ts (exporting its
 * GuestRegistration, which names the OS) and a line here. The names themselves live in
 * results/names.ts; `tsc` fails below when a name there has no registration here.
 */
import type { GuestOs } from '../results/schema.ts';
import { freebsdGuest } from './freebsd/index.ts';
import { alpineGuest, debianGuest } from './linux/index.ts';
import { netbsdGuest } from './netbsd/index.ts';
import { openbsdGuest } from './openbsd/index.ts';
import type { GuestAdapter } from './types.ts';

const REGISTERED = [debianGuest, alpineGuest, freebsdGuest, netbsdGuest, openbsdGuest] as const;

type Unregistered = Exclude<GuestOs, (typeof REGISTERED)[number]['os']>;
/** Compile-time: every guest name of results/names.ts has an adapter here (the error names the missing one). */
const everyGuestRegistered: [Unregistered] extends [never] ? true : Unregistered = true;
void everyGuestRegistered;

const ADAPTERS = new Map<string, () => GuestAdapter>(REGISTERED.map((entry) => [entry.os, entry.create]));

export function getGuestAdapter(os: GuestOs): GuestAdapter {
  const make = ADAPTERS.get(os);
  if (!make) throw new Error(`no guest adapter for ${JSON.stringify(os)} (known: ${[...ADAPTERS.keys()].join(', ')})`);
  return make();
}
