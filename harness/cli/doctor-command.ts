/**
 * `kbench doctor [--json] [--record DIR]`: what a run on this host needs, each missing part with
 * the exact install line (Homebrew on macOS, apt on Debian). Exit 0 when everything is there,
 * 1 when something is missing. `--record DIR` also writes the raw outputs the backends parse
 * into a bundle that test/guest/recorded.test.ts replays once it is put in test/fixtures/recorded/.
 * `--backend LIST` says which backends the exit status is about (default: lima and qemu, plus ssh
 * when KBENCH_SSH_TARGET* is set): a check only another backend needs is still shown (and kept in
 * `--json`) but does not fail the doctor, so a Lima-only user without known_hosts passes.
 * Every verdict is a pure function of recorded command outputs (evaluate, selectBackends).
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
  lima: {
    darwin: 'brew install lima',
    debian: 'Lima is not in Debian 12: install Homebrew on Linux, then brew install lima',
    other: 'see https://lima-vm.io/docs/installation/',
  },
  qemu: { darwin: 'brew install qemu', debian: 'sudo apt-get install qemu-system-x86 qemu-system-arm qemu-utils', other: 'install QEMU 8 or newer' },
  firmware: { darwin: 'brew install qemu', debian: 'sudo apt-get install qemu-efi-aarch64', other: 'install edk2 aarch64 firmware; set KBENCH_QEMU_FIRMWARE' },
  ssh: {
    darwin: 'ssh ships with macOS; reinstall the Command Line Tools: xcode-select --install',
    debian: 'sudo apt-get install openssh-client',
    other: 'install OpenSSH',
  },
  xz: { darwin: 'brew install xz', debian: 'sudo apt-get install xz-utils', other: 'install xz' },
};

const install = (what: string, platform: Platform) => INSTALL[what]![platform];

/** "limactl version 2.1.4" / "2.2.0-153-g183a60d7" -> [2, 1]; null when unreadable. */
export function limaMajorMinor(versionOutput: string): [number, number] | null {
  const match = /limactl version v?(\d+)\.(\d+)/.exec(versionOutput);
  return match ? [Number(match[1]), Number(match[2])] : null;
}

/** `sw_vers -productVersion` ("14.5", "13.0", "15.3.1", "26.0") -> [major, minor]; null when unreadable. */
export function macosMajorMinor(productVersion: string): [number, number] | null {
  const match = /^\s*(\d+)(?:\.(\d+))?(?:\.\d+)?\s*$/.exec(productVersion);
  return match ? [Number(match[1]), Number(match[2] ?? 0)] : null;
}

/** Lima's vz driver: macOS 13 or newer (lima-vm/lima website/content/en/docs/config/vmtype/vz.md: "Lima >= 0.14, macOS >= 13.0"). */
export const VZ_MIN_MACOS = 13;

export type DoctorBackend = 'lima' | 'qemu' | 'ssh';
export const DOCTOR_BACKENDS: readonly DoctorBackend[] = ['lima', 'qemu', 'ssh'];

/** Which backends need a check to pass (its neededFor text stays as recorded bundles have it). */
export function backendsNeeding(id: string): readonly DoctorBackend[] {
  if (id === 'limactl' || id === 'macos-version') return ['lima'];
  // Lima's FreeBSD instances run vmType qemu, so Lima needs qemu too.
  if (id.startsWith('qemu-system-') || id === 'qemu-img' || id === 'disk' || id === 'hv_support') return ['lima', 'qemu'];
  if (id === 'known_hosts') return ['ssh'];
  if (id === 'ssh') return DOCTOR_BACKENDS;
  return ['qemu'];
}

/** `--backend a,b` (or the default: lima and qemu, plus ssh when a KBENCH_SSH_TARGET* variable is set). */
export function parseDoctorBackends(raw: string | undefined, env: NodeJS.ProcessEnv): DoctorBackend[] {
  if (raw === undefined) {
    const ssh = ['KBENCH_SSH_TARGET', 'KBENCH_SSH_TARGET_STOCK', 'KBENCH_SSH_TARGET_CUSTOM'].some((name) => (env[name] ?? '') !== '');
    return ssh ? ['lima', 'qemu', 'ssh'] : ['lima', 'qemu'];
  }
  const chosen: DoctorBackend[] = [];
  for (const name of raw.split(',').map((part) => part.trim())) {
    if (!(DOCTOR_BACKENDS as readonly string[]).includes(name))
      throw new InputError(`--backend: unknown backend ${JSON.stringify(name)} (known: ${DOCTOR_BACKENDS.join(', ')})`);
    if (!chosen.includes(name as DoctorBackend)) chosen.push(name as DoctorBackend);
  }
  if (chosen.length === 0) throw new InputError('--backend: empty list');
  return chosen;
}

/** Pure: each check marked with whether the chosen backends need it; `ok` = every needed check passed. */
export function selectBackends(checks: readonly Check[], backends: readonly DoctorBackend[]): { ok: boolean; checks: (Check & { needed: boolean })[] } {
  const marked = checks.map((check) => ({ ...check, needed: backendsNeeding(check.id).some((backend) => backends.includes(backend)) }));
  return { ok: marked.every((check) => check.ok || !check.needed), checks: marked };
}

/** Pure: the checks from what the probes saw. */
// long because: one flat list of checks in the order doctor prints them, one short block per probe;
// split by platform, each part would take the same eight inputs and the two probe readers.
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
  const first = (id: string) =>
    probes[id]?.output
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? '';

  if (platform === 'darwin') {
    // `sw_vers -productVersion` prints the bare version ("14.5"); vz needs 13 or newer.
    const version = ran('sw_vers') ? macosMajorMinor(first('sw_vers')) : null;
    if (version === null)
      checks.push({
        id: 'macos-version',
        ok: false,
        detail: `could not read the macOS version (sw_vers -productVersion: ${first('sw_vers') || 'no output'})`,
        neededFor: 'lima (vz)',
        fix: 'run kbench doctor on macOS 13 or newer',
      });
    else if (version[0] < VZ_MIN_MACOS) {
      checks.push({
        id: 'macos-version',
        ok: false,
        detail: `macOS ${first('sw_vers')}: Lima's vz needs macOS ${VZ_MIN_MACOS} or newer (--backend qemu with hvf still runs)`,
        neededFor: 'lima (vz)',
        fix: `update macOS to ${VZ_MIN_MACOS} or newer (System Settings > General > Software Update)`,
      });
    } else checks.push({ id: 'macos-version', ok: true, detail: `macOS ${first('sw_vers')} (vz needs ${VZ_MIN_MACOS}+)`, neededFor: 'lima (vz)', fix: null });
    // `sysctl -n kern.hv_support` prints 1 when Hypervisor.framework is usable, 0 when not.
    const hv = ran('hv_support') ? first('hv_support') : null;
    checks.push(
      hv === '1'
        ? { id: 'hv_support', ok: true, detail: 'kern.hv_support = 1 (Hypervisor.framework usable: vz and hvf)', neededFor: 'lima (vz), qemu (hvf)', fix: null }
        : {
            id: 'hv_support',
            ok: false,
            detail:
              hv === null
                ? 'sysctl -n kern.hv_support failed: cannot tell whether Hypervisor.framework is usable'
                : `kern.hv_support = ${hv}: no Hypervisor.framework here (a VM without it, or a CPU without virtualization): vz and hvf cannot run, qemu falls back to tcg`,
            neededFor: 'lima (vz), qemu (hvf)',
            fix: 'run on the Mac itself (not inside a VM), Apple silicon or an Intel Mac with VT-x',
          },
    );
  }

  const lima = limaMajorMinor(probes.limactl?.output ?? '');
  if (!ran('limactl') || lima === null)
    checks.push({ id: 'limactl', ok: false, detail: 'limactl not found on PATH', neededFor: 'lima', fix: install('lima', platform) });
  else if (lima[0] < 2 || (lima[0] === 2 && lima[1] < 1)) {
    checks.push({
      id: 'limactl',
      ok: false,
      detail: `${first('limactl')}: FreeBSD guests need Lima 2.1 or newer`,
      neededFor: 'lima',
      fix: platform === 'darwin' ? 'brew upgrade lima' : install('lima', platform),
    });
  } else checks.push({ id: 'limactl', ok: true, detail: first('limactl'), neededFor: 'lima', fix: null });

  const qemuArch = input.arch === 'arm64' ? 'aarch64' : 'x86_64';
  for (const id of [`qemu-system-${qemuArch}`, 'qemu-img']) {
    checks.push(
      ran(id)
        ? { id, ok: true, detail: first(id), neededFor: 'qemu', fix: null }
        : { id, ok: false, detail: `${id} not found on PATH`, neededFor: 'qemu', fix: install('qemu', platform) },
    );
  }
  checks.push(
    input.firmware !== null
      ? { id: 'aarch64-firmware', ok: true, detail: input.firmware, neededFor: 'qemu (BSD and Alpine images on arm64)', fix: null }
      : {
          id: 'aarch64-firmware',
          ok: false,
          detail: 'no edk2-aarch64-code.fd / QEMU_EFI.fd found',
          neededFor: 'qemu (BSD and Alpine images on arm64)',
          fix: install('firmware', platform),
        },
  );

  const accels = platform === 'darwin' ? ['hvf'] : platform === 'debian' || input.arch === 'x64' ? ['kvm'] : [];
  for (const accel of accels) {
    const probe = probes[`accel-${accel}`];
    const works = probe?.stillRunning === true;
    checks.push({
      id: `accel-${accel}`,
      ok: works,
      detail: works
        ? `qemu opened -accel ${accel}${accel === 'kvm' ? ' (a run still probe-boots a kernel before trusting kvm)' : ''}`
        : `qemu -accel ${accel} failed: ${
            probe?.output
              .split('\n')
              .find((l) => l.trim())
              ?.trim() ?? 'not tried (no qemu)'
          }; runs fall back to tcg (slow)`,
      neededFor: 'qemu speed',
      fix: works
        ? null
        : accel === 'kvm'
          ? 'sudo apt-get install qemu-system-x86 && sudo adduser "$USER" kvm (or run where /dev/kvm is usable)'
          : 'hvf needs macOS on Apple silicon or Intel with Hypervisor.framework',
    });
  }

  checks.push(
    ran('xz')
      ? { id: 'xz', ok: true, detail: first('xz'), neededFor: 'qemu (FreeBSD images)', fix: null }
      : { id: 'xz', ok: false, detail: 'xz not found on PATH', neededFor: 'qemu (FreeBSD images)', fix: install('xz', platform) },
  );
  const sshOk = ran('ssh') || /OpenSSH/.test(probes.ssh?.output ?? '');
  checks.push(
    sshOk
      ? { id: 'ssh', ok: true, detail: first('ssh'), neededFor: 'ssh, kernels/', fix: null }
      : { id: 'ssh', ok: false, detail: 'ssh not found on PATH', neededFor: 'ssh, kernels/', fix: install('ssh', platform) },
  );
  // ssh-keygen has no version flag; any exit status means it is there.
  checks.push(
    probes['ssh-keygen'] !== undefined && probes['ssh-keygen'].exitCode !== null
      ? { id: 'ssh-keygen', ok: true, detail: 'ssh-keygen found', neededFor: 'qemu (image keys)', fix: null }
      : { id: 'ssh-keygen', ok: false, detail: 'ssh-keygen not found on PATH', neededFor: 'qemu (image keys)', fix: install('ssh', platform) },
  );
  checks.push(
    input.knownHostsExists
      ? { id: 'known_hosts', ok: true, detail: input.knownHosts, neededFor: 'ssh', fix: null }
      : {
          id: 'known_hosts',
          ok: false,
          detail: `${input.knownHosts} does not exist: --backend ssh accepts only machines whose host key is already there`,
          neededFor: 'ssh',
          fix: 'ssh -o StrictHostKeyChecking=accept-new <user@machine> true',
        },
  );
  const needGiB = 20;
  const freeGiB = input.freeBytes === null ? null : input.freeBytes / 2 ** 30;
  checks.push(
    freeGiB !== null && freeGiB >= needGiB
      ? { id: 'disk', ok: true, detail: `${freeGiB.toFixed(0)} GiB free for ${input.cacheDir}`, neededFor: 'all', fix: null }
      : {
          id: 'disk',
          ok: false,
          detail: `${freeGiB === null ? 'unknown' : freeGiB.toFixed(1)} GiB free for ${input.cacheDir}; images and instances need ${needGiB} GiB`,
          neededFor: 'all',
          fix: `free space or set KBENCH_CACHE to a larger disk`,
        },
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
    entries.push(['sw_vers', probe(['sw_vers', '-productVersion'])]);
    entries.push(['hv_support', probe(['sysctl', '-n', 'kern.hv_support'])]);
    entries.push([
      'sysctl',
      probe(['sysctl', '-n', 'hw.model', 'machdep.cpu.brand_string', 'hw.perflevel0.physicalcpu', 'hw.perflevel1.physicalcpu', 'hw.memsize']),
    ]);
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
    .description(
      'Check what runs on this host need (macOS >= 13 and kern.hv_support for vz/hvf, Lima >= 2.1, qemu and firmware, hvf/kvm, xz, ssh, known_hosts, disk) and print the install line for each missing part. Exit 0 when the chosen backends have all they need, 1 otherwise.',
    )
    .option(
      '--backend <list>',
      'the backends the exit status is about, comma-separated: lima, qemu, ssh (default: lima,qemu, plus ssh when KBENCH_SSH_TARGET is set)',
    )
    .option('--json', 'every check as JSON (also those the chosen backends do not need, with needed: false)')
    .option('--record <dir>', 'also write the raw outputs kbench parses into a bundle in <dir> (send it in; the test suite replays test/fixtures/recorded/)')
    .action(async (flags: { json?: boolean; record?: string; backend?: string }) => {
      const backends = parseDoctorBackends(flags.backend, process.env);
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
      const selected = selectBackends(checks, backends);
      if (flags.record !== undefined) writeBundle(flags.record, { platform, arch, probes, checks, inputs });
      if (flags.json)
        io.out(
          `${JSON.stringify({ platform, arch, backends, ok: selected.ok, checks: selected.checks, ...(flags.record ? { recorded: flags.record } : {}) })}\n`,
        );
      else io.out(renderDoctor(selected.checks, backends, flags.record));
      io.setExitCode(selected.ok ? EXIT_OK : EXIT_REGRESSION);
    });
  void EXIT_BAD_INPUT;
}

/** Pure: the doctor's text: ok / MISS / skip (failing, but no chosen backend needs it) per check. */
export function renderDoctor(checks: readonly (Check & { needed: boolean })[], backends: readonly DoctorBackend[], recorded?: string): string {
  let text = '';
  for (const check of checks) {
    const mark = check.ok ? 'ok  ' : check.needed ? 'MISS' : 'skip';
    const fix = check.ok ? '' : `\n     ${''.padEnd(22)} ${check.needed ? 'fix' : `not needed for --backend ${backends.join(',')}; fix`}: ${check.fix}`;
    text += `${mark} ${check.id.padEnd(22)} ${check.detail}${fix}  [${check.neededFor}]\n`;
  }
  const missing = checks.filter((check) => !check.ok && check.needed);
  text +=
    missing.length === 0
      ? `everything --backend ${backends.join(',')} needs is here\n`
      : `${missing.length} missing for --backend ${backends.join(',')}: ${missing.map((check) => check.id).join(', ')}\n`;
  if (recorded) text += `recorded: ${recorded}\n`;
  return text;
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
  data: {
    platform: Platform;
    arch: string;
    probes: Record<string, Probe>;
    checks: Check[];
    inputs: Omit<Parameters<typeof evaluate>[0], 'platform' | 'arch' | 'probes'>;
  },
): void {
  mkdirSync(dir, { recursive: true });
  const files: BundleFile[] = [];
  for (const [id, result] of Object.entries(data.probes)) {
    if (result.exitCode === null) continue;
    const file = `${id}.txt`;
    writeFileSync(path.join(dir, file), result.output);
    files.push({
      file,
      source: result.source,
      exitCode: result.exitCode,
      ...(result.stillRunning !== undefined ? { stillRunning: result.stillRunning } : {}),
      kind: id,
    });
  }
  writeFileSync(
    path.join(dir, 'manifest.json'),
    `${JSON.stringify({ format: 'kbench-recorded-bundle', version: 1, recordedAt: new Date().toISOString(), platform: data.platform, arch: data.arch, node: process.version, inputs: data.inputs, files, checks: data.checks }, null, 2)}\n`,
  );
}
