/**
 * custom-os/debian-testbed/rootfs-lib.sh, the steps both Debian root-tree builders source, run
 * against a scratch tree with chroot, mount and umount replaced by loggers: the files it writes
 * are the ones the two builders wrote before they shared it, and what it runs in the chroot.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../..');
const lib = path.join(repo, 'custom-os/debian-testbed/rootfs-lib.sh');
const scratch = mkdtempSync(path.join(tmpdir(), 'kbench-rootfs-lib-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function tree(name: string): { root: string; bin: string; log: string; inputs: Record<string, string> } {
  const base = path.join(scratch, name);
  const root = path.join(base, 'rootfs');
  for (const dir of ['etc/apt/apt.conf.d', 'etc/systemd/network', 'etc/modules-load.d', 'etc/modprobe.d', 'usr/sbin', 'root', 'var/lib/apt/lists/x']) {
    mkdirSync(path.join(root, dir), { recursive: true });
  }
  const bin = path.join(base, 'bin');
  mkdirSync(bin);
  const log = path.join(base, 'log');
  for (const tool of ['chroot', 'mount', 'umount']) {
    writeFileSync(path.join(bin, tool), `#!/bin/sh\necho "${tool} $*" >>"${log}"\n`);
    chmodSync(path.join(bin, tool), 0o755);
  }
  const inputs: Record<string, string> = {
    KB_MIRROR: 'http://deb.example/debian',
    KB_SECURITY_MIRROR: 'http://deb.example/debian-security',
    KB_SUITE: 'bookworm',
    KB_COMPONENTS: 'main contrib',
    KB_HOSTNAME: 'kbench-x',
    KB_AUTHORIZED_KEY: path.join(base, 'key.pub'),
    KB_MODPROBE_CONF: path.join(base, 'modprobe.conf'),
    KB_ZFS_OPTIONS_HELPER: path.join(base, 'helper'),
    KB_APT_PROXY_CONF: path.join(base, 'proxy.conf'),
  };
  writeFileSync(inputs.KB_AUTHORIZED_KEY!, 'ssh-ed25519 AAAA kbench\n');
  writeFileSync(inputs.KB_MODPROBE_CONF!, 'options zfs zfs_txg_timeout=5\n');
  writeFileSync(inputs.KB_ZFS_OPTIONS_HELPER!, '#!/bin/sh\n');
  writeFileSync(inputs.KB_APT_PROXY_CONF!, '// no apt proxy on the host\n');
  return { root, bin, log, inputs };
}

function run(t: ReturnType<typeof tree>, body: string) {
  const r = spawnSync('sh', ['-euc', `. "$1"; root=$2; step_total=3; ${body}`, 'sh', lib, t.root], {
    encoding: 'utf8',
    env: { PATH: `${t.bin}:${process.env.PATH}`, ...t.inputs },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, log: existsSync(t.log) ? readFileSync(t.log, 'utf8').split('\n').filter(Boolean) : [] };
}

describe('rootfs-lib.sh', () => {
  it('parses as POSIX sh', () => {
    expect(spawnSync('sh', ['-n', lib], { encoding: 'utf8' }).status).toBe(0);
  });

  it('require_env exits 2 naming the first missing input', () => {
    const t = tree('env');
    const r = run(t, 'require_env KB_SUITE KB_NOT_SET KB_MIRROR');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('build-rootfs.sh: missing environment variable KB_NOT_SET\n');
    expect(run(t, 'require_env KB_SUITE KB_MIRROR; step 2 "title here"').stdout).toBe('KBENCH-STEP 2 3 title here\n');
  });

  it('setup_apt, configure_guest and clean_apt: the files both builders wrote, the chroot commands, the mounts undone', () => {
    const t = tree('steps');
    const r = run(t, `setup_apt; configure_guest 'en* eth*'; clean_apt`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const file = (rel: string) => readFileSync(path.join(t.root, rel), 'utf8');
    expect(file('etc/apt/sources.list')).toBe(
      [
        'deb http://deb.example/debian bookworm main contrib',
        'deb http://deb.example/debian bookworm-updates main contrib',
        'deb http://deb.example/debian-security bookworm-security main contrib',
        'deb http://deb.example/debian bookworm-backports main contrib',
        '',
      ].join('\n'),
    );
    expect(file('etc/hostname')).toBe('kbench-x\n');
    expect(file('etc/hosts')).toBe('127.0.0.1\tlocalhost\n127.0.1.1\tkbench-x\n');
    expect(file('root/.ssh/authorized_keys')).toBe('ssh-ed25519 AAAA kbench\n');
    expect(statSync(path.join(t.root, 'root/.ssh/authorized_keys')).mode & 0o777).toBe(0o600);
    expect(file('etc/systemd/network/20-kbench-dhcp.network')).toBe('[Match]\nName=en* eth*\n\n[Network]\nDHCP=yes\n');
    expect(file('etc/fstab')).toBe('/dev/vda  /  ext4  rw,relatime,errors=remount-ro  0  1\n');
    expect(file('etc/modules-load.d/zfs.conf')).toBe('zfs\n');
    expect(file('etc/modprobe.d/zfs.conf')).toBe('options zfs zfs_txg_timeout=5\n');
    expect(statSync(path.join(t.root, 'usr/local/sbin/kbench-zfs-options')).mode & 0o777).toBe(0o755);
    expect(file('etc/ssh/sshd_config.d/kbench.conf')).toBe('UseDNS no\nPermitRootLogin prohibit-password\n');
    // Written for the install, removed by clean_apt with the apt lists.
    expect(existsSync(path.join(t.root, 'usr/sbin/policy-rc.d'))).toBe(false);
    expect(existsSync(path.join(t.root, 'etc/apt/apt.conf.d/01kbench-proxy'))).toBe(false);
    expect(existsSync(path.join(t.root, 'var/lib/apt/lists/x'))).toBe(false);
    const inChroot = (args: string) => expect.stringMatching(new RegExp(`^chroot ${t.root} /usr/bin/env -i .* ${args.replace(/[.*]/g, '\\$&')}$`));
    expect(r.log).toEqual([
      ...['proc', 'sys', 'dev', 'dev/pts'].map((m) => `mount --bind /${m} ${t.root}/${m}`),
      inChroot('apt-get update -q'),
      inChroot('systemctl enable systemd-networkd ssh'),
      inChroot('systemctl mask systemd-networkd-wait-online.service'),
      inChroot('passwd -l root'),
      inChroot('apt-get clean'),
      ...['dev/pts', 'dev', 'sys', 'proc'].map((m) => `umount -l ${t.root}/${m}`),
    ]);
  });

  it('the policy file keeps services from starting while packages install', () => {
    const t = tree('policy');
    expect(run(t, 'setup_apt').code).toBe(0);
    expect(readFileSync(path.join(t.root, 'usr/sbin/policy-rc.d'), 'utf8')).toBe('#!/bin/sh\nexit 101\n');
    expect(readFileSync(path.join(t.root, 'etc/apt/apt.conf.d/01kbench-proxy'), 'utf8')).toBe('// no apt proxy on the host\n');
  });
});
