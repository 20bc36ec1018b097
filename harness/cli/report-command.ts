/** `kbench report`: HTML (self-contained), Markdown (PR comment / step summary) or JUnit XML. */
import type { Command } from 'commander';
import { ciMode } from '../compare/index.ts';
import { runReportCommand } from '../render/command.ts';
import { runCommunityReport } from '../render/community/command.ts';
import { numberInRange, type CliIo } from './options.ts';

interface ReportFlags {
  baseline?: string;
  history?: string;
  db?: string;
  community?: boolean;
  out?: string;
  format: string;
  alpha: number;
  threshold: number;
  seed: number;
  ci?: boolean;
  json?: boolean;
}

export function registerReportCommand(program: Command, io: CliIo): void {
  program
    .command('report')
    .description('Write a report of one or more runs: custom vs stock per guest OS, and vs the baseline when given.')
    .argument('[results.json...]', 'results files written by kbench run (none with --community)')
    .option('--baseline <file>', 'baseline to compare each target with')
    .option('--history <dir>', 'folder of earlier results files: trend charts with detected change points')
    .option('--db <file>', 'history from the database instead (default $KBENCH_DB or ~/.local/share/kbench/kbench.db); with --community, the runs to report')
    .option('--community', 'the community report from the database: speedup per chip and guest OS across machines (html or md)')
    .option('-o, --out <file>', 'output file ("-" for stdout; default report.<html|md|xml>)')
    .option('--format <format>', 'html, md or junit', 'html')
    .option('--alpha <p>', 'significance level, after Holm-Bonferroni correction', numberInRange('--alpha', 1e-6, 0.5), 0.05)
    .option('--threshold <fraction>', 'noise threshold (0.05 = 5%)', numberInRange('--threshold', 0, 5), 0.05)
    .option(
      '--seed <n>',
      'seed recorded in the output (no statistic kbench computes draws random numbers)',
      numberInRange('--seed', 0, 2 ** 32 - 1, { integer: true }),
      20261125,
    )
    .option('--ci', 'CI mode (also when $CI is set): mark each verdict made under different conditions on its two sides (†, with a legend)')
    .option('--json', 'print a JSON summary of what was written')
    .action(async (files: string[], flags: ReportFlags) => {
      const result = flags.community
        ? await runCommunityReport({ files, db: flags.db ?? null, format: flags.format, out: flags.out ?? null, seed: flags.seed })
        : await runReportCommand({
            files,
            baseline: flags.baseline ?? null,
            historyDir: flags.history ?? null,
            historyDb: flags.db ?? null,
            format: flags.format,
            out: flags.out ?? null,
            alpha: flags.alpha,
            noiseThreshold: flags.threshold,
            seed: flags.seed,
            ci: ciMode(flags.ci),
          });
      if (result.text !== null) io.out(result.text.endsWith('\n') ? result.text : `${result.text}\n`);
      if (flags.json) io.out(`${JSON.stringify({ ...result, text: undefined }, null, 2)}\n`);
      else if (result.out !== null) io.err(`wrote ${result.out} (${result.bytes} bytes): ${result.headline}\n`);
    });
}
