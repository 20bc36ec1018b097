/** `kbench submit`: one anonymized submission bundle per finished run, and how to send it. */
import { mkdirSync, readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../errors/index.ts';
import type { ResultsFile } from '../results/schema.ts';
import { loadResults, writeFileAtomicSync } from '../results/store.ts';
import { buildBundle, unsubmittable, type SubmissionBundle } from '../submit/bundle.ts';
import type { LocalIdentity } from '../submit/identifying.ts';
import { machineKey } from '../submit/signing.ts';
import { checkSubmissionText } from '../submit/validate.ts';
import { rejectionLine } from '../submit/ingest.ts';
import { KBENCH_VERSION } from '../version.ts';
import type { CliIo } from './options.ts';

/** The names this machine and user go by, to scrub from free text (the patterns catch the rest). */
function localIdentity(): LocalIdentity {
  const host = hostname();
  let user: { username: string } | null = null;
  try {
    user = userInfo();
  } catch {
    /* no passwd entry (a container): nothing to scrub by name */
  }
  const names = [user?.username, process.env.USER, process.env.LOGNAME].filter((n): n is string => typeof n === 'string' && n !== '');
  return { hostNames: [host, host.split('.')[0]!], userNames: [...new Set([...names, ...fullNameParts(user?.username)])] };
}

/** Each word of the user's full name (the GECOS field of /etc/passwd): a surname in a path or a kernel build string names a person. */
function fullNameParts(login: string | undefined): string[] {
  if (login === undefined) return [];
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith(`${login}:`));
    const gecos = line?.split(':')[4]?.split(',')[0] ?? '';
    return gecos.split(/\s+/).filter((part) => part.length >= 3);
  } catch {
    return [];
  }
}

export const bundleFileName = (bundle: SubmissionBundle): string => `kbench-submission-${bundle.id.slice(0, 16)}.json`;

export function registerSubmitCommand(program: Command, io: CliIo): void {
  program
    .command('submit')
    .description(
      'Make an anonymized submission bundle of each finished run (results + host fingerprint, no names, addresses or home paths), to send to the kbench community report.',
    )
    .argument('<results.json...>', 'results files written by kbench run')
    .option('--out <dir>', 'folder to write the bundles to', 'submissions')
    .option('--json', 'machine-readable output')
    .action(async (files: string[], flags: { out: string; json?: boolean }) => {
      // Every results file is read and checked before anything is made: one bad input and no
      // bundle is written, nor is a machine key created for a first submission.
      const runs: { file: string; results: ResultsFile }[] = [];
      for (const file of files) {
        const results = await loadResults(file);
        const problem = unsubmittable(results);
        if (problem !== null) throw new InputError(`${file}: field ${problem.field}: ${problem.message}`);
        runs.push({ file, results });
      }
      const identity = localIdentity();
      const key = machineKey();
      const made: { source: string; file: string; bundle: SubmissionBundle }[] = [];
      for (const { file, results } of runs) {
        let bundle: SubmissionBundle;
        try {
          bundle = buildBundle({ results, key, identity, submittedWith: KBENCH_VERSION });
        } catch (error) {
          throw new InputError(`${file}: ${(error as Error).message}`);
        }
        const checked = checkSubmissionText(JSON.stringify(bundle));
        if (!checked.ok) throw new InputError(`${rejectionLine(file, checked.problem)}: kbench ingest would refuse this bundle`);
        made.push({ source: file, file: path.join(flags.out, bundleFileName(bundle)), bundle });
      }
      try {
        mkdirSync(flags.out, { recursive: true });
        for (const { file, bundle } of made) writeFileAtomicSync(file, `${JSON.stringify(bundle, null, 2)}\n`);
      } catch (error) {
        if (error instanceof InputError) throw error;
        throw new InputError(`--out ${flags.out}: cannot write the bundles there (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
      if (flags.json) {
        io.out(
          `${JSON.stringify({ bundles: made.map(({ source, file, bundle }) => ({ source, file, id: bundle.id, fingerprint: bundle.fingerprint })) }, null, 2)}\n`,
        );
        return;
      }
      for (const { source, file, bundle } of made) {
        const fp = bundle.fingerprint;
        const guests = [...new Set(bundle.results.targets.map((t) => t.guest.os))].join(', ');
        io.out(
          `wrote ${file} from ${source}\n  id ${bundle.id}\n  ${fp.chip} (${fp.chipClass}), ${fp.modelId}, ${fp.performanceCores}P+${fp.efficiencyCores}E cores, ${(fp.memoryBytes / 1024 ** 3).toFixed(1)} GiB, ${fp.os} ${fp.osVersion}, ${fp.hypervisor}/${fp.acceleration}, kbench ${fp.kbenchVersion}; guests: ${guests}\n`,
        );
      }
      io.out(
        'To send: open a pull request that adds the file(s) under submissions/ in the kbench repository, or attach them to an issue there.\n' +
          "A bundle holds the numbers and the fingerprint above, signed by this machine's key; host and user names, serial numbers, paths, addresses, host-key fingerprints and disk WWNs were removed, times cut to the hour and RAM rounded. Read it before you send it.\n",
      );
    });
}
