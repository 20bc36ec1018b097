/**
 * RemoteShell over one kept ssh2 connection. Short commands share one remote `sh` (one channel for
 * the whole session), which costs one round trip instead of a channel open + shell start each;
 * long or streaming commands get their own exec channel.
 *
 * Every command runs as root: guest adapters load modules, create pools, attach loop/md devices
 * and write /sys. When the login is not root (Lima logs in as the host's user, pkg/sshutil in
 * lima-vm/lima, with passwordless sudo), the shells are opened as `exec sudo -n sh`; whether that
 * works is checked once per session, and a sudo that wants a password is one line (SshAuthError).
 */
import { readFile, stat } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { constants as osConstants } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { type HostKeyError, SshAuthError, SshConnectionError } from './errors.ts';
import { beginMarkerOf, frameOneShot, newMarkerToken, unframeOutput } from './framing.ts';
import { createHostKeyCheck } from './host-keys.ts';
import { KeptShell } from './kept-shell.ts';
import { shellQuote, type ExecOptions, type ExecResult, type RemoteShell, type SshEndpoint } from './types.ts';

export const TIMEOUT_EXIT_CODE = 124;

export interface SshSessionOptions {
  /** SSH-level keepalive period; the connection is declared lost after `keepaliveCountMax` unanswered. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Limit for TCP connect + handshake + authentication. Emulated guests handshake slowly. */
  readyTimeoutMs?: number;
}

/** Channels this session opened, by kind: lets tests and benchmarks prove the shell is kept. */
export interface ChannelCounts {
  keptShells: number;
  execChannels: number;
  sftpChannels: number;
}

const KILL_TIMEOUT_MS = 10_000;

/** How this session's shells become root: already root, or through passwordless sudo. */
export type Privilege = 'root' | 'sudo';

/** The probe run once per session, before the first root shell: the login's uid and, if not 0, what `sudo -n` says. */
export const PRIVILEGE_PROBE =
  'u=$(id -u); echo "uid $u"; if [ "$u" != 0 ]; then if command -v sudo >/dev/null 2>&1; then ' +
  'if m=$(sudo -n true 2>&1); then echo "sudo ok"; else echo "sudo refused $m"; fi; else echo "sudo missing"; fi; fi';

/** Pure: the privilege the probe's output grants, or the one-line reason there is none. */
export function parsePrivilegeProbe(output: string, user: string): { ok: true; privilege: Privilege } | { ok: false; error: string } {
  const lines = output.split('\n').map((line) => line.trim());
  const uid = /^uid (\d+)$/.exec(lines[0] ?? '');
  if (!uid) return { ok: false, error: `cannot tell the uid of ${user} (id -u printed ${JSON.stringify((lines[0] ?? '').slice(0, 60))})` };
  if (uid[1] === '0') return { ok: true, privilege: 'root' };
  const sudo = lines[1] ?? '';
  if (sudo === 'sudo ok') return { ok: true, privilege: 'sudo' };
  const why =
    sudo === 'sudo missing'
      ? 'there is no sudo'
      : `sudo -n refuses (${
          sudo
            .replace(/^sudo refused\s*/, '')
            .replace(/\s+/g, ' ')
            .slice(0, 100) || 'no message'
        })`;
  return {
    ok: false,
    error: `${user} is not root (uid ${uid[1]}) and ${why}: kbench runs modprobe, zpool and /sys writes as root; give ${user} passwordless sudo (Lima's images do) or log in as root`,
  };
}

export function describeEndpoint(endpoint: Pick<SshEndpoint, 'user' | 'host' | 'port'>): string {
  return `${endpoint.user}@${endpoint.host}:${endpoint.port}`;
}

export class SshSession implements RemoteShell {
  private shell: KeptShell | null = null;
  /** Process groups to kill when a kept-shell command times out (the shell's, and sudo's under sudo). */
  private shellGroups: number[] = [];
  private privilege: Promise<Privilege> | null = null;
  private queueTail: Promise<unknown> = Promise.resolve();
  private lostReason: string | null = null;
  private readonly counts: ChannelCounts = { keptShells: 0, execChannels: 0, sftpChannels: 0 };

  private constructor(
    private readonly client: Client,
    readonly endpoint: SshEndpoint,
  ) {
    client.on('error', (error: Error) => {
      this.lostReason ??= error.message;
    });
    client.on('close', () => {
      this.lostReason ??= 'connection closed';
      this.shell = null;
    });
  }

  /** One connection attempt; see connectWithRetry for guests that are still booting. */
  static async connect(endpoint: SshEndpoint, options: SshSessionOptions = {}): Promise<SshSession> {
    const where = describeEndpoint(endpoint);
    const privateKey = await readPrivateKey(endpoint.privateKeyPath);
    const hostKeyCheck = await createHostKeyCheck(endpoint.hostKeyPolicy, endpoint.host, endpoint.port);
    const client = new Client();
    // Our own socket, so a failed attempt can always be torn down (ssh2's end() only half-closes it).
    const socket = createConnection({ host: endpoint.host, port: endpoint.port });
    const config: ConnectConfig = {
      sock: socket,
      host: endpoint.host,
      port: endpoint.port,
      username: endpoint.user,
      privateKey,
      hostVerifier: (key: Buffer) => hostKeyCheck.verify(key),
      algorithms: { serverHostKey: hostKeyCheck.hostKeyAlgorithms },
      keepaliveInterval: options.keepaliveIntervalMs ?? 5_000,
      keepaliveCountMax: options.keepaliveCountMax ?? 6,
      readyTimeout: options.readyTimeoutMs ?? 30_000,
    };
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      // Stays attached: a failing socket can emit several errors (reset, then "lost before handshake").
      const onError = (error: Error & { level?: string }): void => {
        if (settled) return;
        settled = true;
        client.end();
        socket.destroy();
        reject(classifyConnectError(error, hostKeyCheck.rejection, where, endpoint.privateKeyPath));
      };
      const onReady = (): void => {
        if (settled) return;
        settled = true;
        client.removeListener('error', onError);
        resolve();
      };
      client.on('error', onError);
      client.once('ready', onReady);
      try {
        client.connect(config);
      } catch (error) {
        onError(error as Error);
      }
    });
    return new SshSession(client, endpoint);
  }

  get channelCounts(): Readonly<ChannelCounts> {
    return { ...this.counts };
  }

  /** Runs on the kept shell; calls are queued, one command at a time. */
  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const run = this.queueTail.then(() => this.execOnKeptShell(command, options));
    this.queueTail = run.catch(() => undefined);
    return run;
  }

  async execLong(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const started = performance.now();
    const privilege = await this.privilegeOnce();
    // The shell marks the start of stdout, reports its pid and parent's pid (= the process group
    // sshd made for the session: the shell's own, or sudo's) on stderr, then becomes the command.
    const token = newMarkerToken();
    const half = Math.floor(token.length / 2);
    const channel = await this.openShellRunning(
      `printf '%s%s-begin\\n' ${token.slice(0, half)} ${token.slice(half)}; ` +
        `printf '%s%s %s %s\\n' ${token.slice(0, half)} ${token.slice(half)} "$$" "$PPID" >&2; exec sh -c ${shellQuote(command)}`,
      privilege,
    );
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    channel.on('data', (chunk: Buffer) => stdout.push(chunk));
    channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // What the login shell's rc files printed before the markers is not the command's output.
    const begin = beginMarkerOf(token);
    const stdoutAfterBegin = (): string => {
      const all = Buffer.concat(stdout);
      const at = all.indexOf(begin);
      return (at < 0 ? all : all.subarray(at + begin.length)).toString('utf8');
    };
    const pidPrefix = Buffer.from(`${token} `);
    const stderrWithoutPid = (): { text: string; groups: number[] } => {
      const all = Buffer.concat(stderr);
      const at = all.indexOf(pidPrefix);
      const lineEnd = at < 0 ? -1 : all.indexOf(0x0a, at);
      if (lineEnd < 0) return { text: all.toString('utf8'), groups: [] };
      const [pid, parent] = all
        .subarray(at + pidPrefix.length, lineEnd)
        .toString('latin1')
        .split(' ')
        .map(Number);
      return { text: all.subarray(lineEnd + 1).toString('utf8'), groups: processGroups(privilege, pid, parent) };
    };

    let exitCode: number | null = null;
    channel.on('exit', (code: number | null, signal?: string) => {
      exitCode = code ?? 128 + (signalNumber(signal) ?? 0);
    });
    const closed = new Promise<void>((resolve) => channel.once('close', () => resolve()));
    const timedOut = await raceTimeout(closed, options.timeoutMs);
    if (timedOut) {
      const { groups } = stderrWithoutPid();
      if (groups.length > 0) await this.killProcessGroups(groups, privilege);
      // Timed out before the pid arrived: the "signal" channel request is all that is left (OpenSSH >= 7.9).
      else channel.signal('KILL');
      channel.close();
      await closed;
    }
    if (this.lostReason !== null && exitCode === null && !timedOut) {
      throw new SshConnectionError(`ssh ${describeEndpoint(this.endpoint)}: connection lost during ${showCommand(command)}: ${this.lostReason}`);
    }
    return {
      code: timedOut ? TIMEOUT_EXIT_CODE : (exitCode ?? 255),
      stdout: stdoutAfterBegin(),
      stderr: stderrWithoutPid().text,
      durationMs: performance.now() - started,
    };
  }

  async upload(localPath: string, remotePath: string): Promise<void> {
    const { mode } = await stat(localPath);
    this.assertConnected();
    this.counts.sftpChannels += 1;
    await new Promise<void>((resolve, reject) => {
      this.client.sftp((openError, sftp) => {
        if (openError) {
          reject(new SshConnectionError(`ssh ${describeEndpoint(this.endpoint)}: cannot open SFTP: ${openError.message}`));
          return;
        }
        sftp.fastPut(localPath, remotePath, { mode: mode & 0o7777 }, (error) => {
          sftp.end();
          if (error) reject(new SshConnectionError(`upload ${localPath} -> ${describeEndpoint(this.endpoint)}:${remotePath} failed: ${error.message}`));
          else resolve();
        });
      });
    });
  }

  async measureRoundTripMs(samples = 21): Promise<number> {
    if (!Number.isInteger(samples) || samples < 1) throw new RangeError(`samples must be a positive integer, got ${samples}`);
    await this.exec(':');
    const durations: number[] = [];
    for (let i = 0; i < samples; i += 1) durations.push((await this.exec(':')).durationMs);
    durations.sort((a, b) => a - b);
    const middle = Math.floor(durations.length / 2);
    return durations.length % 2 === 1 ? durations[middle]! : (durations[middle - 1]! + durations[middle]!) / 2;
  }

  async close(): Promise<void> {
    if (this.lostReason !== null) return;
    const closed = new Promise<void>((resolve) => this.client.once('close', () => resolve()));
    this.lostReason = 'session closed';
    this.shell?.close();
    this.client.end();
    await closed;
  }

  private async execOnKeptShell(command: string, options: ExecOptions): Promise<ExecResult> {
    let shell: KeptShell;
    try {
      shell = await this.keptShell();
    } catch (error) {
      this.assertConnected();
      if (error instanceof SshConnectionError || error instanceof SshAuthError) throw error;
      throw new SshConnectionError(`ssh ${describeEndpoint(this.endpoint)}: cannot start the kept shell: ${(error as Error).message}`);
    }
    const started = performance.now();
    const running = shell.run(command);
    try {
      const timedOut = await raceTimeout(running, options.timeoutMs);
      if (!timedOut) {
        const result = await running;
        return {
          code: result.code,
          stdout: result.stdout.toString('utf8'),
          stderr: result.stderr.toString('utf8'),
          durationMs: performance.now() - started,
        };
      }
    } catch (error) {
      this.shell = null;
      this.assertConnected();
      throw new SshConnectionError(`ssh ${describeEndpoint(this.endpoint)}: ${(error as Error).message} (${showCommand(command)})`);
    }
    // Timed out: kill the whole kept shell's process group (the command and all it started); the next exec starts a fresh shell.
    const partial = shell.abandon();
    running.catch(() => undefined);
    this.shell = null;
    if (this.shellGroups.length > 0) await this.killProcessGroups(this.shellGroups, await this.privilegeOnce());
    shell.close();
    return {
      code: TIMEOUT_EXIT_CODE,
      stdout: partial.stdout.toString('utf8'),
      stderr: partial.stderr.toString('utf8'),
      durationMs: performance.now() - started,
    };
  }

  /** How this session's shells become root, probed on first use (one extra channel per session). */
  privilegeOnce(): Promise<Privilege> {
    this.privilege ??= this.probePrivilege();
    // A failed probe is not cached as a rejection forever when the connection was the problem.
    this.privilege.catch(() => {
      if (this.lostReason !== null) this.privilege = null;
    });
    return this.privilege;
  }

  private async probePrivilege(): Promise<Privilege> {
    const { script, token } = frameOneShot(PRIVILEGE_PROBE);
    const channel = await this.openExec('exec sh');
    const chunks: Buffer[] = [];
    channel.on('data', (chunk: Buffer) => chunks.push(chunk));
    channel.stderr.resume();
    const closed = new Promise<void>((resolve) => channel.once('close', () => resolve()));
    channel.end(`${script}\n`);
    if (await raceTimeout(closed, PROBE_TIMEOUT_MS)) {
      channel.close();
      throw new SshConnectionError(`ssh ${describeEndpoint(this.endpoint)}: id -u / sudo -n true gave no answer within ${PROBE_TIMEOUT_MS / 1000} s`);
    }
    const framed = unframeOutput(Buffer.concat(chunks).toString('utf8'), token);
    if (framed === null) {
      this.assertConnected();
      throw new SshConnectionError(`ssh ${describeEndpoint(this.endpoint)}: the shell did not run id -u (no framed output)`);
    }
    const parsed = parsePrivilegeProbe(framed.output, this.endpoint.user);
    if (!parsed.ok) throw new SshAuthError(`ssh ${describeEndpoint(this.endpoint)}: ${parsed.error}`);
    return parsed.privilege;
  }

  private async keptShell(): Promise<KeptShell> {
    if (this.shell?.alive) return this.shell;
    const privilege = await this.privilegeOnce();
    // `exec` so that the shell keeps the pid sshd gave the session, which is also its process group;
    // and the login shell (maybe csh or fish) parses nothing but `exec sh` or `exec sudo -n sh`.
    const shell = new KeptShell(await this.openExec(rootShellCommand(privilege)));
    this.counts.keptShells += 1;
    // Framed: what the login shell's rc files printed before it is dropped.
    const pid = /^kbench-pid:(\d+):(\d+)$/.exec((await shell.run('printf kbench-pid:%s:%s "$$" "$PPID"')).stdout.toString('latin1'));
    this.shellGroups = pid ? processGroups(privilege, Number(pid[1]), Number(pid[2])) : [];
    this.shell = shell;
    return shell;
  }

  private async killProcessGroups(processGroups: number[], privilege: Privilege): Promise<void> {
    try {
      const channel = await this.openShellRunning(processGroups.map((group) => `kill -s KILL -- -${group} 2>/dev/null`).join('; '), privilege);
      channel.resume();
      channel.stderr.resume();
      await raceTimeout(new Promise((resolve) => channel.once('close', resolve)), KILL_TIMEOUT_MS);
    } catch {
      // The caller closes the channel anyway; a lost connection is reported by the next call.
    }
  }

  /**
   * An exec channel whose root `sh` reads `script` from stdin (then EOF), so the login shell, which
   * may be csh or fish, only ever parses `exec sh` or `exec sudo -n sh`.
   */
  private async openShellRunning(script: string, privilege: Privilege): Promise<ClientChannel> {
    const channel = await this.openExec(rootShellCommand(privilege));
    channel.end(`${script}\n`);
    return channel;
  }

  private openExec(command: string): Promise<ClientChannel> {
    this.assertConnected();
    this.counts.execChannels += 1;
    return new Promise((resolve, reject) => {
      this.client.exec(command, (error, channel) => {
        if (error) reject(new SshConnectionError(`ssh ${describeEndpoint(this.endpoint)}: cannot open a channel: ${error.message}`));
        else resolve(channel);
      });
    });
  }

  private assertConnected(): void {
    if (this.lostReason !== null) {
      throw new SshConnectionError(`ssh ${describeEndpoint(this.endpoint)}: no connection (${this.lostReason})`);
    }
  }
}

const PROBE_TIMEOUT_MS = 30_000;

/** What the login shell runs to start a root `sh`: plain for root, through passwordless sudo otherwise. */
export function rootShellCommand(privilege: Privilege): string {
  return privilege === 'root' ? 'exec sh' : 'exec sudo -n sh';
}

/**
 * Process groups that hold a shell and everything it started. sshd makes the login shell a session
 * leader; `exec sh` keeps that pid, so the group is the shell's own. `exec sudo -n sh`: without a
 * terminal sudo runs the command in its own process group (sudo's exec_nopty), which is sudo's pid =
 * the shell's parent; with use_pty and a terminal the command would lead a group of its own, so
 * both are killed.
 */
function processGroups(privilege: Privilege, pid: number | undefined, parent: number | undefined): number[] {
  const valid = (n: number | undefined): n is number => n !== undefined && Number.isInteger(n) && n > 1;
  if (privilege === 'root') return valid(pid) ? [pid] : [];
  return [parent, pid].filter(valid);
}

async function readPrivateKey(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new SshAuthError(`cannot read ssh private key ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function classifyConnectError(
  error: Error & { level?: string; code?: string },
  hostKeyRejection: HostKeyError | null,
  where: string,
  privateKeyPath: string,
): Error {
  if (hostKeyRejection) return hostKeyRejection;
  if (error.level === 'client-authentication') {
    return new SshAuthError(`ssh ${where}: server refused key ${privateKeyPath} (${error.message})`);
  }
  if (/privateKey|private key|passphrase/i.test(error.message)) {
    return new SshAuthError(`ssh ${where}: cannot use private key ${privateKeyPath}: ${error.message}`);
  }
  const detail = error.code && !error.message.includes(error.code) ? `${error.code} ${error.message}` : error.message;
  return new SshConnectionError(`ssh ${where}: ${detail}`, error.level !== 'handshake');
}

/** Resolves true when `timeoutMs` passes first; rejects when `work` rejects first. */
async function raceTimeout(work: Promise<unknown>, timeoutMs: number | undefined): Promise<boolean> {
  if (timeoutMs === undefined) {
    await work;
    return false;
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<true>((resolve) => {
    timer = setTimeout(() => resolve(true), timeoutMs);
  });
  try {
    return await Promise.race([work.then(() => false as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function signalNumber(signal: string | undefined): number | null {
  if (!signal) return null;
  const name = signal.startsWith('SIG') ? signal : `SIG${signal}`;
  const number = (osConstants.signals as Record<string, number>)[name];
  return number ?? null;
}

function showCommand(command: string): string {
  const oneLine = command.replace(/\s+/g, ' ').trim();
  return oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine;
}
