/**
 * A login that is not root, like Lima's (pkg/sshutil sets User to the host's user; its boot
 * scripts give that user passwordless sudo): a real sshd on loopback, real local users made here,
 * real sudo. Every guest command must run as root through it, the chatty login profile must never
 * reach a result, and a sudo that wants a password is one line.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLinuxAdapter } from '../../harness/guest/linux/index.ts';
import { SshAuthError } from '../../harness/ssh/errors.ts';
import { parsePrivilegeProbe, SshSession } from '../../harness/ssh/session.ts';
import type { SshEndpoint } from '../../harness/ssh/types.ts';
import { describeNeeding } from '../helpers/needs.ts';
import { createLoginUser, startSshd, type RunningSshd, type SudoRule } from '../helpers/sshd.ts';

const execFileAsync = promisify(execFile);
const NEEDS = ['root', 'sshd', 'sudo', 'linux'] as const;
const USERS: Record<SudoRule, string> = { nopasswd: 'kbench-lima', password: 'kbench-askpass', none: 'kbench-nosudo' };

let scratch: string;
const servers: Partial<Record<SudoRule, RunningSshd>> = {};
const removers: (() => Promise<void>)[] = [];

function endpointFor(rule: SudoRule): SshEndpoint {
  const server = servers[rule]!;
  return {
    host: '127.0.0.1',
    port: server.port,
    user: server.user,
    privateKeyPath: server.privateKeyPath,
    hostKeyPolicy: { kind: 'pin-on-first-contact', pinFile: join(scratch, `pins-${rule}.json`) },
  };
}

const processesRunning = (args: string): string[] =>
  execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.trim().replace(/^\d+\s+/, '') === args);

describeNeeding([...NEEDS], 'a non-root login with passwordless sudo (like Lima)', () => {
  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'kbench-unprivileged-'));
    for (const rule of Object.keys(USERS) as SudoRule[]) {
      removers.push(await createLoginUser(USERS[rule], rule));
      servers[rule] = await startSshd({ user: USERS[rule] });
    }
  }, 60_000);

  afterAll(async () => {
    for (const server of Object.values(servers)) await server.stop();
    for (const remove of removers) await remove();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('the login really is unprivileged and chatty (the control: without sudo the commands below fail)', async () => {
    const user = USERS.nopasswd;
    const asUser = (command: string) =>
      execFileAsync('runuser', ['-l', user, '-c', command]).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
    const plain = await asUser('id -u');
    expect(plain.stdout).toMatch(/fortune: A bug in the hand/);
    expect(plain.stdout).not.toMatch(/^0$/m);
    const dir = join(scratch, 'control-mnt');
    const { mount } = createLinuxAdapter('debian').ramScratchCommands(dir)!;
    expect((await asUser(mount)).code).not.toBe(0);
    expect((await asUser('losetup -f --show /dev/null')).code).not.toBe(0);
  });

  it('runs every kept-shell and long command as root, with only the command output', async () => {
    const session = await SshSession.connect(endpointFor('nopasswd'));
    try {
      expect(await session.exec('id -u')).toMatchObject({ code: 0, stdout: '0\n', stderr: '' });
      expect(await session.execLong('id -u; echo err >&2')).toMatchObject({ code: 0, stdout: '0\n', stderr: 'err\n' });
      expect(await session.privilegeOnce()).toBe('sudo');
      // sudo's secure_path: /usr/sbin tools are found although the user's PATH may lack it.
      expect((await session.exec('command -v losetup')).stdout).toMatch(/sbin\/losetup\n$/);
    } finally {
      await session.close();
    }
  }, 30_000);

  it("runs the Linux adapter's privileged commands (tmpfs mount, loop device) through sudo", async () => {
    const session = await SshSession.connect(endpointFor('nopasswd'));
    const adapter = createLinuxAdapter('debian');
    const dir = join(scratch, 'ram');
    const { mount, unmount } = adapter.ramScratchCommands(dir)!;
    try {
      expect(await session.exec(mount)).toMatchObject({ code: 0, stderr: '' });
      expect((await session.exec(`mountpoint ${dir}`)).code).toBe(0);
      const vdev = await adapter.createFileVdev(session, join(dir, 'vdev0'), 64);
      expect(vdev).toMatch(/^\/dev\/loop\d+$/);
      await adapter.removeFileVdev(session, vdev, join(dir, 'vdev0'));
      expect((await session.exec(unmount)).code).toBe(0);
      // Facts parse whole outputs: the profile's fortune would break them.
      const facts = await adapter.facts(session).catch((error: Error) => error);
      if (facts instanceof Error) expect(facts.message).not.toMatch(/fortune|motd/);
      else expect(facts.vcpus).toBeGreaterThan(0);
    } finally {
      await session.exec(unmount).catch(() => undefined);
      await session.close();
    }
  }, 60_000);

  it('kills a timed-out command and its children under sudo (kept shell and execLong)', async () => {
    const session = await SshSession.connect(endpointFor('nopasswd'));
    try {
      expect((await session.exec('sleep 3458', { timeoutMs: 500 })).code).toBe(124);
      await expect.poll(() => processesRunning('sleep 3458'), { timeout: 5_000 }).toEqual([]);
      expect((await session.execLong('sleep 4568', { timeoutMs: 500 })).code).toBe(124);
      await expect.poll(() => processesRunning('sleep 4568'), { timeout: 5_000 }).toEqual([]);
      expect((await session.exec('id -u')).stdout).toBe('0\n');
    } finally {
      await session.close();
    }
  }, 30_000);

  it('says in one line when sudo wants a password or the user has none', async () => {
    for (const rule of ['password', 'none'] as const) {
      const session = await SshSession.connect(endpointFor(rule));
      try {
        const error = await session.exec('id -u').catch((caught: Error) => caught);
        expect(error).toBeInstanceOf(SshAuthError);
        const message = (error as Error).message;
        expect(message).not.toContain('\n');
        expect(message).toMatch(
          new RegExp(
            `^ssh ${USERS[rule]}@127\\.0\\.0\\.1:\\d+: ${USERS[rule]} is not root \\(uid \\d+\\) and sudo -n refuses \\(sudo: .+\\): .*passwordless sudo`,
          ),
        );
        expect(message).not.toMatch(/fortune|motd/);
      } finally {
        await session.close();
      }
    }
  }, 30_000);
});

it('parsePrivilegeProbe: root, sudo, refusals and junk', () => {
  expect(parsePrivilegeProbe('uid 0\n', 'root')).toEqual({ ok: true, privilege: 'root' });
  expect(parsePrivilegeProbe('uid 501\nsudo ok\n', 'lima')).toEqual({ ok: true, privilege: 'sudo' });
  expect(parsePrivilegeProbe('uid 501\nsudo missing\n', 'lima')).toMatchObject({
    ok: false,
    error: expect.stringMatching(/^lima is not root \(uid 501\) and there is no sudo: /),
  });
  expect(parsePrivilegeProbe('uid 501\nsudo refused sudo: a password is required\n', 'lima')).toMatchObject({
    ok: false,
    error: expect.stringMatching(/sudo -n refuses \(sudo: a password is required\)/),
  });
  expect(parsePrivilegeProbe('fortune\n', 'lima')).toMatchObject({ ok: false, error: expect.stringMatching(/cannot tell the uid of lima/) });
});
