/**
 * A real OpenSSH server on loopback for tests: its own free port, throwaway host and user keys in a
 * temp dir, login by key only (root, or a user the test made). Needs root (sshd drops privileges per session) and /usr/sbin/sshd.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export type KeyType = 'ed25519' | 'ecdsa' | 'rsa';

export interface RunningSshd {
  port: number;
  user: string;
  privateKeyPath: string;
  /** Public half of the first host key. */
  hostPublicKeyPath: string;
  hostPublicKeyPaths: Partial<Record<KeyType, string>>;
  /** Folder holding keys, config and the server log; removed by stop() unless it was passed in. */
  dir: string;
  /** Everything sshd wrote to stderr so far (it runs with -e). */
  log(): string;
  stop(): Promise<void>;
}

export interface StartSshdOptions {
  /** Listen here instead of a fresh free port (e.g. to restart with a different host key). */
  port?: number;
  /** Host keys the server offers, default just ed25519. */
  hostKeyTypes?: KeyType[];
  /** Authorize this existing private key (its `.pub` next to it) instead of generating one. */
  userPrivateKeyPath?: string;
  /** Script bash sources at the start of every session (via BASH_ENV): simulates chatty rc files. */
  bashEnvScript?: string;
  /** Log in as this existing user instead of root (the key files are made readable to it). */
  user?: string;
  /** Give up when sshd has not said it listens within this long. */
  startTimeoutMs?: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port from the kernel'));
      });
    });
  });
}

/** Generates an unencrypted key pair at `path` and `path.pub`. */
export async function generateKeyPair(path: string, type: KeyType = 'ed25519'): Promise<string> {
  const sizeArgs = type === 'rsa' ? ['-b', '2048'] : [];
  await execFileAsync('ssh-keygen', ['-q', '-t', type, ...sizeArgs, '-N', '', '-C', 'kbench-test', '-f', path]);
  return path;
}

export async function startSshd(options: StartSshdOptions = {}): Promise<RunningSshd> {
  if (process.getuid?.() !== 0) throw new Error('startSshd needs root: sshd must switch to the logged-in user');
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = await mkdtemp(join(tmpdir(), 'kbench-sshd-'));
  const port = options.port ?? (await freePort());
  const hostKeyTypes = options.hostKeyTypes ?? ['ed25519'];
  const hostKeyPaths = await Promise.all(hostKeyTypes.map((type) => generateKeyPair(join(dir, `host_${type}_key`), type)));
  const privateKeyPath = options.userPrivateKeyPath ?? (await generateKeyPair(join(dir, 'user_key')));
  // sshd reads authorized_keys as the user logging in.
  await writeFile(join(dir, 'authorized_keys'), await readFile(`${privateKeyPath}.pub`), { mode: options.user ? 0o644 : 0o600 });
  if (options.user) await chmod(dir, 0o755);
  const configPath = join(dir, 'sshd_config');
  const bashEnvPath = join(dir, 'bash_env');
  if (options.bashEnvScript !== undefined) await writeFile(bashEnvPath, options.bashEnvScript);
  await writeFile(
    configPath,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      ...hostKeyPaths.map((path) => `HostKey ${path}`),
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'MaxSessions 64',
      'MaxStartups 64',
      'LogLevel VERBOSE',
      'Subsystem sftp internal-sftp',
      ...(options.bashEnvScript === undefined ? [] : [`SetEnv BASH_ENV=${bashEnvPath}`]),
      '',
    ].join('\n'),
  );

  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`sshd did not start listening on ${port}: ${stderr.trim()}`)), options.startTimeoutMs ?? 10_000);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.stderr!.on('data', (text: string) => {
      stderr += text;
      if (stderr.includes(`Server listening on 127.0.0.1 port ${port}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => fail(new Error(`sshd exited with ${code} before listening: ${stderr.trim()}`)));
    child.once('error', fail);
  });

  let stopped: Promise<void> | null = null;
  return {
    port,
    user: options.user ?? 'root',
    privateKeyPath,
    hostPublicKeyPath: `${hostKeyPaths[0]}.pub`,
    hostPublicKeyPaths: Object.fromEntries(hostKeyTypes.map((type, index) => [type, `${hostKeyPaths[index]}.pub`])),
    dir,
    log: () => stderr,
    stop: () => (stopped ??= stopSshd(child, dir)),
  };
}

async function stopSshd(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
}

export type SudoRule = 'nopasswd' | 'password' | 'none';

/**
 * A local user like the one Lima logs in as: bash login shell, a home whose .profile and .bashrc
 * print a fortune-style line to stdout and stderr, and sudo as `rule` says. Removed by the returned
 * function. Needs root and useradd.
 */
export async function createLoginUser(name: string, rule: SudoRule): Promise<() => Promise<void>> {
  if (!/^kbench-[a-z]+$/.test(name)) throw new RangeError('test users are named kbench-<letters>');
  await execFileAsync('userdel', ['-r', name]).catch(() => undefined);
  await execFileAsync('useradd', ['-m', '-s', '/bin/bash', name]);
  // "*": no password, but not locked (OpenSSH without PAM refuses a locked "!" account).
  await execFileAsync('usermod', ['-p', '*', name]);
  const noise = "echo 'fortune: A bug in the hand is worth two in the box.'; echo 'motd: a warning on stderr' >&2\n";
  const home = `/home/${name}`;
  await writeFile(join(home, '.profile'), noise);
  await writeFile(join(home, '.bashrc'), noise);
  const sudoers = `/etc/sudoers.d/${name}`;
  if (rule !== 'none') await writeFile(sudoers, `${name} ALL=(ALL) ${rule === 'nopasswd' ? 'NOPASSWD: ' : ''}ALL\n`, { mode: 0o440 });
  return async () => {
    await rm(sudoers, { force: true });
    await execFileAsync('userdel', ['-r', name]).catch(() => undefined);
  };
}
