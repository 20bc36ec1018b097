/**
 * Content hashing for cache keys, revision hashes and artifact sums: SHA-256 in hex of a string,
 * a file (streamed), or canonical JSON (object keys sorted at every level, so equal inputs always
 * serialize — and hash — the same). Shared by
 * the image builders (custom-os/debian-testbed/inputs.ts) and `kbench gate` (gate/revisions.ts),
 * which must agree byte for byte. (Submission bundles keep their own canonicalJson in
 * submit/bundle.ts: it also guards "__proto__" keys of untrusted input, and its ids are already
 * published, so the two are not merged.)
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** SHA-256 of a file's bytes, read as a stream (kernel images are large). */
export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')));
  });
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
