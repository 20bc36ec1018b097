import { describe, expect, it } from 'vitest';
import { parseKstatBenchTable } from '../../harness/guest/common/kstat.ts';
import { fixture } from './fixtures.ts';

function parsed(text: string, header: 'spl' | 'sysctl') {
  const result = parseKstatBenchTable(text, header);
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

function failure(text: string, header: 'spl' | 'sysctl'): string {
  const result = parseKstatBenchTable(text, header);
  if (result.ok) throw new Error('expected a parse error');
  return result.error;
}

describe('parseKstatBenchTable on Linux (SPL header line)', () => {
  it('reads the testbed fletcher_4_bench: bytes/s per implementation and the fastest row', () => {
    const table = parsed(fixture('linux', 'fletcher_4_bench.testbed.txt'), 'spl');
    expect(table.columns).toEqual(['native', 'byteswap']);
    expect(Object.keys(table.rows)).toEqual(['scalar', 'superscalar', 'superscalar4', 'sse2']);
    expect(table.rows.superscalar).toEqual({ native: 1918360775, byteswap: 2036297256 });
    expect(table.rows.sse2!.byteswap).toBe(397898519);
    expect(table.fastest).toEqual({ native: 'superscalar', byteswap: 'superscalar' });
    expect(table.notMeasured).toEqual([]);
  });

  it('drops the 0 cells of chksum_bench (not measured under TCG) and lists them', () => {
    const table = parsed(fixture('linux', 'chksum_bench.testbed-excerpt.txt'), 'spl');
    expect(table.columns).toEqual(['1k', '4k', '16k', '64k', '256k', '1m', '4m', '16m']);
    expect(table.rows['edonr-generic']).toEqual({ '1k': 122, '4k': 194, '16k': 171, '64k': 174, '256k': 177 });
    expect(table.rows['sha256-generic']!['1m']).toBeUndefined();
    expect('1m' in table.rows['sha256-generic']!).toBe(false);
    expect(table.notMeasured).toHaveLength(6);
    expect(table.notMeasured).toContainEqual({ implementation: 'sha256-generic', column: '16m' });
    expect(table.fastest).toBeNull();
  });

  it('reads vdev_raidz_bench with ten columns', () => {
    const table = parsed(fixture('linux', 'vdev_raidz_bench.reconstructed.txt'), 'spl');
    expect(table.columns).toHaveLength(10);
    expect(table.columns[0]).toBe('gen_p');
    expect(table.columns[9]).toBe('rec_pqr');
    expect(table.rows.ssse3!.rec_q).toBe(1100322308);
    expect(table.fastest!.rec_pqr).toBe('ssse3');
  });

  it('refuses a table without the SPL header line', () => {
    const noHeader = fixture('linux', 'fletcher_4_bench.testbed.txt').split('\n').slice(1).join('\n');
    expect(failure(noHeader, 'spl')).toMatch(/line 1 is not an SPL kstat header/);
  });
});

describe('parseKstatBenchTable on FreeBSD (sysctl: leading empty line)', () => {
  it('reads fletcher_4_bench', () => {
    const table = parsed(fixture('freebsd', 'fletcher_4_bench.sysctl.txt'), 'sysctl');
    expect(table.rows.avx2).toEqual({ native: 9104523791, byteswap: 8247781634 });
    expect(table.fastest).toEqual({ native: 'avx2', byteswap: 'avx2' });
  });

  it('reads a fully measured chksum_bench', () => {
    const table = parsed(fixture('freebsd', 'chksum_bench.sysctl.txt'), 'sysctl');
    expect(Object.keys(table.rows)).toHaveLength(8);
    expect(table.rows['blake3-sse2']!['16m']).toBe(910);
    expect(table.notMeasured).toEqual([]);
  });

  it('refuses Linux output (SPL line where the header should be)', () => {
    expect(failure(fixture('linux', 'fletcher_4_bench.testbed.txt'), 'sysctl')).toMatch(/line 1: expected a header "implementation/);
  });
});

describe('parseKstatBenchTable on garbage', () => {
  const spl = '18 0 0x01 -1 0 5480934722 19720384839\n';
  it.each([
    ['empty input', '', /not an SPL kstat header/],
    ['only the SPL line', spl, /expected a header "implementation/],
    ['a header without rows', `${spl}implementation native byteswap\n`, /no implementation rows/],
    ['an error message', 'cat: /proc/spl/kstat/zfs/fletcher_4_bench: No such file or directory', /not an SPL kstat header/],
    ['a non-numeric value', `${spl}implementation native byteswap\nscalar 12 abc\n`, /line 3: scalar byteswap is "abc"/],
    ['a negative value', `${spl}implementation native byteswap\nscalar 12 -5\n`, /not a non-negative integer/],
    ['a short row', `${spl}implementation native byteswap\nscalar 12\n`, /line 3: scalar has 1 values for 2 columns/],
    ['a duplicate row', `${spl}implementation native\nscalar 1\nscalar 2\n`, /line 4: duplicate row scalar/],
    ['a row after fastest', `${spl}implementation native\nscalar 1\nfastest scalar\nsse2 3\n`, /row sse2 after the fastest row/],
    ['fastest naming an unknown row', `${spl}implementation native\nscalar 1\nfastest avx512\n`, /names "avx512", which has no row/],
  ])('%s', (_what, text, message) => {
    expect(failure(text, 'spl')).toMatch(message);
  });

  it('keeps a row whose every cell is 0, with no values', () => {
    const table = parsed(`${spl}implementation 1k 4k\nedonr-generic 0 0\nsha256-generic 5 6\n`, 'spl');
    expect(table.rows['edonr-generic']).toEqual({});
    expect(table.notMeasured).toEqual([
      { implementation: 'edonr-generic', column: '1k' },
      { implementation: 'edonr-generic', column: '4k' },
    ]);
  });
});
