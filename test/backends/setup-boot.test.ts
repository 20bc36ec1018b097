/**
 * The Alpine qemu route installs ZFS once: a setup boot whose NoCloud runcmd runs apk, prints a
 * marker on the consoles and powers off, into a kept overlay that every measured boot overlays.
 * Pure parts only (no image can be downloaded here, and this test boots nothing).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALPINE_ENABLE_SSHD, alpineCloudImage } from '../../harness/backends/qemu/images/alpine-cloud.ts';
import { noCloudUserData } from '../../harness/backends/qemu/images/provision.ts';
import { ALPINE_ZFS_SETUP, SETUP_FAILED, SETUP_OK, setupBootArgs, setupRuncmd } from '../../harness/backends/qemu/images/setup-boot.ts';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGv1nQ8d1Jt0kq3b0e6d0y0x0w0v0u0t0s0r0q0p0o0n kbench';

describe('the one-time setup boot', () => {
  it('runcmd: the command, a marker on each console that exists, then poweroff; a failing command says failed', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kbench-setup-'));
    const consoleFile = path.join(dir, 'console');
    for (const [command, marker] of [
      ['true', SETUP_OK],
      ['false', SETUP_FAILED],
    ] as const) {
      writeFileSync(consoleFile, '');
      const [line, last] = setupRuncmd(command, [consoleFile, path.join(dir, 'absent')]);
      expect(last).toBe('poweroff');
      const r = spawnSync('sh', ['-c', line!], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(readFileSync(consoleFile, 'utf8')).toBe(`${marker}\n`);
    }
    // A single quote in the command survives the sh -c '...' wrapping.
    writeFileSync(consoleFile, '');
    const [quoted] = setupRuncmd(`test 'a b' = "a b"`, [consoleFile]);
    expect(spawnSync('sh', ['-c', quoted!]).status).toBe(0);
    expect(readFileSync(consoleFile, 'utf8')).toBe(`${SETUP_OK}\n`);
    expect(() => setupRuncmd('true', ['/dev/tty; rm -rf /'])).toThrow(RangeError);
  });

  it('Alpine user-data: root key and sshd first, then zfs + zfs-virt from apk, loaded at boot, then poweroff', () => {
    const userData = noCloudUserData(KEY, ALPINE_ENABLE_SSHD, setupRuncmd(ALPINE_ZFS_SETUP));
    const runcmd = userData
      .split('\n')
      .filter((line) => line.startsWith('  - '))
      .map((line) => JSON.parse(line.slice(4)) as string);
    expect(runcmd[0]).toBe('mkdir -p /root/.ssh');
    expect(runcmd.findIndex((c) => c.includes('apk add --no-cache zfs zfs-virt'))).toBeGreaterThan(runcmd.indexOf('rc-service sshd restart'));
    expect(runcmd.at(-2)).toContain('echo zfs >> /etc/modules');
    expect(runcmd.at(-1)).toBe('poweroff');
    expect(alpineCloudImage.source).toMatch(/zfs and zfs-virt installed once by a setup boot into a kept overlay$/);
  });

  it('qemu arguments: the kept disk is writable (no snapshot), the seed beside it, serial to a file, no reboot', () => {
    const { binary, args } = setupBootArgs(
      {
        arch: 'aarch64',
        boot: { kind: 'uefi-disk', firmwarePath: '/fw/edk2-aarch64-code.fd' },
        disk: '/c/zfs-installed.qcow2',
        seedDir: '/c/seed',
        serialLog: '/c/setup-serial.log',
      },
      2222,
      'hvf',
    );
    expect(binary).toBe('qemu-system-aarch64');
    const drives = args.flatMap((arg, i) => (args[i - 1] === '-drive' ? [arg] : []));
    expect(drives).toEqual([
      'file=/c/zfs-installed.qcow2,if=virtio,format=qcow2',
      'if=virtio,format=raw,snapshot=on,file.driver=vvfat,file.dir=/c/seed,file.label=cidata',
    ]);
    expect(args).toContain('-no-reboot');
    expect(args[args.indexOf('-serial') + 1]).toBe('file:/c/setup-serial.log');
    expect(args[args.indexOf('-bios') + 1]).toBe('/fw/edk2-aarch64-code.fd');
  });
});
