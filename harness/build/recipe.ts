/**
 * What one `kbench build` recipe is, and the two ways a guest kernel is built (in a Lima VM
 * started for it, or on a guest you booted, over ssh). Each OS's recipe is its own file in
 * recipes/ (recipes/<os>.ts), listed once in recipes/index.ts; plan.ts knows no OS by name.
 */
import { err, ok, type Result } from '../errors/index.ts';

/** Where the build runs: a Lima VM started for it, a guest you booted (ssh), or this host. */
export type BuilderKind = 'lima' | 'ssh' | 'local';

/** One step: a host command (argv, never through a shell) or a local in-process action. */
export type BuildStep = { title: string; argv: string[] } | { title: string; local: 'cross-build-m-series' };

/** Inside the guest, every kernels/build-<os>-kernel.sh writes here. */
export const GUEST_OUT = '/tmp/kbench-kernel-artifacts';

export interface BuildEnv {
  /** user@host[:port] of the running guest, per ssh-built OS (KBENCH_NETBSD_SSH, ...). */
  sshTargets: Partial<Record<string, string>>;
  keep: boolean;
  /** Absolute path of the repository's kernels/ folder. */
  kernelsDir: string;
  /** Absolute artifact folder of this OS (kernel-artifacts/<os>). */
  outDir: string;
}

export type OsPlan<O extends string = string> = { os: O; kind: BuilderKind; steps: BuildStep[] } | { os: O; kind: BuilderKind; skip: string };

export interface BuildRecipe<O extends string = string> {
  os: O;
  kind: BuilderKind;
  /** Pure: what building this OS means, step by step. */
  plan(env: BuildEnv): OsPlan<O>;
}

export function defineRecipe<const O extends string>(recipe: BuildRecipe<O>): BuildRecipe<O> {
  return recipe;
}

/** The environment variable naming the running guest an OS is built on: KBENCH_NETBSD_SSH, ... */
export const sshTargetEnv = (os: string): string => `KBENCH_${os.toUpperCase()}_SSH`;

/** "user@host[:port]" of a running guest (KBENCH_NETBSD_SSH, KBENCH_OPENBSD_SSH). */
export function parseSshTarget(raw: string): Result<{ host: string; port: number }> {
  const match = /^([A-Za-z0-9._-]+@[A-Za-z0-9.-]+|[A-Za-z0-9._-]+@\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?$/.exec(raw);
  if (!match) return err(`expected user@host[:port], got ${JSON.stringify(raw)}`);
  const port = match[2] === undefined ? 22 : Number(match[2]);
  if (port < 1 || port > 65535) return err(`port ${port} is not a TCP port`);
  return ok({ host: match[1]!, port });
}

/** A guest kernel built with kernels/build-<os>-kernel.sh and its config file. */
export interface GuestBuild<O extends string> {
  os: O;
  /** The config file in kernels/. */
  configFile: string;
}

/** The OS's build script and the shell library it sources from beside itself (kernels/guest-script-lib.sh). */
const buildScripts = (os: string, env: BuildEnv): [string, string] => [`${env.kernelsDir}/build-${os}-kernel.sh`, `${env.kernelsDir}/guest-script-lib.sh`];

/**
 * In a Lima VM started for the build: `start` is the `limactl start` argv after the name, `prepare`
 * the guest-side shell lines run (as root) before the build.
 */
export function limaBuild<O extends string>(build: GuestBuild<O> & { start: string[]; prepare: { title: string; sh: string }[] }, env: BuildEnv): OsPlan<O> {
  const { os } = build;
  const conf = `${env.kernelsDir}/${build.configFile}`;
  const [script, lib] = buildScripts(os, env);
  const guestOut = `${GUEST_OUT}/${os}`;
  const name = `kbench-build-${os}`;
  const steps: BuildStep[] = [
    { title: `start Lima VM ${name}`, argv: ['limactl', 'start', '--tty=false', `--name=${name}`, ...build.start] },
    { title: 'copy config and build script in', argv: ['limactl', 'copy', conf, script, lib, `${name}:/tmp/`] },
    ...build.prepare.map((step) => ({ title: step.title, argv: ['limactl', 'shell', name, '--', 'sudo', 'sh', '-c', step.sh] })),
    { title: 'build in the guest', argv: ['limactl', 'shell', name, '--', 'sudo', 'sh', `/tmp/build-${os}-kernel.sh`, '--out', guestOut] },
    { title: 'copy artifacts out', argv: ['limactl', 'copy', '-r', `${name}:${guestOut}/.`, `${env.outDir}/`] },
    ...(env.keep ? [] : [{ title: `stop ${name}`, argv: ['limactl', 'stop', name] }]),
  ];
  return { os, kind: 'lima', steps };
}

/** On a guest you booted (Lima cannot boot it): its address from sshTargetEnv(os), skipped when unset. */
export function sshBuild<O extends string>(build: GuestBuild<O>, env: BuildEnv): OsPlan<O> {
  const { os } = build;
  const conf = `${env.kernelsDir}/${build.configFile}`;
  const [script, lib] = buildScripts(os, env);
  const guestOut = `${GUEST_OUT}/${os}`;
  const raw = env.sshTargets[os];
  const variable = sshTargetEnv(os);
  if (raw === undefined || raw === '')
    return { os, kind: 'ssh', skip: `Lima cannot run ${os}; set ${variable}=user@host[:port] of a running ${os} guest with sources` };
  const target = parseSshTarget(raw);
  if (!target.ok) return { os, kind: 'ssh', skip: `${variable}: ${target.error}` };
  const { host, port } = target.value;
  const opts = ['-o', 'BatchMode=yes'];
  return {
    os,
    kind: 'ssh',
    steps: [
      { title: 'copy config and build script in', argv: ['scp', ...opts, '-P', String(port), conf, script, lib, `${host}:/tmp/`] },
      {
        title: 'build in the guest',
        argv: [
          'ssh',
          ...opts,
          '-p',
          String(port),
          host,
          `if command -v doas >/dev/null 2>&1; then s=doas; else s=sudo; fi; $s sh /tmp/build-${os}-kernel.sh --out ${guestOut}`,
        ],
      },
      { title: 'copy artifacts out', argv: ['scp', ...opts, '-r', '-P', String(port), `${host}:${guestOut}/.`, `${env.outDir}/`] },
    ],
  };
}
