import { describe, expect, it } from 'vitest';
import { parseBoottime, uptimeFromBoottime } from '../../harness/guest/common/boottime.ts';
import { parseVmstatSummary } from '../../harness/guest/common/uvm.ts';
import {
  parseFreebsdBoottime,
  parseFreebsdMemory,
  parseFreebsdVersion,
  parseKldstatHasModule,
  parseMdconfigAttach,
} from '../../harness/guest/freebsd/parse.ts';
import { parseModstatHasModule, parseNetbsdBoottime, parsePhysmem, parseRawPartition, parseVndconfigList } from '../../harness/guest/netbsd/parse.ts';
import { parseOpenbsdBoottime, parseOpenbsdPhysmem } from '../../harness/guest/openbsd/parse.ts';
import { expectRefused, fixture } from './fixtures.ts';

const BOOT = 1732560000; // Mon Nov 25 18:40:00 2024 UTC

describe('kern.boottime', () => {
  it('FreeBSD struct form, with microseconds', () => {
    expect(parseFreebsdBoottime(fixture('freebsd', 'kern.boottime.txt'))).toEqual({ ok: true, value: BOOT + 0.123456 });
    expect(parseFreebsdBoottime('1732560000').ok).toBe(false);
  });

  it('NetBSD -n, -nn and the ctime date (read as UTC) agree', () => {
    expect(parseNetbsdBoottime(fixture('netbsd', 'kern.boottime.n.txt'))).toEqual({ ok: true, value: BOOT });
    expect(parseNetbsdBoottime(fixture('netbsd', 'kern.boottime.nn.txt'))).toEqual({ ok: true, value: BOOT + 0.123456 });
    expect(parseNetbsdBoottime(fixture('netbsd', 'kern.boottime.date-utc.txt'))).toEqual({ ok: true, value: BOOT });
    expect(parseNetbsdBoottime('Mon Nov  4 08:05:09 2024')).toEqual({ ok: true, value: Date.UTC(2024, 10, 4, 8, 5, 9) / 1000 });
    expect(parseNetbsdBoottime(fixture('freebsd', 'kern.boottime.txt')).ok).toBe(false);
  });

  it('OpenBSD -n prints whole seconds', () => {
    expect(parseOpenbsdBoottime(fixture('openbsd', 'kern.boottime.n.txt'))).toEqual({ ok: true, value: BOOT });
    expect(parseOpenbsdBoottime('Mon Nov 25 18:40:00 2024').ok).toBe(false);
  });

  it('refuses garbage', () => {
    expectRefused(parseBoottime, ['', '{ sec = 1, usec = 1000000 }', 'Mon Foo 25 18:40:00 2024', 'sysctl: unknown oid']);
  });

  it('uptime is the guest clock minus the boot time, never negative within a second', () => {
    expect(uptimeFromBoottime('1732560000', '1732560042\n')).toEqual({ ok: true, value: 42 });
    expect(uptimeFromBoottime('1732560000.5', '1732560000')).toEqual({ ok: true, value: 0 });
    expect(uptimeFromBoottime('1732560000', '1732550000').ok).toBe(false);
    expect(uptimeFromBoottime('1732560000', '%s').ok).toBe(false);
  });
});

describe('FreeBSD', () => {
  it('memory: physmem, free pages and page size', () => {
    expect(parseFreebsdMemory(fixture('freebsd', 'memory.sysctl.txt'))).toEqual({
      ok: true,
      value: { physicalBytes: 2107625472, freePages: 394721, pageSizeBytes: 4096 },
    });
    expectRefused(parseFreebsdMemory, ['2107625472\n394721\n', '2107625472\n394721\n4095\n', '100\n394721\n4096\n']);
  });

  it('mdconfig, freebsd-version and kldstat', () => {
    expect(parseMdconfigAttach(fixture('freebsd', 'mdconfig-attach.txt'))).toEqual({ ok: true, value: 'md0' });
    expect(parseMdconfigAttach('mdconfig: ioctl(/dev/mdctl): Invalid argument').ok).toBe(false);
    expect(parseFreebsdVersion(fixture('freebsd', 'freebsd-version.txt'))).toEqual({ ok: true, value: '14.1-RELEASE-p5' });
    expect(parseFreebsdVersion('15.0-CURRENT')).toEqual({ ok: true, value: '15.0-CURRENT' });
    expect(parseFreebsdVersion('FreeBSD').ok).toBe(false);
    expect(parseKldstatHasModule(fixture('freebsd', 'kldstat.txt'), 'zfs')).toEqual({ ok: true, value: true });
    expect(parseKldstatHasModule(fixture('freebsd', 'kldstat.txt'), 'nullfs')).toEqual({ ok: true, value: false });
    expect(parseKldstatHasModule('kldstat: not found', 'zfs').ok).toBe(false);
  });
});

describe('NetBSD', () => {
  it('vndconfig -l: which units are free', () => {
    expect(parseVndconfigList(fixture('netbsd', 'vndconfig-l.txt'))).toEqual({
      ok: true,
      value: [
        { unit: 'vnd0', inUse: true },
        { unit: 'vnd1', inUse: false },
        { unit: 'vnd2', inUse: false },
        { unit: 'vnd3', inUse: false },
      ],
    });
    expectRefused(parseVndconfigList, ['vndconfig: VNDIOCGET: Device not configured', 'vnd0: something odd']);
  });

  it('raw partition letter, modstat and physmem64', () => {
    expect(parseRawPartition(fixture('netbsd', 'kern.rawpartition.txt'))).toEqual({ ok: true, value: 'd' });
    expect(parseRawPartition('2')).toEqual({ ok: true, value: 'c' });
    expect(parseRawPartition('16').ok).toBe(false);
    expect(parseModstatHasModule(fixture('netbsd', 'modstat.txt'), 'zfs')).toEqual({ ok: true, value: true });
    expect(parseModstatHasModule(fixture('netbsd', 'modstat.txt'), 'ffs')).toEqual({ ok: true, value: false });
    expect(parseModstatHasModule('', 'zfs').ok).toBe(false);
    expect(parsePhysmem(fixture('netbsd', 'hw.physmem64.txt'))).toEqual({ ok: true, value: 2147016704 });
    expect(parsePhysmem('0').ok).toBe(false);
  });
});

describe('vmstat -s (NetBSD %9u and OpenBSD %11u layouts)', () => {
  it('reads page size, managed and free pages', () => {
    expect(parseVmstatSummary(fixture('netbsd', 'vmstat-s.txt'))).toEqual({
      ok: true,
      value: { pageSizeBytes: 4096, pagesManaged: 500834, pagesFree: 398120 },
    });
    expect(parseVmstatSummary(fixture('openbsd', 'vmstat-s.txt'))).toEqual({
      ok: true,
      value: { pageSizeBytes: 4096, pagesManaged: 502371, pagesFree: 427010 },
    });
  });

  it('refuses missing lines and impossible values', () => {
    expectRefused(parseVmstatSummary, [
      '   4096 bytes per page\n',
      '4000 bytes per page\n10 pages managed\n5 pages free\n',
      '4096 bytes per page\n10 pages managed\n50 pages free\n',
    ]);
  });
});

describe('OpenBSD hw.physmem', () => {
  it('reads bytes and refuses the name=value form', () => {
    expect(parseOpenbsdPhysmem(fixture('openbsd', 'hw.physmem.txt'))).toEqual({ ok: true, value: 2130575360 });
    expect(parseOpenbsdPhysmem('hw.physmem=2130575360').ok).toBe(false);
  });
});
