/** kbench submit's bundle: anonymized, content-addressed, and accepted by kbench ingest's gate. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseResults } from '../../harness/results/store.ts';
import { buildBundle, bundleId, chipClassOf } from '../../harness/submit/bundle.ts';
import { findIdentifying, scrubText } from '../../harness/submit/identifying.ts';
import { checkSubmissionText } from '../../harness/submit/validate.ts';
import { testKey } from '../helpers/bundles.ts';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/results/testbed-run.json');
const testbed = parseResults(readFileSync(FIXTURE, 'utf8'), FIXTURE);
const NOW = new Date('2026-12-01T00:00:00Z');

describe('buildBundle', () => {
  it('from the real testbed run: the fingerprint, a content-hash id, and a bundle ingest accepts', () => {
    const bundle = buildBundle({ results: testbed, key: testKey('b'), identity: { hostNames: [], userNames: [] }, submittedWith: '0.1.0' });
    expect(bundle.fingerprint).toEqual({
      chip: 'AMD EPYC',
      chipClass: 'other',
      modelId: 'unknown',
      arch: 'x64',
      performanceCores: 2,
      efficiencyCores: 0,
      logicalCpus: 2,
      memoryBytes: 24 * 1024 ** 3, // 25276502016 rounded to a size sold
      os: 'Linux',
      osVersion: 'Debian GNU/Linux 12 (bookworm) (kernel 6.18.44-fc-v669)',
      hypervisor: 'qemu',
      acceleration: 'qemu-tcg',
      kbenchVersion: '0.1.0',
    });
    expect(bundle.id).toMatch(/^[0-9a-f]{64}$/);
    expect(bundleId(bundle)).toBe(bundle.id);
    // The numbers, ids and boots are the run's own; only times are cut to the hour.
    const shape = (targets: typeof testbed.targets) =>
      targets.map((t) => ({ id: t.id, metrics: t.metrics.map((m) => ({ id: m.id, values: m.samples.map((s) => [s.value, s.boot]) })) }));
    expect(shape(bundle.results.targets)).toEqual(shape(testbed.targets));
    expect(bundle.results.targets[0]!.metrics[0]!.samples[0]!.at).toBe('2026-11-25T21:00:00.000Z');
    expect(bundle.results.createdAt).toBe('2026-11-25T21:00:00.000Z');
    const checked = checkSubmissionText(JSON.stringify(bundle), NOW);
    expect(checked.ok).toBe(true);
    // Same content, same id, however it is formatted; another machine, another id.
    expect(buildBundle({ results: testbed, key: testKey('b'), identity: { hostNames: [], userNames: [] }, submittedWith: '0.1.0' }).id).toBe(bundle.id);
    expect(buildBundle({ results: testbed, key: testKey('c'), identity: { hostNames: [], userNames: [] }, submittedWith: '0.1.0' }).id).not.toBe(bundle.id);
  });

  it('scrubs host and user names, home paths, addresses and markup from every free-text field', () => {
    const dirty = structuredClone(testbed);
    dirty.host!.osVersion = 'macOS 15.1 on annes-mbp.local';
    dirty.host!.modelId = 'Mac14,2 Serial Number (system): C02XL0GEJGH5';
    const failed = dirty.targets[0]!.metrics.find((m) => m.failures.length > 0)!;
    failed.failures[0]!.reason = 'ssh anne@192.168.1.20: cannot open /Users/anne/kbench/<stdin>: ANNES-MBP said \u001b[31mno\u001b[0m; ether 3c:22:fb:01:02:03';
    const bundle = buildBundle({ results: dirty, key: testKey('b'), identity: { hostNames: ['annes-mbp'], userNames: ['anne'] }, submittedWith: '0.1.0' });
    const text = JSON.stringify(bundle);
    expect(text).not.toMatch(/anne|192\.168|C02XL0GEJGH5|3c:22:fb|\/Users|<stdin>|\\u001b/i);
    const reason = bundle.results.targets[0]!.metrics.find((m) => m.id === failed.id)!.failures[0]!.reason;
    expect(reason).toBe('ssh [email]: cannot open ~/kbench/\u2039stdin\u203a: [host] said  [31mno [0m; ether [mac]');
    expect(bundle.results.host!.modelId).toBe('Mac14,2 serial [removed]');
    expect(bundle.results.host!.osVersion).toBe('macOS 15.1 on [host]');
    expect(checkSubmissionText(text, NOW).ok).toBe(true);
  });

  it('refuses an unfinished run and a baseline', () => {
    expect(() =>
      buildBundle({ results: { ...testbed, complete: false }, key: testKey('b'), identity: { hostNames: [], userNames: [] }, submittedWith: '0.1.0' }),
    ).toThrow(/complete: the run did not finish/);
    expect(() =>
      buildBundle({ results: { ...testbed, kind: 'baseline' }, key: testKey('b'), identity: { hostNames: [], userNames: [] }, submittedWith: '0.1.0' }),
    ).toThrow(/kind: only a run/);
  });
});

describe('identifying text', () => {
  it('finds what identifies and leaves versions, times and hashes alone', () => {
    for (const text of [
      '/home/bob/x',
      'C:\\Users\\Bob\\x',
      '10.0.2.15',
      'fe80::1c2:3ff:fe4d:5e6f',
      'aa:bb:cc:dd:ee:ff',
      'x@example.org',
      '"IOPlatformSerialNumber" = "C02XL0GEJGH5"',
      'mac.local',
      '0123456789abcdef0123456789abcdef',
    ])
      expect(findIdentifying(text), text).not.toBeNull();
    for (const text of [
      'Debian GNU/Linux 12 (bookworm) (kernel 6.18.44-fc-v669)',
      '2.3.2-2~bpo12+2',
      '2026-11-25T21:53:58.536Z',
      'see the serial console',
      'f75010e906eac59e85ab3fab9de8f197af2fc9dbd37415d3f3b74d11b7de2438',
      'Apple M2 Pro',
      '10:00:01 timed out',
    ])
      expect(findIdentifying(text), text).toBeNull();
    expect(scrubText('root@buildhost', { hostNames: ['buildhost'], userNames: ['root'] })).toBe('root@[host]');
  });
});

describe('chipClassOf', () => {
  it('tells M-series generations apart and calls everything else other', () => {
    expect(['Apple M1', 'Apple M2 Pro', 'Apple M3 Max', 'Apple M4', 'Apple M5 Ultra', 'AMD EPYC', 'Apple M9', ''].map(chipClassOf)).toEqual([
      'M1',
      'M2',
      'M3',
      'M4',
      'M5',
      'other',
      'other',
      'other',
    ]);
  });
});
