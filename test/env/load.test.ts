import { describe, expect, it } from 'vitest';
import { busyReason, parseProcessTicks, parseProcStat, summarizeLoad } from '../../harness/env/load.ts';

// The first lines of /proc/stat recorded on this project's Debian 12 host (kernel 6.1, 2 CPUs).
const PROC_STAT = `cpu  414237 1330 92566 3180772 5021 0 3118 2047 0 0
cpu0 206822 664 46127 1590760 2513 0 2035 1020 0 0
cpu1 207414 666 46439 1590011 2507 0 1083 1027 0 0
intr 27364721 0 9 0 0 0 0 0 0 0 0 0 0 0`;

describe('host load parsers', () => {
  it('reads the aggregate cpu line of /proc/stat (idle includes iowait; steal is field 8)', () => {
    expect(parseProcStat(PROC_STAT)).toEqual({ total: 414237 + 1330 + 92566 + 3180772 + 5021 + 0 + 3118 + 2047, idle: 3180772 + 5021, steal: 2047 });
    expect(parseProcStat('intr 1 2 3')).toBeNull();
    expect(parseProcStat('cpu  a b c d')).toBeNull();
  });

  it('reads utime + stime of /proc/<pid>/stat even when the command holds spaces and parentheses', () => {
    const line = '4242 (qemu-system (x86) 64) S 1 4242 4242 0 -1 4194560 95000 0 12 0 7345 1234 0 0 20 0 5 0 8123 3000000000 60000 18446744073709551615';
    expect(parseProcessTicks(line)).toBe(7345 + 1234);
    expect(parseProcessTicks('garbage')).toBeNull();
  });

  it('tells the share other processes used apart from the VM, and flags a busy host', () => {
    const cpu = (total: number, idle: number, steal = 0) => ({ total, idle, steal });
    const before = { at: 0, loadAverage: 1, cpu: cpu(1000, 500), ownTicks: 0 };
    // 1000 ticks pass, 200 idle: 800 busy, of which the VM used 500 -> others 30%.
    const after = { at: 10_000, loadAverage: 3.1, cpu: cpu(2000, 700, 10), ownTicks: 500 };
    const load = summarizeLoad(before, after);
    expect(load.otherBusyFraction).toBeCloseTo(0.3, 12);
    expect(load.stealFraction).toBeCloseTo(0.01, 12);
    expect(busyReason(load, 2)).toBe("other processes used 30% of the host's CPU time");
    expect(busyReason({ loadAverage: 1.2, otherBusyFraction: 0.05, stealFraction: 0 }, 2)).toBeNull();
    expect(busyReason({ loadAverage: 6.5, otherBusyFraction: null, stealFraction: null }, 2)).toBe('load average 6.5 on 2 CPUs');
    expect(busyReason({ loadAverage: 1, otherBusyFraction: 0, stealFraction: 0.2 }, 2)).toMatch(/20% of CPU time was stolen/);
  });
});
