/**
 * The instruction-counting clock and what follows from it: qemu arguments, the default per
 * accelerator, the results field, refusal to compare across clocks, resolution-aware verdicts,
 * RAM-backed scratch and the 1 MiB checksum figures.
 */
import { describe, expect, it } from 'vitest';
import { buildQemuArgs, LINUX_APPEND, type QemuLaunchConfig } from '../../harness/backends/qemu/args.ts';
import { chooseQemuClock, parseClockSetting, recordedClock, vcpusFor } from '../../harness/backends/qemu/clock.ts';
import { clockMismatch, fingerprintDifferences, pairRunVsBaseline, pairStockVsCustom } from '../../harness/compare/index.ts';
import { emulationWarnings } from '../../harness/env/emulation.ts';
import { getGuestAdapter } from '../../harness/guest/registry.ts';
import { ResultsFile, type GuestClock, type Metric } from '../../harness/results/schema.ts';
import { compareMetrics, relativeResolution, widenForResolution, type NestedSample } from '../../harness/stats/index.ts';
import { SUITES } from '../../suites/index.ts';
import { oneMiBFigures } from '../../suites/zfs/checksum.ts';
import { RAM_SCRATCH_DIR, ZfsScratch } from '../../suites/zfs/scratch.ts';

const config = (over: Partial<QemuLaunchConfig>): QemuLaunchConfig => ({
  arch: 'x86_64',
  accel: 'tcg',
  vcpus: 1,
  memoryMiB: 2048,
  boot: { kind: 'linux-kernel', kernelPath: '/c/vmlinuz', initrdPath: null, append: LINUX_APPEND },
  disks: [{ path: '/run/root.qcow2', format: 'qcow2', cache: 'unsafe' }],
  sshHostPort: 40222,
  serial: { kind: 'file', path: '/run/serial.log' },
  qmpSocketPath: null,
  ...over,
});

describe('qemu icount arguments', () => {
  it('adds -icount with its sleep setting and align=off, one vCPU, and an unsafe-cache overlay', () => {
    const { args } = buildQemuArgs(config({ clock: { kind: 'icount', shift: 0, sleep: true } }));
    expect(args[args.indexOf('-icount') + 1]).toBe('shift=0,sleep=on,align=off');
    const skipping = buildQemuArgs(config({ clock: { kind: 'icount', shift: 2, sleep: false } })).args;
    expect(skipping[skipping.indexOf('-icount') + 1]).toBe('shift=2,sleep=off,align=off');
    expect(args[args.indexOf('-smp') + 1]).toBe('1');
    expect(args).toContain('file=/run/root.qcow2,if=virtio,format=qcow2,cache=unsafe');
  });

  it('the wall clock adds no -icount', () => {
    expect(buildQemuArgs(config({ clock: { kind: 'wall' } })).args).not.toContain('-icount');
    expect(buildQemuArgs(config({})).args).not.toContain('-icount');
  });

  it('refuses icount with two vCPUs, with kvm, and an out-of-range shift', () => {
    expect(() => buildQemuArgs(config({ clock: { kind: 'icount', shift: 0, sleep: true }, vcpus: 2 }))).toThrow(/one vCPU/);
    expect(() => buildQemuArgs(config({ clock: { kind: 'icount', shift: 0, sleep: true }, accel: 'kvm' }))).toThrow(/needs tcg/);
    expect(() => buildQemuArgs(config({ clock: { kind: 'icount', shift: 11, sleep: true } }))).toThrow(/shift/);
  });
});

describe('which clock a boot gets', () => {
  it('icount shift 0 with sleep=on for TCG of the host architecture, wall for kvm/hvf and for emulated foreign guests', () => {
    expect(chooseQemuClock('tcg', false, null).clock).toEqual({ kind: 'icount', shift: 0, sleep: true });
    expect(chooseQemuClock('kvm', false, null).clock).toEqual({ kind: 'wall' });
    expect(chooseQemuClock('hvf', false, null).clock).toEqual({ kind: 'wall' });
    expect(chooseQemuClock('tcg', true, null).clock).toEqual({ kind: 'wall' });
  });

  it('KBENCH_QEMU_CLOCK overrides, is checked, and icount on kvm is refused', () => {
    expect(parseClockSetting(undefined)).toBeNull();
    expect(parseClockSetting('wall')).toEqual({ kind: 'wall' });
    expect(parseClockSetting('icount')).toEqual({ kind: 'icount', shift: 0, sleep: true });
    expect(parseClockSetting('icount:3')).toEqual({ kind: 'icount', shift: 3, sleep: true });
    expect(parseClockSetting('icount,sleep=off')).toEqual({ kind: 'icount', shift: 0, sleep: false });
    expect(parseClockSetting('icount:2,sleep=on')).toEqual({ kind: 'icount', shift: 2, sleep: true });
    expect(() => parseClockSetting('icount:99')).toThrow(/KBENCH_QEMU_CLOCK/);
    expect(() => parseClockSetting('icount,sleep=maybe')).toThrow(/sleep=on\|off/);
    expect(() => parseClockSetting('fast')).toThrow(/expected wall or icount/);
    expect(chooseQemuClock('tcg', false, { kind: 'wall' }).clock).toEqual({ kind: 'wall' });
    expect(() => chooseQemuClock('kvm', false, { kind: 'icount', shift: 0, sleep: true })).toThrow(/needs tcg/);
  });

  it('records the clock and runs one vCPU under it', () => {
    expect(recordedClock({ kind: 'wall' })).toEqual({ kind: 'host-wall' });
    expect(recordedClock({ kind: 'icount', shift: 2, sleep: true })).toEqual({ kind: 'icount', shift: 2, sleep: true });
    expect(recordedClock({ kind: 'icount', shift: 0, sleep: false })).toEqual({ kind: 'icount', shift: 0, sleep: false });
    expect(vcpusFor({ kind: 'icount', shift: 0, sleep: true }, 2)).toBe(1);
    expect(vcpusFor({ kind: 'wall' }, 2)).toBe(2);
  });
});

function results(clock: GuestClock | undefined, metrics: Partial<Metric>[] = []): ResultsFile {
  const metric = (over: Partial<Metric>): Metric => ({
    id: 'zfs.scrub.seconds',
    unit: 's',
    direction: 'lower',
    timing: 'guest',
    status: { kind: 'measured' },
    samples: [0, 1, 2].map((boot) => ({ value: 1 + boot * 0.001, at: '2026-12-02T10:00:00Z', boot })),
    warmup: [],
    failures: [],
    ...over,
  });
  const guest = (variant: 'stock' | 'custom') => ({
    os: 'debian' as const,
    osVersion: 'Debian GNU/Linux 12 (bookworm)',
    kernelVariant: variant,
    kernelRelease: variant === 'stock' ? '6.1.0-57-amd64' : '6.1.0-57-cloud-amd64',
    kernelConfigSha256: null,
    zfsVersion: '2.3.2',
    vcpus: 1,
    memoryBytes: 2 * 1024 ** 3,
    zfsTunables: {},
    poolProperties: {},
    zfsImplementations: {},
  });
  return ResultsFile.parse({
    format: 'kbench-results',
    kind: 'run',
    schemaVersion: 1,
    kbenchVersion: '0.1.0',
    runId: 'r',
    createdAt: '2026-12-02T10:00:00Z',
    updatedAt: '2026-12-02T10:00:00Z',
    complete: true,
    settings: null,
    completedUnits: [],
    sources: [],
    host: {
      os: 'Linux',
      osVersion: 'Debian 12',
      arch: 'x86_64',
      modelId: 'unknown',
      chip: 'cpu',
      performanceCores: 2,
      efficiencyCores: 0,
      logicalCpus: 2,
      memoryBytes: 24 * 1024 ** 3,
      hypervisor: 'qemu',
      acceleration: 'qemu-tcg',
      ...(clock === undefined ? {} : { guestClock: clock }),
      qemuVersion: '7.2.22',
      limaVersion: null,
      loadAverage: null,
    },
    targets: (['stock', 'custom'] as const).map((variant) => ({
      id: `debian/${variant}`,
      guest: guest(variant),
      metrics: (metrics.length ? metrics : [{}]).map(metric),
    })),
  });
}

describe('results on different clocks are never compared', () => {
  it('a wall-clock baseline and an icount run: a one-line refusal naming the field, and a fingerprint difference', () => {
    const run = results({ kind: 'icount', shift: 0 });
    const baseline = results(undefined);
    expect(clockMismatch(run, baseline, 'run.json', 'baseline.json')).toMatch(
      /^run\.json: field host\.guestClock: .*icount shift=0.*baseline\.json ran on "host wall clock"/,
    );
    expect(fingerprintDifferences(run, baseline).map((d) => d.field)).toContain('host.guestClock');
    expect(clockMismatch(run, results({ kind: 'icount', shift: 0 }), 'a', 'b')).toBeNull();
    expect(clockMismatch(run, results({ kind: 'icount', shift: 2 }), 'a', 'b')).not.toBeNull();
  });

  it('idle skipped (sleep=off, or absent as in files before it was recorded) and idle at the host pace (sleep=on) are different clocks', () => {
    const skipped = results({ kind: 'icount', shift: 0 });
    const slept = results({ kind: 'icount', shift: 0, sleep: true });
    expect(clockMismatch(results({ kind: 'icount', shift: 0, sleep: false }), skipped, 'a', 'b')).toBeNull();
    expect(clockMismatch(slept, skipped, 'run.json', 'baseline.json')).toMatch(
      /^run\.json: field host\.guestClock: .*idle at the host's pace.*baseline\.json ran on .*idle skipped to the next timer/,
    );
    expect(fingerprintDifferences(skipped, slept).map((d) => d.field)).toContain('host.guestClock');
  });

  it('the emulation warning says what an icount time is', () => {
    const [line] = emulationWarnings('run.json', results({ kind: 'icount', shift: 0 }));
    expect(line).toMatch(/instruction-counting clock .*code-path length, not hardware speed/);
  });

  it('a metric whose pool lived in guest RAM on one side and on disk on the other is incomparable', () => {
    const sets = pairRunVsBaseline(
      results({ kind: 'icount', shift: 0 }, [{ scratch: 'guest-ram' }]),
      results({ kind: 'icount', shift: 0 }, [{ scratch: 'disk' }]),
    );
    expect(sets[0]!.incomparable[0]!.detail).toMatch(/guest-ram .* disk/);
    expect(sets[0]!.pairs).toHaveLength(0);
  });
});

const perBoot = (values: number[]): NestedSample[] => values.map((value, boot) => ({ value, unit: `0/${boot}` }));

describe('RESOLUTION WIDENING: a metric identical only to its reporting step is not exact', () => {
  it('sha256 at 5 MiB/s in whole MiB/s on every boot: inconclusive at a 10% band, never "equivalent (exact)"', () => {
    const [row] = compareMetrics([
      { key: 'sha256', direction: 'higher', baseline: perBoot([5, 5, 5]), candidate: perBoot([5, 5, 5]), noiseThreshold: 0.1, resolution: { step: 1 } },
    ]);
    expect(row!.verdict).toBe('inconclusive');
    expect(row!.ratioCI!.low).toBeCloseTo(4 / 6, 6);
    expect(row!.ratioCI!.high).toBeCloseTo(6 / 4, 6);
    expect(row!.note).toMatch(/reporting step of 1/);
  });

  it('the same at 144 MiB/s is equivalent within ±10%, and 144 vs 170 is a real improvement', () => {
    const same = compareMetrics([
      { key: 'blake3', direction: 'higher', baseline: perBoot([144, 144]), candidate: perBoot([144, 144]), noiseThreshold: 0.1, resolution: { step: 1 } },
    ])[0]!;
    expect(same.verdict).toBe('equivalent');
    const faster = compareMetrics([
      { key: 'blake3', direction: 'higher', baseline: perBoot([144, 144]), candidate: perBoot([170, 170]), noiseThreshold: 0.1, resolution: { step: 1 } },
    ])[0]!;
    expect(faster.verdict).toBe('improved');
    expect(faster.ratioCI!.low).toBeCloseTo(169 / 145, 6);
  });

  it('a truncating source (chksum_bench: integer division) is known one step upward only: 21 on both sides is equivalent within ±10%', () => {
    const [row] = compareMetrics([
      {
        key: 'sha256',
        direction: 'higher',
        baseline: perBoot([21, 21, 21]),
        candidate: perBoot([21, 21, 21]),
        noiseThreshold: 0.1,
        resolution: { step: 1, floor: true },
      },
    ]);
    expect(row!.verdict).toBe('equivalent');
    expect(row!.ratioCI!.low).toBeCloseTo(21 / 22, 9);
    expect(row!.ratioCI!.high).toBeCloseTo(22 / 21, 9);
    const symmetric = compareMetrics([
      { key: 'sha256', direction: 'higher', baseline: perBoot([21, 21, 21]), candidate: perBoot([21, 21, 21]), noiseThreshold: 0.1, resolution: { step: 1 } },
    ])[0]!;
    expect(symmetric.ratioCI!.high).toBeCloseTo(22 / 20, 9);
  });

  it('without a declared resolution old files keep the old exact comparison', () => {
    const [row] = compareMetrics([{ key: 'x', direction: 'higher', baseline: perBoot([5, 5, 5]), candidate: perBoot([5, 5, 5]), noiseThreshold: 0.1 }]);
    expect(row!.verdict).toBe('equivalent');
  });

  it('a tested metric is widened by one step each side; a step as large as the value leaves an end open', () => {
    const tight = compareMetrics([
      { key: 'x', direction: 'higher', baseline: perBoot([20, 21, 20]), candidate: perBoot([20, 21, 21]), noiseThreshold: 0.1 },
    ])[0]!;
    const stepped = compareMetrics([
      { key: 'x', direction: 'higher', baseline: perBoot([20, 21, 20]), candidate: perBoot([20, 21, 21]), noiseThreshold: 0.1, resolution: { step: 1 } },
    ])[0]!;
    expect(stepped.ratioCI!.low).toBeLessThan(tight.ratioCI!.low * 0.96);
    expect(stepped.ratioCI!.high).toBeGreaterThan(tight.ratioCI!.high * 1.04);
    expect(relativeResolution({ step: 1 }, 20)).toBeCloseTo(0.05);
    expect(relativeResolution({ relative: 1e-6, step: 1 }, 2e9)).toBe(1e-6);
    expect(widenForResolution({ low: 0, high: 0 }, 1, 0).high).toBe(Infinity);
  });
});

describe('guest-RAM scratch', () => {
  it('linux mounts a tmpfs once and unmounts only a mount point; pools made there are mounted inside it', () => {
    const linux = getGuestAdapter('debian').ramScratchCommands(RAM_SCRATCH_DIR)!;
    expect(linux.mount).toBe(
      `mkdir -p ${RAM_SCRATCH_DIR} && { mountpoint -q ${RAM_SCRATCH_DIR} || mount -t tmpfs -o size=60%,mode=0700 kbench-ram ${RAM_SCRATCH_DIR}; }`,
    );
    expect(linux.unmount).toBe(`! mountpoint -q ${RAM_SCRATCH_DIR} || umount ${RAM_SCRATCH_DIR}`);
    const scratch = new ZfsScratch({} as never, getGuestAdapter('debian'), 'guest-ram');
    const command = scratch.createCommand({ name: 'kbench_0000abcd', vdevs: [{ device: '/dev/loop0', file: `${RAM_SCRATCH_DIR}/x.img` }] });
    expect(command).toContain(`-o cachefile=none -m ${RAM_SCRATCH_DIR}/mnt/kbench_0000abcd`);
    expect(scratch.pathOf('kbench_0000abcd/src')).toBe(`${RAM_SCRATCH_DIR}/mnt/kbench_0000abcd/src`);
  });

  it('FreeBSD and NetBSD use tmpfs; OpenBSD (no tmpfs, no ZFS) has none and cannot make a guest-ram scratch', () => {
    expect(getGuestAdapter('freebsd').ramScratchCommands('/d')!.mount).toContain('mount -t tmpfs -o mode=0700 tmpfs /d');
    expect(getGuestAdapter('netbsd').ramScratchCommands('/d')!.mount).toContain('mount_tmpfs -m 0700 tmpfs /d');
    expect(getGuestAdapter('openbsd').ramScratchCommands('/d')).toBeNull();
    expect(() => new ZfsScratch({} as never, getGuestAdapter('openbsd'), 'guest-ram')).toThrow(/no RAM file system/);
  });

  it('every ZFS workload declares its storage and every metric its resolution', () => {
    for (const workload of SUITES.zfs!) {
      expect(workload.scratch === null, workload.id).toBe(!workload.requiresZfs);
      for (const metric of workload.metrics) expect(metric.resolution.step ?? metric.resolution.relative, metric.id).toBeGreaterThan(0);
    }
  });
});

describe('checksums at 1 MiB records from scrub times', () => {
  it('MiB over the extra scrub time each algorithm costs; a scrub no slower than checksum=off is a failure with both times', () => {
    const figures = oneMiBFigures(16, { off: 0.05, sha256: 0.85, sha512: 0.55, blake3: 0.05 });
    expect(figures['zfs.checksum.sha256_1m.mib_per_s']).toBeCloseTo(20, 9);
    expect(figures['zfs.checksum.sha512_1m.mib_per_s']).toBeCloseTo(32, 9);
    expect(figures['zfs.checksum.blake3_1m.mib_per_s']).toEqual({
      failed: expect.stringMatching(/checksum=blake3 scrub \(0\.0500 s\) was not slower than checksum=off \(0\.0500 s\)/),
    });
    expect(oneMiBFigures(16, { sha256: 1 })['zfs.checksum.sha256_1m.mib_per_s']).toEqual({ failed: 'no scrub time for checksum=off' });
  });
});

describe('stock vs custom in one icount run still pairs', () => {
  it('pairs the same metric of both kernels', () => {
    expect(pairStockVsCustom(results({ kind: 'icount', shift: 0 }))[0]!.pairs).toHaveLength(1);
  });
});
