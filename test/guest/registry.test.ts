import { describe, expect, it } from 'vitest';
import { getGuestAdapter } from '../../harness/guest/registry.ts';
import { GuestOs } from '../../harness/results/schema.ts';

describe('getGuestAdapter', () => {
  it('has an adapter for every guest OS in the results schema, reporting that OS', () => {
    for (const os of GuestOs.options) expect(getGuestAdapter(os).os).toBe(os);
  });

  it('Linux guests print a sub-microsecond clock; BSD guests fall back to host timing', () => {
    expect(getGuestAdapter('debian').monotonicClockCommand()).toBe('date +%s.%N');
    expect(getGuestAdapter('alpine').monotonicClockCommand()).toBe('date +%s.%N');
    for (const os of ['freebsd', 'netbsd', 'openbsd'] as const) expect(getGuestAdapter(os).monotonicClockCommand()).toBeNull();
  });

  it('refuses an unknown OS in one line', () => {
    expect(() => getGuestAdapter('plan9' as GuestOs)).toThrow(/^no guest adapter for "plan9" \(known: debian, alpine, freebsd, netbsd, openbsd\)$/);
  });
});
