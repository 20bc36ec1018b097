import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BUDGET_MINUTES } from '../../harness/run/planner.ts';

const KBENCH = path.resolve(import.meta.dirname, '../../bin/kbench.mjs');
// Recorded: a real quick run of the Debian testbed under QEMU TCG on this project's host.
const RECORDED_RUN = path.resolve(import.meta.dirname, '../fixtures/results/testbed-run.json');

async function kbench(cwd: string, ...args: string[]) {
  const result = await execa('node', [KBENCH, ...args], { cwd, reject: false });
  return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

describe('kbench run --plan', () => {
  it('sizes the plan from the baseline measured on this host, boots nothing and writes nothing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kbench-plan-'));
    copyFileSync(RECORDED_RUN, path.join(dir, 'run.json'));
    expect((await kbench(dir, 'baseline', 'update', 'run.json')).code).toBe(0);
    const result = await kbench(dir, 'run', '--plan', '--json');
    expect(result.code).toBe(0);
    const { plan, noiseSource } = JSON.parse(result.stdout);
    expect(noiseSource).toMatch(/^baseline\.json \(debian-testbed-/);
    expect(plan.expectedSeconds).toBeGreaterThan(60);
    expect(plan.expectedSeconds).toBeLessThanOrEqual(DEFAULT_BUDGET_MINUTES * 60); // the default --budget
    expect(plan.fullRounds).toBeGreaterThanOrEqual(3);
    const memory = plan.metrics.find((m: { metricId: string }) => m.metricId === 'memory.used_after_boot.bytes');
    expect(memory.bootsPerSide).toBe(plan.fullRounds + plan.bootOnlyRounds);
    expect(memory.detectableChange).toBeGreaterThan(0);
    expect(readdirSync(dir).sort()).toEqual(['baseline.json', 'run.json']);

    const text = await kbench(dir, 'run', '--plan', '--runs', '4', '--boot-rounds', '2');
    expect(text.stdout).toMatch(/4 full rounds \+ 2 boot-only rounds = 6 boots per kernel, 12 in all/);
    expect(text.stdout).toMatch(/expected wall time: [\d.]+ (min|s) of run work/);
  });

  it('without a baseline for the guest it plans from priors and says the wall time is unknown', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kbench-plan-'));
    const result = await kbench(dir, 'run', '--plan', '--target', 'freebsd');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/noise from priors \(baseline.json holds no run of freebsd\)/);
    expect(result.stdout).toMatch(/expected wall time: unknown until one run has finished on this host/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('NetBSD and OpenBSD: the plan names the image (URL and checksum file), the key path and the boot, not a refusal', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kbench-plan-'));
    const netbsd = await kbench(dir, 'run', '--target', 'netbsd', '--plan');
    expect(netbsd.stderr).toBe('');
    expect(netbsd.code).toBe(0);
    const nb = netbsd.stdout.slice(netbsd.stdout.indexOf('how it runs:'));
    expect(nb).toMatch(/^how it runs: netbsd on ssh \(stock, custom\)/);
    expect(nb).toMatch(/^also: --backend qemu --kernels stock$/m);
    expect(nb).toMatch(
      /^ {2}image\/machine: NetBSD 10\.1 evbarm-aarch64 https:\/\/cdn\.netbsd\.org\/pub\/NetBSD\/NetBSD-10\.1\/evbarm-aarch64\/binary\/gzimg\/arm64\.img\.gz \(SHA-512 from https:\/\/cdn\.netbsd\.org\/.*\/SHA512\); root's key as "sshkey root" in creds\.txt/m,
    );
    expect(nb).toMatch(
      /^ {2}stock boot: qemu-system-aarch64 .*efiboot.*; ssh root with \$\{KBENCH_CACHE:-~\/\.cache\/kbench\}\/images\/netbsd\/10\.1\/ssh\/id_ed25519$/m,
    );
    // The arm64 image is emulated on an x86_64 host, never started with the host's binary.
    expect(nb).toMatch(/^ {4}qemu-system-aarch64 -accel </m);
    expect(nb).toMatch(/^ {2}custom there: qemu cannot hand NetBSD a custom kernel from the host yet/m);

    const openbsd = await kbench(dir, 'run', '--target', 'openbsd', '--backend', 'qemu', '--kernels', 'stock', '--plan');
    expect(openbsd.code).toBe(0);
    const ob = openbsd.stdout.slice(openbsd.stdout.indexOf('how it runs:'));
    expect(ob).toMatch(/^how it runs: openbsd on qemu \(stock\)/);
    expect(ob).toMatch(
      /^ {2}image\/machine: OpenBSD 7\.8 https:\/\/cdn\.openbsd\.org\/pub\/OpenBSD\/7\.8\/\{arm64,amd64\}\/miniroot78\.img, the host's arch \(SHA-256 from SHA256 beside it\), installed once by autoinstall\(8\).*bootfile=auto_install$/m,
    );
    expect(ob).toMatch(/^ {2}stock boot: the installed disk's own boot loader .*; ssh root with .*\/images\/openbsd\/7\.8\/<arch>\/ssh\/id_ed25519$/m);
    expect(ob).toMatch(/^ {2}boot clock: qemu process start -> first successful SSH command$/m);
    const json = JSON.parse((await kbench(dir, 'run', '--target', 'openbsd', '--plan', '--json')).stdout);
    expect(json.routes.chosen.backend).toBe('ssh');
    expect(json.routes.alternatives.map((a: { flags: string }) => a.flags)).toEqual(['--backend qemu --kernels stock']);
    expect(json.routes.alternatives[0].description.plan.variants.stock).toMatch(/ssh\/id_ed25519$/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('the run is the plan it printed: full rounds, boot-only rounds and iterations all taken from it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kbench-plan-'));
    copyFileSync(RECORDED_RUN, path.join(dir, 'run.json'));
    expect((await kbench(dir, 'baseline', 'update', 'run.json')).code).toBe(0);
    // A large budget, so the planner adds full rounds beyond the suite's 3.
    const { plan } = JSON.parse((await kbench(dir, 'run', '--plan', '--json', '--budget', '40')).stdout);
    expect(plan.fullRounds).toBeGreaterThan(3);
    // The run itself, against a port that refuses: it stops at the first boot (exit 3) and keeps
    // results.json, whose settings are what it would have run.
    const server = createServer();
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
    await new Promise((resolve) => server.close(resolve));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'key')]);
    writeFileSync(path.join(dir, 'known_hosts'), '');
    const run = await execa('node', [KBENCH, 'run', '--backend', 'ssh', '--budget', '40', '--out', 'out/results.json', '--no-report'], {
      cwd: dir,
      reject: false,
      env: { KBENCH_SSH_TARGET: `kb@127.0.0.1:${port}`, KBENCH_SSH_KEY: path.join(dir, 'key'), KBENCH_SSH_KNOWN_HOSTS: path.join(dir, 'known_hosts') },
    });
    expect(run.exitCode).toBe(3);
    const { settings } = JSON.parse(readFileSync(path.join(dir, 'out/results.json'), 'utf8'));
    expect(settings.runs).toEqual({ kind: 'fixed', count: plan.fullRounds });
    expect(settings.bootOnlyRounds).toBe(plan.bootOnlyRounds);
    expect(settings.iterations).toEqual(plan.iterations);
  }, 120_000);
});
