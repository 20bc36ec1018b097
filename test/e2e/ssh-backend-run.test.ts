/**
 * `kbench run --backend ssh` against a real OpenSSH server on loopback (this very host, which has
 * no ZFS): no boot metric, ZFS workloads reported as unsupported with the reason, never zeros.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execa } from 'execa';
import { parseResults } from '../../harness/results/store.ts';
import { KBENCH_BIN } from '../helpers/kbench-process.ts';
import { startSshd } from '../helpers/sshd.ts';
import { describeNeeding } from '../helpers/needs.ts';

describeNeeding(['root', 'linux', 'sshd'], 'kbench run --backend ssh on a machine without ZFS', () => {
  let sshd: Awaited<ReturnType<typeof startSshd>>;
  let dir: string;
  let knownHosts: string;

  beforeAll(async () => {
    sshd = await startSshd();
    dir = mkdtempSync(path.join(tmpdir(), 'kbench-sshrun-'));
    knownHosts = path.join(dir, 'known_hosts');
    writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${readFileSync(sshd.hostPublicKeyPath, 'utf8')}`);
  });
  afterAll(async () => sshd?.stop());

  const env = () => ({
    KBENCH_SSH_TARGET: `${sshd.user}@127.0.0.1:${sshd.port}`,
    KBENCH_SSH_KEY: sshd.privateKeyPath,
    KBENCH_SSH_KNOWN_HOSTS: knownHosts,
  });

  it('measures memory and uptime, marks ZFS metrics unsupported, and records no boot time', async () => {
    const out = path.join(dir, 'run', 'results.json');
    const result = await execa(
      'node',
      [KBENCH_BIN, 'run', '--backend', 'ssh', '--kernels', 'custom', '--runs', '1', '--only', 'boot,memory,pool_create', '--out', out, '--no-report'],
      {
        env: env(),
        reject: false,
      },
    );
    expect(result.exitCode, String(result.stderr).slice(-1500)).toBe(0);
    const results = parseResults(readFileSync(out, 'utf8'), out);
    expect(results.host!.hypervisor).toBe('none');
    const target = results.targets[0]!;
    expect(target.id).toBe('debian/custom');
    const metric = (id: string) => target.metrics.find((m) => m.id === id)!;
    expect(metric('memory.used_after_boot.bytes').samples[0]!.value).toBeGreaterThan(1e6);
    expect(metric('boot.guest_uptime.seconds').samples[0]!.value).toBeGreaterThan(1);
    expect(metric('boot.host_to_ssh.seconds').samples).toEqual([]);
    expect(metric('boot.host_to_ssh.seconds').failures[0]!.reason).toBe('not booted by kbench (ssh backend)');
    // This host runs no systemd as init: the split fails alone, with the guest's reason.
    expect(metric('boot.kernel.seconds').failures[0]!.reason).toMatch(/systemd-analyze/);
    const pool = metric('zfs.pool_create.seconds');
    expect(pool.status.kind).toBe('unsupported');
    expect(pool.samples).toEqual([]);
  }, 120_000);

  it('refuses a host whose key is not in known_hosts, with one line', async () => {
    writeFileSync(knownHosts, '');
    const result = await execa(
      'node',
      [KBENCH_BIN, 'run', '--backend', 'ssh', '--kernels', 'custom', '--runs', '1', '--only', 'memory', '--out', path.join(dir, 'refused', 'r.json')],
      {
        env: env(),
        reject: false,
      },
    );
    expect(result.exitCode).toBe(2);
    expect(String(result.stderr)).toMatch(new RegExp(`host key for \\[127\\.0\\.0\\.1\\]:${sshd.port} not in`));
    expect(existsSync(path.join(dir, 'refused'))).toBe(false);
  }, 120_000);
});
