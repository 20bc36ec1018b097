/** SshSession against a real OpenSSH server on loopback (test/helpers/sshd.ts). */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SshConnectionError } from '../../harness/ssh/errors.ts';
import { SshSession } from '../../harness/ssh/session.ts';
import type { SshEndpoint } from '../../harness/ssh/types.ts';
import { startSshd, type RunningSshd } from '../helpers/sshd.ts';
import { describeNeeding } from '../helpers/needs.ts';

let sshd: RunningSshd;
let session: SshSession;
let scratch: string;

const startedSessions = (): number =>
  sshd
    .log()
    .split('\n')
    .filter((line) => line.startsWith('Starting session:')).length;

/** Processes on this machine (the server side) whose command line is exactly `args`. */
const processesRunning = (args: string): string[] =>
  execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.trim().replace(/^\d+\s+/, '') === args);

beforeAll(async () => {
  sshd = await startSshd();
  scratch = mkdtempSync(join(tmpdir(), 'kbench-ssh-session-'));
  const endpoint: SshEndpoint = {
    host: '127.0.0.1',
    port: sshd.port,
    user: sshd.user,
    privateKeyPath: sshd.privateKeyPath,
    hostKeyPolicy: { kind: 'pin-on-first-contact', pinFile: join(scratch, 'pins.json') },
  };
  session = await SshSession.connect(endpoint);
}, 30_000);

afterAll(async () => {
  await session?.close();
  await sshd?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describeNeeding(['root', 'sshd'], 'SshSession.exec on the kept shell', () => {
  it('keeps stdout and stderr apart and reports the exit code', async () => {
    const result = await session.exec('echo out; echo err >&2; echo out2; exit 3');
    expect(result).toMatchObject({ code: 3, stdout: 'out\nout2\n', stderr: 'err\n' });
    expect(result.durationMs).toBeGreaterThan(0);
    expect((await session.exec('false')).code).toBe(1);
    expect((await session.exec('true')).code).toBe(0);
    expect((await session.exec('sh -c "kill -TERM \\$\\$"')).code).toBe(143);
  });

  it('returns output without a trailing newline exactly, on both streams', async () => {
    expect(await session.exec("printf 'no newline'; printf 'err no newline' >&2")).toMatchObject({
      code: 0,
      stdout: 'no newline',
      stderr: 'err no newline',
    });
    expect(await session.exec("printf '\\n\\n'")).toMatchObject({ stdout: '\n\n', stderr: '' });
    expect(await session.exec(':')).toMatchObject({ stdout: '', stderr: '' });
  });

  it('passes binary-ish bytes through (invalid UTF-8 decodes to U+FFFD)', async () => {
    const result = await session.exec("printf 'a\\000b\\377c\\001'");
    expect(result.stdout).toBe('a\u0000b\ufffdc\u0001');
  });

  it('is not fooled by output that looks like an end marker', async () => {
    const fake = 'kbench-end-00000000000000000000000000000000';
    const result = await session.exec(`printf '\\n${fake} 0\\n'; printf '\\n${fake}\\n' >&2; echo after; exit 5`);
    expect(result).toMatchObject({ code: 5, stdout: `\n${fake} 0\nafter\n`, stderr: `\n${fake}\n` });
  });

  it('runs commands with quotes, newlines and shell syntax errors without breaking the shell', async () => {
    expect((await session.exec(`echo "it's" 'a "test"'\necho second`)).stdout).toBe(`it's a "test"\nsecond\n`);
    const broken = await session.exec("echo 'unterminated");
    expect(broken.code).not.toBe(0);
    expect((await session.exec('exit 9')).code).toBe(9);
    expect((await session.exec('echo fine')).stdout).toBe('fine\n');
  });

  it('carries ~5 MB of stdout and 1 MB of stderr intact', async () => {
    const result = await session.exec('yes 0123456789abcdef | head -c 5242880; yes e | head -c 1048576 >&2', { timeoutMs: 60_000 });
    expect(result.code).toBe(0);
    expect(result.stdout.length).toBe(5_242_880);
    expect(result.stdout).toBe('0123456789abcdef\n'.repeat(308_405).slice(0, 5_242_880));
    expect(result.stderr).toBe('e\n'.repeat(524_288));
  }, 60_000);

  it('runs many commands on one shell channel: one server session, one shell pid', async () => {
    await session.exec(':');
    const sessionsBefore = startedSessions();
    const shellsBefore = session.channelCounts.keptShells;
    const pids = new Set<string>();
    for (let i = 0; i < 200; i += 1) {
      const result = await session.exec(`echo $$ ${i}`);
      const [pid, echoed] = result.stdout.trim().split(' ');
      expect(echoed).toBe(String(i));
      pids.add(pid!);
    }
    expect(pids.size).toBe(1);
    expect(startedSessions()).toBe(sessionsBefore);
    expect(session.channelCounts.keptShells).toBe(shellsBefore);
  });

  it('queues concurrent calls and gives each its own output', async () => {
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => session.exec(`echo ${i}; echo e${i} >&2`)));
    results.forEach((result, i) => expect(result).toMatchObject({ code: 0, stdout: `${i}\n`, stderr: `e${i}\n` }));
  });

  it('kills a timed-out command (and its children) and replaces the shell transparently', async () => {
    const shellsBefore = session.channelCounts.keptShells;
    const result = await session.exec('echo before; echo warn >&2; sleep 1234; echo never', { timeoutMs: 700 });
    expect(result).toMatchObject({ code: 124, stdout: 'before\n', stderr: 'warn\n' });
    expect(result.durationMs).toBeGreaterThanOrEqual(700);
    expect(result.durationMs).toBeLessThan(10_000);
    await expect.poll(() => processesRunning('sleep 1234'), { timeout: 5_000 }).toEqual([]);
    expect(await session.exec('echo alive')).toMatchObject({ code: 0, stdout: 'alive\n' });
    expect(session.channelCounts.keptShells).toBe(shellsBefore + 1);
  }, 20_000);

  it('survives the kept shell being killed by a command: that call fails, the next one works', async () => {
    const killed = session.exec('kill -9 $$');
    await expect(killed).rejects.toThrow(SshConnectionError);
    await expect(killed).rejects.toThrow(/kept shell ended during the command: the shell was killed by SIGKILL \(kill -9 \$\$\)$/);
    expect((await session.exec('echo back')).stdout).toBe('back\n');
  });
});

describeNeeding(['root', 'sshd'], 'SshSession.execLong', () => {
  it('runs on its own channel with separate streams and exit code', async () => {
    const execsBefore = session.channelCounts.execChannels;
    const result = await session.execLong("echo long; printf 'err' >&2; exit 4");
    expect(result).toMatchObject({ code: 4, stdout: 'long\n', stderr: 'err' });
    expect(session.channelCounts.execChannels).toBe(execsBefore + 1);
  });

  it('kills the command on timeout', async () => {
    const result = await session.execLong('echo started; sleep 2345', { timeoutMs: 700 });
    expect(result).toMatchObject({ code: 124, stdout: 'started\n', stderr: '' });
    await expect.poll(() => processesRunning('sleep 2345'), { timeout: 5_000 }).toEqual([]);
  }, 20_000);

  it('reports death by signal as 128 + signal number', async () => {
    expect((await session.execLong('kill -KILL $$')).code).toBe(137);
  });
});

describeNeeding(['root', 'sshd'], 'SshSession.upload', () => {
  it('copies a file over SFTP byte for byte, keeping its mode', async () => {
    const local = join(scratch, 'payload.bin');
    const content = randomBytes(1_500_000);
    writeFileSync(local, content);
    chmodSync(local, 0o750);
    const remote = join(scratch, 'uploaded.bin');
    await session.upload(local, remote);
    const result = await session.exec(`sha256sum ${remote} | cut -d' ' -f1; stat -c %a ${remote}`);
    expect(result.stdout).toBe(`${createHash('sha256').update(content).digest('hex')}\n750\n`);
    expect(session.channelCounts.sftpChannels).toBe(1);
  });

  it('names the remote path when the upload fails', async () => {
    const local = join(scratch, 'small.txt');
    writeFileSync(local, 'x');
    await expect(session.upload(local, '/nonexistent-dir/x.txt')).rejects.toThrow(/-> root@127\.0\.0\.1:\d+:\/nonexistent-dir\/x\.txt failed/);
  });
});

describeNeeding(['root', 'sshd'], 'SshSession.measureRoundTripMs', () => {
  it('gives the median of a no-op round trip', async () => {
    const roundTrip = await session.measureRoundTripMs(9);
    expect(roundTrip).toBeGreaterThan(0);
    expect(roundTrip).toBeLessThan(100);
  });
});

describeNeeding(['root', 'sshd'], 'a closed session', () => {
  it('refuses further commands with a one-line error', async () => {
    const own = await SshSession.connect({ ...session.endpoint });
    expect((await own.exec('echo x')).stdout).toBe('x\n');
    await own.close();
    await expect(own.exec('echo x')).rejects.toThrow(/^ssh root@127\.0\.0\.1:\d+: no connection \(session closed\)$/);
    await own.close();
  });
});

describeNeeding(['root', 'sshd'], 'a login shell whose rc files print to stdout and stderr', () => {
  it('keeps that noise out of kept-shell results and can still kill timed-out commands', async () => {
    const chatty = await startSshd({ bashEnvScript: "echo 'Welcome 4242'; echo 'rc warning' >&2\n" });
    const own = await SshSession.connect({ ...session.endpoint, port: chatty.port, privateKeyPath: chatty.privateKeyPath });
    try {
      expect(await own.exec('echo hi')).toMatchObject({ code: 0, stdout: 'hi\n', stderr: '' });
      expect((await own.exec('sleep 3456', { timeoutMs: 500 })).code).toBe(124);
      await expect.poll(() => processesRunning('sleep 3456'), { timeout: 5_000 }).toEqual([]);
      const long = await own.execLong('sleep 4567', { timeoutMs: 500 });
      // execLong frames too: the rc noise before its markers is dropped with the pid line.
      expect(long.code).toBe(124);
      expect(long.stderr).not.toContain('rc warning');
      expect(long.stderr).not.toContain('kbench-end-');
      expect(await own.execLong('echo out; echo err >&2')).toMatchObject({ code: 0, stdout: 'out\n', stderr: 'err\n' });
      await expect.poll(() => processesRunning('sleep 4567'), { timeout: 5_000 }).toEqual([]);
    } finally {
      await own.close();
      await chatty.stop();
    }
  }, 30_000);
});

describeNeeding(['root', 'sshd'], 'keepalive', () => {
  it('declares the connection lost when the server stops answering, failing the running command', async () => {
    const own = await SshSession.connect(session.endpoint, { keepaliveIntervalMs: 200, keepaliveCountMax: 2 });
    // The kept shell's parent is the sshd process that serves this connection.
    const serverProcess = Number((await own.exec('echo $PPID')).stdout.trim());
    expect(serverProcess).toBeGreaterThan(1);
    process.kill(serverProcess, 'SIGSTOP');
    try {
      const startedAt = Date.now();
      await expect(own.exec('echo never')).rejects.toThrow(/no connection \(Keepalive timeout\)$/);
      expect(Date.now() - startedAt).toBeLessThan(5_000);
    } finally {
      // SIGKILL ends a stopped process too; a SIGCONT after it raced the reaping (ESRCH).
      process.kill(serverProcess, 'SIGKILL');
    }
  }, 15_000);
});
