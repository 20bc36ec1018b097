/**
 * A RemoteShell that runs `sh -c` on this machine: a real shell for tests of guest adapters on
 * what the host has (meminfo, uptime, os-release, uname, nproc). Used only in tests.
 */
import { spawn } from 'node:child_process';
import { copyFile } from 'node:fs/promises';
import type { ExecOptions, ExecResult, RemoteShell } from '../../harness/ssh/types.ts';

export class LocalShell implements RemoteShell {
  /** Every command run, in order, so tests can check what an adapter sent. */
  readonly commands: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    this.commands.push(command);
    const started = performance.now();
    return new Promise((resolve, reject) => {
      // Its own process group, so a timeout kills the command's children too (they hold the pipes).
      const child = spawn('sh', ['-c', command], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const timer =
        options?.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              timedOut = true;
              if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
            }, options.timeoutMs);
      child.on('error', reject);
      child.on('close', (code) => {
        if (timer) clearTimeout(timer);
        resolve({ code: timedOut ? 124 : (code ?? 128), stdout, stderr, durationMs: performance.now() - started });
      });
    });
  }

  execLong(command: string, options?: ExecOptions): Promise<ExecResult> {
    return this.exec(command, options);
  }

  async upload(localPath: string, remotePath: string): Promise<void> {
    await copyFile(localPath, remotePath);
  }

  async measureRoundTripMs(samples = 5): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < samples; i++) times.push((await this.exec('true')).durationMs);
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  }

  async close(): Promise<void> {}
}
