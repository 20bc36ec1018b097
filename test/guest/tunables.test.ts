import { describe, expect, it } from 'vitest';
import { freebsdSysctlCandidates, validateTunables } from '../../harness/guest/common/tunables.ts';

describe('freebsdSysctlCandidates', () => {
  it('maps Linux names to every scope split, flat name first', () => {
    expect(freebsdSysctlCandidates('zfs_arc_max')).toEqual(['vfs.zfs.arc_max', 'vfs.zfs.arc.max']);
    expect(freebsdSysctlCandidates('zfs_txg_timeout')).toEqual(['vfs.zfs.txg_timeout', 'vfs.zfs.txg.timeout']);
    expect(freebsdSysctlCandidates('zfs_vdev_raidz_impl')).toEqual(['vfs.zfs.vdev_raidz_impl', 'vfs.zfs.vdev.raidz_impl', 'vfs.zfs.vdev_raidz.impl']);
  });

  it('takes dotted names as sysctls below vfs.zfs', () => {
    expect(freebsdSysctlCandidates('arc.max')).toEqual(['vfs.zfs.arc.max']);
    expect(freebsdSysctlCandidates('vfs.zfs.arc.max')).toEqual(['vfs.zfs.arc.max']);
  });
});

describe('validateTunables', () => {
  it('accepts numbers, implementation names and comma lists', () => {
    expect(() => validateTunables({ zfs_arc_max: '268435456', zfs_fletcher_4_impl: 'sse2', x: 'a,b' }, 'module-parameter')).not.toThrow();
    expect(() => validateTunables({ 'arc.max': '268435456' }, 'sysctl')).not.toThrow();
  });

  it('refuses shell syntax, spaces, empty values and dotted module parameter names', () => {
    expect(() => validateTunables({ zfs_arc_max: '1 2' }, 'module-parameter')).toThrow(/value "1 2" must match/);
    expect(() => validateTunables({ zfs_arc_max: '' }, 'module-parameter')).toThrow(/must match/);
    expect(() => validateTunables({ zfs_arc_max: "'" }, 'sysctl')).toThrow(/must match/);
    expect(() => validateTunables({ 'arc.max': '1' }, 'module-parameter')).toThrow(/name "arc.max" must match/);
    expect(() => validateTunables({ 'Arc.Max': '1' }, 'sysctl')).toThrow(/must match/);
  });
});
