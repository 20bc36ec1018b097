/**
 * Builds (or finds cached) the Debian ZFS testbed by hand:
 *   node --import tsx custom-os/debian-testbed/build.ts [--cache-dir DIR]
 * Prints progress on stderr and the testbed's paths as JSON on stdout.
 */
import { KbenchError } from '../../harness/errors/index.ts';
import { formatBuildProgress } from '../../harness/progress/index.ts';
import { ensureDebianTestbed } from './testbed.ts';

async function main(argv: string[]): Promise<number> {
  const cacheFlag = argv.indexOf('--cache-dir');
  const cacheDir = cacheFlag >= 0 ? argv[cacheFlag + 1] : undefined;
  if (cacheFlag >= 0 && !cacheDir) {
    process.stderr.write('build.ts: --cache-dir needs a folder\n');
    return 2;
  }
  const started = Date.now();
  const testbed = await ensureDebianTestbed({
    ...(cacheDir ? { cacheDir } : {}),
    onProgress: (progress) => process.stderr.write(`[testbed] ${formatBuildProgress(progress)}\n`),
  });
  process.stderr.write(`[testbed] ensure took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  const { dir, imagePath, kernels, sshKeyPath, manifest } = testbed;
  process.stdout.write(
    `${JSON.stringify({ dir, imagePath, kernels, sshKeyPath, packageVersions: manifest.packageVersions, buildSeconds: manifest.buildSeconds, image: manifest.image }, null, 2)}\n`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`kbench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof KbenchError ? error.exitCode : 1);
  },
);
