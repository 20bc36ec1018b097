/**
 * `kbench doctor [--json] [--record DIR]`: what a run on this host needs, each missing part with
 * the exact install line (Homebrew on macOS, apt on Debian). Exit 0 when everything is there,
 * 1 when something is missing. `--record DIR` also writes the raw outputs the backends parse
 * into a bundle that test/guest/recorded.test.ts replays once it is put in test/fixtures/recorded/.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { EXIT_BAD_INPUT, EXIT_OK, EXIT_REGRESSION, InputError } from '../errors/index.ts';
import type { CliIo } from './options.ts';

export type Platform = 'darwin' | 'debian' | 'other';

export interface Probe {
  /** argv that was run, or a file that was read. */
  source: string;
  /** null = the command could not be started / the file is absent. */
  exitCode: number | null;
  output: string;
  /** How the accelerator try ended: still running after the wait (accepted) or exited. */
  stillRunning?: boolean;
}

export interface Check {
  id: string;
  ok: boolean;
  detail: string;
  /** What needs it: "lima", "qemu", "ssh", "all". */
  neededFor: string;
  /** The exact line that installs what is missing; null when ok or nothing to install. */
  fix: string | null;
}

const INSTALL: Record<string, Record<Platform, string>> = {
  lima: { darwin: 'brew install lima', debian: 'Lima is not in Debian 12: install Homebrew on Linux, then brew install lima', other: 'see https://lima-vm.io/docs/installation/' },
  qemu: { darwin: 'brew install qemu', debian: 'sudo apt-get install qemu-system-x86 qemu-system-arm qemu-utils', other: 'install QEMU 8 or newer' },
  firmware: { darwin: 'brew install qemu', debian: 'sudo apt-get install qemu-efi-aarch64', other: 'install edk2 aarch64 firmware; set KBENCH_QEMU_FIRMWARE' },
  ssh: { darwin: 'ssh ships with macOS; reinstall the Command Line Tools: xcode-select --install', debian: 'sudo apt-get install openssh-client', other: 'install OpenSSH' },
  xz: { darwin: 'brew install xz', debian: 'sudo apt-get install xz-utils', other: 'install xz' },
};

const install = (what: string, platform: Platform) => INSTALL[what]![platform];

/** "limactl version 2.1.4" / "2.2.0-153-g183a60d7" -> [2, 1]; null when unreadable. */
export function limaMajorMinor(versionOutput: string): [number, number] | null {
  const match = /limactl version v?(\d+)\.(\d+)/.exec(versionOutput);
  return match ? [Number(match[1]), Number(match[2])] : null;
}

/** Pure: the checks from what the probes saw. */
export function evaluate(input: {
  platform: Platform;
  arch: string;
  probes: Record<string, Probe>;
  firmware: string | null;
  freeBytes: number | null;
  cacheDir: string;
  knownHosts: string;
  knownHostsExists: boolean;
}): Check[] {
  const { platform, probes } = input;
  const checks: Check[] = [];
  const ran = (id: string) => probes[id] !== undefined && probes[id]!.exitCode === 0;
  const first = (id: string) => probes[id]?.output.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';

  const lima = limaMajorMinor(probes.limactl?.output ?? '');
  if (!ran('limactl') || lima === null) checks.push({ id: 'limactl', ok: false, detail: 'limactl not found on PATH', neededFor: 'lima', fix: install('lima', platform) });
  else if (lima[0] < 2 || (lima[0] === 2 && lima[1] < 1)) {
    checks.push({ id: 'limactl', ok: false, detail: `${first('limactl')}: FreeBSD guests need Lima 2.1 or newer`, neededFor: 'lima', fix: platform === 'darwin' ? 'brew upgrade lima' : install('lima', platform) });
  } else checks.push({ id: 'limactl', ok: true, detail: first('limactl'), neededFor: 'lima', fix: null });

  const qemuArch = input.arch === 'arm64' ? 'aarch64' : 'x86_64';
  for (const id of [`qemu-system-${qemuArch}`, 'qemu-img']) {
    checks.push(ran(id) ? { id, ok: true, detail: first(id), neededFor: 'qemu', fix: null } : { id, ok: false, detail: `${id} not found on PATH`, neededFor: 'qemu', fix: install('qemu', platform) });
  }
  checks.push(
    input.firmware !== null
      ? { id: 'aarch64-firmware', ok: true, detail: input.firmware, neededFor: 'qemu (BSD and Alpine images on arm64)', fix: null }
      : { id: 'aarch64-firmware', ok: false, detail: 'no edk2-aarch64-code.fd / QEMU_EFI.fd found', neededFor: 'qemu (BSD and Alpine images on arm64)', fix: install('firmware', platform) },
  );

  const accels = platform === 'darwin' ? ['hvf'] : platform === 'debian' || input.arch === 'x64' ? ['kvm'] : [];
  for (const accel of accels) {
    const probe = probes[`accel-${accel}`];
    const works = probe?.stillRunning === true;
    checks.push({
      id: `accel-${accel}`,
      ok: works,
      detail: works ? `qemu opened -accel ${accel}${accel === 'kvm' ? ' (a run still probe-boots a kernel before trusting kvm)' : ''}` : `qemu -accel ${accel} failed: ${probe?.output.split('\n').find((l) => l.trim())?.trim() ?? 'not tried (no qemu)'}; runs fall back to tcg (slow)`,
      neededFor: 'qemu speed',
      fix: works ? null : accel === 'kvm' ? 'sudo apt-get install qemu-system-x86 && sudo adduser "$USER" kvm (or run where /dev/kvm is usable)' : 'hvf needs macOS on Apple silicon or Intel with Hypervisor.framework',
    });
  }

  checks.push(ran('xz') ? { id: 'xz', ok: true, detail: first('xz'), neededFor: 'qemu (FreeBSD images)', fix: null } : { id: 'xz', ok: false, detail: 'xz not found on PATH', neededFor: 'qemu (FreeBSD images)', fix: install('xz', platform) });
  const sshOk = ran('ssh') || /OpenSSH/.test(probes.ssh?.output ?? '');
  checks.push(sshOk ? { id: 'ssh', ok: true, detail: first('ssh'), neededFor: 'ssh, kernels/', fix: null } : { id: 'ssh', ok: false, detail: 'ssh not found on PATH', neededFor: 'ssh, kernels/', fix: install('ssh', platform) });
  // ssh-keygen has no version flag; any exit status means it is there.
  checks.push(probes['ssh-keygen'] !== undefined && probes['ssh-keygen'].exitCode !== null ? { id: 'ssh-keygen', ok: true, detail: 'ssh-keygen found', neededFor: 'qemu (image keys)', fix: null } : { id: 'ssh-keygen', ok: false, detail: 'ssh-keygen not found on PATH', neededFor: 'qemu (image keys)', fix: install('ssh', platform) });
  checks.push(
    input.knownHostsExists
      ? { id: 'known_hosts', ok: true, detail: input.knownHosts, neededFor: 'ssh', fix: null }
      : { id: 'known_hosts', ok: false, detail: `${input.knownHosts} does not exist: --backend ssh accepts only machines whose host key is already there`, neededFor: 'ssh', fix: 'ssh -o StrictHostKeyChecking=accept-new <user@machine> true' },
  );
  const needGiB = 20;
  const freeGiB = input.freeBytes === null ? null : input.freeBytes / 2 ** 30;
  checks.push(
    freeGiB !== null && freeGiB >= needGiB
      ? { id: 'disk', ok: true, detail: `${freeGiB.toFixed(0)} GiB free for ${input.cacheDir}`, neededFor: 'all', fix: null }
      : { id: 'disk', ok: false, detail: `${freeGiB === null ? 'unknown' : freeGiB.toFixed(1)} GiB free for ${input.cacheDir}; images and instances need ${needGiB} GiB`, neededFor: 'all', fix: `free space or set KBENCH_CACHE to a larger disk` },
  );
  return checks;
}

/** Runs argv with a time limit; for accelerator tries, "still running at the limit" means accepted. */
function probe(argv: string[], timeoutMs = 10_000, acceptRunning = false): Promise<Probe> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ source: argv.join(' '), exitCode: acceptRunning ? 0 : null, output, stillRunning: true });
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ source: argv.join(' '), exitCode: null, output: error.message });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ source: argv.join(' '), exitCode: code, output, stillRunning: false });
    });
  });
}

function detectPlatform(): Platform {
  if (process.platform === 'darwin') return 'darwin';
  if (process.platform === 'linux' && existsSync('/etc/debian_version')) return 'debian';
  return 'other';
}

export async function runProbes(arch: string): Promise<Record<string, Probe>> {
  const qemuArch = arch === 'arm64' ? 'aarch64' : 'x86_64';
  const qemu = `qemu-system-${qemuArch}`;
  const entries: [string, Promise<Probe>][] = [
    ['limactl', probe(['limactl', '--version'])],
    [qemu, probe([qemu, '--version'])],
    ['qemu-img', probe(['qemu-img', '--version'])],
    ['xz', probe(['xz', '--version'])],
    ['ssh', probe(['ssh', '-V'])],
    ['ssh-keygen', probe(['ssh-keygen', '-l', '-f', '/dev/null'])],
    ['uname', probe(['uname', '-a'])],
  ];
  // By trying: qemu with the accelerator and no machine stays up (paused with -S) only if the accelerator opened.
  const accel = process.platform === 'darwin' ? 'hvf' : 'kvm';
  entries.push([`accel-${accel}`, probe([qemu, '-accel', accel, '-machine', 'none', '-nodefaults', '-display', 'none', '-monitor', 'none', '-S'], 1500)]);
  if (process.platform === 'darwin') {
    entries.push(['sysctl', probe(['sysctl', '-n', 'hw.model', 'machdep.cpu.brand_string', 'hw.perflevel0.physicalcpu', 'hw.perflevel1.physicalcpu', 'hw.memsize'])]);
  }
  entries.push(['limactl-list', probe(['limactl', 'list', '--json'])]);
  const done = await Promise.all(entries.map(async ([id, p]) => [id, await p] as const));
  const probes = Object.fromEntries(done);
  // The accelerator try "ok" is whether it was still running when stopped.
  const accelProbe = probes[`accel-${accel}`];
  if (accelProbe) accelProbe.exitCode = accelProbe.stillRunning ? 0 : (accelProbe.exitCode ?? 1);
  return probes;
}

export function registerDoctorCommand(program: Command, io: CliIo): void {
  program
    .command('doctor')
    .description('Check what runs on this host need (Lima >= 2.1, qemu and firmware, hvf/kvm, xz, ssh, known_hosts, disk) and print the install line for each missing part. Exit 0 all good, 1 something missing.')
    .option('--json', 'the checks as JSON')
    .option('--record <dir>', 'also write the raw outputs kbench parses into a bundle in <dir> (send it in; the test suite replays test/fixtures/recorded/)')
    .action(async (flags: { json?: boolean; record?: string }) => {
      if (flags.record !== undefined && existsSync(flags.record)) throw new InputError(`--record: ${flags.record} already exists; pick a new folder`);
      const { findAarch64Firmware } = await import('../backends/qemu/firmware.ts');
      const { defaultCacheRoot } = await import('../backends/qemu/images/fetch.ts');
      const platform = detectPlatform();
      const arch = process.arch;
      const cacheDir = defaultCacheRoot();
      const knownHosts = process.env.KBENCH_SSH_KNOWN_HOSTS || path.join(os.homedir(), '.ssh', 'known_hosts');
      let freeBytes: number | null = null;
      for (let dir = cacheDir; ; dir = path.dirname(dir)) {
        if (existsSync(dir)) {
          const stats = statfsSync(dir);
          freeBytes = stats.bavail * stats.bsize;
          break;
        }
        if (path.dirname(dir) === dir) break;
      }
      const probes = await runProbes(arch);
      const inputs = { firmware: findAarch64Firmware(), freeBytes, cacheDir, knownHosts, knownHostsExists: existsSync(knownHosts) };
      const checks = evaluate({ platform, arch, probes, ...inputs });
      const missing = checks.filter((check) => !check.ok);
      if (flags.record !== undefined) writeBundle(flags.record, { platform, arch, probes, checks, inputs });
      if (flags.json) io.out(`${JSON.stringify({ platform, arch, ok: missing.length === 0, checks, ...(flags.record ? { recorded: flags.record } : {}) })}\n`);
      else {
        for (const check of checks) io.out(`${check.ok ? 'ok  ' : 'MISS'} ${check.id.padEnd(22)} ${check.detail}${check.ok ? '' : `\n     ${''.padEnd(22)} fix: ${check.fix}`}  [${check.neededFor}]\n`);
        io.out(missing.length === 0 ? 'everything a run needs is here\n' : `${missing.length} missing: ${missing.map((check) => check.id).join(', ')}\n`);
        if (flags.record) io.out(`recorded: ${flags.record}\n`);
      }
      io.setExitCode(missing.length === 0 ? EXIT_OK : EXIT_REGRESSION);
    });
  void EXIT_BAD_INPUT;
}

/** A bundle: manifest.json (host, kbench version, what each file is) plus one raw file per probe. */
export interface BundleFile {
  file: string;
  source: string;
  exitCode: number | null;
  stillRunning?: boolean;
  kind: string;
}

function writeBundle(
  dir: string,
  data: { platform: Platform; arch: string; probes: Record<string, Probe>; checks: Check[]; inputs: Omit<Parameters<typeof evaluate>[0], 'platform' | 'arch' | 'probes'> },
): void {
  mkdirSync(dir, { recursive: true });
  const files: BundleFile[] = [];
  for (const [id, result] of Object.entries(data.probes)) {
    if (result.exitCode === null) continue;
    const file = `${id}.txt`;
    writeFileSync(path.join(dir, file), result.output);
    files.push({ file, source: result.source, exitCode: result.exitCode, ...(result.stillRunning !== undefined ? { stillRunning: result.stillRunning } : {}), kind: id });
  }
  writeFileSync(
    path.join(dir, 'manifest.json'),
    `${JSON.stringify({ format: 'kbench-recorded-bundle', version: 1, recordedAt: new Date().toISOString(), platform: data.platform, arch: data.arch, node: process.version, inputs: data.inputs, files, checks: data.checks }, null, 2)}\n`,
  );
}
