/**
 * Puts kbench's SSH key into a NetBSD image before its first boot, without root: creds.txt on
 * the image's FAT partition, written with mtools at the partition's byte offset. creds_msdos(8)
 * reads it at boot and runs each line: `sshkey root KEY` appends KEY to root's authorized_keys
 * (sshd's default PermitRootLogin prohibit-password then lets the key in; evbarm images enable
 * sshd, distrib/utils/embedded/conf/evbarm.conf: sshd=YES).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { KbenchError } from '../../../errors/index.ts';
import { spawnTracked } from '../children.ts';
import { findFatPartition } from './fat-partition.ts';

export function netbsdCredsText(publicKey: string): string {
  if (!/^ssh-ed25519 [A-Za-z0-9+/=]+( [A-Za-z0-9@._-]+)?$/.test(publicKey)) throw new RangeError('publicKey must be one ssh-ed25519 line');
  return `sshkey root ${publicKey}\n`;
}

async function run(command: string, args: string[]): Promise<{ code: number | string; stderr: string }> {
  // MTOOLS_SKIP_CHECK: images made by makefs carry FAT geometry mtools would otherwise question.
  const child = spawnTracked(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | string>((resolve) => {
    child.once('error', (error) => resolve((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not installed' : error.message));
    child.once('close', (exitCode) => resolve(exitCode ?? 1));
  });
  return { code, stderr };
}

/** Writes creds.txt (replacing any) onto the FAT partition of the raw image `imagePath`; returns the partition's offset. */
export async function writeNetbsdCreds(imagePath: string, publicKey: string): Promise<number> {
  const handle = await fs.open(imagePath, 'r');
  const head = Buffer.alloc(1 << 20);
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  const found = findFatPartition(head, imagePath);
  if (!found.ok) throw new KbenchError(found.error, 3);
  const local = path.join(path.dirname(imagePath), 'creds.txt');
  await fs.writeFile(local, netbsdCredsText(publicKey), { mode: 0o600 });
  const target = `${imagePath}@@${found.value.offsetBytes}`;
  const copied = await run('mcopy', ['-o', '-i', target, local, '::/creds.txt']);
  if (copied.code === 'not installed')
    throw new KbenchError('mcopy not found: install mtools (brew install mtools / apt-get install mtools) to put the SSH key on the NetBSD image', 3);
  if (copied.code !== 0) throw new KbenchError(`mcopy -i ${target} creds.txt failed (${copied.code}): ${copied.stderr.trim().split('\n')[0] ?? ''}`, 3);
  return found.value.offsetBytes;
}
