import { describe, expect, it } from 'vitest';
import {
  parseDateSecondsNanos,
  parseKernelHandoverSeconds,
  parseLosetupShow,
  parseMeminfo,
  parseProcUptime,
  parseSystemdAnalyze,
  parseSystemdTimespan,
} from '../../harness/guest/linux/parse.ts';
import { expectRefused, fixture } from './fixtures.ts';

describe('parseMeminfo', () => {
  it('reads MemTotal and MemAvailable from the host /proc/meminfo in bytes', () => {
    const text = fixture('linux', 'meminfo.host.txt');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(text)![1]);
    const result = parseMeminfo(text);
    expect(result).toEqual({ ok: true, value: { totalBytes: kib('MemTotal') * 1024, availableBytes: kib('MemAvailable') * 1024 } });
  });

  it('gives the testbed-sized numbers exactly', () => {
    const text = 'MemTotal:        2026848 kB\nMemFree:         1500000 kB\nMemAvailable:    1820992 kB\nHugePages_Total:       0\n';
    expect(parseMeminfo(text)).toEqual({ ok: true, value: { totalBytes: 2026848 * 1024, availableBytes: 1820992 * 1024 } });
  });

  it('refuses input without MemAvailable, with a zero total, or with available > total', () => {
    expect(parseMeminfo('MemTotal: 100 kB\nMemFree: 50 kB\n')).toEqual({
      ok: false,
      error: 'no MemAvailable line (kernel older than 3.14?)',
    });
    expectRefused(parseMeminfo, ['MemTotal: 0 kB\nMemAvailable: 0 kB\n', 'MemTotal: 10 kB\nMemAvailable: 20 kB\n', '']);
  });
});

describe('parseProcUptime', () => {
  it('reads the host /proc/uptime and the testbed value', () => {
    const host = parseProcUptime(fixture('linux', 'uptime.host.txt'));
    expect(host.ok && host.value).toBe(Number(fixture('linux', 'uptime.host.txt').split(' ')[0]));
    expect(parseProcUptime('19.76 31.02\n')).toEqual({ ok: true, value: 19.76 });
  });

  it('refuses garbage', () => {
    expectRefused(parseProcUptime, ['', 'up 3 days', '19.76']);
  });
});

describe('parseSystemdTimespan', () => {
  it.each([
    ['16.470s', 16.47],
    ['981ms', 0.981],
    ['1min 2.345s', 62.345],
    ['1h 2min 3.456s', 3723.456],
    ['250us', 0.00025],
    ['250µs', 0.00025],
  ])('%s = %d s', (text, seconds) => {
    const result = parseSystemdTimespan(text);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value).toBeCloseTo(seconds, 9);
  });

  it('refuses unknown units', () => {
    expectRefused(parseSystemdTimespan, ['5 seconds', '5sec', '']);
  });
});

describe('parseSystemdAnalyze', () => {
  it('reads the testbed line: kernel + userspace = total', () => {
    expect(parseSystemdAnalyze(fixture('linux', 'systemd-analyze.testbed.txt'))).toEqual({
      ok: true,
      value: {
        kind: 'finished',
        breakdown: {
          firmwareSeconds: null,
          loaderSeconds: null,
          kernelSeconds: 5.481,
          initrdSeconds: null,
          userspaceSeconds: 10.989,
          totalSeconds: 16.47,
        },
      },
    });
  });

  it('reads firmware, loader, initrd and minute-long phases', () => {
    const result = parseSystemdAnalyze(fixture('linux', 'systemd-analyze.phases.txt'));
    expect(result).toMatchObject({ ok: true, value: { kind: 'finished' } });
    if (!result.ok || result.value.kind !== 'finished') throw new Error('unreachable: asserted finished above');
    const phases = result.value.breakdown;
    expect(phases.firmwareSeconds).toBeCloseTo(1.204, 9);
    expect(phases.loaderSeconds).toBeCloseTo(0.512, 9);
    expect(phases.kernelSeconds).toBeCloseTo(2.801, 9);
    expect(phases.initrdSeconds).toBeCloseTo(1.093, 9);
    expect(phases.userspaceSeconds).toBeCloseTo(62.36, 9);
    expect(phases.totalSeconds).toBeCloseTo(67.97, 9);
  });

  it('tells a boot that is still going on', () => {
    expect(parseSystemdAnalyze(fixture('linux', 'systemd-analyze.not-finished.txt'))).toEqual({
      ok: true,
      value: { kind: 'not-finished' },
    });
  });

  it('refuses text without the line, unknown phases, missing phases and sums that do not add up', () => {
    const host = parseSystemdAnalyze("System has not been booted with systemd as init system (PID 1). Can't operate.");
    expect(host.ok).toBe(false);
    expect(parseSystemdAnalyze('Startup finished in 5s (kernel) + 3s (bootloader) + 1s (userspace) = 9s').ok).toBe(false);
    expect(parseSystemdAnalyze('Startup finished in 5s (userspace) = 5s')).toEqual({ ok: false, error: 'no (kernel) phase' });
    const wrongSum = parseSystemdAnalyze('Startup finished in 5.481s (kernel) + 10.989s (userspace) = 26.470s');
    expect(wrongSum.ok || wrongSum.error).toMatch(/add up to 16.470 s but the total is 26.47 s/);
  });
});

describe('parseLosetupShow and parseDateSecondsNanos', () => {
  it('reads a loop device path and refuses anything else', () => {
    expect(parseLosetupShow('/dev/loop3\n')).toEqual({ ok: true, value: '/dev/loop3' });
    expectRefused(parseLosetupShow, ['losetup: cannot find an unused loop device', '/dev/sda']);
  });

  it('reads date +%s.%N and refuses a busybox without nanoseconds', () => {
    expect(parseDateSecondsNanos('1732560000.123456789\n')).toEqual({ ok: true, value: Number('1732560000.123456789') });
    expectRefused(parseDateSecondsNanos, ['1732560000.N', '1732560000']);
  });
});

describe('parseKernelHandoverSeconds', () => {
  it('reads the handover line of a recorded testbed boot (cloud kernel, icount)', () => {
    const dmesg = fixture('linux', 'testbed/dmesg.cloud-icount.txt');
    expect(parseKernelHandoverSeconds(dmesg)).toEqual({ ok: true, value: 2.278636 });
  });

  it('says why when the line is gone or the log has no timestamps', () => {
    const noLine = parseKernelHandoverSeconds('[    0.000000] Linux version 6.1.0\n[  900.1] eth0: link up\n');
    expect(noLine.ok).toBe(false);
    expect(!noLine.ok && noLine.error).toMatch(/ring buffer overwritten/);
    const noTime = parseKernelHandoverSeconds('Freeing unused kernel image (initmem) memory: 2612K\n');
    expect(!noTime.ok && noTime.error).toMatch(/no timestamps/);
  });
});
