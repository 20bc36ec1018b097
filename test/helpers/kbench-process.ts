/** Runs the real kbench CLI as a child process and hands its NDJSON progress events to the test. */
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';

export const KBENCH_BIN = path.resolve(import.meta.dirname, '../../bin/kbench.mjs');

export interface KbenchEvent {
  event: string;
  variant?: string;
  workload?: string;
  message?: string;
  sample?: number;
  [key: string]: unknown;
}

export interface KbenchRun {
  process: ResultPromise;
  events: KbenchEvent[];
  done: Promise<{ code: number | undefined; stdout: string; stderr: string }>;
}

export function startKbench(
  args: string[],
  onEvent: (event: KbenchEvent, run: KbenchRun) => void = () => {},
  cwd?: string,
  env?: Record<string, string>,
): KbenchRun {
  const child = execa('node', [KBENCH_BIN, ...args], { reject: false, cwd, buffer: true, all: false, ...(env ? { env } : {}) });
  const run: KbenchRun = { process: child, events: [], done: undefined as never };
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (!line.startsWith('{')) continue;
      try {
        const event = JSON.parse(line) as KbenchEvent;
        run.events.push(event);
        onEvent(event, run);
      } catch {
        /* a partial or non-event line */
      }
    }
  });
  run.done = child.then((result) => ({ code: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) }));
  return run;
}
