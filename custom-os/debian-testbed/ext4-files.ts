/**
 * Replaces files inside an ext4 image without mounting it (no root, no loop device): e2fsprogs'
 * debugfs, which every Debian host has (e2fsprogs is Essential). debugfs reports most failures
 * on stderr and still exits 0, so every write is read back and compared, byte for byte, with
 * its mode and owner.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { InfraError } from '../../harness/errors/index.ts';

const run = promisify(execFile);

export interface ImageFile {
  /** Absolute path inside the image, e.g. /etc/modprobe.d/zfs.conf. */
  guestPath: string;
  content: string;
  /** Permission bits, e.g. 0o644. */
  mode: number;
}

/** Guest paths are written into a debugfs command file: only plain absolute paths. */
const SAFE_GUEST_PATH = /^(\/[A-Za-z0-9._-]+)+$/;

async function debugfs(args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run('debugfs', args, { maxBuffer: 64 << 20, encoding: 'utf8' });
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') throw new InfraError('debugfs is not on PATH (install e2fsprogs): it writes a derived testbed image');
    throw new InfraError(`debugfs ${args.join(' ')} failed: ${(failure.stderr ?? failure.message).trim().split('\n')[0]}`);
  }
}

/** The file's content as the image holds it, or null when it is not there. */
export async function readImageFile(image: string, guestPath: string): Promise<string | null> {
  if (!SAFE_GUEST_PATH.test(guestPath)) throw new InfraError(`unsafe guest path ${guestPath}`);
  const stat = await debugfs(['-R', `stat ${guestPath}`, image]);
  if (/File not found/i.test(stat.stderr)) return null;
  return (await debugfs(['-R', `cat ${guestPath}`, image])).stdout;
}

/** Mode (permission bits) and owner of the file in the image. */
export async function imageFileMode(image: string, guestPath: string): Promise<{ mode: number; uid: number; gid: number } | null> {
  const { stdout, stderr } = await debugfs(['-R', `stat ${guestPath}`, image]);
  if (/File not found/i.test(stderr)) return null;
  const mode = /Mode:\s+0?([0-7]+)/.exec(stdout);
  const user = /User:\s+(\d+)/.exec(stdout);
  const group = /Group:\s+(\d+)/.exec(stdout);
  if (mode === null || user === null || group === null) throw new InfraError(`debugfs stat ${guestPath}: unexpected output`);
  return { mode: Number.parseInt(mode[1]!, 8) & 0o7777, uid: Number(user[1]), gid: Number(group[1]) };
}

/**
 * Writes each file into the (writable) ext4 image, owned by root, replacing what was there; the
 * parent folders must exist. Throws an InfraError naming the file when a read-back differs.
 */
export async function writeImageFiles(image: string, files: readonly ImageFile[], scratchDir: string): Promise<void> {
  const commands: string[] = [];
  for (const [index, file] of files.entries()) {
    if (!SAFE_GUEST_PATH.test(file.guestPath)) throw new InfraError(`unsafe guest path ${file.guestPath}`);
    const hostFile = path.join(scratchDir, `file-${index}`);
    await fs.writeFile(hostFile, file.content);
    commands.push(
      `rm ${file.guestPath}`,
      `write ${hostFile} ${file.guestPath}`,
      `sif ${file.guestPath} mode 0${(0o100000 | file.mode).toString(8)}`,
      `sif ${file.guestPath} uid 0`,
      `sif ${file.guestPath} gid 0`,
    );
  }
  const commandFile = path.join(scratchDir, 'debugfs-commands');
  await fs.writeFile(commandFile, `${commands.join('\n')}\n`);
  await debugfs(['-w', '-f', commandFile, image]);
  for (const file of files) {
    const back = await readImageFile(image, file.guestPath);
    const mode = await imageFileMode(image, file.guestPath);
    if (back !== file.content || mode === null || mode.mode !== file.mode || mode.uid !== 0 || mode.gid !== 0)
      throw new InfraError(
        `writing ${file.guestPath} into ${image} did not take (read back ${back === null ? 'nothing' : `${back.length} bytes`}, mode ${mode === null ? 'none' : mode.mode.toString(8)})`,
      );
  }
}
