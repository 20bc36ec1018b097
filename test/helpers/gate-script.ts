/**
 * Runs .ci/gate.sh as the workflow does (GITHUB_STEP_SUMMARY, KBENCH_GATE_* set) against a
 * throwaway repository, keeping its output, summary and gate folder under `keep/<name>`: the
 * heavy gate replays (x86 testbed and arm64) read their verdicts from here.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

const project = path.resolve(import.meta.dirname, '../..');

export interface GateScriptRun {
  code: number | undefined;
  stdout: string;
  summary: string;
  /** gate.json as the tests read it. */
  gate: any;
  seconds: number;
}

export async function runGateScript(options: { repo: string; keep: string; name: string; args: string[]; timeoutMs: number }): Promise<GateScriptRun> {
  const out = path.join(options.keep, options.name);
  const summary = path.join(options.keep, `${options.name}-step-summary.md`);
  writeFileSync(summary, '');
  const started = Date.now();
  const run = await execa('sh', [path.join(project, '.ci/gate.sh'), ...options.args], {
    cwd: options.keep,
    env: { KBENCH_GATE_REPO: options.repo, KBENCH_GATE_OUT: out, KBENCH_GATE_BASE: 'main', GITHUB_STEP_SUMMARY: summary },
    reject: false,
    timeout: options.timeoutMs,
    all: true,
  });
  const seconds = Math.round((Date.now() - started) / 1000);
  writeFileSync(path.join(options.keep, `${options.name}-output.txt`), `${run.all ?? ''}\n(exit ${run.exitCode}, ${seconds} s)\n`);
  return {
    code: run.exitCode,
    stdout: run.stdout,
    summary: readFileSync(summary, 'utf8'),
    gate: JSON.parse(readFileSync(path.join(out, 'gate.json'), 'utf8')),
    seconds,
  };
}
