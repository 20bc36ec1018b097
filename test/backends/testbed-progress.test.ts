/** The testbed build's progress, from builder output lines: no image is built here. */
import { describe, expect, it } from 'vitest';
import { BuildProgressTracker, REFERENCE_SECONDS } from '../../custom-os/debian-testbed/build-progress.ts';
import { formatBuildProgress, type BuildProgress } from '../../harness/progress/index.ts';

// Lines as build-rootfs.sh and DKMS 3.0.10 (zfs-dkms 2.3.2-2~bpo12+2) printed them in a real
// build on this host (Debian 12 x86_64, 2026-12-01); the noise between them is abridged.
const STEPS = [
  'KBENCH-STEP 1 8 debootstrap bookworm (minbase)',
  'KBENCH-STEP 2 8 apt sources (updates, security, backports)',
  'KBENCH-STEP 3 8 kernels: linux-image-amd64 linux-headers-amd64 linux-image-cloud-amd64 linux-headers-cloud-amd64',
  'KBENCH-STEP 4 8 ZFS from bookworm-backports via DKMS (builds zfs.ko for every kernel, several minutes)',
];
const DKMS = [
  'Setting up zfs-dkms (2.3.2-2~bpo12+2) ...',
  'Loading new zfs-2.3.2 DKMS files...',
  "It is likely that 6.18.44-fc-v857 belongs to a chroot's host",
  'Building for 6.1.0-57-amd64 and 6.1.0-57-cloud-amd64',
  'Building initial module for 6.1.0-57-amd64',
  'Done.',
  'zfs.ko:',
  '   - Installing to /lib/modules/6.1.0-57-amd64/updates/dkms/',
  'depmod....',
  'Building initial module for 6.1.0-57-cloud-amd64',
];

/** Feeds lines at the given second offsets; returns the events. */
function feed(tracker: BuildProgressTracker, timed: [number, string][]): BuildProgress[] {
  return timed.map(([t, line]) => tracker.line(line, t * 1000)).filter((e): e is BuildProgress => e !== null);
}

/** Step start offsets of a build that runs exactly at the reference speed. */
function referenceOffsets(factor: number): number[] {
  const starts: number[] = [0];
  for (const seconds of REFERENCE_SECONDS.steps.slice(0, 3)) starts.push(starts.at(-1)! + seconds * factor);
  return starts;
}

describe('BuildProgressTracker', () => {
  it('turns KBENCH-STEP lines into step k of n and each DKMS build into its own event', () => {
    const tracker = new BuildProgressTracker(0);
    const [s1, s2, s3, s4] = referenceOffsets(1);
    const dkmsAt = s4! + REFERENCE_SECONDS.zfsInstall;
    const events = feed(tracker, [
      [s1!, STEPS[0]!],
      [s1! + 1, 'I: Retrieving InRelease'],
      [s2!, STEPS[1]!],
      [s3!, STEPS[2]!],
      [s4!, STEPS[3]!],
      ...DKMS.slice(0, 5).map((line): [number, string] => [dkmsAt, line]),
      [dkmsAt + 420, DKMS[5]!],
      [dkmsAt + 421, DKMS[6]!],
      [dkmsAt + 421, DKMS[7]!],
      [dkmsAt + 425, DKMS[8]!],
      [dkmsAt + 425, DKMS[9]!],
    ]);
    expect(events.map((e) => e.message)).toEqual([
      'step 1/8: debootstrap bookworm (minbase)',
      'step 2/8: apt sources (updates, security, backports)',
      'step 3/8: kernels: linux-image-amd64 linux-headers-amd64 linux-image-cloud-amd64 linux-headers-cloud-amd64',
      'step 4/8: ZFS from bookworm-backports via DKMS (builds zfs.ko for every kernel, several minutes)',
      'DKMS build 1/2: zfs.ko for 6.1.0-57-amd64',
      'DKMS build 1/2 done: 6.1.0-57-amd64 (7m00s)',
      'DKMS build 2/2: zfs.ko for 6.1.0-57-cloud-amd64',
    ]);
    expect(events.at(-1)).toMatchObject({ step: 4, steps: 8, kernel: '6.1.0-57-cloud-amd64' });
  });

  it('has no ETA before anything is done, then one that matches the reference speed', () => {
    const tracker = new BuildProgressTracker(0);
    expect(tracker.line(STEPS[0]!, 0)!.etaSeconds).toBeNull();
    const total = REFERENCE_SECONDS.steps.reduce((a, b) => a + b, 0) + REFERENCE_SECONDS.zfsInstall + 2 * REFERENCE_SECONDS.dkmsPerKernel;
    const [, s2] = referenceOffsets(1);
    expect(tracker.line(STEPS[1]!, s2! * 1000)!.etaSeconds).toBe(total - s2!);
  });

  it('scales the ETA by how slow this machine is: twice as slow so far, twice the time left', () => {
    const atReference = new BuildProgressTracker(0);
    const slower = new BuildProgressTracker(0);
    const fast = referenceOffsets(1);
    const slow = referenceOffsets(2);
    const a = feed(
      atReference,
      STEPS.map((line, i): [number, string] => [fast[i]!, line]),
    ).at(-1)!;
    const b = feed(
      slower,
      STEPS.map((line, i): [number, string] => [slow[i]!, line]),
    ).at(-1)!;
    expect(b.etaSeconds).toBe(2 * a.etaSeconds!);
    expect(b.elapsedSeconds).toBe(2 * a.elapsedSeconds);
  });

  it('lets the ETA grow, never reach 0, while a DKMS build runs past its recorded time', () => {
    const tracker = new BuildProgressTracker(0);
    const offsets = referenceOffsets(1);
    feed(
      tracker,
      STEPS.map((line, i): [number, string] => [offsets[i]!, line]),
    );
    const started = offsets[3]! + REFERENCE_SECONDS.zfsInstall;
    feed(tracker, [
      [started, DKMS[3]!],
      [started, DKMS[4]!],
    ]);
    const late = [1, 2, 3].map((k) => tracker.heartbeat((started + REFERENCE_SECONDS.dkmsPerKernel * k) * 1000));
    expect(late[0]!.message).toBe('still on step 4/8: DKMS build 1/2 (6.1.0-57-amd64)');
    for (const event of late) expect(event.etaSeconds).toBeGreaterThan(0);
    expect(late[2]!.etaSeconds).toBeGreaterThan(late[1]!.etaSeconds!);
    expect(late[1]!.etaSeconds).toBeGreaterThan(late[0]!.etaSeconds!);
  });

  it('counts the kernels DKMS names ("Building only for" one kernel)', () => {
    const tracker = new BuildProgressTracker(0);
    feed(tracker, [
      [0, STEPS[3]!],
      [1, 'Building only for 6.1.0-57-amd64'],
      [1, 'Building for architecture x86_64'],
    ]);
    expect(tracker.line('Building initial module for 6.1.0-57-amd64', 2000)!.message).toBe('DKMS build 1/1: zfs.ko for 6.1.0-57-amd64');
    // build-rootfs.sh's own fallback when DKMS skipped a kernel.
    expect(tracker.line('zfs.ko missing for 6.1.0-57-cloud-amd64: running dkms autoinstall', 3000)!.message).toBe(
      'DKMS build 2/2: zfs.ko for 6.1.0-57-cloud-amd64',
    );
  });

  it('ends with ETA 0 and formats as one line with the build clock', () => {
    const tracker = new BuildProgressTracker(0);
    tracker.line(STEPS[0]!, 0);
    const done = tracker.done(605_000, 'testbed ready in 10m05s: /cache/debian-testbed/abc');
    expect(done).toMatchObject({ step: 8, steps: 8, etaSeconds: 0, elapsedSeconds: 605 });
    expect(formatBuildProgress(done)).toBe('[build 10:05 elapsed, ETA 00:00] testbed ready in 10m05s: /cache/debian-testbed/abc');
  });
});
