/**
 * Workload safety on a real guest: a workload that fails mid-way still tears down and records
 * the failure; a pool kbench did not create is never touched.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getBackend } from '../../harness/backends/registry.ts';
import type { Backend, BootedGuest, PreparedTarget } from '../../harness/backends/types.ts';
import { getGuestAdapter } from '../../harness/guest/registry.ts';
import { RunEngine } from '../../harness/run/engine.ts';
import { ProgressReporter } from '../../harness/progress/index.ts';
import { newRunFile, RunRecorder } from '../../harness/run/recorder.ts';
import { TARGETS } from '../../harness/run/targets.ts';
import { connectWithRetry, type SshSession } from '../../harness/ssh/index.ts';
import { ensureDebianTestbed } from '../../custom-os/debian-testbed/testbed.ts';
import { QUICK_SIZES, type Workload } from '../../suites/types.ts';
import { ZfsScratch } from '../../suites/zfs/scratch.ts';
import { HOST, quickRunSettings } from '../helpers/results-factory.ts';
import { describeNeeding } from '../helpers/needs.ts';

const MINUTE = 60_000;
const spec = TARGETS['debian-testbed']!.spec;
const guest = getGuestAdapter('debian');

/** Creates a pool through kbench's scratch space, then fails before finishing. */
const failsMidway: Workload = {
  id: 'fails_midway',
  title: 'creates a pool, then fails',
  schedule: 'iterated',
  requiresZfs: true,
  scratch: 'guest-ram',
  metrics: [{ id: 'test.fails_midway.seconds', unit: 's', direction: 'lower', timing: 'guest', resolution: { relative: 1e-6 }, description: 'never measured' }],
  async setup() {},
  async iteration(ctx) {
    await ctx.scratch.createPool(128);
    throw new Error('injected failure after zpool create');
  },
  async teardown(ctx) {
    await ctx.scratch.destroyAll();
  },
};

/** Counts kbench pools and loop devices left in the guest. */
const leftovers: Workload = {
  id: 'leftovers',
  title: 'count leftovers',
  schedule: 'iterated',
  requiresZfs: true,
  scratch: 'guest-ram',
  metrics: [
    { id: 'test.leftover.pools', unit: 'count', direction: 'lower', timing: 'guest', resolution: { step: 1 }, description: 'kbench pools still imported' },
    {
      id: 'test.leftover.vdev_files',
      unit: 'count',
      direction: 'lower',
      timing: 'guest',
      resolution: { step: 1 },
      description: 'vdev files left in /var/tmp/kbench or /var/tmp/kbench-ram',
    },
  ],
  async setup() {},
  async iteration(ctx) {
    const pools = (await ctx.shell.exec('zpool list -H -o name | grep -c "^kbench_" || true')).stdout.trim();
    const files = (await ctx.shell.exec('ls /var/tmp/kbench /var/tmp/kbench-ram 2>/dev/null | grep -c "vdev" || true')).stdout.trim();
    return { 'test.leftover.pools': Number(pools), 'test.leftover.vdev_files': Number(files) };
  },
  async teardown() {},
};

describeNeeding(['root', 'linux', 'qemu', 'debootstrap'], 'workload safety on the Debian testbed', () => {
  let backend: Backend;
  let prepared: PreparedTarget;
  let runDir: string;

  beforeAll(async () => {
    await ensureDebianTestbed({});
    runDir = mkdtempSync(path.join(tmpdir(), 'kbench-safety-'));
    backend = await getBackend('qemu');
    prepared = await backend.prepare(spec, ['custom'], runDir);
  }, 60 * MINUTE);

  afterAll(async () => {
    await backend?.destroy(prepared);
  });

  it(
    'a workload failing mid-way tears down (no leftover pool or vdev) and records the failure',
    async () => {
      const file = path.join(runDir, 'results.json');
      const settings = quickRunSettings(['custom'], 1);
      const recorder = new RunRecorder(file, newRunFile(settings, HOST));
      const engine = new RunEngine(
        {
          backend,
          guest,
          connect: async (booted) => (await connectWithRetry(booted.endpoint, { deadlineMs: 180_000 })).session,
          progress: new ProgressReporter(true, () => {}),
          recorder,
        },
        { settings, suite: [failsMidway, leftovers], sizes: { ...QUICK_SIZES, iterationsPerBoot: 1 }, prepared, seed: 1 },
      );
      await engine.run();
      const target = recorder.results.targets[0]!;
      const failed = target.metrics.find((m) => m.id === 'test.fails_midway.seconds')!;
      expect(failed.samples).toEqual([]);
      expect(failed.failures.map((f) => f.reason)).toEqual(['injected failure after zpool create', 'injected failure after zpool create']);
      expect(target.metrics.find((m) => m.id === 'test.leftover.pools')!.samples.map((s) => s.value)).toEqual([0]);
      expect(target.metrics.find((m) => m.id === 'test.leftover.vdev_files')!.samples.map((s) => s.value)).toEqual([0]);
    },
    20 * MINUTE,
  );

  it(
    'never destroys a pool it did not create, even one with a kbench-style name',
    async () => {
      let booted: BootedGuest | null = null;
      let session: SshSession | null = null;
      try {
        booted = await backend.boot(prepared, 'custom');
        session = (await connectWithRetry(booted.endpoint, { deadlineMs: 180_000 })).session;
        const foreign = 'kbench_deadbeef';
        const made = await session.exec(`truncate -s 128M /var/tmp/foreign.img && zpool create ${foreign} /var/tmp/foreign.img`);
        expect(made.code, made.stderr).toBe(0);
        const scratch = new ZfsScratch(session, guest);
        await expect(scratch.makeVdevs(foreign, 1, 64)).rejects.toThrow(
          `a pool named ${foreign} already exists and was not created by this kbench run; not touching it`,
        );
        await expect(scratch.destroyPool(foreign)).rejects.toThrow(`refusing to destroy pool ${foreign}: not created by this kbench run`);
        await expect(scratch.makeVdevs('tank; rm -rf /', 1, 64)).rejects.toThrow(/refusing pool name "tank; rm -rf \/": not generated by kbench/);
        await scratch.destroyAll();
        expect((await session.exec('zpool list -H -o name')).stdout.trim().split('\n')).toContain(foreign);
      } finally {
        await session?.close();
        if (booted !== null) await backend.shutdown(booted);
      }
    },
    20 * MINUTE,
  );
});
