/**
 * A cached image folder made from another by writing a different ZFS tuning into a copy of its
 * ext4 disk (no build, no root). Both Debian testbeds install the rendered tuning as their
 * builder's last step, after every kernel and initrd is made, so nothing else of the image
 * holds it: the copy with those two files replaced is what a build from the new inputs would
 * make (from the packages the source got). The callers decide when an image may be a source.
 */
import * as fs from 'node:fs/promises';
import path from 'node:path';
import { InfraError } from '../../harness/errors/index.ts';
import { writeImageFiles } from '../debian-testbed/ext4-files.ts';
import { OPTIONS_HELPER_GUEST_PATH, type RenderedZfsTuning } from '../debian-testbed/zfs-tuning.ts';
import { removeBuildDir, runQuiet } from './build-stage.ts';

/** Where rootfs-lib.sh's configure_guest installs the rendered tuning in the guest. */
export const MODPROBE_CONF_GUEST_PATH = '/etc/modprobe.d/zfs.conf';

export interface DerivedFolder {
  /** The built image's folder. */
  sourceDir: string;
  /** Its disk, relative to sourceDir (the copy keeps the name). */
  diskFile: string;
  /** Files that do not depend on the tuning (kernels, initrds, configs): hard-linked, else copied. */
  sharedFiles: readonly string[];
  /** The SSH private key (mode 0600 in the copy: the disk holds its public half). */
  privateKeyFile: string;
  /** Copied when the source has them. */
  optionalFiles: readonly string[];
  tuning: RenderedZfsTuning;
}

/** Fills `tmp` (made afresh) with the derived folder, all but its manifest. */
export async function writeDerivedFolder(tmp: string, source: DerivedFolder): Promise<void> {
  await removeBuildDir(tmp);
  await fs.mkdir(tmp, { recursive: true });
  const disk = path.join(tmp, source.diskFile);
  const from = path.join(source.sourceDir, source.diskFile);
  if ((await runQuiet('cp', ['--sparse=always', from, disk])) !== 0) throw new InfraError(`copying ${from} to ${disk} failed (cp --sparse=always)`);
  await fs.chmod(disk, 0o644);
  await writeImageFiles(
    disk,
    [
      { guestPath: MODPROBE_CONF_GUEST_PATH, content: source.tuning.modprobeConf, mode: 0o644 },
      { guestPath: OPTIONS_HELPER_GUEST_PATH, content: source.tuning.optionsHelper, mode: 0o755 },
    ],
    tmp,
  );
  // The read-only base of every boot's copy-on-write overlay.
  await fs.chmod(disk, 0o444);
  for (const file of source.sharedFiles) {
    await fs.mkdir(path.dirname(path.join(tmp, file)), { recursive: true });
    await fs.link(path.join(source.sourceDir, file), path.join(tmp, file)).catch(() => fs.copyFile(path.join(source.sourceDir, file), path.join(tmp, file)));
  }
  await fs.copyFile(path.join(source.sourceDir, source.privateKeyFile), path.join(tmp, source.privateKeyFile));
  await fs.chmod(path.join(tmp, source.privateKeyFile), 0o600);
  for (const file of source.optionalFiles)
    await fs.copyFile(path.join(source.sourceDir, file), path.join(tmp, file)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
}
