import { describe, expect, it } from 'vitest';
import { parseNamedKstat, parseSysctlKstat } from '../../harness/guest/common/arcstats.ts';
import { fixture } from './fixtures.ts';

describe('parseNamedKstat (Linux arcstats)', () => {
  it('reads name/type/data rows, including negative int64 values', () => {
    const result = parseNamedKstat(fixture('linux', 'arcstats.excerpt.txt'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.hits).toBe(13727);
    expect(result.value.c_max).toBe(1037762560);
    expect(result.value.memory_available_bytes).toBe(-15618048);
    expect(Object.keys(result.value)).toHaveLength(10);
  });

  it('skips text-typed rows and refuses unknown types or non-numbers', () => {
    const head = '9 1 0x01 3 144 1 2\nname                            type data\n';
    const withText = parseNamedKstat(`${head}hits 4 10\nkmem_name 7 zio_buf\n`);
    expect(withText).toEqual({ ok: true, value: { hits: 10 } });
    expect(parseNamedKstat(`${head}hits 9 10\n`)).toEqual({ ok: false, error: 'line 3: hits has unknown kstat type 9' });
    expect(parseNamedKstat(`${head}hits 4 ten\n`)).toEqual({ ok: false, error: 'line 3: hits is "ten", not an integer' });
  });

  it('refuses text without the SPL header or the column header', () => {
    expect(parseNamedKstat('hits 4 10\n').ok).toBe(false);
    const noColumns = parseNamedKstat('9 1 0x01 3 144 1 2\nhits 4 10\n');
    expect(noColumns.ok || noColumns.error).toMatch(/line 2: expected "name type data"/);
    expect(parseNamedKstat('9 1 0x01 3 144 1 2\nname type data\n')).toEqual({ ok: false, error: 'no statistics found' });
  });
});

describe('parseSysctlKstat (FreeBSD `name: value`, NetBSD `name = value`)', () => {
  it('reads FreeBSD arcstats', () => {
    const result = parseSysctlKstat(fixture('freebsd', 'arcstats.sysctl.txt'), 'kstat.zfs.misc.arcstats');
    expect(result.ok && result.value.size).toBe(4473600);
    expect(result.ok && result.value.memory_available_bytes).toBe(-15618048);
  });

  it('reads NetBSD arcstats', () => {
    const result = parseSysctlKstat(fixture('netbsd', 'arcstats.sysctl.txt'), 'kstat.zfs.misc.arcstats');
    expect(result).toEqual({
      ok: true,
      value: { hits: 13727, misses: 1121, size: 4473600, c: 62500000, c_min: 62500000, c_max: 1037762560 },
    });
  });

  it('refuses names outside the prefix, non-numbers and empty output', () => {
    expect(parseSysctlKstat('vfs.zfs.arc.max: 5\n', 'kstat.zfs.misc.arcstats')).toEqual({
      ok: false,
      error: 'line 1: vfs.zfs.arc.max is not under kstat.zfs.misc.arcstats',
    });
    expect(parseSysctlKstat('kstat.zfs.misc.arcstats.hits: many\n', 'kstat.zfs.misc.arcstats').ok).toBe(false);
    expect(parseSysctlKstat('\n', 'kstat.zfs.misc.arcstats').ok).toBe(false);
    expect(parseSysctlKstat('sysctl: unknown oid', 'kstat.zfs.misc.arcstats').ok).toBe(false);
  });
});
