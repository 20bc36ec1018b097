/**
 * Real VMs: builds the Debian ZFS testbed if it is not cached (10+ minutes on 2 cores), then boots
 * it under qemu. Every test checks that no qemu process it started is left behind.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from 'ssh2';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureDebianTestbed, type DebianTestbed } from '../../custom-os/debian-testbed/testbed.ts';
import { chooseAcceleration, probeAccelerator, resetAccelerationCache } from '../../harness/backends/qemu/accel.ts';
import { createQemuBackend, type QemuBackend } from '../../harness/backends/qemu/backend.ts';
import { liveChildPids } from '../../harness/backends/qemu/children.ts';
import { createSshBackend } from '../../harness/backends/ssh/backend.ts';
import type { PreparedTarget, TargetSpec } from '../../harness/backends/types.ts';
import { connectWithRetry } from '../../harness/ssh/connect.ts';
import { formatBuildProgress } from '../../harness/progress/index.ts';
import { describeNeeding } from '../helpers/needs.ts';

const MINUTE = 60_000;

/**
 * Live tracked children booted for this file's run folder. A KVM probe qemu (no run folder in its
 * command line) stuck in the kernel can take longer than killAndWait's 10 s to go on a loaded
 * host; it is the probe test's business, not a VM these tests booted.
 */
let ourRunDir = '';
function ourQemuPids(): number[] {
  return liveChildPids().filter((pid) => {
    try {
      return ourRunDir !== '' && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(ourRunDir);
    } catch {
      return false;
    }
  });
}
const HERE = path.dirname(fileURLToPath(import.meta.url));
const spec: TargetSpec = {
  name: 'debian-testbed',
  os: 'debian',
  vcpus: 2,
  memoryMiB: 2048,
  scratchDiskMiB: 512,
  image: 'debian-testbed',
  suiteContext: { zfsTunablesFile: null },
};

/** Pids of all qemu-system processes on the host right now. */
function qemuPidsOnHost(): number[] {
  try {
    return execFileSync('pgrep', ['-f', 'qemu-system'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** Alive and not a zombie (a killed child whose exit nobody has collected yet is gone for our purposes). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Runs commands over a plain ssh2 connection (independent of harness/ssh). */
function plainSshExec(port: number, keyPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client
      .on('ready', () => {
        client.exec(command, (error, stream) => {
          if (error) return reject(error);
          let out = '';
          stream.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
          stream.stderr.on('data', () => {});
          stream.on('close', () => {
            client.end();
            resolve(out);
          });
        });
      })
      .on('error', reject)
      .connect({ host: '127.0.0.1', port, username: 'root', privateKey: readFileSync(keyPath), readyTimeout: 30_000 });
  });
}

let testbed: DebianTestbed;
let ensureSeconds = 0;
const timings: Record<string, number | string> = {};

beforeAll(async () => {
  const started = Date.now();
  testbed = await ensureDebianTestbed({ onProgress: (p) => process.stderr.write(`[testbed] ${formatBuildProgress(p)}\n`) });
  ensureSeconds = (Date.now() - started) / 1000;
  timings.ensureSeconds = ensureSeconds;
}, 40 * MINUTE);

afterAll(() => {
  process.stderr.write(`[qemu-vm timings] ${JSON.stringify(timings)}\n`);
});

describeNeeding(['root', 'linux', 'qemu', 'debootstrap'], 'Debian testbed cache', () => {
  it('has two kernels with DKMS-built ZFS, a read-only sparse image and a key pair', async () => {
    const { manifest } = testbed;
    expect(manifest.kernels.custom.release).toMatch(/-cloud-amd64$/);
    expect(manifest.kernels.stock.release).toMatch(/^\d+\.\d+\.\d+-\d+-amd64$/);
    expect(manifest.packageVersions['zfs-dkms']).toMatch(/bpo12/);
    expect(manifest.image.apparentBytes).toBe(4 * 1024 ** 3);
    expect(manifest.image.allocatedBytes).toBeLessThan(manifest.image.apparentBytes);
    expect(statSync(testbed.imagePath).mode & 0o222).toBe(0);
    expect(readFileSync(testbed.sshKeyPath, 'utf8')).toContain('OPENSSH PRIVATE KEY');
    // A second ensure finds the cache and does not rebuild.
    const started = Date.now();
    const again = await ensureDebianTestbed();
    timings.cachedEnsureSeconds = (Date.now() - started) / 1000;
    expect(again.manifest.key).toBe(manifest.key);
    expect(again.manifest.builtAt).toBe(manifest.builtAt);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describeNeeding(['root', 'linux', 'qemu', 'debootstrap'], 'acceleration probe', () => {
  it(
    'settles within bounded time; here (KVM present but unusable) on tcg',
    async () => {
      resetAccelerationCache();
      const started = Date.now();
      const choice = await chooseAcceleration({ arch: 'x86_64', kernelPath: testbed.kernels.custom.kernel, timeoutMs: 20_000 });
      const seconds = (Date.now() - started) / 1000;
      timings.accelProbeSeconds = seconds;
      timings.accelReason = choice.reason;
      expect(seconds).toBeLessThan(30);
      // The choice must agree with a direct KVM probe: tcg exactly when KVM cannot boot the kernel.
      const kvmWorks = (await probeAccelerator('kvm', { arch: 'x86_64', kernelPath: testbed.kernels.custom.kernel, timeoutMs: 20_000 })).ok;
      expect(choice.accel).toBe(kvmWorks ? 'kvm' : 'tcg');
      // TCG itself must boot the kernel, or every later boot would be doomed.
      expect((await probeAccelerator('tcg', { arch: 'x86_64', kernelPath: testbed.kernels.custom.kernel, timeoutMs: 60_000 })).ok).toBe(true);
      expect(liveChildPids()).toEqual([]);
      // Remembered for the rest of the run: the second call does not probe again.
      const again = Date.now();
      expect((await chooseAcceleration({ arch: 'x86_64', kernelPath: testbed.kernels.custom.kernel, timeoutMs: 20_000 })).accel).toBe(choice.accel);
      expect(Date.now() - again).toBeLessThan(50);
    },
    2 * MINUTE,
  );
});

describeNeeding(['root', 'linux', 'qemu', 'debootstrap'], 'qemu backend boots', () => {
  let backend: QemuBackend;
  let prepared: PreparedTarget;
  let runDir: string;

  beforeAll(async () => {
    runDir = mkdtempSync(path.join(tmpdir(), 'kbench-qemu-run-'));
    ourRunDir = runDir;
    backend = createQemuBackend({ onProgress: (m) => process.stderr.write(`[qemu] ${m}\n`) });
    prepared = await backend.prepare(spec, ['stock', 'custom'], runDir);
  }, 40 * MINUTE);

  afterAll(async () => {
    await backend.destroy(prepared);
    await fs.rm(runDir, { recursive: true, force: true });
  });

  it('reports its qemu version', async () => {
    expect((await backend.versions()).qemuVersion).toMatch(/^\d+\.\d+/);
  });

  it(
    'custom kernel: SSH answers, uname -r is the manifest release, tuning applied, no qemu left after shutdown',
    async () => {
      const baseMtime = statSync(testbed.imagePath).mtimeMs;
      const guest = await backend.boot(prepared, 'custom');
      const pid = backend.pidOf(guest);
      expect(pid).not.toBeNull();
      expect(guest.acceleration).toBe('qemu-tcg');
      expect(guest.hostBootSeconds).toBeGreaterThan(0);
      timings.customBootToSshSeconds = guest.hostBootSeconds!;
      expect(guest.endpoint).toMatchObject({ host: '127.0.0.1', user: 'root', privateKeyPath: testbed.sshKeyPath });
      expect(guest.endpoint.hostKeyPolicy).toEqual({ kind: 'pin-on-first-contact', pinFile: path.join(runDir, 'ssh-host-keys.pin') });

      const out = await plainSshExec(
        guest.endpoint.port,
        testbed.sshKeyPath,
        "uname -r; cat /sys/module/zfs/parameters/zfs_arc_max; awk '/^MemTotal:/ {print $2}' /proc/meminfo; cat /sys/block/vdb/size; hostname",
      );
      const [release, arcMax, memKiB, vdbSectors, hostname] = out.trim().split('\n');
      expect(release).toBe(testbed.manifest.kernels.custom.release);
      // The custom profile's tuning: ARC max = 75% of this guest's RAM.
      expect(Number(arcMax)).toBe(Math.floor((Number(memKiB) * 1024) / 10000) * 7500);
      expect(Number(vdbSectors) * 512).toBe(spec.scratchDiskMiB * 1024 * 1024);
      expect(hostname).toBe('kbench-debian');
      // The serial log is checked after shutdown (its power-down line): with `quiet` a guest may
      // print nothing there before sshd answers.

      const shutdownStarted = Date.now();
      await backend.shutdown(guest);
      timings.customShutdownSeconds = (Date.now() - shutdownStarted) / 1000;
      // Graceful: the guest powered itself off after QMP system_powerdown, within the grace (no SIGKILL).
      // No wall-time bound: a one-vCPU icount guest on a loaded host shuts down as slowly as the host lets it.
      expect(readFileSync(guest.serialLogPath!, 'utf8')).toMatch(/reboot: Power down/);
      expect(qemuPidsOnHost().filter(isRunning)).not.toContain(pid);
      expect(backend.pidOf(guest)).toBeNull();
      await backend.shutdown(guest); // twice is fine
      expect(ourQemuPids()).toEqual([]);
      expect(statSync(testbed.imagePath).mtimeMs).toBe(baseMtime); // the overlay took every write
    },
    6 * MINUTE,
  );

  it(
    'stock kernel: boots with OpenZFS defaults; the ssh backend reaches the same guest through known_hosts',
    async () => {
      const guest = await backend.boot(prepared, 'stock');
      const pid = backend.pidOf(guest)!;
      timings.stockBootToSshSeconds = guest.hostBootSeconds!;
      expect(guest.serialLogPath).toBe(path.join(runDir, 'serial-stock-1.log'));
      const out = await plainSshExec(guest.endpoint.port, testbed.sshKeyPath, 'uname -r; cat /sys/module/zfs/parameters/zfs_arc_max; zfs version | tail -1');
      const [release, arcMax, zfsKmod] = out.trim().split('\n');
      expect(release).toBe(testbed.manifest.kernels.stock.release);
      expect(arcMax).toBe('0'); // 0 = OpenZFS picks its default: the tuning is for the custom kernel only
      expect(zfsKmod).toMatch(/^zfs-kmod-2\./);
      timings.zfsKmod = zfsKmod!;

      // The ssh backend: an existing machine whose host key is already in known_hosts.
      const knownHosts = path.join(runDir, 'known_hosts');
      writeFileSync(knownHosts, execFileSync('ssh-keyscan', ['-p', String(guest.endpoint.port), '-t', 'ed25519', '127.0.0.1'], { encoding: 'utf8' }));
      const sshBackend = createSshBackend({ target: `root@127.0.0.1:${guest.endpoint.port}`, identityFile: testbed.sshKeyPath, knownHostsFile: knownHosts });
      const sshPrepared = await sshBackend.prepare(spec, ['stock'], path.join(runDir, 'ssh-run'));
      const existing = await sshBackend.boot(sshPrepared, 'stock');
      const { session } = await connectWithRetry(existing.endpoint, { deadlineMs: 30_000 });
      expect((await session.exec('uname -r')).stdout.trim()).toBe(testbed.manifest.kernels.stock.release);
      await session.close();
      await sshBackend.shutdown(existing);
      expect(isRunning(pid)).toBe(true); // the ssh backend left the machine alone

      await backend.shutdown(guest);
      expect(qemuPidsOnHost().filter(isRunning)).not.toContain(pid);
    },
    6 * MINUTE,
  );

  it(
    'qemu killed after boot: shutdown() still returns cleanly, twice',
    async () => {
      const guest = await backend.boot(prepared, 'custom');
      const pid = backend.pidOf(guest)!;
      process.kill(pid, 'SIGKILL');
      await backend.shutdown(guest);
      await backend.shutdown(guest);
      expect(isRunning(pid)).toBe(false);
      expect(ourQemuPids()).toEqual([]);
    },
    6 * MINUTE,
  );

  it(
    'qemu killed mid-boot: boot() fails with one clear line and leaves no process',
    async () => {
      const booting = backend.boot(prepared, 'custom');
      booting.catch(() => {});
      let qemuPid: number | undefined;
      for (let i = 0; i < 600 && qemuPid === undefined; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        qemuPid = ourQemuPids().find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('qemu-system'));
      }
      expect(qemuPid).toBeDefined();
      await new Promise((resolve) => setTimeout(resolve, 3000)); // mid-boot, before sshd is up
      process.kill(qemuPid!, 'SIGKILL');
      await expect(booting).rejects.toThrow(/boot of the custom kernel failed: qemu exited during boot/);
      expect(isRunning(qemuPid!)).toBe(false);
      expect(ourQemuPids()).toEqual([]);
      await backend.destroy(prepared);
      await expect(fs.stat(path.join(runDir, 'qemu'))).rejects.toThrow(/ENOENT/);
    },
    3 * MINUTE,
  );

  it(
    'Ctrl-C (SIGINT) to kbench mid-boot kills its qemu',
    async () => {
      const childRunDir = path.join(runDir, 'sigint');
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'fixtures', 'boot-until-signal.ts'), childRunDir], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const qemuPid = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const match = /QEMU_PID (\d+)/.exec(stdout);
          if (match) resolve(Number(match[1]));
        });
        child.once('exit', (code) => reject(new Error(`fixture exited ${code} before qemu started: ${stderr}`)));
      });
      expect(isRunning(qemuPid)).toBe(true);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      for (let i = 0; i < 50 && isRunning(qemuPid); i += 1) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(isRunning(qemuPid)).toBe(false);
      expect(stdout).not.toContain('BOOTED');
    },
    3 * MINUTE,
  );
});
