/**
 * The Linux adapter's commands, run by a real local `sh` on this Debian host: what a Linux guest
 * shares with the host (meminfo, uptime, os-release, uname, nproc, loop devices) is checked for
 * real; ZFS is absent here, so its paths are checked for their one-line errors.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { createLinuxAdapter, moduleParameterReadScript } from '../../harness/guest/linux/index.ts';
import { parseDateSecondsNanos } from '../../harness/guest/linux/parse.ts';
import { LocalShell } from '../helpers/local-shell.ts';
import { rejection } from './fixtures.ts';
import { describeNeeding } from '../helpers/needs.ts';

const adapter = createLinuxAdapter('debian');
const hostHasZfs = existsSync('/sys/module/zfs');

describeNeeding(['linux'], 'linux adapter on the local host', () => {
  it('facts: kernel release, CPUs, memory and OS match what Node sees', async () => {
    const facts = await adapter.facts(new LocalShell());
    expect(facts.kernelRelease).toBe(os.release());
    expect(facts.vcpus).toBe(os.availableParallelism());
    // MemTotal excludes memory the kernel reserved at boot; os.totalmem() reads the same field.
    expect(facts.memoryBytes).toBe(os.totalmem());
    // Any Linux host: the adapter describes the distribution /etc/os-release names.
    const osName = /^NAME="?([^"\n]+)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))![1]!;
    expect(facts.osVersion.startsWith(osName)).toBe(true);
    if (existsSync('/proc/config.gz')) expect(facts.kernelConfigSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(facts.kernelConfigSha256).not.toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    if (!existsSync(`/boot/vmlinuz-${os.release()}`)) expect(facts.kernelImageBytes).toBeNull();
    if (!hostHasZfs) expect(facts.zfsVersion).toBeNull();
  });

  it('memory in use lies between 0 and the total', async () => {
    const shell = new LocalShell();
    const inUse = await adapter.memoryInUseBytes(shell);
    expect(inUse).toBeGreaterThan(0);
    expect(inUse).toBeLessThan(os.totalmem());
  });

  it('uptime agrees with Node within a second', async () => {
    const uptime = await adapter.uptimeSeconds(new LocalShell());
    expect(Math.abs(uptime - os.uptime())).toBeLessThan(1.5);
  });

  it('the clock command prints seconds with nanoseconds close to the host clock', async () => {
    const command = adapter.monotonicClockCommand();
    expect(command).not.toBeNull();
    const result = await new LocalShell().exec(command!);
    const seconds = parseDateSecondsNanos(result.stdout);
    expect(seconds.ok).toBe(true);
    if (seconds.ok) expect(Math.abs(seconds.value - Date.now() / 1000)).toBeLessThan(1);
  });

  it("cpuTicks reads the guest's /proc/stat (for its steal time); two readings a moment apart only grow", async () => {
    const shell = new LocalShell();
    const first = await adapter.cpuTicks!(shell);
    expect(first).not.toBeNull();
    expect(first!.total).toBeGreaterThan(first!.idle);
    expect(first!.steal).toBeGreaterThanOrEqual(0);
    const second = await adapter.cpuTicks!(shell);
    expect(second!.total).toBeGreaterThanOrEqual(first!.total);
    expect(second!.steal).toBeGreaterThanOrEqual(first!.steal);
    const failing = { ...shell, exec: async () => ({ code: 1, stdout: '', stderr: 'no /proc', durationMs: 1 }) } as unknown as LocalShell;
    expect(await adapter.cpuTicks!(failing)).toBeNull();
  });

  it('zfsSupport says why ZFS cannot be measured here', async ({ skip }) => {
    if (hostHasZfs) skip('this host has ZFS loaded');
    const support = await adapter.zfsSupport(new LocalShell());
    expect(support.supported).toBe(false);
    if (!support.supported) expect(support.reason).toMatch(/zpool is not installed|no zfs kernel module/);
  });

  it('a missing kstat is a one-line error naming the command and the file', async ({ skip }) => {
    if (hostHasZfs) skip('this host has ZFS loaded');
    const error = await rejection(adapter.readKstatTable(new LocalShell(), 'fletcher_4_bench'));
    expect(error.message).toMatch(/^guest command failed \(exit 1\): cat \/proc\/spl\/kstat\/zfs\/fletcher_4_bench: cat: .*No such file/);
    expect(error.message).not.toContain('\n');
    const arc = await rejection(adapter.readArcstats(new LocalShell()));
    expect(arc.message).toMatch(/arcstats/);
  });

  it('reloading a ZFS module that does not exist fails in one line', async ({ skip }) => {
    if (hostHasZfs) skip('this host has ZFS loaded');
    const error = await rejection(adapter.reloadZfsModule(new LocalShell()));
    expect(error.message).toMatch(/^guest command failed \(exit \d+\): modprobe zfs: /);
  });

  it('systemd-analyze on a host without systemd as PID 1 is a one-line error, not a number', async ({ skip }) => {
    const shell = new LocalShell();
    if ((await shell.exec('command -v systemd-analyze')).code !== 0) {
      expect(await adapter.bootBreakdown(shell)).toBeNull();
      return;
    }
    if ((await shell.exec('systemd-analyze')).code === 0) skip('this host was booted by systemd');
    const error = await rejection(adapter.bootBreakdown(shell));
    expect(error.message).toMatch(/^cannot read systemd-analyze: no "Startup finished in" line/);
  });

  it('zfsImplementations and readZfsTunables leave out what this kernel does not have', async ({ skip }) => {
    if (hostHasZfs) skip('this host has ZFS loaded');
    expect(await adapter.zfsImplementations(new LocalShell())).toEqual({});
    expect(await adapter.readZfsTunables(new LocalShell(), ['zfs_arc_max'])).toEqual({});
  });

  it('tunables with unsafe names or values are refused before any command runs', async () => {
    const shell = new LocalShell();
    await expect(adapter.applyZfsTunables(shell, { 'zfs_arc_max; reboot': '1' })).rejects.toThrow(/ZFS tunable name "zfs_arc_max; reboot" must match/);
    await expect(adapter.applyZfsTunables(shell, { zfs_arc_max: '$(reboot)' })).rejects.toThrow(/ZFS tunable zfs_arc_max value "\$\(reboot\)" must match/);
    await expect(adapter.readZfsTunables(shell, ['../../etc/passwd'])).rejects.toThrow(/must match/);
    expect(shell.commands).toEqual([]);
    expect(await adapter.applyZfsTunables(shell, {})).toEqual({});
  });

  it('applying a tunable the module does not have names it', async ({ skip }) => {
    if (hostHasZfs) skip('this host has ZFS loaded');
    const error = await rejection(adapter.applyZfsTunables(new LocalShell(), { zfs_arc_max: '67108864' }));
    expect(error.message).toMatch(/: no ZFS module parameter zfs_arc_max \(\/sys\/module\/zfs\/parameters\/zfs_arc_max\)$/);
  });

  it('file vdev requests are checked before anything runs', async () => {
    const shell = new LocalShell();
    await expect(adapter.createFileVdev(shell, 'relative/kb0', 256)).rejects.toThrow(/must be absolute/);
    await expect(adapter.createFileVdev(shell, '/var/tmp/kb0', 32)).rejects.toThrow(/at least 64 MiB/);
    await expect(adapter.removeFileVdev(shell, '/dev/sda', '/var/tmp/kb0')).rejects.toThrow(/neither a loop device/);
    expect(shell.commands).toEqual([]);
  });

  it('creates a loop-backed file vdev of the right size and removes it again', async ({ skip }) => {
    const shell = new LocalShell();
    if ((await shell.exec('losetup -f')).code !== 0) skip('no free loop device on this host');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kbench-vdev-'));
    const file = path.join(dir, 'vdev 0.img'); // a space: the path must be quoted
    try {
      const device = await adapter.createFileVdev(shell, file, 64);
      expect(device).toMatch(/^\/dev\/loop\d+$/);
      expect((await stat(file)).size).toBe(64 * 1024 * 1024);
      const sizeBytes = await shell.exec(`blockdev --getsize64 ${device}`);
      if (sizeBytes.code === 0) expect(Number(sizeBytes.stdout)).toBe(64 * 1024 * 1024);
      await adapter.removeFileVdev(shell, device, file);
      expect(existsSync(file)).toBe(false);
      const attached = await shell.exec(`losetup -j '${file}'`);
      expect(attached.stdout.trim()).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('falls back to busybox losetup (no --show): picks the free device, then attaches', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kbench-busybox-'));
    try {
      // Stand-in with busybox's interface: rejects --show, `-f` alone prints the next free device.
      await writeFile(
        path.join(dir, 'losetup'),
        `#!/bin/sh\necho "$*" >> '${dir}/calls'\ncase "$*" in\n  *--show*) echo "losetup: unrecognized option '--show'" >&2; exit 1 ;;\n  -f) echo /dev/loop7 ;;\n  "/dev/loop7 "*) exit 0 ;;\n  *) exit 1 ;;\nesac\n`,
      );
      await chmod(path.join(dir, 'losetup'), 0o755);
      const shell = new LocalShell({ ...process.env, PATH: `${dir}:${process.env.PATH ?? '/usr/bin:/bin'}` });
      const file = path.join(dir, 'kb0');
      expect(await adapter.createFileVdev(shell, file, 64)).toBe('/dev/loop7');
      expect((await readFile(path.join(dir, 'calls'), 'utf8')).trim().split('\n')).toEqual([`-f --show ${file}`, '-f', `/dev/loop7 ${file}`]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('module parameters are read from the first directory that has them', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'kbench-params-'));
    try {
      const [zfs, zcommon] = [path.join(root, 'zfs'), path.join(root, 'zcommon')];
      await Promise.all([mkdir(zfs), mkdir(zcommon)]);
      await writeFile(path.join(zfs, 'zfs_arc_max'), '0\n');
      await writeFile(path.join(zcommon, 'zfs_arc_max'), '99\n');
      await writeFile(path.join(zcommon, 'zfs_fletcher_4_impl'), '[fastest] scalar sse2\n');
      const shell = new LocalShell();
      const read = (name: string) => shell.exec(moduleParameterReadScript(name, [zfs, zcommon]));
      expect(await read('zfs_arc_max')).toMatchObject({ code: 0, stdout: '0\n' });
      expect(await read('zfs_fletcher_4_impl')).toMatchObject({ code: 0, stdout: '[fastest] scalar sse2\n' });
      expect((await read('zfs_blake3_impl')).code).toBe(1);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
