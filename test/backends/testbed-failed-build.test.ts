/** A failed image build keeps its logs: the builder's folder goes, the evidence stays and is named. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { failedBuild } from '../../custom-os/lib/build-stage.ts';
import { InfraError } from '../../harness/errors/index.ts';

function buildFolder(): { root: string; dir: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'kbench-failed-'));
  const dir = path.join(root, '.build-0123456789abcdef-4242');
  mkdirSync(path.join(dir, 'zfs-stock'), { recursive: true });
  mkdirSync(path.join(dir, 'rootfs', 'var', 'log'), { recursive: true });
  writeFileSync(path.join(dir, 'build.log'), 'KBENCH-STEP 5 7 cross-build\nconfigure: error: *** Unable to build an empty module.\n');
  writeFileSync(path.join(dir, 'zfs-stock', 'build.log'), 'make: aarch64-linux-gnu-gcc-12: No such file\n');
  writeFileSync(path.join(dir, 'rootfs', 'var', 'log', 'dpkg.log'), "the guest's own log\n");
  writeFileSync(path.join(dir, 'disk.raw'), 'not a log');
  return { root, dir };
}

afterEach(() => {
  delete process.env.KBENCH_KEEP_FAILED_BUILD;
});

describe('failedBuild', () => {
  it("copies every build log (not the guest tree's), removes the folder and names the kept logs in the error", async () => {
    const { root, dir } = buildFolder();
    const error = new InfraError(
      `Debian arm64 root tree build failed at step 5/7 (exit 2; log ${path.join(dir, 'build.log')}): see ${path.join(dir, 'zfs-stock', 'build.log')}`,
    );
    const thrown = await failedBuild(error, dir, root).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(InfraError);
    expect(existsSync(dir)).toBe(false);
    const [kept] = readdirSync(path.join(root, 'failed'));
    const keptDir = path.join(root, 'failed', kept!);
    expect(kept).toMatch(/^build-0123456789abcdef-4242-\d{4}-/);
    expect((thrown as Error).message).toBe(
      `Debian arm64 root tree build failed at step 5/7 (exit 2; log ${path.join(keptDir, 'build.log')}): see ${path.join(keptDir, 'zfs-stock', 'build.log')}`,
    );
    expect(readFileSync(path.join(keptDir, 'zfs-stock', 'build.log'), 'utf8')).toContain('No such file');
    expect(existsSync(path.join(keptDir, 'rootfs'))).toBe(false);
    expect(existsSync(path.join(keptDir, 'disk.raw'))).toBe(false);
  });

  it('KBENCH_KEEP_FAILED_BUILD=1 keeps the whole folder, to rerun a step by hand', async () => {
    const { root, dir } = buildFolder();
    process.env.KBENCH_KEEP_FAILED_BUILD = '1';
    await expect(failedBuild(new Error('boom'), dir, root)).rejects.toThrow('boom');
    const [kept] = readdirSync(path.join(root, 'failed'));
    expect(existsSync(path.join(root, 'failed', kept!, 'rootfs', 'var', 'log', 'dpkg.log'))).toBe(true);
    expect(existsSync(dir)).toBe(false);
  });
});
