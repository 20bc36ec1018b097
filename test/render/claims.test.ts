import { describe, expect, it } from 'vitest';
import { claimFor, loadClaimsSync, parseClaims } from '../../harness/render/claims.ts';

const claims = loadClaimsSync();

describe('kernels/claims.json', () => {
  it('states each claim as a speedup that agrees with the stock and custom numbers it quotes', () => {
    for (const [metricId, entries] of Object.entries(claims.claims))
      for (const claim of entries) {
        expect(metricId).toMatch(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/);
        expect(claim.quote).toContain(claim.stated);
        if (claim.stock === null || claim.custom === null) continue;
        expect(claim.stock.unit).toBe(claim.custom.unit);
        const lowerIsBetter = !/\/s$/.test(claim.stock.unit);
        const implied = lowerIsBetter ? claim.stock.value / claim.custom.value : claim.custom.value / claim.stock.value;
        expect(Math.abs(implied / claim.speedup - 1), `${metricId} ${claim.stated}`).toBeLessThan(0.01);
      }
  });

  it('holds every row of the seed performance summary that names a number', () => {
    const quotes = Object.values(claims.claims)
      .flat()
      .filter((c) => c.section === 'Performance Summary')
      .map((c) => c.quote.split('|')[1]!.trim());
    expect(quotes.sort()).toEqual(['Boot', 'Checksum', 'Kernel Size', 'Memory', 'Pool Create', 'Scrub 10GB']);
  });

  it('prefers the claim the seed makes for the guest OS over the general one', () => {
    expect(claimFor(claims, 'zfs.pool_create.seconds', 'freebsd')!.speedup).toBe(1.56);
    expect(claimFor(claims, 'zfs.pool_create.seconds', 'debian')!.speedup).toBe(1.75);
    expect(claimFor(claims, 'zfs.send_recv.mb_per_s', 'debian')).toBeNull();
    expect(claimFor(claims, 'constructor', 'debian')).toBeNull();
  });

  it('rejects a malformed claims file with the field named', () => {
    expect(() =>
      parseClaims(
        '{"format":"kbench-claims","version":2,"source":"","about":"","platform":{"chipClasses":["M1"],"description":"x"},"claims":{"a.b":[{"speedup":-1}]}}',
        'c.json',
      ),
    ).toThrow(/^c\.json: field claims\.a\.b\[0\]\./);
    expect(() => parseClaims('{', 'c.json')).toThrow(/c\.json: not valid JSON/);
  });
});
