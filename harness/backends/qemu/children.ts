/**
 * Every qemu process kbench starts is registered here, so that no VM outlives kbench: on normal
 * exit, on an uncaught error and on Ctrl-C / SIGTERM all of them are SIGKILLed.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Hooks cannot run when kbench itself is SIGKILLed. On Linux, util-linux's setpriv sets a
 * parent-death signal and then execs the command (same pid), so the kernel kills the VM too.
 */
const SETPRIV = '/usr/bin/setpriv';
const parentDeathWrapper = process.platform === 'linux' && existsSync(SETPRIV);

const live = new Set<ChildProcess>();
let hooksInstalled = false;

function killAll(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  killAll();
  // Our listener suppresses Node's default "exit on signal"; keep that behaviour unless someone
  // else (e.g. the CLI) also listens and will decide how to exit.
  if (process.listenerCount(signal) <= 1) process.exit(signal === 'SIGINT' ? 130 : 143);
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAll);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
}

/** Spawns a tracked child: it is SIGKILLed if kbench exits while it still runs. */
export function spawnTracked(command: string, args: string[], options: SpawnOptions): ChildProcess {
  installHooks();
  const child = parentDeathWrapper
    ? spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args], { ...options, detached: false })
    : spawn(command, args, { ...options, detached: false });
  live.add(child);
  const forget = () => live.delete(child);
  child.once('exit', forget);
  child.once('error', forget);
  return child;
}

/** Pids of tracked children that have not exited yet (tests assert this goes back to empty). */
export function liveChildPids(): number[] {
  return [...live].flatMap((child) => (child.pid !== undefined && child.exitCode === null && child.signalCode === null ? [child.pid] : []));
}

/** Resolves when the child has exited (immediately if it already has). */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** SIGKILL and wait until the process is really gone. */
export async function killAndWait(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
  if (!(await waitForExit(child, timeoutMs))) {
    throw new Error(`process ${child.pid} did not exit within ${timeoutMs} ms of SIGKILL`);
  }
}
