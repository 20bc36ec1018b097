import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatProgressLine, ProgressReporter, type BuildProgress, type ProgressEvent } from '../../harness/progress/index.ts';

function recorder(json: boolean) {
  const lines: { line: string; toStdout: boolean }[] = [];
  return { lines, reporter: new ProgressReporter(json, (line, toStdout) => lines.push({ line, toStdout })) };
}

const build: BuildProgress = {
  step: 4,
  steps: 8,
  title: 'ZFS from bookworm-backports via DKMS',
  kernel: '6.1.0-57-amd64',
  elapsedSeconds: 192,
  etaSeconds: 250,
  message: 'DKMS build 1/2: zfs.ko for 6.1.0-57-amd64',
};

describe('ProgressReporter', () => {
  afterEach(() => vi.useRealTimers());

  it('counts only run work in the ETA: not an image build before startWork, not the steps a resumed run had done', () => {
    vi.useFakeTimers({ now: 0 });
    const { lines, reporter } = recorder(true);
    // A 15-minute image build happens before the run's own work starts.
    vi.setSystemTime(900_000);
    reporter.startWork(10);
    reporter.stepsTotal = 20;
    reporter.stepsDone = 10;
    reporter.emit({ event: 'boot' });
    vi.setSystemTime(900_000 + 60_000);
    reporter.stepsDone = 12;
    reporter.emit({ event: 'sample' });
    const [boot, sample] = lines.map((l) => JSON.parse(l.line) as ProgressEvent);
    expect(boot!.etaSeconds).toBeNull();
    // 2 steps in 60 s, 8 to go: 240 s. Counting the build and the resumed steps would say 1200 s.
    expect(sample!.etaSeconds).toBe(240);
    expect(sample!.elapsedSeconds).toBe(960);
    expect(lines.every((l) => l.toStdout)).toBe(true);
  });

  it('says ETA 0 once every step is done', () => {
    vi.useFakeTimers({ now: 0 });
    const { lines, reporter } = recorder(true);
    reporter.startWork(5);
    reporter.stepsTotal = 5;
    reporter.stepsDone = 5;
    reporter.emit({ event: 'run-end' });
    expect((JSON.parse(lines[0]!.line) as ProgressEvent).etaSeconds).toBe(0);
  });

  it("passes a build event with the build's own step, clock and ETA to --json, and prints the build clock on stderr", () => {
    const json = recorder(true);
    json.reporter.emit({ event: 'build', target: 'debian-testbed', message: build.message, build });
    expect(JSON.parse(json.lines[0]!.line)).toMatchObject({ event: 'build', target: 'debian-testbed', build });
    const text = recorder(false);
    text.reporter.emit({ event: 'build', target: 'debian-testbed', message: build.message, build });
    expect(text.lines[0]).toEqual({ line: '[build 03:12 elapsed, ETA 04:10] debian-testbed DKMS build 1/2: zfs.ko for 6.1.0-57-amd64', toStdout: false });
  });

  it('a note before the plan has steps (a gate building its images) shows no "step 0/0"', () => {
    const note = { event: 'note' as const, message: 'image for main', elapsedSeconds: 5, etaSeconds: null };
    expect(formatProgressLine({ ...note, step: 0, steps: 0 })).toBe('[00:05 elapsed, ETA --:--] note: image for main');
    expect(formatProgressLine({ ...note, step: 3, steps: 42 })).toBe('[00:05 elapsed, ETA --:--] step 3/42 note: image for main');
  });

  it('formats a build event without build details with the run clock', () => {
    expect(formatProgressLine({ event: 'build', message: 'cached', elapsedSeconds: 3, etaSeconds: null })).toBe('[00:03 elapsed, ETA --:--] build: cached');
  });
});
