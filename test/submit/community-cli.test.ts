/**
 * Issue 22 through the real CLI (bin/kbench.mjs): submit on ordinary names, planted identifiers,
 * hostile bundles refused with one line and the database unchanged, replays and copies under
 * new machine ids, verdicts that need three machines, and the database when it is locked,
 * read-only or created by three processes at once.
 *
 * The Apple M2 runs are constructed (test/helpers/results-factory.ts) with the shape of a Lima/vz
 * run: an alpine aarch64 guest, stock and custom kernel, nine samples per metric with a few
 * percent of noise; the x86 run is the real testbed run (test/fixtures/results/testbed-run.json).
 */
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, copyFileSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HostFingerprint, ResultsFile } from '../../harness/results/schema.ts';
import { buildBundle, bundleId, fingerprintOf, type SubmissionBundle } from '../../harness/submit/bundle.ts';
import { resign, testKey } from '../helpers/bundles.ts';
import { kbench, KBENCH, workdir } from '../helpers/cli.ts';
import { HOST, metric, runFile, target } from '../helpers/results-factory.ts';

const GIB = 1024 ** 3;
const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/results/testbed-run.json');
const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts');

const M2_HOST: HostFingerprint = {
  ...HOST,
  os: 'macOS',
  osVersion: '15.1',
  arch: 'arm64',
  modelId: 'Mac14,2',
  chip: 'Apple M2',
  performanceCores: 4,
  efficiencyCores: 4,
  logicalCpus: 8,
  memoryBytes: 16 * GIB,
  hypervisor: 'lima',
  acceleration: 'vz',
  limaVersion: '1.0.1',
  qemuVersion: null,
};

/** Nine samples around `centre`, a few percent of deterministic noise that differs per seed. */
function noisy(centre: number, seed: number): number[] {
  let x = seed * 7919 + 17;
  return Array.from({ length: 9 }, () => {
    x = (x * 48271) % 2147483647;
    return centre * (1 + (x / 2147483647 - 0.5) * 0.08);
  });
}

/** An alpine run on an M2 whose custom kernel is `factor` times faster at every timed metric. */
function m2Run(seed: number, factor: number, host: Partial<HostFingerprint> = {}): ResultsFile {
  const metrics = (scale: number, s: number) => [
    metric('zfs.pool_create.seconds', noisy(2 * scale, s)),
    metric('zfs.scrub.seconds', noisy(20 * scale, s + 1)),
    metric('boot.host_to_ssh.seconds', noisy(8 * scale, s + 2)),
    metric('zfs.send.seconds', noisy(5 * scale, s + 3), { failures: [{ reason: 'timed out', at: '2026-11-25T10:05:00.000Z', boot: 0 }] }),
  ];
  const withArch = (t: ReturnType<typeof target>) => ({ ...t, guest: { ...t.guest, arch: 'aarch64' } });
  return runFile([withArch(target('stock', metrics(1, seed * 10), 'alpine')), withArch(target('custom', metrics(1 / factor, seed * 10 + 5), 'alpine'))], {
    runId: `m2-lab-2026-11-25T10-00-00-${seed}`,
    host: { ...M2_HOST, ...host },
    settings: { ...runFile([]).settings!, target: 'm2-lab' },
  });
}

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const lines = (text: string): string[] =>
  text
    .trimEnd()
    .split('\n')
    .filter((l) => l !== '');

/** A HOME per simulated machine: its own signing key, made by kbench submit. */
async function submitAs(home: string, results: ResultsFile, name: string, env: Record<string, string> = {}) {
  mkdirSync(home, { recursive: true });
  const file = path.join(home, `${name}.json`);
  writeFileSync(file, JSON.stringify(results));
  const out = path.join(home, `subs-${name}`);
  const result = await kbench(home, ['submit', file, '--out', out, '--json'], { HOME: home, ...env });
  expect(result.code, result.stderr).toBe(0);
  const [bundleFile] = readdirSync(out);
  return { result, file: path.join(out, bundleFile!), bundle: JSON.parse(readFileSync(path.join(out, bundleFile!), 'utf8')) as SubmissionBundle };
}

describe('kbench submit never breaks on ordinary names and never touches ids', () => {
  const dir = workdir();
  const results = m2Run(1, 1.9);
  results.targets[0]!.metrics[3]!.failures[0]!.reason = 'zfs send on stock kernel: fastest path {{{x}}} timed out on m2-lab';
  const ids = (r: { targets: ResultsFile['targets'] }) => r.targets.map((t) => [t.id, t.metrics.map((m) => m.id)]);

  it.each([
    ['zfs', 'stock'],
    ['fastest', 'custom'],
    ['m2', 'lab'],
    ['alpine', 'seconds'],
  ])(
    'USER=%s LOGNAME=%s: exit 0, ids and metric names untouched, ingest accepts the bundle',
    async (user, logname) => {
      const home = path.join(dir, `${user}-${logname}`);
      const { bundle, file, result } = await submitAs(home, results, 'run', { USER: user, LOGNAME: logname });
      expect(result.stderr).toBe('');
      expect(ids(bundle.results)).toEqual(ids(results));
      expect(bundle.results.targets.map((t) => t.guest.zfsImplementations)).toEqual(results.targets.map((t) => t.guest.zfsImplementations));
      const reason = bundle.results.targets[0]!.metrics[3]!.failures[0]!.reason;
      expect(reason).not.toContain('{{');
      const ingested = await kbench(home, ['ingest', file, '--db', path.join(home, 'k.db')]);
      expect(ingested.code, ingested.stderr).toBe(0);
      expect(ingested.stdout).toMatch(/1 ingested/);
    },
    60_000,
  );

  it('a target named after the user: the run id is replaced, the target name scrubbed, exit 0', async () => {
    const home = path.join(dir, 'target-user');
    const named = { ...results, runId: 'okonkwo-mac-2026-11-25T10-00-00-123Z', settings: { ...results.settings!, target: 'okonkwo-mac' } };
    const { bundle } = await submitAs(home, named, 'run', { USER: 'okonkwo', LOGNAME: 'okonkwo' });
    expect(bundle.results.runId).toMatch(/^run-[0-9a-f]{16}$/);
    expect(bundle.results.settings!.target).toBe('[user]-mac');
    expect(JSON.stringify(bundle)).not.toMatch(/okonkwo/i);
  }, 60_000);
});

describe('kbench submit with a broken signing key: one line, exit 2, nothing written', () => {
  it.each([
    [
      'a folder where the key should be',
      (file: string) => mkdirSync(file, { recursive: true }),
      /signing-key\.pem: cannot read this machine's signing key \(EISDIR\)$/,
    ],
    [
      'a file that is not a key',
      (file: string) => (mkdirSync(path.dirname(file), { recursive: true }), writeFileSync(file, 'not a key')),
      /signing-key\.pem: not a kbench signing key \(.*\); move it away and kbench makes a new one$/,
    ],
  ] as const)(
    '%s',
    async (_name, make, pattern) => {
      const home = workdir({ 'run.json': m2Run(5, 1.9) });
      make(path.join(home, '.local/share/kbench/signing-key.pem'));
      const result = await kbench(home, ['submit', 'run.json', '--out', 'subs'], { HOME: home });
      expect(result.code).toBe(2);
      expect(lines(result.stderr)).toHaveLength(1);
      expect(lines(result.stderr)[0]).toMatch(pattern);
      expect(() => readdirSync(path.join(home, 'subs'))).toThrow(/ENOENT/);
    },
    30_000,
  );
});

describe('kbench submit to a place it cannot write: one line, exit 2', () => {
  it('--out names a file', async () => {
    const home = workdir({ 'run.json': m2Run(6, 1.9), taken: 'x' });
    const result = await kbench(home, ['submit', 'run.json', '--out', 'taken'], { HOME: home });
    expect(result.code).toBe(2);
    expect(lines(result.stderr)).toEqual(['kbench: --out taken: cannot write the bundles there (EEXIST)']);
  }, 30_000);
});

describe('kbench submit removes every planted identifier', () => {
  const planted: { kind: string; value: string; where: string; set: (r: ResultsFile) => void }[] = [
    { kind: 'Apple serial (SN:)', value: 'SN: C02XK0ABJGH5', where: 'host.modelId', set: (r) => (r.host!.modelId = 'Mac14,2 SN: C02XK0ABJGH5') },
    { kind: 'bare Apple serial', value: 'C02XK0ABJGH5', where: 'host.osVersion', set: (r) => (r.host!.osVersion = '15.1 C02XK0ABJGH5') },
    {
      kind: 'host-key fingerprint (SHA256)',
      value: 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8',
      where: 'failure reason',
      set: (r) => (fail(r).reason = 'host key SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8 changed'),
    },
    {
      kind: 'host-key fingerprint (MD5)',
      value: 'MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48',
      where: 'failure reason',
      set: (r) => (fail(r, 1).reason = 'key MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48'),
    },
    {
      kind: "absolute path in root's home",
      value: '/root/okafor-work/kbench/run.log',
      where: 'failure reason',
      set: (r) => (fail(r, 2).reason = 'see /root/okafor-work/kbench/run.log'),
    },
    {
      kind: 'home path',
      value: '/Users/anne/kbench',
      where: 'guest.osVersion',
      set: (r) => (r.targets[0]!.guest.osVersion = 'Alpine 3.20 from /Users/anne/kbench'),
    },
    {
      kind: 'tailnet name',
      value: 'annes-mbp.tail1234.ts.net',
      where: 'failure reason',
      set: (r) => (fail(r, 3).reason = 'ssh annes-mbp.tail1234.ts.net refused'),
    },
    { kind: 'mDNS name', value: 'annes-mbp.local', where: 'settings.target', set: (r) => (r.settings!.target = 'annes-mbp.local') },
    {
      kind: 'URL-encoded e-mail',
      value: 'anne.okafor%40example.org',
      where: 'guest.zfsVersion',
      set: (r) => (r.targets[1]!.guest.zfsVersion = 'zfs-2.3.2 built by anne.okafor%40example.org'),
    },
    {
      kind: 'disk WWN',
      value: 'wwn-0x5000c500a1b2c3d4',
      where: 'pool property value',
      set: (r) => (r.targets[0]!.guest.poolProperties.path = '/dev/disk/by-id/wwn-0x5000c500a1b2c3d4'),
    },
    { kind: 'IPv4 address', value: '192.168.1.23', where: 'host.osVersion', set: (r) => (r.host!.osVersion += ' on 192.168.1.23') },
    { kind: 'surname (LOGNAME)', value: 'Okafor', where: 'failure reason', set: (r) => (fail(r, 4).reason = 'Okafor pressed ^C') },
    { kind: 'millisecond timestamps', value: '10:00:01.000Z', where: 'every sample', set: () => {} },
    { kind: 'timestamp with an offset', value: '+02:00', where: 'createdAt', set: (r) => (r.createdAt = '2026-11-25T12:00:00.000+02:00') },
    { kind: 'exact RAM size', value: String(16 * GIB + 123 * 4096), where: 'host.memoryBytes', set: (r) => (r.host!.memoryBytes = 16 * GIB + 123 * 4096) },
  ];
  function fail(r: ResultsFile, n = 0) {
    const m = r.targets[1]!.metrics[3]!;
    while (m.failures.length <= n) m.failures.push({ reason: 'x', at: '2026-11-25T10:06:00.000Z', boot: 0 });
    return m.failures[n]!;
  }

  it('plants each kind, submits through the CLI, and finds none in the bundle; ingest accepts it', async () => {
    const home = workdir();
    const results = m2Run(2, 1.9);
    for (const p of planted) p.set(results);
    const { bundle, file } = await submitAs(home, results, 'planted', { LOGNAME: 'okafor' });
    const text = JSON.stringify(bundle);
    const table = ['| kind | planted | where | in the bundle |', '|---|---|---|---|'];
    for (const p of planted) {
      const left = text.toLowerCase().includes(p.value.toLowerCase());
      table.push(`| ${p.kind} | \`${p.value}\` | ${p.where} | ${left ? 'LEFT' : 'removed'} |`);
      expect(left, p.kind).toBe(false);
    }
    expect(text).not.toMatch(/okafor/i);
    const times = [
      bundle.results.createdAt,
      bundle.results.updatedAt,
      ...bundle.results.targets.flatMap((t) => t.metrics.flatMap((m) => [...m.samples, ...m.failures].map((s) => s.at))),
    ];
    expect(times.every((t) => /T\d\d:00:00\.000Z$/.test(t))).toBe(true);
    expect(bundle.results.createdAt).toBe('2026-11-25T10:00:00.000Z');
    expect(bundle.results.host!.memoryBytes).toBe(16 * GIB);
    expect(bundle.fingerprint.memoryBytes).toBe(16 * GIB);
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(path.join(ARTIFACTS, 'issue22-planted.md'), `${table.join('\n')}\n`);
    const ingested = await kbench(home, ['ingest', file, '--db', path.join(home, 'k.db')]);
    expect(ingested.code, ingested.stderr).toBe(0);
  }, 60_000);
});

type Mutable = Record<string, any>;

describe('kbench ingest refuses hostile bundles: one line, exit 2, the database unchanged', () => {
  const dir = workdir();
  const db = path.join(dir, 'k.db');
  const key = testKey('hostile');
  const other = testKey('hostile-other');
  const valid = buildBundle({ results: m2Run(3, 1.9), key, identity: { hostNames: [], userNames: [] }, submittedWith: '0.1.0' }) as unknown as Mutable;
  const syncFingerprint = (b: Mutable) => (b.fingerprint = fingerprintOf(b.results.host, b.results.kbenchVersion));
  /** The valid bundle edited, its id recomputed and signed again by its own key (unless `sign` says otherwise). */
  const edited = (edit: (b: Mutable) => void, sign: 'own' | 'none' | 'other' = 'own'): string => {
    const b = structuredClone(valid);
    edit(b);
    syncFingerprint(b);
    if (sign === 'none') return JSON.stringify({ ...b, id: bundleId(b as SubmissionBundle) });
    return JSON.stringify(resign(b, sign === 'own' ? key : other));
  };
  const host = (b: Mutable) => b.results.host as Mutable;
  const reasonOf = (b: Mutable) => b.results.targets[1].metrics[3].failures[0];
  const allTargets = (b: Mutable, edit: (t: Mutable) => void) => b.results.targets.forEach(edit);
  const sparse = (bytes: number) => (file: string) => {
    const fd = openSync(file, 'w');
    writeSync(fd, Buffer.from('{'), 0, 1, bytes - 1);
    closeSync(fd);
  };

  const cases: { name: string; text?: string; make?: (file: string) => void; reason: RegExp }[] = [
    {
      name: 'Apple M3 with x86_64',
      text: edited((b) => Object.assign(host(b), { chip: 'Apple M3', arch: 'x64' })),
      reason: /field results\.host\.arch: an Apple M3 is arm64, not x64/,
    },
    { name: 'Apple M2 on Linux', text: edited((b) => (host(b).os = 'Linux')), reason: /field results\.host\.os: an Apple M2 runs macOS/ },
    {
      name: 'Apple M3 with qemu-kvm',
      text: edited((b) => Object.assign(host(b), { chip: 'Apple M3', acceleration: 'qemu-kvm', hypervisor: 'qemu' })),
      reason: /field results\.host\.acceleration: an Apple M3 Mac accelerates with vz or hvf/,
    },
    {
      name: 'Apple M2 with no accelerator',
      text: edited((b) => Object.assign(host(b), { acceleration: 'none', hypervisor: 'none' })),
      reason: /field results\.host\.acceleration: an Apple M2 Mac accelerates with vz or hvf/,
    },
    {
      name: 'x86_64 guest under vz on an M2',
      text: edited((b) => allTargets(b, (t) => (t.guest.arch = 'x86_64'))),
      reason: /field results\.targets\[0\]\.guest\.arch: guest arch x86_64 cannot run on host arch arm64 under vz/,
    },
    {
      name: 'AMD EPYC claiming arm64',
      text: edited((b) => Object.assign(host(b), { chip: 'AMD EPYC 7B13', os: 'Linux', arch: 'arm64', acceleration: 'qemu-kvm', hypervisor: 'qemu' })),
      reason: /field results\.host\.arch: an AMD EPYC 7B13 is x86_64, not arm64/,
    },
    {
      name: 'vz on Linux',
      text: edited((b) => (Object.assign(host(b), { chip: 'AMD EPYC', os: 'Linux', arch: 'x64' }), allTargets(b, (t) => (t.guest.arch = 'x86_64')))),
      reason: /field results\.host\.acceleration: vz exists only on macOS, not Linux/,
    },
    {
      name: 'hvf on Linux',
      text: edited(
        (b) => (
          Object.assign(host(b), { chip: 'AMD EPYC', os: 'Linux', arch: 'x64', acceleration: 'qemu-hvf', hypervisor: 'qemu' }),
          allTargets(b, (t) => (t.guest.arch = 'x86_64'))
        ),
      ),
      reason: /field results\.host\.acceleration: qemu-hvf exists only on macOS/,
    },
    {
      name: 'KVM on an Intel Mac',
      text: edited(
        (b) => (
          Object.assign(host(b), { chip: 'Intel Core i7-9750H', arch: 'x64', acceleration: 'qemu-kvm', hypervisor: 'qemu' }),
          allTargets(b, (t) => (t.guest.arch = 'x86_64'))
        ),
      ),
      reason: /field results\.host\.acceleration: KVM exists only on Linux, not macOS/,
    },
    {
      name: 'icount clock under vz',
      text: edited((b) => (host(b).guestClock = { kind: 'icount', shift: 0 })),
      reason: /field results\.host\.guestClock: an instruction-counting clock exists only under qemu-tcg/,
    },
    { name: 'vz without lima', text: edited((b) => (host(b).hypervisor = 'qemu')), reason: /field results\.host\.hypervisor: vz guests are started by lima/ },
    { name: 'zero targets', text: edited((b) => (b.results.targets = [])), reason: /field results\.targets: a run with no targets has nothing to compare/ },
    {
      name: 'custom kernel only (raises the machine count, no speedup)',
      text: edited((b) => (b.results.targets = [b.results.targets[1]])),
      reason: /field results\.targets: guest alpine has only the custom kernel/,
    },
    {
      name: 'stock kernel only',
      text: edited((b) => (b.results.targets = [b.results.targets[0]])),
      reason: /field results\.targets: guest alpine has only the stock kernel/,
    },
    {
      name: 'host load outside the run',
      text: edited(
        (b) =>
          (b.results.hostLoad = [{ at: '2026-11-25T14:00:00.000Z', variant: 'stock', boot: 0, loadAverage: 1, otherBusyFraction: null, stealFraction: null }]),
      ),
      reason: /field results\.hostLoad\[0\]\.at: is outside the run/,
    },
    {
      name: 'timestamp with an offset',
      text: edited((b) => (b.results.createdAt = '2026-11-25T12:00:00.000+02:00')),
      reason: /field results\.createdAt: must be UTC/,
    },
    {
      name: 'sample time to the millisecond',
      text: edited((b) => (b.results.targets[0].metrics[0].samples[0].at = '2026-11-25T10:00:01.123Z')),
      reason: /samples\[0\]\.at: must be on the hour/,
    },
    {
      name: 'exact RAM size',
      text: edited((b) => (host(b).memoryBytes = 16 * GIB + 12288)),
      reason: /field results\.host\.memoryBytes: must be rounded to a size sold/,
    },
    {
      name: 'run id as kbench run writes it',
      text: edited((b) => (b.results.runId = 'm2-lab-2026-11-25T10-00-00-123Z')),
      reason: /field results\.runId: must be "run-" and 16 hex digits/,
    },
    {
      name: 'samples edited after signing (id recomputed)',
      text: edited((b) => (b.results.targets[1].metrics[0].samples[0].value *= 0.5), 'none'),
      reason: /field signature: does not verify with the bundle's public key/,
    },
    {
      name: 'replay under a made-up machine id',
      text: edited((b) => (b.machineId = 'f'.repeat(32))),
      reason: /field machineId: is not the one of the bundle's public key/,
    },
    {
      name: "another machine's key named, signed with this one",
      text: (() => {
        const b = structuredClone(valid);
        Object.assign(b, { machineId: other.machineId, publicKey: other.publicKey });
        return JSON.stringify(resign(b, key));
      })(),
      reason: /field signature: does not verify/,
    },
    { name: 'unsigned version-1 bundle', text: edited((b) => (b.schemaVersion = 1)), reason: /field schemaVersion: version 1 bundles are unsigned/ },
    { name: 'signature missing', text: JSON.stringify({ ...valid, signature: undefined }), reason: /field signature: Invalid input/ },
    {
      name: 'signature not base64',
      text: JSON.stringify({ ...valid, signature: 'not a signature' }),
      reason: /field signature: must be a base64 Ed25519 signature/,
    },
    {
      name: 'public key not a key',
      text: edited((b) => (b.publicKey = `${'A'.repeat(59)}=`)),
      reason: /field machineId: is not the one of the bundle's public key|field signature: does not verify/,
    },
    { name: 'bundle of 5 MiB', make: sparse(5 * 1024 * 1024), reason: /is 5242880 bytes, more than the 4194304-byte limit for a submission/ },
    {
      name: 'Apple serial left in the model id',
      text: edited((b) => (host(b).modelId = 'Mac14,2 SN: C02XK0ABJGH5')),
      reason: /field results\.host\.modelId: still holds an identifying serial number/,
    },
    {
      name: 'bare Apple serial',
      text: edited((b) => (host(b).osVersion = '15.1 C02XK0ABJGH5')),
      reason: /still holds an identifying serial number; .*\(value "C02XK0ABJGH5"\)/,
    },
    {
      name: 'SHA256 host-key fingerprint',
      text: edited((b) => (reasonOf(b).reason = 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8')),
      reason: /failures\[0\]\.reason: still holds an identifying host-key fingerprint/,
    },
    {
      name: 'MD5 host-key fingerprint',
      text: edited((b) => (reasonOf(b).reason = 'MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48')),
      reason: /still holds an identifying host-key fingerprint/,
    },
    {
      name: "absolute path in root's home",
      text: edited((b) => (reasonOf(b).reason = 'see /root/okafor/run.log')),
      reason: /still holds an identifying absolute path; .*\(value "\/root\/okafor\/run\.log"\)/,
    },
    {
      name: 'tailnet name',
      text: edited((b) => (reasonOf(b).reason = 'ssh annes-mbp.tail1234.ts.net')),
      reason: /still holds an identifying host name; .*\(value "annes-mbp\.tail1234\.ts\.net"\)/,
    },
    { name: 'URL-encoded e-mail', text: edited((b) => (reasonOf(b).reason = 'by anne%40example.org')), reason: /still holds an identifying e-mail address/ },
    {
      name: 'disk WWN',
      text: edited((b) => (b.results.targets[0].guest.poolProperties.vdev = 'wwn-0x5000c500a1b2c3d4')),
      reason: /poolProperties\.vdev: still holds an identifying disk WWN/,
    },
  ];

  let before: string;
  const table: string[] = ['| # | input | exit | message | DB unchanged |', '|---|---|---|---|---|'];
  beforeAll(async () => {
    const seed = path.join(dir, 'valid.json');
    writeFileSync(seed, JSON.stringify(valid));
    const first = await kbench(dir, ['ingest', seed, '--db', db]);
    expect(first.code, first.stderr).toBe(0);
    before = sha(db);
  }, 60_000);

  it('has at least 30 new hostile bundles', () => expect(cases.length).toBeGreaterThanOrEqual(30));

  it.each(cases.map((c, i) => [i, c.name] as const))(
    'case %i: %s',
    async (i) => {
      const c = cases[i]!;
      const file = path.join(dir, `case-${i}.json`);
      if (c.text !== undefined) writeFileSync(file, c.text);
      else c.make!(file);
      const result = await kbench(dir, ['ingest', path.basename(file), '--db', db]);
      const err = lines(result.stderr);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stdout).toBe('');
      expect(err, result.stderr).toHaveLength(2);
      expect(err[0]).toMatch(new RegExp(`^kbench: case-${i}\\.json: `));
      expect(err[0]).toMatch(c.reason);
      expect(err[1]).toMatch(/^kbench: 1 file\(s\) rejected: nothing written to /);
      expect(result.stderr).not.toMatch(/\n\s+at |Error:/);
      const unchanged = sha(db) === before;
      expect(unchanged).toBe(true);
      table.push(`| ${i} | ${c.name} | ${result.code} | \`${err[0]!.replace(/^kbench: /, '').replace(/\|/g, '\\|')}\` | ${unchanged ? 'yes' : 'NO'} |`);
      writeFileSync(path.join(ARTIFACTS, 'issue22-ingest-cases.md'), `${table.join('\n')}\n`);
    },
    30_000,
  );

  it('caps the files and the bytes of one command, naming the limit', async () => {
    const many = path.join(dir, 'many');
    mkdirSync(many);
    for (let i = 0; i < 1001; i++) writeFileSync(path.join(many, `${String(i).padStart(4, '0')}.json`), '{}');
    const tooMany = await kbench(dir, ['ingest', 'many', '--db', db]);
    expect(tooMany.code).toBe(2);
    expect(lines(tooMany.stderr)[0]).toBe('kbench: 1001 files in one command, more than the 1000-file limit: ingest them in smaller batches');
    const big = path.join(dir, 'big');
    mkdirSync(big);
    for (let i = 0; i < 17; i++) sparse(4 * 1024 * 1024 - 1024)(path.join(big, `${String(i).padStart(2, '0')}.json`));
    const tooBig = await kbench(dir, ['ingest', 'big', '--db', db]);
    expect(tooBig.code).toBe(2);
    const capped = lines(tooBig.stderr).find((l) => l.includes('limit for one ingest'));
    expect(capped).toMatch(/^kbench: big\/16\.json: brings this command past the 67108864-byte limit for one ingest: ingest the rest in another command$/);
    expect(sha(db)).toBe(before);
    table.push(`| - | 1001 files in one command | ${tooMany.code} | \`${lines(tooMany.stderr)[0]!.replace(/^kbench: /, '')}\` | yes |`);
    table.push(`| - | 17 bundles of 4 MiB (68 MiB) | ${tooBig.code} | \`${capped!.replace(/^kbench: /, '')}\` | yes |`);
    writeFileSync(path.join(ARTIFACTS, 'issue22-ingest-cases.md'), `${table.join('\n')}\n`);
  }, 60_000);
});

describe('replays and copies under new machine ids change no count and no verdict', () => {
  const dir = workdir();
  const db = path.join(dir, 'k.db');
  const homes = (name: string) => path.join(dir, name);
  const claims = async () => {
    const result = await kbench(dir, ['claims', '--db', db, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const parsed = JSON.parse(result.stdout) as {
      rows: {
        metricId: string;
        claimGuestOs: string | null;
        platform: string | null;
        verdict: string;
        verdictReason: string | null;
        speedup: number | null;
        ci: unknown;
      }[];
    };
    // The vz cell of the M2 machines (an hvf run is a cell of its own).
    return parsed.rows
      .filter((r) => r.claimGuestOs === 'alpine' && r.metricId === 'zfs.pool_create.seconds' && r.platform?.includes('aarch64 guest, vz,'))
      .map(({ verdict, verdictReason, speedup, ci }) => ({ verdict, verdictReason, speedup, ci }));
  };
  const headline = async () => {
    const result = await kbench(dir, ['report', '--community', '--db', db, '--format', 'md', '-o', '-']);
    expect(result.code, result.stderr).toBe(0);
    return result.stdout.split('\n')[2]!.replace(/\. Speedup.*$/, '');
  };
  const runA = m2Run(11, 1.9);

  it('two machines: inconclusive, naming the machine count', async () => {
    for (const [name, run] of [
      ['a', runA],
      ['b', m2Run(12, 1.92)],
    ] as const) {
      const { file } = await submitAs(homes(name), run, 'run');
      const ingested = await kbench(dir, ['ingest', file, '--db', db]);
      expect(ingested.code, ingested.stderr).toBe(0);
    }
    const rows = await claims();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ verdict: 'inconclusive', verdictReason: expect.stringMatching(/^2 machine\(s\); confirmed or refuted needs at least 3$/) });
    expect(await headline()).toBe('2 machine(s) (sent under 2 machine id(s)), 2 run(s) (2 submitted)');
  }, 90_000);

  it('the same run under a fresh $HOME (new key, new machine id) is a duplicate: counts and verdicts unchanged', async () => {
    const claimsBefore = await claims();
    const headlineBefore = await headline();
    const before = sha(db);
    const { file, bundle } = await submitAs(homes('replay'), runA, 'run');
    const ingested = await kbench(dir, ['ingest', file, '--db', db]);
    expect(ingested.code, ingested.stderr).toBe(0);
    expect(ingested.stdout).toMatch(
      new RegExp(
        `^skipped  ${bundle.id.slice(0, 16)} from .*: the same samples as run [0-9a-f]{16} already in the database under another machine id: a replay counts once$`,
        'm',
      ),
    );
    expect(sha(db)).toBe(before);
    expect(await claims()).toEqual(claimsBefore);
    expect(await headline()).toBe(headlineBefore);
    // Twice in one command under two more fresh ids: both skipped, nothing written.
    const again = [await submitAs(homes('replay-2'), runA, 'run'), await submitAs(homes('replay-3'), runA, 'run')];
    const both = await kbench(dir, ['ingest', again[0]!.file, again[1]!.file, '--db', db]);
    expect(both.code, both.stderr).toBe(0);
    expect(both.stdout).toMatch(/0 ingested, 2 duplicate\(s\) skipped/);
    expect(sha(db)).toBe(before);
  }, 90_000);

  it('a copy with every sample nudged by 0.2% is flagged and counted with its original: counts and verdicts unchanged', async () => {
    const claimsBefore = await claims();
    const nudged = structuredClone(runA);
    for (const t of nudged.targets) for (const m of t.metrics) for (const s of m.samples) s.value *= 1.002;
    const { file } = await submitAs(homes('nudged'), nudged, 'run');
    const ingested = await kbench(dir, ['ingest', file, '--db', db]);
    expect(ingested.code, ingested.stderr).toBe(0);
    expect(ingested.stdout).toMatch(
      /^flagged {2}machine [0-9a-f]{12}: run [0-9a-f]{16} has the hardware and near-copy samples \(\d+ metrics within 0\.5%\) of machine [0-9a-f]{12}'s run [0-9a-f]{16}: counted as one machine$/m,
    );
    expect(ingested.stdout).toMatch(/database holds 2 machine\(s\) \(3 machine id\(s\)\)/);
    expect(await headline()).toBe('2 machine(s) (sent under 3 machine id(s)), 3 run(s) (3 submitted)');
    const after = await claims();
    expect(after.map((r) => [r.verdict, r.verdictReason])).toEqual(claimsBefore.map((r) => [r.verdict, r.verdictReason]));
    expect(after[0]!.speedup).toBeCloseTo(claimsBefore[0]!.speedup!, 9);
  }, 90_000);

  it('a third real machine makes the claim decidable; an emulated or other-accelerator run is its own cell', async () => {
    const { file } = await submitAs(homes('c'), m2Run(13, 1.88), 'run');
    expect((await kbench(dir, ['ingest', file, '--db', db])).code).toBe(0);
    const rows = await claims();
    expect(rows[0]!.verdictReason).toBeNull();
    expect(rows[0]!.verdict).toBe('confirmed');
    // The same M2 under qemu-hvf and an x86 TCG testbed run: never pooled with the vz cell.
    const hvf = await submitAs(homes('hvf'), m2Run(14, 1.2, { hypervisor: 'qemu', acceleration: 'qemu-hvf', qemuVersion: '9.1.0' }), 'run');
    const tcg = path.join(dir, 'testbed.json');
    copyFileSync(FIXTURE, tcg);
    const testbed = await submitAs(homes('testbed'), JSON.parse(readFileSync(FIXTURE, 'utf8')), 'run');
    expect((await kbench(dir, ['ingest', hvf.file, testbed.file, '--db', db])).code).toBe(0);
    const md = await kbench(dir, ['report', '--community', '--db', db, '--format', 'md', '-o', '-']);
    const poolRows = md.stdout.split('\n').filter((l) => l.startsWith('| `zfs.pool_create.seconds` | Apple M2'));
    expect(poolRows).toHaveLength(2);
    expect(poolRows.some((l) => /aarch64 guest, vz;.* \| 3 \| 4 \|/.test(l))).toBe(true);
    expect(poolRows.some((l) => /aarch64 guest, qemu-hvf;.* \| 1 \| 1 \|/.test(l))).toBe(true);
    const all = JSON.parse((await kbench(dir, ['claims', '--db', db, '--json'])).stdout) as {
      rows: { claimGuestOs: string | null; measuredGuestOs: string | null; verdict: string; verdictReason: string | null }[];
    };
    const debian = all.rows.filter((r) => r.measuredGuestOs === 'debian');
    expect(debian.length).toBeGreaterThan(0);
    for (const row of debian) expect(row).toMatchObject({ verdict: 'inconclusive', verdictReason: expect.stringMatching(/^emulated \(qemu-tcg\)/) });
    expect(await claims()).toEqual(rows);
  }, 120_000);

  it("no report holds the database path or the reader's home", async () => {
    for (const [format, out] of [
      ['html', 'c.html'],
      ['md', 'c.md'],
    ] as const) {
      const result = await kbench(dir, ['report', '--community', '--db', db, '--format', format, '-o', out]);
      expect(result.code, result.stderr).toBe(0);
      const text = readFileSync(path.join(dir, out), 'utf8');
      expect(text).not.toContain(db);
      expect(text).not.toContain(dir);
      expect(text).not.toContain('k.db');
    }
  }, 60_000);
});

describe('verdicts that do not overstate, through the CLI', () => {
  const poolRow = (md: string, chip = 'Apple M2') => md.split('\n').find((l) => l.startsWith(`| \`zfs.pool_create.seconds\` | ${chip}`))!;

  it('one machine with three runs is inconclusive: 1 machine(s), however tight its runs', async () => {
    const dir = workdir();
    const db = path.join(dir, 'k.db');
    for (const seed of [31, 32, 33]) {
      const { file } = await submitAs(path.join(dir, 'solo'), m2Run(seed, 1.9), `run-${seed}`);
      expect((await kbench(dir, ['ingest', file, '--db', db])).code).toBe(0);
    }
    const rows = (
      JSON.parse((await kbench(dir, ['claims', '--db', db, '--json'])).stdout) as {
        rows: { metricId: string; claimGuestOs: string | null; verdict: string; verdictReason: string | null }[];
      }
    ).rows;
    const pool = rows.find((r) => r.metricId === 'zfs.pool_create.seconds' && r.claimGuestOs === 'alpine')!;
    expect(pool).toMatchObject({ verdict: 'inconclusive', verdictReason: '1 machine(s); confirmed or refuted needs at least 3' });
    const table = (await kbench(dir, ['claims', '--db', db])).stdout;
    expect(table).toMatch(/zfs\.pool_create\.seconds +1\.75x for alpine +inconclusive: 1 machine\(s\) /);
  }, 90_000);

  it('one 10x machine among five at ~1.02x: the headline stays ~1.02x', async () => {
    const dir = workdir();
    const db = path.join(dir, 'k.db');
    const factors = [1.01, 1.02, 1.03, 1.02, 10];
    for (const [i, factor] of factors.entries()) {
      const { file } = await submitAs(path.join(dir, `m${i}`), m2Run(40 + i, factor), 'run');
      expect((await kbench(dir, ['ingest', file, '--db', db])).code).toBe(0);
    }
    const md = (await kbench(dir, ['report', '--community', '--db', db, '--format', 'md', '-o', '-'])).stdout;
    const row = poolRow(md);
    expect(row).toMatch(/\| 1\.0\d× \| \[[\d.]+×, [\d.]+×\] \| 5 \| 5 \| machines \|$/);
  }, 120_000);
});

describe('the database: locked, read-only, created by three processes at once', () => {
  const dir = workdir();
  const bundles = [1, 2, 3].map((i) => {
    const file = path.join(dir, `b${i}.json`);
    writeFileSync(
      file,
      JSON.stringify(buildBundle({ results: m2Run(20 + i, 1.9), key: testKey(`db-${i}`), identity: { hostNames: [], userNames: [] }, submittedWith: '0.1.0' })),
    );
    return file;
  });

  it('locked by another writer: one retry, then one line naming the holder, exit 3, nothing written', async () => {
    const db = path.join(dir, 'locked.db');
    expect((await kbench(dir, ['ingest', bundles[0]!, '--db', db])).code).toBe(0);
    const before = sha(db);
    const holder = execa(
      'node',
      [
        '-e',
        "const D=require('better-sqlite3');const d=new D(process.argv[1]);d.exec('BEGIN IMMEDIATE');console.log('locked');setTimeout(()=>{d.exec('ROLLBACK');d.close()},20000)",
        db,
      ],
      {
        cwd: path.resolve(import.meta.dirname, '../..'),
        reject: false,
      },
    );
    await new Promise<void>((resolve) => holder.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve()));
    try {
      const result = await kbench(dir, ['ingest', bundles[1]!, '--db', db], { KBENCH_DB_BUSY_TIMEOUT_MS: '300' });
      expect(result.code, result.stderr).toBe(3);
      const err = lines(result.stderr);
      expect(err).toHaveLength(1);
      expect(err[0]).toMatch(
        new RegExp(
          `^kbench: .*locked\\.db: the database is locked by another writer \\(pid ${holder.pid}: node -e .*\\) for more than 0\\.3 s, twice; try again when it is done$`,
        ),
      );
      expect(result.stderr).not.toMatch(/SqliteError|\n\s+at /);
    } finally {
      holder.kill();
      await holder;
    }
    expect(sha(db)).toBe(before);
  }, 60_000);

  it('read-only for this user: one line, exit 2, nothing written', async () => {
    const db = path.join(dir, 'readonly.db');
    expect((await kbench(dir, ['ingest', bundles[0]!, '--db', db])).code).toBe(0);
    chmodSync(dir, 0o755);
    for (const f of [db, ...bundles]) chmodSync(f, 0o644);
    const before = sha(db);
    // Root writes through any mode bit: the command runs as nobody, who can read the file but not write it.
    const result = await execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'node', KBENCH, 'ingest', bundles[1]!, '--db', db], {
      cwd: dir,
      reject: false,
      env: { HOME: dir },
    });
    expect(result.exitCode, result.stderr).toBe(2);
    const err = lines(String(result.stderr));
    expect(err).toEqual([`kbench: ${db}: the database is read-only for this user (cannot write it); make it writable or pass --db to another file`]);
    expect(sha(db)).toBe(before);
  }, 60_000);

  it('a folder or a text file given as the database: one line, exit 2, for every command that reads it', async () => {
    mkdirSync(path.join(dir, 'a-folder'), { recursive: true });
    writeFileSync(path.join(dir, 'text.db'), 'hello\n');
    for (const [args, pattern] of [
      [['claims', '--db', 'a-folder'], /a-folder: is not a file; pass --db a kbench database file$/],
      [['report', '--community', '--db', 'a-folder', '-o', '-'], /a-folder: is not a file/],
      [['ingest', bundles[0]!, '--db', 'a-folder'], /a-folder: is not a file/],
      [['claims', '--db', 'text.db'], /text\.db: not a kbench database \(file is not a database\)$/],
      [['report', '--community', '--db', 'text.db', '-o', '-'], /text\.db: not a kbench database/],
      [['ingest', bundles[0]!, '--db', 'text.db'], /text\.db: not a kbench database/],
    ] as const) {
      const result = await kbench(dir, [...args]);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(lines(result.stderr)).toHaveLength(1);
      expect(lines(result.stderr)[0]).toMatch(pattern);
    }
  }, 60_000);

  it('3 processes x 8 rounds open a new database at once: 0 failures, each run once, integrity ok', async () => {
    let failures = 0;
    for (let round = 0; round < 8; round++) {
      const db = path.join(dir, `race-${round}.db`);
      const results = await Promise.all(bundles.map((bundle) => kbench(dir, ['ingest', bundle, '--db', db])));
      for (const r of results) {
        if (r.code !== 0) failures++;
        expect(r.stderr).toBe('');
      }
      const raw = new Database(db, { readonly: true });
      expect(raw.prepare('SELECT count(*) AS n FROM runs').get()).toEqual({ n: 3 });
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
      raw.close();
    }
    expect(failures).toBe(0);
  }, 180_000);
});
