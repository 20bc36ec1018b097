/**
 * Host key trust: pin-on-first-contact for guests kbench booted, OpenSSH known_hosts for existing
 * machines. Parsing and matching are pure; reading and writing the files happen in
 * createHostKeyCheck.
 */
import { createHash, createHmac } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname } from 'node:path';
import type { ServerHostKeyAlgorithm } from 'ssh2';
import { readJsonFileSync, SMALL_FILE_LIMITS } from '../fs/json.ts';
import { HostKeyError } from './errors.ts';
import type { HostKeyPolicy } from './types.ts';

/** The key type named inside an SSH public key blob (`ssh-rsa` also for rsa-sha2-* signatures). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const length = blob.readUInt32BE(0);
  return length > 0 && 4 + length <= blob.length ? blob.subarray(4, 4 + length).toString('latin1') : 'unknown';
}

/** OpenSSH's `SHA256:` fingerprint (unpadded base64), as `ssh-keygen -lf` prints it. */
export function fingerprintSha256(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** How known_hosts names a host: bare on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export type KnownHostsHosts = { kind: 'patterns'; patterns: string[] } | { kind: 'hashed'; salt: Buffer; hash: Buffer };

export interface KnownHostsEntry {
  lineNumber: number;
  marker: 'cert-authority' | 'revoked' | null;
  hosts: KnownHostsHosts;
  keyType: string;
  key: Buffer;
}

/** Parses an OpenSSH known_hosts file. Lines it cannot read are skipped, as ssh does. */
export function parseKnownHosts(text: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostsEntry['marker'] = null;
    if (fields[0]?.startsWith('@')) {
      const name = fields.shift()!.slice(1);
      if (name !== 'cert-authority' && name !== 'revoked') return;
      marker = name;
    }
    const [hostField, keyType, keyBase64] = fields;
    if (!hostField || !keyType || !keyBase64) return;
    const key = Buffer.from(keyBase64, 'base64');
    if (key.length === 0 || keyTypeOf(key) !== keyType) return;
    const hosts = parseHostField(hostField);
    if (hosts) entries.push({ lineNumber: index + 1, marker, hosts, keyType, key });
  });
  return entries;
}

function parseHostField(field: string): KnownHostsHosts | null {
  if (!field.startsWith('|')) return { kind: 'patterns', patterns: field.split(',').filter((p) => p !== '') };
  const hashed = /^\|1\|([A-Za-z0-9+/=]+)\|([A-Za-z0-9+/=]+)$/.exec(field);
  return hashed ? { kind: 'hashed', salt: Buffer.from(hashed[1]!, 'base64'), hash: Buffer.from(hashed[2]!, 'base64') } : null;
}

/** OpenSSH pattern: `*` and `?` wildcards, case-insensitive. */
export function matchesPattern(name: string, pattern: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 'i').test(name);
}

/** A comma list matches when some plain pattern matches and no `!negated` one does. */
function hostsMatch(hosts: KnownHostsHosts, name: string): boolean {
  if (hosts.kind === 'hashed') {
    return createHmac('sha1', hosts.salt).update(name).digest().equals(hosts.hash);
  }
  let matched = false;
  for (const pattern of hosts.patterns) {
    if (pattern.startsWith('!')) {
      if (matchesPattern(name, pattern.slice(1))) return false;
    } else if (matchesPattern(name, pattern)) matched = true;
  }
  return matched;
}

export type KnownHostLookup =
  | { kind: 'match'; lineNumber: number }
  | { kind: 'revoked'; lineNumber: number }
  /** Lines for this host with the same key type, none equal: the key changed. */
  | { kind: 'changed'; lineNumber: number; expectedFingerprint: string }
  /** No line for this host and key type; `otherKeyTypes` are the types the file does know for it. */
  | { kind: 'unknown'; otherKeyTypes: string[] };

export function lookupKnownHost(entries: KnownHostsEntry[], host: string, port: number, offeredKey: Buffer): KnownHostLookup {
  const name = knownHostsName(host, port);
  const forHost = entries.filter((entry) => entry.marker !== 'cert-authority' && hostsMatch(entry.hosts, name));
  const revoked = forHost.find((entry) => entry.marker === 'revoked' && entry.key.equals(offeredKey));
  if (revoked) return { kind: 'revoked', lineNumber: revoked.lineNumber };
  const trusted = forHost.filter((entry) => entry.marker === null);
  const match = trusted.find((entry) => entry.key.equals(offeredKey));
  if (match) return { kind: 'match', lineNumber: match.lineNumber };
  const offeredType = keyTypeOf(offeredKey);
  const sameType = trusted.find((entry) => entry.keyType === offeredType);
  if (sameType) return { kind: 'changed', lineNumber: sameType.lineNumber, expectedFingerprint: fingerprintSha256(sameType.key) };
  return { kind: 'unknown', otherKeyTypes: [...new Set(trusted.map((entry) => entry.keyType))] };
}

const DEFAULT_HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** Like ssh, ask first for the key types the file knows for this host, so a known RSA key is not bypassed by ed25519. */
export function hostKeyAlgorithmsPreferring(keyTypes: string[]): ServerHostKeyAlgorithm[] {
  const preferred = DEFAULT_HOST_KEY_ALGORITHMS.filter((algorithm) =>
    keyTypes.some((type) => type === algorithm || (type === 'ssh-rsa' && algorithm.startsWith('rsa-sha2-'))),
  );
  return [...preferred, ...DEFAULT_HOST_KEY_ALGORITHMS.filter((algorithm) => !preferred.includes(algorithm))];
}

/** `/root/.ssh/known_hosts` -> `~/.ssh/known_hosts`, for messages. */
export function displayPath(path: string, home: string = homedir()): string {
  return home !== '/' && path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}

/** Verifies the key ssh2 hands to `hostVerifier`; `rejection` says why it answered false. */
export interface HostKeyCheck {
  verify(key: Buffer): boolean;
  rejection: HostKeyError | null;
  hostKeyAlgorithms: ServerHostKeyAlgorithm[];
}

export async function createHostKeyCheck(policy: HostKeyPolicy, host: string, port: number): Promise<HostKeyCheck> {
  return policy.kind === 'known-hosts' ? knownHostsCheck(policy.knownHostsFile, host, port) : pinCheck(policy.pinFile, host, port);
}

async function knownHostsCheck(file: string, host: string, port: number): Promise<HostKeyCheck> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new HostKeyError(`cannot read known_hosts file ${displayPath(file)}: ${(error as Error).message}`);
  }
  const entries = parseKnownHosts(text);
  const name = knownHostsName(host, port);
  const knownTypes = entries.filter((entry) => entry.marker === null && hostsMatch(entry.hosts, name)).map((entry) => entry.keyType);
  const check: HostKeyCheck = {
    rejection: null,
    hostKeyAlgorithms: hostKeyAlgorithmsPreferring(knownTypes),
    verify(key) {
      const found = lookupKnownHost(entries, host, port, key);
      const where = displayPath(file);
      const offered = `${keyTypeOf(key)} ${fingerprintSha256(key)}`;
      if (found.kind === 'match') return true;
      if (found.kind === 'revoked') {
        check.rejection = new HostKeyError(`host key for ${name} is revoked in ${where} line ${found.lineNumber}: ${offered}`);
      } else if (found.kind === 'changed') {
        check.rejection = new HostKeyError(
          `host key for ${name} changed: ${where} line ${found.lineNumber} has ${found.expectedFingerprint}, server offered ${offered}`,
        );
      } else {
        const others = found.otherKeyTypes.length > 0 ? ` (it lists only ${found.otherKeyTypes.join(', ')} for it; server offered ${offered})` : '';
        check.rejection = new HostKeyError(`host key for ${name} not in ${where}${others}`);
      }
      return false;
    },
  };
  return check;
}

interface PinFile {
  hosts: Record<string, { keyType: string; fingerprint: string }>;
}

function readPins(file: string): PinFile {
  if (!existsSync(file)) return { hosts: {} };
  let parsed: unknown;
  try {
    parsed = readJsonFileSync(file, SMALL_FILE_LIMITS);
  } catch (error) {
    throw new HostKeyError(`host key pin file ${(error as Error).message}`);
  }
  if (parsed && typeof parsed === 'object' && 'hosts' in parsed && parsed.hosts && typeof parsed.hosts === 'object') return parsed as PinFile;
  throw new HostKeyError(`host key pin file ${displayPath(file)} is not kbench pin JSON ({"hosts": {...}})`);
}

// Synchronous on purpose: one read-modify-write per verify, so sessions in this process sharing a pin file cannot interleave.
function pinCheck(file: string, host: string, port: number): HostKeyCheck {
  const name = `${host}:${port}`;
  const pinnedBefore = readPins(file).hosts[name];
  const check: HostKeyCheck = {
    rejection: null,
    hostKeyAlgorithms: hostKeyAlgorithmsPreferring(pinnedBefore ? [pinnedBefore.keyType] : []),
    verify(key) {
      const pins = readPins(file);
      const offered = { keyType: keyTypeOf(key), fingerprint: fingerprintSha256(key) };
      const pinned = pins.hosts[name];
      if (pinned) {
        if (pinned.fingerprint === offered.fingerprint) return true;
        check.rejection = new HostKeyError(
          `host key for ${name} changed: pinned ${pinned.keyType} ${pinned.fingerprint} (${displayPath(file)}), server offered ${offered.keyType} ${offered.fingerprint}`,
        );
        return false;
      }
      pins.hosts[name] = offered;
      mkdirSync(dirname(file), { recursive: true });
      const temporary = `${file}.${process.pid}.tmp`;
      writeFileSync(temporary, `${JSON.stringify(pins, null, 2)}\n`);
      renameSync(temporary, file);
      return true;
    },
  };
  return check;
}
