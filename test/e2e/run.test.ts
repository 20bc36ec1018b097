/**
 * The real thing: build (or reuse) the Debian ZFS testbed, boot both kernels under QEMU, run the
 * suite over SSH. Slow by nature (TCG emulation): minutes, not seconds.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { parseResults } from '../../harness/results/store.ts';
import type { ResultsFile } from '../../harness/results/schema.ts';
import { ensureDebianTestbed } from '../../custom-os/debian-testbed/testbed.ts';
import { metricIds, selectWorkloads } from '../../suites/index.ts';
import { startKbench } from '../helpers/kbench-process.ts';
import { qemuPidsMentioning } from '../helpers/processes.ts';
import { formatBuildProgress } from '../../harness/progress/index.ts';
import { describeNeeding } from '../helpers/needs.ts';

const MINUTE = 60_000;

/** Plausible ranges under TCG on a 2-core x86 host (and far wider than any real run needs). */
const PLAUSIBLE: Record<string, [number, number]> = {
  'zfs.pool_create.seconds': [0.01, 60],
  'zfs.checksum.fletcher4_fastest.bytes_per_s': [1e7, 1e12],
  'zfs.checksum.fletcher4_scalar.bytes_per_s': [1e7, 1e12],
  'zfs.checksum.write_fletcher4.mb_per_s': [0.5, 20_000],
  'zfs.checksum.sha256_1m.mib_per_s': [0.5, 100_000],
  'zfs.checksum.sha512_1m.mib_per_s': [0.5, 100_000],
  'zfs.checksum.blake3_1m.mib_per_s': [0.5, 100_000],
  'zfs.checksum.write_sha256.mb_per_s': [0.5, 20_000],
  'zfs.scrub.seconds': [0.01, 600],
  'zfs.scrub.mb_per_s': [0.5, 50_000],
  'zfs.send_recv.mb_per_s': [0.5, 20_000],
  'zfs.snapshots.create_single.per_s': [0.1, 10_000],
  'zfs.snapshots.destroy_single.per_s': [0.1, 10_000],
  'zfs.snapshots.create_batched.per_s': [0.1, 100_000],
  'zfs.snapshots.destroy_batched.per_s': [0.1, 100_000],
  'boot.host_to_ssh.seconds': [1, 300],
  'boot.guest_uptime.seconds': [1, 300],
  'boot.kernel.seconds': [0.1, 120],
  'boot.userspace.seconds': [0.1, 300],
  'boot.kernel_to_init.seconds': [0.1, 120],
  'memory.used_after_boot.bytes': [20e6, 2e9],
  'kernel.image.bytes': [1e6, 100e6],
};

function load(file: string): ResultsFile {
  return parseResults(readFileSync(file, 'utf8'), file);
}

describeNeeding(['root', 'linux', 'qemu', 'debootstrap'], 'kbench run on the Debian ZFS testbed (QEMU)', () => {
  beforeAll(async () => {
    // Build once (cached by its inputs); later tests only boot it.
    await ensureDebianTestbed({ onProgress: (p) => process.stderr.write(`testbed: ${formatBuildProgress(p)}\n`) });
  }, 60 * MINUTE);

  it(
    'runs the quick suite on both kernels: every metric has finite samples in plausible ranges, no qemu left',
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'kbench-e2e-'));
      const out = path.join(dir, 'results.json');
      const run = startKbench(['run', '--runs', '1', '--out', out, '--json']);
      const result = await run.done;
      expect(result.code, result.stderr.slice(-2000)).toBe(0);
      const results = load(out);
      expect(results.complete).toBe(true);
      expect(results.host?.acceleration).toMatch(/^qemu-(tcg|kvm)$/);
      expect(results.targets.map((t) => t.id).sort()).toEqual(['debian/custom', 'debian/stock']);
      const expected = metricIds(selectWorkloads('zfs', null));
      for (const target of results.targets) {
        expect(target.guest.zfsVersion).toMatch(/^2\.3\.\d/);
        expect(target.guest.kernelRelease).toMatch(target.id.endsWith('custom') ? /-cloud-amd64$/ : /-amd64$/);
        for (const id of expected) {
          const metric = target.metrics.find((m) => m.id === id);
          expect(metric, `${target.id} ${id}`).toBeDefined();
          if (metric!.status.kind === 'unsupported') continue;
          // The *_1m checksums come from scrub times now; a metric with no sample must say why.
          if (id.endsWith('_1m.mib_per_s')) expect(metric!.samples.length, `${target.id} ${id}`).toBeGreaterThan(0);
          if (metric!.samples.length === 0) {
            expect(metric!.failures.length, `${target.id} ${id} has neither samples nor failures`).toBeGreaterThan(0);
            expect(metric!.failures[0]!.reason).toMatch(/not measure|not run in time/);
            continue;
          }
          const range = PLAUSIBLE[id];
          for (const sample of metric!.samples) {
            expect(Number.isFinite(sample.value)).toBe(true);
            if (range !== undefined) {
              expect(sample.value, `${target.id} ${id}`).toBeGreaterThanOrEqual(range[0]);
              expect(sample.value, `${target.id} ${id}`).toBeLessThanOrEqual(range[1]);
            }
          }
        }
      }
      // The warm-up iteration is kept apart, never mixed into samples.
      const poolCreate = results.targets[0]!.metrics.find((m) => m.id === 'zfs.pool_create.seconds')!;
      expect(poolCreate.warmup).toHaveLength(1);
      expect(poolCreate.samples).toHaveLength(3);
      expect(result.stdout).toMatch(/debian: custom vs stock kernel/);
      expect(await qemuPidsMentioning(dir)).toEqual([]);
    },
    60 * MINUTE,
  );

  it(
    'a guest killed mid-sample: the sample is recorded as failed, the VM rebooted, the run completes',
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'kbench-fault-'));
      const out = path.join(dir, 'results.json');
      let killed = false;
      const run = startKbench(['run', '--runs', '1', '--kernels', 'custom', '--only', 'boot,snapshots', '--out', out, '--json'], (event) => {
        if (!killed && event.event === 'sample' && event.workload === 'snapshots' && event.sample === 1) {
          killed = true;
          void qemuPidsMentioning(dir).then((pids) => pids.forEach((pid) => process.kill(pid, 'SIGKILL')));
        }
      });
      const result = await run.done;
      expect(killed).toBe(true);
      expect(result.code, result.stderr.slice(-2000)).toBe(0);
      const results = load(out);
      expect(results.complete).toBe(true);
      const target = results.targets.find((t) => t.id === 'debian/custom')!;
      const snapshots = target.metrics.find((m) => m.id === 'zfs.snapshots.create_single.per_s')!;
      expect(snapshots.failures.some((f) => /guest stopped answering/.test(f.reason))).toBe(true);
      // Planned: 3 measured iterations; one was lost with the VM, the rest ran after the reboot.
      expect(snapshots.samples.length + snapshots.failures.length).toBeGreaterThanOrEqual(3);
      expect(run.events.filter((e) => e.event === 'boot').length).toBe(2);
      expect(await qemuPidsMentioning(dir)).toEqual([]);
    },
    30 * MINUTE,
  );

  it(
    'kill -9 of the harness: --resume loses no finished sample and repeats none',
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'kbench-resume-'));
      const out = path.join(dir, 'results.json');
      const args = ['run', '--runs', '1', '--only', 'pool_create', '--out', out, '--json'];
      const first = startKbench(args, (event, self) => {
        if (event.event === 'sample' && event.variant === 'custom' && event.sample === 1) self.process.kill('SIGKILL');
      });
      await first.done;
      const interrupted = load(out);
      expect(interrupted.complete).toBe(false);
      const before = interrupted.targets.flatMap((t) => t.metrics.flatMap((m) => m.samples.map((s) => `${t.id} ${m.id} ${s.at} ${s.value}`)));
      expect(before.length).toBeGreaterThanOrEqual(3);
      // qemu dies with the harness (parent-death signal), even on SIGKILL.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(await qemuPidsMentioning(dir)).toEqual([]);

      const second = startKbench(['run', '--resume', out, '--json']);
      const result = await second.done;
      expect(result.code, result.stderr.slice(-2000)).toBe(0);
      const resumed = load(out);
      expect(resumed.complete).toBe(true);
      const after = resumed.targets.flatMap((t) => t.metrics.flatMap((m) => m.samples.map((s) => `${t.id} ${m.id} ${s.at} ${s.value}`)));
      for (const sample of before) expect(after).toContain(sample);
      expect(new Set(resumed.completedUnits).size).toBe(resumed.completedUnits.length);
      for (const target of resumed.targets) expect(target.metrics.find((m) => m.id === 'zfs.pool_create.seconds')!.samples).toHaveLength(3);
    },
    30 * MINUTE,
  );
});
