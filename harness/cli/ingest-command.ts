/** `kbench ingest`: submission bundles into the database; any rejected file and nothing is written. */
import type { Command } from 'commander';
import { EXIT_BAD_INPUT, EXIT_OK } from '../errors/index.ts';
import { resolveDbFile } from '../db/paths.ts';
import { ingest } from '../submit/ingest.ts';
import type { CliIo } from './options.ts';

export function registerIngestCommand(program: Command, io: CliIo): void {
  program
    .command('ingest')
    .description(
      'Check submission bundles (strict schema, limits, no identifying text, content hash) and add them to the database in one transaction; a command with any rejected file writes nothing.',
    )
    .argument('<dir|files...>', 'bundles, or folders of them (*.json)')
    .option('--db <file>', 'database (default $KBENCH_DB or ~/.local/share/kbench/kbench.db)')
    .option('--json', 'machine-readable output')
    .action((inputs: string[], flags: { db?: string; json?: boolean }) => {
      const outcome = ingest(inputs, resolveDbFile(flags.db));
      const code = outcome.rejected.length > 0 ? EXIT_BAD_INPUT : EXIT_OK;
      io.setExitCode(code);
      if (flags.json) {
        io.out(`${JSON.stringify(outcome, null, 2)}\n`);
        return;
      }
      for (const { line } of outcome.rejected) io.err(`kbench: ${line}\n`);
      if (code !== EXIT_OK) {
        io.err(`kbench: ${outcome.rejected.length} file(s) rejected: nothing written to ${outcome.db}\n`);
        return;
      }
      for (const item of outcome.ingested) io.out(`ingested ${item.id.slice(0, 16)} from ${item.file}: ${item.chip}, guests ${item.guests.join(', ')}\n`);
      for (const item of outcome.duplicates) io.out(`skipped  ${item.id.slice(0, 16)} from ${item.file}: ${item.reason}\n`);
      for (const link of outcome.flagged)
        io.out(
          `flagged  machine ${link.machineId.slice(0, 12)}: run ${link.run.slice(0, 16)} has the hardware and near-copy samples (${link.metrics} metrics within 0.5%) of machine ${link.sameAs.slice(0, 12)}'s run ${link.otherRun.slice(0, 16)}: counted as one machine\n`,
        );
      if (outcome.machines !== null) io.out(`database holds ${outcome.machines.clusters} machine(s) (${outcome.machines.ids} machine id(s))\n`);
      io.out(`${outcome.ingested.length} ingested, ${outcome.duplicates.length} duplicate(s) skipped; database ${outcome.db}\n`);
    });
}
