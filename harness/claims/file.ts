/**
 * kernels/claims.json: the seed document's performance claims as validated data.
 * Version 2 adds `platform`: the hosts the claims were made for (the seed states its numbers
 * for Apple M-series), so a verdict measured elsewhere can say so. `claimedKernel` (optional) says
 * how to recognise the kernel the claims are about, so a verdict is given only on that kernel.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseJsonOrThrow, readJsonFileSync, SMALL_FILE_LIMITS } from '../fs/json.ts';
import { GuestOs } from '../results/schema.ts';
import { validateOrThrow } from '../results/store.ts';
import { ChipClass } from '../submit/bundle.ts';
import { projectFile } from '../root.ts';

export const DEFAULT_CLAIMS_FILE = projectFile('kernels/claims.json');

const StatedValue = z.strictObject({ value: z.number().positive(), unit: z.string().min(1) });

export const Claim = z.strictObject({
  /** null: the seed's general claim; otherwise the claim made for that OS's kernel (wins). */
  guestOs: GuestOs.nullable(),
  /** As the seed states it: "1.75x", "-100MB", "-33%". */
  stated: z.string().min(1),
  kind: z.enum(['ratio', 'delta', 'percent']),
  /** The claim as a speedup of custom over stock (> 1 = custom better), whatever its stated form. */
  speedup: z.number().positive(),
  stock: StatedValue.nullable(),
  custom: StatedValue.nullable(),
  section: z.string().min(1),
  /** The seed line, verbatim. */
  quote: z.string().min(1),
});
export type Claim = z.infer<typeof Claim>;

export const ClaimsFile = z.strictObject({
  format: z.literal('kbench-claims'),
  version: z.literal(2),
  source: z.string(),
  about: z.string(),
  /** The hosts the claims were made for. */
  platform: z.strictObject({ chipClasses: z.array(ChipClass).min(1), description: z.string().min(1) }),
  /**
   * The kernel the claims are about, recognised by the end of the custom guest's `uname -r`
   * (the M-series fragment sets CONFIG_LOCALVERSION="-m-series"), on the guest OSes whose
   * release carries it (`recognisedOn`: a BSD's `uname -r` has no kernel ident). Absent: kernels are not checked.
   */
  claimedKernel: z.strictObject({ description: z.string().min(1), releaseSuffix: z.string().min(1), recognisedOn: z.array(GuestOs).min(1) }).optional(),
  claims: z.record(z.string(), z.array(Claim).min(1)),
});
export type ClaimsFile = z.infer<typeof ClaimsFile>;

export function parseClaims(text: string, file: string): ClaimsFile {
  return validateOrThrow(ClaimsFile, parseJsonOrThrow(text, file, SMALL_FILE_LIMITS), file);
}

export function loadClaimsSync(file: string | URL = DEFAULT_CLAIMS_FILE): ClaimsFile {
  const name = file instanceof URL ? fileURLToPath(file) : file;
  return validateOrThrow(ClaimsFile, readJsonFileSync(name, SMALL_FILE_LIMITS), name);
}

/** The claim for this metric on this guest OS: the OS-specific one if the seed makes one, else the general one. */
export function claimFor(claims: ClaimsFile, metricId: string, guestOs: string): Claim | null {
  const entries = Object.hasOwn(claims.claims, metricId) ? claims.claims[metricId]! : [];
  return entries.find((claim) => claim.guestOs === guestOs) ?? entries.find((claim) => claim.guestOs === null) ?? null;
}
