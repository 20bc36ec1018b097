/**
 * Content hashing for cache keys and revision hashes: SHA-256 in hex over canonical JSON (object
 * keys sorted at every level, so equal inputs always serialize — and hash — the same). Shared by
 * the image builders (custom-os/debian-testbed/inputs.ts) and `kbench gate` (gate/revisions.ts),
 * which must agree byte for byte. (Submission bundles keep their own canonicalJson in
 * submit/bundle.ts: it also guards "__proto__" keys of untrusted input, and its ids are already
 * published, so the two are not merged.)
 */
import { createHash } from 'node:crypto';

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** JSON with object keys sorted at every level, so equal inputs always serialize (and hash) the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
