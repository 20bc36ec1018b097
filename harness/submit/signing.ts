/**
 * Each machine's signing key: an Ed25519 key pair made at the first `kbench submit` (or the first
 * run recorded in the database) and kept in ~/.local/share/kbench/signing-key.pem (mode 0600).
 * A bundle carries the public key and a signature of its id; its machine id is the first 32 hex
 * digits of the SHA-256 of that public key, so a machine id cannot be claimed without its key.
 *
 * What it stops: a bundle changed after submit (even with its id recomputed) and a bundle sent
 * under someone else's machine id. What it cannot stop: one person making many keys (a fresh
 * $HOME is a fresh key); ingest's clustering (community/clusters.ts) is what catches copies.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors/index.ts';
import { signingKeyFile } from '../db/paths.ts';

export interface MachineKey {
  privateKey: KeyObject;
  /** Base64 of the DER SubjectPublicKeyInfo. */
  publicKey: string;
  machineId: string;
}

/** The machine id a public key stands for: 128 bits of its SHA-256. */
export function machineIdOfPublicKey(publicKeyBase64: string): string {
  return createHash('sha256').update(Buffer.from(publicKeyBase64, 'base64')).digest('hex').slice(0, 32);
}

function fromPrivate(privateKey: KeyObject): MachineKey {
  const publicKey = createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
  return { privateKey, publicKey, machineId: machineIdOfPublicKey(publicKey) };
}

function parseKey(text: string, file: string): MachineKey {
  try {
    const key = createPrivateKey(text);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType} key, not ed25519`);
    return fromPrivate(key);
  } catch (error) {
    throw new InputError(`${file}: not a kbench signing key (${(error as Error).message}); move it away and kbench makes a new one`);
  }
}

const fsProblem = (file: string, what: string, error: unknown): InputError =>
  new InputError(`${file}: cannot ${what} this machine's signing key (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);

/** This machine's key, made on first use. Two processes starting at once keep the first key. */
export function machineKey(file: string = signingKeyFile()): MachineKey {
  try {
    return parseKey(readFileSync(file, 'utf8'), file);
  } catch (error) {
    if (error instanceof InputError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw fsProblem(file, 'read', error);
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw fsProblem(file, 'write', error);
    return parseKey(readFileSync(file, 'utf8'), file);
  }
  return fromPrivate(privateKey);
}

export const signId = (key: MachineKey, id: string): string => sign(null, Buffer.from(id, 'utf8'), key.privateKey).toString('base64');

/** True when `signature` is `publicKey`'s Ed25519 signature of `id`. Never throws. */
export function verifyId(publicKeyBase64: string, id: string, signatureBase64: string): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(publicKeyBase64, 'base64'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519') return false;
    return verify(null, Buffer.from(id, 'utf8'), key, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}
