/** Runs the real kbench CLI in a folder and tells what it printed, its exit code and what it changed. */
import { lstatSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

export const KBENCH = path.resolve(import.meta.dirname, '../../bin/kbench.mjs');

export interface CliResult {
  code: number | undefined;
  stdout: string;
  stderr: string;
  ms: number;
}

export async function kbench(cwd: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const started = performance.now();
  const result = await execa('node', [KBENCH, ...args], { cwd, reject: false, env, timeout: 60_000, stdin: 'ignore' });
  return { code: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr), ms: performance.now() - started };
}

/** A fresh folder holding the given files (objects are written as JSON). */
export function workdir(files: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kbench-cli-'));
  for (const [name, content] of Object.entries(files))
    writeFileSync(path.join(dir, name), typeof content === 'string' || Buffer.isBuffer(content) ? content : JSON.stringify(content));
  return dir;
}

/** Every path under dir with its type and size: equal before and after means nothing was written. */
export function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const relative = path.join(rel, name);
      const stats = lstatSync(path.join(dir, relative));
      out.push(`${relative} ${stats.isDirectory() ? 'dir' : stats.isFIFO() ? 'fifo' : stats.isSymbolicLink() ? 'link' : stats.size}`);
      if (stats.isDirectory()) walk(relative);
    }
  };
  walk('');
  return out;
}
