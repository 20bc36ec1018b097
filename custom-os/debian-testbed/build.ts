/**
 * Builds (or finds cached) the Debian ZFS testbed by hand:
 *   node --import tsx custom-os/debian-testbed/build.ts [--cache-dir DIR]
 * Prints progress on stderr and the testbed's paths as JSON on stdout.
 */
import { formatBuildProgress } from '../../harness/progress/index.ts';
import { ensureDebianTestbed } from './testbed.ts';
import { cacheDirFlag, runBuilderMain } from '../lib/main.ts';

async function main(argv: string[]): Promise<number> {
  const cacheDir = cacheDirFlag(argv);
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

runBuilderMain(main);
