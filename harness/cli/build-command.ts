/**
 * `kbench build [--os alpine,freebsd,netbsd,openbsd,debian-arm64]`: builds the M-series kernels one
 * OS after the other into kernel-artifacts/<os>/ with SHA256SUMS, and ends with the success rate.
 * Resumable: an OS whose artifacts are still those recorded in build-state.json is not rebuilt.
 */
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { EXIT_OK, InputError } from '../errors/index.ts';
import { projectFile } from '../root.ts';
import { BUILD_OSES, parseOsList, planOs, sshTargetEnv, SSH_BUILT_OSES, summarize, terminalSafe, type BuildOs, type BuildStep } from '../build/plan.ts';
import { loadState, runOsPlan, saveState, stillBuilt } from '../build/run.ts';
import { formatDuration } from '../progress/index.ts';
import type { CliIo } from './options.ts';

/** A build that was attempted and failed is an infrastructure problem; its logs are kept. */
export const EXIT_BUILD_FAILED = 3;
const KERNELS_DIR = fileURLToPath(projectFile('kernels'));

interface BuildFlags {
  os?: string;
  out: string;
  dryRun?: boolean;
  keep?: boolean;
  force?: boolean;
  json?: boolean;
}

function describeStep(step: BuildStep): string {
  return 'argv' in step ? step.argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ') : `(in kbench) ${step.title}`;
}

export function registerBuildCommand(program: Command, io: CliIo): void {
  program
    .command('build')
    .description(
      'Build the M-series kernels per guest OS (Lima VM, a guest over SSH, or the local arm64 cross build) into kernel-artifacts/<os>/ with SHA256SUMS; resumable.',
    )
    .option('--os <list>', `comma-separated subset of ${BUILD_OSES.join(',')} (default: all)`)
    .option('--out <dir>', 'artifact root', 'kernel-artifacts')
    .option('--dry-run', 'print the plan per OS and exit; starts nothing')
    .option('--keep', 'leave Lima build VMs running afterwards')
    .option('--force', 'rebuild OSes that build-state.json says are built')
    .option('--json', 'NDJSON events on stdout, then the summary as JSON')
    .action(async (flags: BuildFlags) => {
      const oses = parseOsList(flags.os);
      if (!oses.ok) throw new InputError(oses.error);
      const outRoot = path.resolve(flags.out);
      const emit = (event: Record<string, unknown>, line: string) => (flags.json ? io.out(`${JSON.stringify(event)}\n`) : io.err(`${terminalSafe(line)}\n`));
      const env = (os: BuildOs) => ({
        sshTargets: Object.fromEntries(SSH_BUILT_OSES.map((ssh) => [ssh, process.env[sshTargetEnv(ssh)]])),
        keep: Boolean(flags.keep),
        kernelsDir: KERNELS_DIR,
        outDir: path.join(outRoot, os),
      });
      const plans = oses.value.map((os) => planOs(os, env(os)));
      if (flags.dryRun) {
        for (const plan of plans) {
          if ('skip' in plan) emit({ event: 'plan', os: plan.os, kind: plan.kind, skip: plan.skip }, `plan: ${plan.os}: skip (${plan.skip})`);
          else
            for (const step of plan.steps)
              emit(
                { event: 'plan', os: plan.os, kind: plan.kind, step: step.title, argv: 'argv' in step ? step.argv : null },
                `plan: ${plan.os}: ${describeStep(step)}`,
              );
        }
        emit({ event: 'dry-run' }, 'dry run: nothing was started');
        io.setExitCode(EXIT_OK);
        return;
      }
      // build-state.json is input: checked before the folder is made.
      const state = await loadState(outRoot);
      await mkdir(outRoot, { recursive: true });
      const started = Date.now();
      const results: { os: BuildOs; outcome: 'built' | 'resumed' | 'failed' | 'skipped' }[] = [];
      for (const [index, plan] of plans.entries()) {
        const where = `[${formatDuration((Date.now() - started) / 1000)}] ${plan.os} (${index + 1}/${plans.length})`;
        const outDir = path.join(outRoot, plan.os);
        if ('skip' in plan) {
          emit({ event: 'skipped', os: plan.os, reason: plan.skip }, `${where}: skipped: ${plan.skip}`);
          state.oses[plan.os] = { status: 'skipped', finishedAt: new Date().toISOString(), seconds: 0, files: {}, reason: plan.skip };
          results.push({ os: plan.os, outcome: 'skipped' });
          continue;
        }
        if (!flags.force && (await stillBuilt(outDir, state.oses[plan.os]))) {
          emit({ event: 'resumed', os: plan.os }, `${where}: already built (artifacts match build-state.json; --force rebuilds)`);
          results.push({ os: plan.os, outcome: 'resumed' });
          continue;
        }
        const logFile = path.join(outRoot, 'logs', `${plan.os}.log`);
        emit({ event: 'start', os: plan.os, kind: plan.kind, log: logFile }, `${where}: building via ${plan.kind} (log ${logFile})`);
        const outcome = await runOsPlan(plan, outDir, logFile, (i, n, title) =>
          emit(
            { event: 'step', os: plan.os, step: i, steps: n, title },
            `[${formatDuration((Date.now() - started) / 1000)}] ${plan.os} step ${i}/${n}: ${title}`,
          ),
        );
        state.oses[plan.os] = {
          status: outcome.outcome,
          finishedAt: new Date().toISOString(),
          seconds: outcome.seconds,
          files: outcome.files,
          reason: outcome.reason,
        };
        saveState(outRoot, state);
        if (outcome.outcome === 'built')
          emit(
            { event: 'built', os: plan.os, seconds: outcome.seconds, dir: outDir, files: outcome.files },
            `${where}: built in ${outcome.seconds} s -> ${outDir}`,
          );
        else emit({ event: 'failed', os: plan.os, seconds: outcome.seconds, reason: outcome.reason, log: logFile }, `${where}: FAILED: ${outcome.reason}`);
        results.push({ os: plan.os, outcome: outcome.outcome });
      }
      saveState(outRoot, state);
      const summary = summarize(results);
      if (flags.json) io.out(`${JSON.stringify({ event: 'summary', ...summary, out: outRoot })}\n`);
      else {
        const list = (xs: string[]) => (xs.length > 0 ? xs.join(' ') : 'none');
        io.out(
          `built: ${list(summary.built)}\nalready built: ${list(summary.resumed)}\nfailed: ${list(summary.failed)}\nskipped: ${list(summary.skipped)}\nsuccess rate: ${summary.successRate} attempted (${plans.length} requested)\n`,
        );
      }
      io.setExitCode(summary.failed.length > 0 ? EXIT_BUILD_FAILED : EXIT_OK);
    });
}
