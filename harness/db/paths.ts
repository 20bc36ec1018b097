/** Where kbench keeps its own data: the database and the machine's signing key (its id is the key's hash). */
import { homedir } from 'node:os';
import path from 'node:path';

export const dataDir = (): string => path.join(homedir(), '.local', 'share', 'kbench');

/** `--db`, else $KBENCH_DB, else ~/.local/share/kbench/kbench.db. */
export function resolveDbFile(flag?: string | null): string {
  if (flag !== undefined && flag !== null && flag !== '') return path.resolve(flag);
  const env = process.env.KBENCH_DB;
  return env !== undefined && env !== '' ? path.resolve(env) : path.join(dataDir(), 'kbench.db');
}

/** This machine's Ed25519 key for signing submissions (submit/signing.ts). */
export const signingKeyFile = (): string => path.join(dataDir(), 'signing-key.pem');
