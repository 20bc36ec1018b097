/**
 * First-boot SSH access for official images: a key pair kbench owns, and a NoCloud seed (the
 * "cidata" disk cloud-init and FreeBSD's nuageinit read) that installs its public key for root.
 */
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { KbenchError } from '../../../errors/index.ts';
import { spawnTracked } from '../children.ts';

/** An ed25519 key pair in `dir` (created once, never overwritten). */
export async function ensureSshKey(dir: string): Promise<{ privateKeyPath: string; publicKey: string }> {
  const privateKeyPath = path.join(dir, 'id_ed25519');
  await fs.mkdir(dir, { recursive: true });
  if (!existsSync(privateKeyPath)) {
    const child = spawnTracked('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'kbench', '-f', privateKeyPath], { stdio: 'ignore' });
    const code = await new Promise<number | string>((resolve) => {
      child.once('error', (error) => resolve(error.message));
      child.once('close', (exitCode) => resolve(exitCode ?? 1));
    });
    if (code !== 0) throw new KbenchError(`ssh-keygen -t ed25519 -f ${privateKeyPath} failed (${code}); is OpenSSH installed?`, 3);
  }
  const publicKey = (await fs.readFile(`${privateKeyPath}.pub`, 'utf8')).trim();
  if (!/^ssh-ed25519 [A-Za-z0-9+/=]+( \S+)?$/.test(publicKey)) throw new KbenchError(`${privateKeyPath}.pub: not an ed25519 public key`, 3);
  return { privateKeyPath, publicKey };
}

/**
 * user-data for a root login with `publicKey`. Plain `runcmd` shell lines rather than `users:`
 * entries, because the images' first-boot agents (nuageinit, tiny-cloud, cloud-init) treat an
 * existing root account differently; every line is POSIX sh and idempotent. `enableSshd` is the
 * provider's own: how its OS enables sshd and lets root in with a key (each provider file says).
 * `moreRuncmd`: more runcmd lines after the key and sshd (the Alpine provider's one-time ZFS install).
 */
export function noCloudUserData(publicKey: string, enableSshd: readonly string[], moreRuncmd: readonly string[] = []): string {
  if (!/^ssh-ed25519 [A-Za-z0-9+/=]+( [A-Za-z0-9@._-]+)?$/.test(publicKey)) throw new RangeError('publicKey must be one ssh-ed25519 line');
  const lines = [
    '#cloud-config',
    'runcmd:',
    ...[
      'mkdir -p /root/.ssh',
      'chmod 700 /root/.ssh',
      `echo '${publicKey}' > /root/.ssh/authorized_keys`,
      'chmod 600 /root/.ssh/authorized_keys',
      ...enableSshd,
      ...moreRuncmd,
    ].map((command) => `  - ${JSON.stringify(command)}`),
    '',
  ];
  return lines.join('\n');
}

/** Writes meta-data + user-data into `dir` for qemu to show as a FAT disk labelled "cidata". */
export async function writeNoCloudSeed(
  dir: string,
  input: { instanceId: string; hostname: string; publicKey: string; enableSshd: readonly string[]; moreRuncmd?: readonly string[] },
): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'meta-data'), `instance-id: ${input.instanceId}\nlocal-hostname: ${input.hostname}\n`);
  await fs.writeFile(path.join(dir, 'user-data'), noCloudUserData(input.publicKey, input.enableSshd, input.moreRuncmd));
  return dir;
}
