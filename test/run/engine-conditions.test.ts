/**
 * The run engine records each boot's conditions (CONDITIONS COMPARED): host load and the host
 * CPUs' frequency around the boot, and the guest's steal time between login and the end of its
 * measurements. No VM: a fake backend whose "guest" is this host's own shell, and a guest
 * adapter whose CPU accounting is scripted, so the steal share is known exactly.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { Backend, BootedGuest, PreparedTarget } from '../../harness/backends/types.ts';
import { readHostCpuMhz } from '../../harness/env/cpufreq.ts';
import { createLinuxAdapter } from '../../harness/guest/linux/index.ts';
import type { GuestAdapter, GuestCpuTicks } from '../../harness/guest/types.ts';
import { RunEngine } from '../../harness/run/engine.ts';
import { ProgressReporter } from '../../harness/progress/index.ts';
import { newRunFile, RunRecorder } from '../../harness/run/recorder.ts';
import { QUICK_SIZES, type Workload } from '../../suites/types.ts';
import { describeNeeding } from '../helpers/needs.ts';
import { LocalShell } from '../helpers/local-shell.ts';
import { HOST, quickRunSettings } from '../helpers/results-factory.ts';

const spec = { name: 'debian-testbed', os: 'debian' } as PreparedTarget['spec'];

function fakeBackend(): Backend {
  return {
    name: 'fake',
    prepare: async () => prepared,
    boot: async (_prepared, variant): Promise<BootedGuest> => ({
      variant,
      endpoint: { host: '127.0.0.1', port: 22, user: 'root', privateKeyPath: '/dev/null', hostKeyPolicy: { kind: 'known-hosts', knownHostsFile: '/dev/null' } },
      acceleration: 'qemu-tcg',
      hostBootSeconds: 1,
      serialLogPath: null,
    }),
    shutdown: async () => undefined,
    destroy: async () => undefined,
    versions: async () => ({}),
  };
}

const prepared: PreparedTarget = {
  spec,
  variants: ['stock', 'custom'],
  runDir: '/tmp',
  facts: { stock: { kernelImagePath: null, kernelImageBytes: null }, custom: { kernelImagePath: null, kernelImageBytes: null } },
};

const perBoot: Workload = {
  id: 'memory',
  title: 'a per-boot reading',
  metrics: [{ id: 'test.memory.bytes', unit: 'B', direction: 'lower', timing: 'guest', resolution: { step: 1 }, description: 'a number' }],
  schedule: 'per-boot',
  requiresZfs: false,
  scratch: null,
  setup: async () => undefined,
  iteration: async () => ({ 'test.memory.bytes': 1000 }),
  teardown: async () => undefined,
};

/** The host's Linux adapter without ZFS, its CPU accounting read from a script: per boot, +1000 ticks of which `steal` were stolen. */
function guestWithTicks(stealPerBoot: number[] | null): GuestAdapter {
  const base = createLinuxAdapter('debian');
  let reads = 0;
  const adapter: GuestAdapter = { ...base, zfsSupport: async () => ({ supported: false, reason: 'not in this test' }) };
  if (stealPerBoot === null) {
    delete adapter.cpuTicks;
    return adapter;
  }
  adapter.cpuTicks = async (): Promise<GuestCpuTicks> => {
    const boot = Math.floor(reads / 2);
    const end = reads % 2 === 1;
    reads++;
    const before = { total: 10_000 * (boot + 1), idle: 5000 * (boot + 1), steal: 100 * (boot + 1) };
    return end ? { total: before.total + 1000, idle: before.idle + 400, steal: before.steal + stealPerBoot[boot]! } : before;
  };
  return adapter;
}

async function run(guest: GuestAdapter) {
  const settings = quickRunSettings(['stock', 'custom'], 1);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'kbench-engine-')), 'results.json');
  const recorder = new RunRecorder(file, newRunFile(settings, structuredClone(HOST)));
  const engine = new RunEngine(
    { backend: fakeBackend(), guest, connect: async () => new LocalShell(), progress: new ProgressReporter(true, () => {}), recorder },
    { settings, suite: [perBoot], sizes: QUICK_SIZES, prepared, seed: 1 },
  );
  await engine.run();
  return recorder.results;
}

describeNeeding(['linux'], "the engine records each boot's conditions", () => {
  it("host CPU frequency (this host's, when it reports one) and guest steal between login and the end of the measurements", async () => {
    const results = await run(guestWithTicks([50, 0]));
    const loads = results.hostLoad!;
    expect(loads.map((l) => l.variant)).toEqual(['stock', 'custom']);
    // 50 of 1000 ticks stolen in the stock boot, none in the custom one.
    expect(loads.map((l) => l.guestStealFraction)).toEqual([0.05, 0]);
    const mhz = readHostCpuMhz();
    if (mhz === null) expect(loads.map((l) => l.cpuMhz)).toEqual([null, null]);
    else for (const load of loads) expect(Math.abs(load.cpuMhz! - mhz) / mhz).toBeLessThan(0.5);
    expect(results.targets.map((t) => t.metrics[0]!.samples.length)).toEqual([1, 1]);
  });

  it('a guest OS that keeps no CPU accounting records null, and the boot is measured all the same', async () => {
    const results = await run(guestWithTicks(null));
    expect(results.hostLoad!.map((l) => l.guestStealFraction)).toEqual([null, null]);
    expect(results.targets.map((t) => t.metrics[0]!.samples.length)).toEqual([1, 1]);
  });
});
