/** Signed submission bundles for tests: a key per simulated machine, and re-signing after an edit. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleId, type SubmissionBundle } from '../../harness/submit/bundle.ts';
import { machineKey, signId, type MachineKey } from '../../harness/submit/signing.ts';

const keys = new Map<string, MachineKey>();

/** A fresh Ed25519 key per name, as kbench submit makes one per machine. */
export function testKey(name: string): MachineKey {
  const existing = keys.get(name);
  if (existing !== undefined) return existing;
  const key = machineKey(path.join(mkdtempSync(path.join(tmpdir(), 'kbench-key-')), 'signing-key.pem'));
  keys.set(name, key);
  return key;
}

/** The bundle's id recomputed and signed again by `key`: what someone holding the key could make. */
export function resign(bundle: Record<string, unknown>, key: MachineKey): Record<string, unknown> {
  const id = bundleId(bundle as unknown as SubmissionBundle);
  return { ...bundle, id, signature: signId(key, id) };
}
