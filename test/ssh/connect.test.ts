/** connectWithRetry and host key policies against real OpenSSH servers on loopback. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { connectWithRetry, type ConnectAttempt } from '../../harness/ssh/connect.ts';
import { HostKeyError, SshAuthError, SshConnectionError } from '../../harness/ssh/errors.ts';
import type { SshSession } from '../../harness/ssh/session.ts';
import type { HostKeyPolicy, SshEndpoint } from '../../harness/ssh/types.ts';
import { freePort, generateKeyPair, startSshd, type RunningSshd } from '../helpers/sshd.ts';
import { describeNeeding } from '../helpers/needs.ts';

let scratch: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'kbench-ssh-connect-'));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function endpointFor(server: { port: number; privateKeyPath: string }, hostKeyPolicy: HostKeyPolicy): SshEndpoint {
  return { host: '127.0.0.1', port: server.port, user: 'root', privateKeyPath: server.privateKeyPath, hostKeyPolicy };
}

async function started(options: Parameters<typeof startSshd>[0] = {}): Promise<RunningSshd> {
  const server = await startSshd(options);
  cleanups.push(() => server.stop());
  return server;
}

function kept(session: SshSession): SshSession {
  cleanups.push(() => session.close());
  return session;
}

/** `ssh-keygen -lf` of a public key file: the fingerprint OpenSSH itself prints. */
const openSshFingerprint = (publicKeyPath: string): string => execFileSync('ssh-keygen', ['-lf', publicKeyPath], { encoding: 'utf8' }).split(' ')[1]!;

const pinPolicy = (name: string): HostKeyPolicy => ({ kind: 'pin-on-first-contact', pinFile: join(scratch, name) });

describeNeeding(['root', 'sshd'], 'connectWithRetry', () => {
  it('keeps retrying while nothing listens, and connects once sshd starts', async () => {
    const port = await freePort();
    const userKey = await generateKeyPair(join(scratch, 'late_user_key'));
    const attempts: ConnectAttempt[] = [];
    const connecting = connectWithRetry(endpointFor({ port, privateKeyPath: userKey }, pinPolicy('late.json')), {
      deadlineMs: 20_000,
      initialBackoffMs: 100,
      onAttempt: (attempt) => attempts.push(attempt),
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const sshdStartedAt = Date.now();
    await started({ port, userPrivateKeyPath: userKey });
    const connected = await connecting;
    kept(connected.session);

    expect(connected.attempts).toBeGreaterThanOrEqual(3);
    expect(connected.attempts).toBe(attempts.length);
    expect(connected.connectedAtMs).toBeGreaterThanOrEqual(sshdStartedAt);
    const failures = attempts.slice(0, -1);
    for (const failure of failures) {
      expect(failure.error).toBeInstanceOf(SshConnectionError);
      expect(failure.error!.message).toMatch(/ECONNREFUSED/);
      expect(failure.retryInMs).toBeGreaterThan(0);
    }
    // Exponential backoff: each wait at least the one before.
    const waits = failures.map((failure) => failure.retryInMs!);
    expect(waits).toEqual([...waits].sort((a, b) => a - b));
    expect(attempts.at(-1)).toMatchObject({ error: null, retryInMs: null });
    expect((await connected.session.exec('echo up')).stdout).toBe('up\n');
  }, 30_000);

  it('gives up at the deadline with the last error in one line', async () => {
    const port = await freePort();
    const attempts: ConnectAttempt[] = [];
    const failure = connectWithRetry(endpointFor({ port, privateKeyPath: await generateKeyPair(join(scratch, 'deadline_key')) }, pinPolicy('deadline.json')), {
      deadlineMs: 1_500,
      initialBackoffMs: 100,
      onAttempt: (attempt) => attempts.push(attempt),
    });
    await expect(failure).rejects.toThrow(
      new RegExp(`^ssh root@127\\.0\\.0\\.1:${port}: no connection within 1\\.5 s \\(last error: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\)$`),
    );
    expect(attempts.length).toBeGreaterThan(2);
    expect(attempts.at(-1)!.retryInMs).toBeNull();
    expect(attempts.at(-1)!.elapsedMs).toBeGreaterThan(1_300);
  }, 10_000);

  it('retries a port that accepts and resets, and one that hangs in the handshake', async () => {
    const resetting = createServer((socket) => socket.resetAndDestroy());
    const silent = createServer((socket) => socket.resume());
    for (const server of [resetting, silent]) {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    }
    const key = await generateKeyPair(join(scratch, 'boot_key'));
    const portOf = (server: Server): number => (server.address() as AddressInfo).port;
    const errorsFrom = async (server: Server): Promise<string[]> => {
      const attempts: ConnectAttempt[] = [];
      const endpoint = endpointFor({ port: portOf(server), privateKeyPath: key }, pinPolicy('boot.json'));
      const options = {
        deadlineMs: 2_500,
        initialBackoffMs: 100,
        session: { readyTimeoutMs: 1_000 },
        onAttempt: (attempt: ConnectAttempt) => attempts.push(attempt),
      };
      await expect(connectWithRetry(endpoint, options)).rejects.toThrow(/no connection within 2\.5 s/);
      return attempts.map((attempt) => attempt.error!.message);
    };
    const resetErrors = await errorsFrom(resetting);
    expect(resetErrors.length).toBeGreaterThan(2);
    expect(resetErrors[0]).toMatch(/ECONNRESET|Connection lost before handshake/);
    const hangErrors = await errorsFrom(silent);
    expect(hangErrors.length).toBeGreaterThanOrEqual(2);
    expect(hangErrors[0]).toMatch(/Timed out while waiting for handshake/);
  }, 20_000);

  it('does not retry when the server refuses the key', async () => {
    const server = await started();
    const wrongKey = await generateKeyPair(join(scratch, 'wrong_key'));
    const attempts: ConnectAttempt[] = [];
    const startedAt = Date.now();
    const failure = connectWithRetry(endpointFor({ port: server.port, privateKeyPath: wrongKey }, pinPolicy('auth.json')), {
      deadlineMs: 20_000,
      onAttempt: (attempt) => attempts.push(attempt),
    });
    await expect(failure).rejects.toThrow(SshAuthError);
    await expect(failure).rejects.toThrow(`ssh root@127.0.0.1:${server.port}: server refused key ${wrongKey}`);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]!.retryInMs).toBeNull();
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  }, 30_000);

  it('fails at once, naming the file, when the private key cannot be read', async () => {
    const server = await started();
    const missing = join(scratch, 'no-such-key');
    await expect(
      connectWithRetry(endpointFor({ port: server.port, privateKeyPath: missing }, pinPolicy('missing.json')), { deadlineMs: 10_000 }),
    ).rejects.toThrow(`cannot read ssh private key ${missing}: ENOENT`);
  });
});

describeNeeding(['root', 'sshd'], 'pin-on-first-contact', () => {
  it('pins the first key seen, accepts it again, and refuses a changed key naming both fingerprints', async () => {
    const pinFile = join(scratch, 'pins.json');
    const userKey = await generateKeyPair(join(scratch, 'pin_user_key'));
    const first = await started({ userPrivateKeyPath: userKey });
    const connected = await connectWithRetry(endpointFor(first, { kind: 'pin-on-first-contact', pinFile }), { deadlineMs: 10_000 });
    await connected.session.close();
    const firstFingerprint = openSshFingerprint(first.hostPublicKeyPath);
    expect(JSON.parse(readFileSync(pinFile, 'utf8'))).toEqual({
      hosts: { [`127.0.0.1:${first.port}`]: { keyType: 'ssh-ed25519', fingerprint: firstFingerprint } },
    });
    kept((await connectWithRetry(endpointFor(first, { kind: 'pin-on-first-contact', pinFile }), { deadlineMs: 10_000 })).session);
    await first.stop();

    const second = await started({ port: first.port, userPrivateKeyPath: userKey });
    const attempts: ConnectAttempt[] = [];
    const failure = connectWithRetry(endpointFor(second, { kind: 'pin-on-first-contact', pinFile }), {
      deadlineMs: 10_000,
      onAttempt: (attempt) => attempts.push(attempt),
    });
    await expect(failure).rejects.toThrow(HostKeyError);
    await expect(failure).rejects.toThrow(
      `host key for 127.0.0.1:${first.port} changed: pinned ssh-ed25519 ${firstFingerprint} (${pinFile}), server offered ssh-ed25519 ${openSshFingerprint(second.hostPublicKeyPath)}`,
    );
    expect(attempts).toHaveLength(1);
  }, 30_000);
});

describeNeeding(['root', 'sshd'], 'known-hosts', () => {
  let server: RunningSshd;
  let hostLine: (name: string, type?: 'ed25519' | 'rsa') => string;

  beforeAll(async () => {
    server = await startSshd({ hostKeyTypes: ['ed25519', 'rsa'] });
    hostLine = (name, type = 'ed25519') => {
      const [keyType, key] = readFileSync(server.hostPublicKeyPaths[type]!, 'utf8').split(' ');
      return `${name} ${keyType} ${key}`;
    };
  }, 30_000);
  afterAll(() => server?.stop());

  const knownHosts = (name: string, lines: string[]): HostKeyPolicy => {
    const file = join(scratch, name);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return { kind: 'known-hosts', knownHostsFile: file };
  };
  const connect = (policy: HostKeyPolicy) => connectWithRetry(endpointFor(server, policy), { deadlineMs: 10_000 });

  it('accepts the [host]:port form inside a comma list', async () => {
    const policy = knownHosts('plain', ['# comment', hostLine(`other.example,[127.0.0.1]:${server.port}`)]);
    kept((await connect(policy)).session);
  });

  it('accepts entries hashed by ssh-keygen -H', async () => {
    const policy = knownHosts('hashed', [hostLine(`[127.0.0.1]:${server.port}`), hostLine('unrelated.example')]);
    if (policy.kind !== 'known-hosts') throw new Error('unreachable');
    execFileSync('ssh-keygen', ['-H', '-f', policy.knownHostsFile], { stdio: 'ignore' });
    const hashed = readFileSync(policy.knownHostsFile, 'utf8');
    expect(hashed).not.toContain('127.0.0.1');
    expect(hashed).toMatch(/^\|1\|/);
    kept((await connect(policy)).session);
  });

  it('uses the key type the file knows: an RSA-only entry works though the server also has ed25519', async () => {
    const policy = knownHosts('rsa-only', [hostLine(`[127.0.0.1]:${server.port}`, 'rsa')]);
    kept((await connect(policy)).session);
  });

  it('refuses an unknown host with the lookup name and file', async () => {
    const policy = knownHosts('unknown', [hostLine('127.0.0.1'), hostLine(`[127.0.0.1]:${server.port + 1}`)]);
    await expect(connect(policy)).rejects.toThrow(
      new RegExp(`^host key for \\[127\\.0\\.0\\.1\\]:${server.port} not in ${join(scratch, 'unknown').replace(/[.]/g, '\\.')}$`),
    );
  });

  it('refuses a changed key, naming line and both fingerprints', async () => {
    const otherKey = await generateKeyPair(join(scratch, 'impostor_host_key'));
    const [keyType, key] = readFileSync(`${otherKey}.pub`, 'utf8').split(' ');
    const policy = knownHosts('changed', ['# first line', `[127.0.0.1]:${server.port} ${keyType} ${key}`]);
    await expect(connect(policy)).rejects.toThrow(
      `host key for [127.0.0.1]:${server.port} changed: ${join(scratch, 'changed')} line 2 has ${openSshFingerprint(`${otherKey}.pub`)}, ` +
        `server offered ssh-ed25519 ${openSshFingerprint(server.hostPublicKeyPaths.ed25519!)}`,
    );
  });

  it('refuses a key marked @revoked', async () => {
    const policy = knownHosts('revoked', [hostLine(`[127.0.0.1]:${server.port}`), `@revoked ${hostLine('*')}`]);
    await expect(connect(policy)).rejects.toThrow(/^host key for \[127\.0\.0\.1\]:\d+ is revoked in .* line 2: ssh-ed25519 SHA256:/);
  });
});
