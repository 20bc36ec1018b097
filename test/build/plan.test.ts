import { describe, expect, it } from 'vitest';
import {
  BUILD_OSES,
  BuildState,
  parseOsList,
  parseSha256Sums,
  parseSshTarget,
  planOs,
  renderSha256Sums,
  summarize,
  terminalSafe,
  type BuildEnv,
} from '../../harness/build/plan.ts';

const env = (over: Partial<BuildEnv> = {}): BuildEnv => ({ sshTargets: {}, keep: false, kernelsDir: '/repo/kernels', outDir: '/out/x', ...over });

describe('kbench build: which OSes', () => {
  it('defaults to every OS, keeps the given order, drops repeats', () => {
    expect(parseOsList(undefined)).toEqual({ ok: true, value: [...BUILD_OSES] });
    expect(parseOsList('debian-arm64, alpine,debian-arm64')).toEqual({ ok: true, value: ['debian-arm64', 'alpine'] });
  });
  it('names an unknown OS and the valid ones', () => {
    expect(parseOsList('alpine,plan9')).toEqual({ ok: false, error: '--os: unknown OS "plan9" (expected: alpine,freebsd,netbsd,openbsd,debian-arm64)' });
  });
});

describe('kbench build: per-OS plans', () => {
  it('Alpine and FreeBSD build in Lima VMs; FreeBSD fetches its source first and uses the qemu driver', () => {
    const alpine = planOs('alpine', env({ outDir: '/out/alpine' }));
    expect(alpine).toMatchObject({ kind: 'lima' });
    const argvs = 'steps' in alpine ? alpine.steps.map((s) => ('argv' in s ? s.argv.join(' ') : s.local)) : [];
    expect(argvs).toEqual([
      'limactl start --tty=false --name=kbench-build-alpine --cpus=4 --memory=8 template:alpine',
      'limactl copy /repo/kernels/alpine-m-series.config /repo/kernels/build-alpine-kernel.sh /repo/kernels/guest-script-lib.sh kbench-build-alpine:/tmp/',
      expect.stringMatching(/^limactl shell kbench-build-alpine -- sudo sh -c .*apk info -e zfs >\/dev\/null \|\| apk add --no-cache zfs$/),
      'limactl shell kbench-build-alpine -- sudo sh /tmp/build-alpine-kernel.sh --out /tmp/kbench-kernel-artifacts/alpine',
      'limactl copy -r kbench-build-alpine:/tmp/kbench-kernel-artifacts/alpine/. /out/alpine/',
      'limactl stop kbench-build-alpine',
    ]);
    const freebsd = planOs('freebsd', env({ keep: true }));
    const titles = 'steps' in freebsd ? freebsd.steps.map((s) => s.title) : [];
    expect(titles).toContain('fetch /usr/src for this release if missing');
    expect(titles.some((t) => t.startsWith('stop'))).toBe(false);
    expect('steps' in freebsd && 'argv' in freebsd.steps[0]! ? freebsd.steps[0].argv : []).toContain('--vm-type=qemu');
  });

  it('NetBSD/OpenBSD need a guest over SSH: skipped (with why) without one, scp/ssh with one', () => {
    expect(planOs('netbsd', env())).toEqual({
      os: 'netbsd',
      kind: 'ssh',
      skip: 'Lima cannot run netbsd; set KBENCH_NETBSD_SSH=user@host[:port] of a running netbsd guest with sources',
    });
    expect(planOs('openbsd', env({ sshTargets: { openbsd: 'root@host;rm -rf /' } }))).toMatchObject({
      skip: expect.stringMatching(/^KBENCH_OPENBSD_SSH: expected user@host\[:port\]/),
    });
    const plan = planOs('openbsd', env({ sshTargets: { openbsd: 'root@127.0.0.1:2222' } }));
    const argvs = 'steps' in plan ? plan.steps.map((s) => ('argv' in s ? s.argv : [])) : [];
    expect(argvs[0]).toEqual([
      'scp',
      '-o',
      'BatchMode=yes',
      '-P',
      '2222',
      '/repo/kernels/openbsd-m-series-kernel.conf',
      '/repo/kernels/build-openbsd-kernel.sh',
      '/repo/kernels/guest-script-lib.sh',
      'root@127.0.0.1:/tmp/',
    ]);
    expect(argvs[1]!.slice(0, 5)).toEqual(['ssh', '-o', 'BatchMode=yes', '-p', '2222']);
  });

  it('debian-arm64 is the local cross build', () => {
    expect(planOs('debian-arm64', env())).toMatchObject({ kind: 'local', steps: [{ local: 'cross-build-m-series' }] });
  });

  it('ssh targets: port defaults to 22 and must be a TCP port', () => {
    expect(parseSshTarget('me@example.org')).toEqual({ ok: true, value: { host: 'me@example.org', port: 22 } });
    expect(parseSshTarget('me@h:70000').ok).toBe(false);
    expect(parseSshTarget('-oProxyCommand=x@h').ok).toBe(false);
  });
});

describe('SHA256SUMS and the resume state', () => {
  const a = 'a'.repeat(64);
  const b = 'b'.repeat(64);
  it('renders sorted sha256sum lines and reads them back (text and binary markers)', () => {
    const text = renderSha256Sums({ 'vmlinuz-m-series': b, 'config-m-series': a });
    expect(text).toBe(`${a}  config-m-series\n${b}  vmlinuz-m-series\n`);
    expect(parseSha256Sums(text, 'S')).toEqual({ ok: true, value: { 'config-m-series': a, 'vmlinuz-m-series': b } });
    expect(parseSha256Sums(`${a} *bin\n`, 'S')).toEqual({ ok: true, value: { bin: a } });
  });
  it('refuses malformed lines and paths that leave the folder, naming the line', () => {
    expect(parseSha256Sums(`${a}  ok\nnot a sum\n`, 'x/SHA256SUMS')).toEqual({
      ok: false,
      error: 'x/SHA256SUMS: line 2: expected "<sha256>  <file name>", got "not a sum"',
    });
    expect(parseSha256Sums(`${a}  ../etc/passwd\n`, 'S').ok).toBe(false);
  });
  it('state: only known OSes and statuses are accepted', () => {
    const good = {
      format: 'kbench-build-state',
      formatVersion: 1,
      oses: { alpine: { status: 'built', finishedAt: 't', seconds: 1, files: { Image: a }, reason: null } },
    };
    expect(BuildState.safeParse(good).success).toBe(true);
    expect(BuildState.safeParse({ ...good, oses: { plan9: good.oses.alpine } }).success).toBe(false);
  });
  it('success rate counts resumed OSes as built and skipped ones not at all', () => {
    expect(
      summarize([
        { os: 'alpine', outcome: 'built' },
        { os: 'debian-arm64', outcome: 'resumed' },
        { os: 'freebsd', outcome: 'failed' },
        { os: 'netbsd', outcome: 'skipped' },
      ]),
    ).toEqual({ built: ['alpine'], resumed: ['debian-arm64'], failed: ['freebsd'], skipped: ['netbsd'], successRate: '2/3' });
  });
  it('terminal output shows control characters instead of obeying them', () => {
    expect(terminalSafe('ok\u001b[2Jgone\u0007')).toBe('ok\\x1b[2Jgone\\x07');
  });
});
