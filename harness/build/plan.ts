/**
 * `kbench build`: the seed's build-all-kernels orchestrator. Pure parts only: which OSes, how each
 * one is built (as data: the commands a plan shows and a run executes), SHA256SUMS, the resume
 * state, the success rate. Side effects live in ./run.ts.
 */
import { z } from 'zod';
import { err, ok, type Result } from '../errors/index.ts';

export const BUILD_OSES = ['alpine', 'freebsd', 'netbsd', 'openbsd', 'debian-arm64'] as const;
export type BuildOs = (typeof BUILD_OSES)[number];

/** Where the build runs: a Lima VM started for it, a guest you booted (ssh), or this host. */
export type BuilderKind = 'lima' | 'ssh' | 'local';

/** One step: a host command (argv, never through a shell) or a local in-process action. */
export type BuildStep = { title: string; argv: string[] } | { title: string; local: 'cross-build-m-series' };

/** Inside the guest, every kernels/build-<os>-kernel.sh writes here. */
export const GUEST_OUT = '/tmp/kbench-kernel-artifacts';

export function configFileOf(os: Exclude<BuildOs, 'debian-arm64'>): string {
  return os === 'alpine' ? 'alpine-m-series.config' : `${os}-m-series-kernel.conf`;
}

export function parseOsList(raw: string | undefined): Result<BuildOs[]> {
  if (raw === undefined) return ok([...BUILD_OSES]);
  const chosen: BuildOs[] = [];
  for (const name of raw.split(',').map((s) => s.trim())) {
    if (!(BUILD_OSES as readonly string[]).includes(name)) return err(`--os: unknown OS ${JSON.stringify(name)} (expected: ${BUILD_OSES.join(',')})`);
    if (!chosen.includes(name as BuildOs)) chosen.push(name as BuildOs);
  }
  return chosen.length > 0 ? ok(chosen) : err('--os: empty list');
}

/** The OSes built on a guest you booted (Lima cannot boot them): its address comes from sshTargetEnv(os). */
export const SSH_BUILT_OSES = ['netbsd', 'openbsd'] as const satisfies readonly BuildOs[];
export type SshBuiltOs = (typeof SSH_BUILT_OSES)[number];

/** The environment variable naming the running guest an OS is built on: KBENCH_NETBSD_SSH, ... */
export const sshTargetEnv = (os: SshBuiltOs): string => `KBENCH_${os.toUpperCase()}_SSH`;

/** "user@host[:port]" of a running guest (KBENCH_NETBSD_SSH, KBENCH_OPENBSD_SSH). */
export function parseSshTarget(raw: string): Result<{ host: string; port: number }> {
  const match = /^([A-Za-z0-9._-]+@[A-Za-z0-9.-]+|[A-Za-z0-9._-]+@\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?$/.exec(raw);
  if (!match) return err(`expected user@host[:port], got ${JSON.stringify(raw)}`);
  const port = match[2] === undefined ? 22 : Number(match[2]);
  if (port < 1 || port > 65535) return err(`port ${port} is not a TCP port`);
  return ok({ host: match[1]!, port });
}

export interface BuildEnv {
  /** KBENCH_NETBSD_SSH / KBENCH_OPENBSD_SSH. */
  sshTargets: Partial<Record<SshBuiltOs, string>>;
  keep: boolean;
  /** Absolute path of the repository's kernels/ folder. */
  kernelsDir: string;
  /** Absolute artifact folder of this OS (kernel-artifacts/<os>). */
  outDir: string;
}

export type OsPlan =
  | { os: BuildOs; kind: BuilderKind; steps: BuildStep[] }
  | { os: BuildOs; kind: BuilderKind; skip: string };

// FreeBSD images ship without /usr/src; clone the matching release branch first.
const FREEBSD_SRC =
  '[ -f /usr/src/sys/arm64/conf/GENERIC ] || { pkg install -y git-lite && git clone --depth 1 --branch releng/$(freebsd-version -u | cut -d- -f1) https://git.freebsd.org/src.git /usr/src; }';

// Lima's vz guests booted from a kernel image may have no RTC: apk over https fails until the clock is set.
const ALPINE_ZFS = 'i=0; while [ "$(date +%Y)" -lt 2025 ] && [ $i -lt 120 ]; do sleep 1; i=$((i+1)); done; apk info -e zfs >/dev/null || apk add --no-cache zfs';

/** Pure: what building `os` means, step by step. Lima cannot boot NetBSD or OpenBSD (no template, no driver). */
export function planOs(os: BuildOs, env: BuildEnv): OsPlan {
  if (os === 'debian-arm64') {
    return { os, kind: 'local', steps: [{ title: 'cross-build the M-series kernel here (cached by input hash)', local: 'cross-build-m-series' }] };
  }
  const conf = `${env.kernelsDir}/${configFileOf(os)}`;
  const script = `${env.kernelsDir}/build-${os}-kernel.sh`;
  const guestOut = `${GUEST_OUT}/${os}`;
  if (os === 'alpine' || os === 'freebsd') {
    const name = `kbench-build-${os}`;
    const start =
      os === 'alpine'
        ? ['limactl', 'start', '--tty=false', `--name=${name}`, '--cpus=4', '--memory=8', 'template:alpine']
        : ['limactl', 'start', '--tty=false', `--name=${name}`, '--vm-type=qemu', '--cpus=4', '--memory=8', 'template:freebsd'];
    const steps: BuildStep[] = [
      { title: `start Lima VM ${name}`, argv: start },
      { title: 'copy config and build script in', argv: ['limactl', 'copy', conf, script, `${name}:/tmp/`] },
      ...(os === 'freebsd' ? [{ title: 'fetch /usr/src for this release if missing', argv: ['limactl', 'shell', name, '--', 'sudo', 'sh', '-c', FREEBSD_SRC] }] : []),
      // template:alpine installs no ZFS; the build reads the zfs package's version (the OpenZFS zfs-virt is built from).
      ...(os === 'alpine' ? [{ title: 'install the zfs package (its version = the OpenZFS the modules are built from)', argv: ['limactl', 'shell', name, '--', 'sudo', 'sh', '-c', ALPINE_ZFS] }] : []),
      { title: 'build in the guest', argv: ['limactl', 'shell', name, '--', 'sudo', 'sh', `/tmp/build-${os}-kernel.sh`, '--out', guestOut] },
      { title: 'copy artifacts out', argv: ['limactl', 'copy', '-r', `${name}:${guestOut}/.`, `${env.outDir}/`] },
      ...(env.keep ? [] : [{ title: `stop ${name}`, argv: ['limactl', 'stop', name] }]),
    ];
    return { os, kind: 'lima', steps };
  }
  const raw = env.sshTargets[os];
  const variable = sshTargetEnv(os);
  if (raw === undefined || raw === '') return { os, kind: 'ssh', skip: `Lima cannot run ${os}; set ${variable}=user@host[:port] of a running ${os} guest with sources` };
  const target = parseSshTarget(raw);
  if (!target.ok) return { os, kind: 'ssh', skip: `${variable}: ${target.error}` };
  const { host, port } = target.value;
  const opts = ['-o', 'BatchMode=yes'];
  return {
    os,
    kind: 'ssh',
    steps: [
      { title: 'copy config and build script in', argv: ['scp', ...opts, '-P', String(port), conf, script, `${host}:/tmp/`] },
      {
        title: 'build in the guest',
        argv: ['ssh', ...opts, '-p', String(port), host, `if command -v doas >/dev/null 2>&1; then s=doas; else s=sudo; fi; $s sh /tmp/build-${os}-kernel.sh --out ${guestOut}`],
      },
      { title: 'copy artifacts out', argv: ['scp', ...opts, '-r', '-P', String(port), `${host}:${guestOut}/.`, `${env.outDir}/`] },
    ],
  };
}

/** Pure: one `sha256sum` line per file, sorted by name (the format `sha256sum -c` reads). */
export function renderSha256Sums(files: Record<string, string>): string {
  return Object.keys(files)
    .sort()
    .map((name) => `${files[name]}  ${name}\n`)
    .join('');
}

/** Pure: a SHA256SUMS file to name -> hex; a malformed line is an error naming it. */
export function parseSha256Sums(text: string, source: string): Result<Record<string, string>> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!match || match[2]!.includes('/') || match[2] === '..') return err(`${source}: line ${i + 1}: expected "<sha256>  <file name>", got ${JSON.stringify(line.slice(0, 80))}`);
    out[match[2]!] = match[1]!;
  }
  return ok(out);
}

export const OsState = z.strictObject({
  status: z.enum(['built', 'failed', 'skipped']),
  finishedAt: z.string(),
  seconds: z.number().nonnegative(),
  /** Artifact file name -> SHA-256, for built OSes (what SHA256SUMS says). */
  files: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
  reason: z.string().nullable(),
});
export type OsState = z.infer<typeof OsState>;

export const BuildState = z.strictObject({
  format: z.literal('kbench-build-state'),
  formatVersion: z.literal(1),
  oses: z.partialRecord(z.enum(BUILD_OSES), OsState),
});
export type BuildState = z.infer<typeof BuildState>;

export function emptyState(): BuildState {
  return { format: 'kbench-build-state', formatVersion: 1, oses: {} };
}

export interface BuildSummary {
  built: BuildOs[];
  resumed: BuildOs[];
  failed: BuildOs[];
  skipped: BuildOs[];
  /** "built/attempted": skipped OSes are not attempts; resumed ones count as built. */
  successRate: string;
}

export function summarize(results: { os: BuildOs; outcome: 'built' | 'resumed' | 'failed' | 'skipped' }[]): BuildSummary {
  const pick = (o: string) => results.filter((r) => r.outcome === o).map((r) => r.os);
  const built = pick('built');
  const resumed = pick('resumed');
  const failed = pick('failed');
  const ok = built.length + resumed.length;
  return { built, resumed, failed, skipped: pick('skipped'), successRate: `${ok}/${ok + failed.length}` };
}

/** Pure: a line safe to print on a terminal (control characters from logs or guests shown as \xNN). */
export function terminalSafe(line: string): string {
  return line.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
