import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseKstatBenchTable } from '../../harness/guest/common/kstat.ts';
import { bestChksumFigure, fletcherFigures } from '../../suites/zfs/checksum.ts';
import { parseScanStats, scrubTimingDisagreement } from '../../suites/zfs/scrub.ts';
import { parseSendSize } from '../../suites/zfs/send-recv.ts';
import { parseAllClockLines, parseClockLines, timeRepeated } from '../../suites/zfs/timing.ts';
import { LocalShell } from '../helpers/local-shell.ts';
import { getGuestAdapter } from '../../harness/guest/registry.ts';
import type { WorkloadContext } from '../../suites/types.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { metricIds, selectWorkloads, SUITES } from '../../suites/index.ts';
import { POOL_NAME_PATTERN, ZfsScratch } from '../../suites/zfs/scratch.ts';

const fixture = (name: string) => readFileSync(path.resolve(import.meta.dirname, '../fixtures', name), 'utf8');

function table(name: string) {
  const parsed = parseKstatBenchTable(fixture(name), 'spl');
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

describe('checksum figures from recorded testbed kstats', () => {
  it('fletcher_4_bench: native bytes/s of the chosen implementation and of scalar', () => {
    const figures = fletcherFigures(table('guest/linux/testbed/fletcher_4_bench.txt'));
    expect(figures.fastest).toBeGreaterThan(1e8);
    expect(figures.scalar).toBeGreaterThan(1e8);
    const proof = fletcherFigures(table('guest/linux/fletcher_4_bench.testbed.txt'));
    // testbed-proof.md: fastest native = superscalar 1918360775, scalar 1573711837.
    expect(proof).toEqual({ fastest: 1918360775, scalar: 1573711837 });
  });

  it('chksum_bench: best implementation per algorithm; a 0 (not measured under TCG) is never a figure', () => {
    const chksum = table('guest/linux/testbed/chksum_bench.txt');
    const sha256 = bestChksumFigure(chksum, 'sha256', '256k');
    expect(sha256).toBeGreaterThan(0);
    const all = Object.entries(chksum.rows)
      .filter(([name]) => name.startsWith('sha256-'))
      .map(([, row]) => row['256k'] ?? 0);
    expect(sha256).toBe(Math.max(...all));
    for (const cell of chksum.notMeasured.filter((c) => c.implementation.startsWith('blake3-') && c.column === '16m'))
      expect(chksum.rows[cell.implementation]?.['16m']).toBeUndefined();
    expect(bestChksumFigure(chksum, 'md5', '256k')).toBeNull();
  });
});

describe('workload output parsers', () => {
  it('zfs send -nvP: the size line', () => {
    expect(parseSendSize('full\tkb@s1\t268954408\nsize\t268954408\n')).toBe(268954408);
    expect(parseSendSize('incremental\t@a\tkb/fs@b\t1024\nsize\t1024')).toBe(1024);
    expect(parseSendSize('cannot open kb@s1: dataset does not exist')).toBeNull();
  });

  it('zpool status -j --json-int scan stats, and the cross-check with our clock', () => {
    const json = JSON.stringify({
      output_version: { command: 'zpool status', vers_major: 0, vers_minor: 1 },
      pools: {
        kbench_0a1b2c3d: {
          name: 'kbench_0a1b2c3d',
          scan_stats: {
            function: 'SCRUB',
            state: 'FINISHED',
            start_time: 1764100000,
            end_time: 1764100001,
            to_examine: 100663296,
            examined: 100794368,
            issued: 100794368,
            errors: 0,
          },
        },
      },
    });
    const scan = parseScanStats(json, 'kbench_0a1b2c3d')!;
    expect(scan).toEqual({ function: 'SCRUB', state: 'FINISHED', examined: 100794368, startTime: 1764100000, endTime: 1764100001 });
    expect(scrubTimingDisagreement(scan, 0.8)).toBeNull();
    expect(scrubTimingDisagreement(scan, 9.5)).toBe('scrub took 9.50 s by our clock but 1 s by zpool status scan_stats');
    expect(parseScanStats(json, 'other')).toBeNull();
    expect(parseScanStats('not json', 'kbench_0a1b2c3d')).toBeNull();
  });

  it('guest clock lines are split from the command output', () => {
    expect(parseClockLines('hello\n__kbench_clock__ 1764100000.100000000 1764100001.350000000\n')).toEqual({ seconds: 1.25, stdout: 'hello\n' });
    expect(parseClockLines('no clock here')).toBeNull();
    expect(parseClockLines('__kbench_clock__ 5 4\n')).toBeNull();
  });
});

describe('the suite', () => {
  it('has unique, well-formed metric ids with units and directions', () => {
    const ids = metricIds(SUITES.zfs!);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/);
    expect(ids).toContain('zfs.scrub.mb_per_s');
  });

  it('--only keeps suite order and rejects unknown names', () => {
    expect(selectWorkloads('zfs', ['snapshots', 'boot']).map((w) => w.id)).toEqual(['boot', 'snapshots']);
    expect(() => selectWorkloads('zfs', ['defrag'])).toThrow(/--only: unknown workload "defrag"/);
  });

  it('generates pool names that pass its own validation, and quotes everything in zpool create', () => {
    const name = ZfsScratch.newPoolName();
    expect(name).toMatch(POOL_NAME_PATTERN);
    const scratch = new ZfsScratch(null as never, null as never);
    const command = scratch.createCommand({ name, vdevs: [{ device: "/var/tmp/it's here.img", file: 'x' }] });
    expect(command).toBe(
      `zpool create -f -o ashift=12 -o cachefile=none -m /var/tmp/kbench/mnt/${name} -O compression=off -O atime=off -O recordsize=128k -O sync=standard -O primarycache=all ${name} '/var/tmp/it'\\''s here.img'`,
    );
  });
});

describe("timeRepeated on a real shell (this machine, the Linux adapter's clock)", () => {
  const ctxFor = (shell: LocalShell) => ({ shell, guest: getGuestAdapter('debian') }) as unknown as WorkloadContext;

  it('times each run apart from the untimed step between, in one command', async () => {
    const shell = new LocalShell();
    const dir = mkdtempSync(path.join(tmpdir(), 'kbench-repeat-'));
    // Each timed run sleeps at least 0.2 s; each step between at least 0.5 s, so if the steps
    // between leaked into the timings, the timings would add up to more than the call minus 2 s.
    const started = performance.now();
    const seconds = await timeRepeated(ctxFor(shell), `echo x >> ${dir}/count; sleep 0.2`, 'sleep 0.5', 4);
    const wallSeconds = (performance.now() - started) / 1000;
    expect(seconds).toHaveLength(4);
    for (const s of seconds) expect(s).toBeGreaterThanOrEqual(0.2);
    expect(seconds.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(wallSeconds - 4 * 0.5);
    expect(readFileSync(`${dir}/count`, 'utf8')).toBe('x\nx\nx\nx\n');
    expect(shell.commands).toHaveLength(1);
  });

  it('stops at the first failing run or step between, with the command in the error', async () => {
    const shell = new LocalShell();
    const dir = mkdtempSync(path.join(tmpdir(), 'kbench-repeat-'));
    await expect(timeRepeated(ctxFor(shell), `echo x >> ${dir}/count; [ $(wc -l < ${dir}/count) -lt 2 ]`, 'true', 5)).rejects.toThrow(/exit 1.*echo x/);
    expect(readFileSync(`${dir}/count`, 'utf8')).toBe('x\nx\n');
    await expect(timeRepeated(ctxFor(shell), 'true', 'false', 3)).rejects.toThrow(/exit 1/);
  });

  it('reads every clock line of a batch, and refuses a malformed one', () => {
    expect(parseAllClockLines('__kbench_clock__ 1.0 1.5\nout\n__kbench_clock__ 2.0 2.25\n')).toEqual([0.5, 0.25]);
    expect(parseAllClockLines('__kbench_clock__ 2 1\n')).toBeNull();
    expect(parseAllClockLines('nothing')).toBeNull();
  });
});
