import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createHostKeyCheck,
  displayPath,
  fingerprintSha256,
  hostKeyAlgorithmsPreferring,
  keyTypeOf,
  knownHostsName,
  lookupKnownHost,
  matchesPattern,
  parseKnownHosts,
} from '../../harness/ssh/host-keys.ts';

/** An SSH public key blob: string type, then opaque bytes. */
function blob(type: string, filler: number): Buffer {
  const name = Buffer.from(type);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(name.length);
  return Buffer.concat([length, name, Buffer.alloc(32, filler)]);
}

const ed1 = blob('ssh-ed25519', 1);
const ed2 = blob('ssh-ed25519', 2);
const rsa = blob('ssh-rsa', 3);
const line = (hosts: string, key: Buffer): string => `${hosts} ${keyTypeOf(key)} ${key.toString('base64')}`;

function hashedName(name: string, salt: Buffer): string {
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('known_hosts parsing and lookup', () => {
  it('names hosts as ssh does', () => {
    expect(knownHostsName('10.0.0.1', 22)).toBe('10.0.0.1');
    expect(knownHostsName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });

  it('skips comments, blank and malformed lines, and keeps line numbers', () => {
    const entries = parseKnownHosts(
      ['# header', '', 'onlyhost', `host ssh-ed25519 ${rsa.toString('base64')}`, `@unknown-marker ${line('h', ed1)}`, line('good', ed1)].join('\n'),
    );
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ lineNumber: 6, keyType: 'ssh-ed25519', marker: null });
  });

  it('matches plain names, [host]:port, comma lists, wildcards and negations', () => {
    const entries = parseKnownHosts([line('a.example,[127.0.0.1]:2222', ed1), line('*.lab,!bad.lab', ed2), line('10.0.0.?', rsa)].join('\n'));
    expect(lookupKnownHost(entries, '127.0.0.1', 2222, ed1)).toEqual({ kind: 'match', lineNumber: 1 });
    expect(lookupKnownHost(entries, 'A.EXAMPLE', 22, ed1)).toEqual({ kind: 'match', lineNumber: 1 });
    expect(lookupKnownHost(entries, '127.0.0.1', 22, ed1)).toEqual({ kind: 'unknown', otherKeyTypes: [] });
    expect(lookupKnownHost(entries, 'vm1.lab', 22, ed2)).toEqual({ kind: 'match', lineNumber: 2 });
    expect(lookupKnownHost(entries, 'bad.lab', 22, ed2)).toEqual({ kind: 'unknown', otherKeyTypes: [] });
    expect(lookupKnownHost(entries, '10.0.0.7', 22, rsa)).toEqual({ kind: 'match', lineNumber: 3 });
    expect(lookupKnownHost(entries, '10.0.0.17', 22, rsa)).toEqual({ kind: 'unknown', otherKeyTypes: [] });
  });

  it('matches hashed |1|salt|hash entries', () => {
    const entries = parseKnownHosts(line(hashedName('[127.0.0.1]:2222', Buffer.alloc(20, 7)), ed1));
    expect(entries[0]!.hosts.kind).toBe('hashed');
    expect(lookupKnownHost(entries, '127.0.0.1', 2222, ed1).kind).toBe('match');
    expect(lookupKnownHost(entries, '127.0.0.1', 2223, ed1).kind).toBe('unknown');
  });

  it('calls a different key of the same type a change, of another type unknown', () => {
    const entries = parseKnownHosts([line('h', ed1), line('h', rsa)].join('\n'));
    expect(lookupKnownHost(entries, 'h', 22, ed2)).toEqual({ kind: 'changed', lineNumber: 1, expectedFingerprint: fingerprintSha256(ed1) });
    const onlyRsa = parseKnownHosts(line('h', rsa));
    expect(lookupKnownHost(onlyRsa, 'h', 22, ed1)).toEqual({ kind: 'unknown', otherKeyTypes: ['ssh-rsa'] });
  });

  it('honours @revoked and ignores @cert-authority lines', () => {
    const entries = parseKnownHosts([line('h', ed1), `@revoked ${line('*', ed1)}`, `@cert-authority ${line('h', ed2)}`].join('\n'));
    expect(lookupKnownHost(entries, 'h', 22, ed1)).toEqual({ kind: 'revoked', lineNumber: 2 });
    expect(lookupKnownHost(entries, 'h', 22, ed2)).toEqual({ kind: 'changed', lineNumber: 1, expectedFingerprint: fingerprintSha256(ed1) });
  });
});

describe('helpers', () => {
  it('prints fingerprints in OpenSSH form', () => {
    expect(fingerprintSha256(Buffer.from('abc'))).toBe('SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0');
  });

  it('puts the known key types first, rsa covering its sha2 signatures', () => {
    expect(hostKeyAlgorithmsPreferring(['ssh-rsa']).slice(0, 3)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(hostKeyAlgorithmsPreferring([])[0]).toBe('ssh-ed25519');
    expect(hostKeyAlgorithmsPreferring(['ecdsa-sha2-nistp256'])).toHaveLength(7);
  });

  it('shortens paths under home to ~', () => {
    expect(displayPath('/root/.ssh/known_hosts', '/root')).toBe('~/.ssh/known_hosts');
    expect(displayPath('/rootless/known_hosts', '/root')).toBe('/rootless/known_hosts');
  });

  it('matches patterns case-insensitively without regex surprises', () => {
    expect(matchesPattern('a.b', 'a?b')).toBe(true);
    expect(matchesPattern('axb', 'a.b')).toBe(false);
    expect(matchesPattern('[h]:22', '[h]:*')).toBe(true);
  });
});

describe('the pin file is read through the strict JSON reader', () => {
  const pins = (content: string | Buffer): string => {
    const file = join(mkdtempSync(join(tmpdir(), 'kb-pins-')), 'pins.json');
    writeFileSync(file, content);
    return file;
  };
  const entry = '{"keyType":"ssh-ed25519","fingerprint":"SHA256:a"}';
  it('refuses a host pinned twice (the second pin would silently win), invalid UTF-8 and a file over 4 MiB', async () => {
    const twice = pins(`{"hosts":{"127.0.0.1:22":${entry},"127.0.0.1:22":{"keyType":"ssh-ed25519","fingerprint":"SHA256:b"}}}`);
    await expect(createHostKeyCheck({ kind: 'pin-on-first-contact', pinFile: twice }, '127.0.0.1', 22)).rejects.toThrow(
      `host key pin file ${twice}: refused at line 1, column 77, field hosts["127.0.0.1:22"]: duplicate key "127.0.0.1:22"`,
    );
    const bad = pins(Buffer.from('{"hosts":{"\xff":{}}}', 'latin1'));
    await expect(createHostKeyCheck({ kind: 'pin-on-first-contact', pinFile: bad }, '127.0.0.1', 22)).rejects.toThrow(
      `host key pin file ${bad}: not valid UTF-8 text`,
    );
    const big = pins(Buffer.alloc(4.5 * 1024 * 1024, 0x20));
    await expect(createHostKeyCheck({ kind: 'pin-on-first-contact', pinFile: big }, '127.0.0.1', 22)).rejects.toThrow(
      /4\.5 MiB is larger than the limit of 4 MiB/,
    );
  });
  it('still reads a good one', async () => {
    const file = pins(`{"hosts":{"127.0.0.1:22":${entry}}}`);
    const check = await createHostKeyCheck({ kind: 'pin-on-first-contact', pinFile: file }, '127.0.0.1', 22);
    expect(check.hostKeyAlgorithms[0]).toBe('ssh-ed25519');
  });
});
