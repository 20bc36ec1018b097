/**
 * Builds (or finds cached) the Debian arm64 testbed by hand, or only the M-series kernel:
 *   node --import tsx custom-os/debian-arm64/build.ts [--kernel-only] [--cache-dir DIR]
 * Prints progress on stderr and what was built as JSON on stdout.
 */
import { ensureMSeriesKernel } from './kernel.ts';
import { ensureDebianArm64Testbed } from './testbed.ts';
import { cacheDirFlag, runBuilderMain } from '../lib/main.ts';

async function main(argv: string[]): Promise<number> {
  const cacheDir = cacheDirFlag(argv);
  const unknown = argv.filter((arg, i) => arg !== '--kernel-only' && arg !== '--cache-dir' && argv[i - 1] !== '--cache-dir');
  if (unknown.length > 0) {
    process.stderr.write(`build.ts: unknown argument ${JSON.stringify(unknown[0])} (known: --kernel-only, --cache-dir DIR)\n`);
    return 2;
  }
  const options = { ...(cacheDir ? { cacheDir } : {}), onProgress: (message: string) => process.stderr.write(`[debian-arm64] ${message}\n`) };
  if (argv.includes('--kernel-only')) {
    const kernel = await ensureMSeriesKernel(options);
    process.stdout.write(`${JSON.stringify({ dir: kernel.dir, ...kernel.manifest }, null, 2)}\n`);
    return 0;
  }
  const testbed = await ensureDebianArm64Testbed(options);
  process.stdout.write(
    `${JSON.stringify({ dir: testbed.dir, imagePath: testbed.imagePath, kernels: testbed.kernels, manifest: testbed.manifest }, null, 2)}\n`,
  );
  return 0;
}

runBuilderMain(main);
