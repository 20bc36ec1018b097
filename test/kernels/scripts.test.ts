import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..', '..');
const scripts = [
  'kernels/build-alpine-kernel.sh',
  'kernels/build-freebsd-kernel.sh',
  'kernels/build-netbsd-kernel.sh',
  'kernels/build-openbsd-kernel.sh',
  'kernels/build-all-kernels.sh',
  'kernels/build-arm64-linux-kernel.sh',
  'custom-os/debian-arm64/build-rootfs.sh',
  'custom-os/debian-testbed/build-rootfs.sh',
  'kernels/build-zfs-modules.sh',
  'custom-os/debian-arm64/build-image.sh',
  'custom-os/alpine/zfs-minimal-alpine.sh',
  'custom-os/freebsd/freebsd-minimal.sh',
  'test/kernels/verify-kconfig-names.sh',
  'test/kernels/verify-bsd-config-names.sh',
];

const scratch = mkdtempSync(join(tmpdir(), 'kbench-kernels-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}, cwd = scratch) {
  // POSIX sh (dash here), as the guests run them; cwd outside the repo so nothing lands in it.
  const result = spawnSync('sh', args, { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
const script = (relative: string): string => join(repo, relative);
const planLines = (stdout: string): string[] => stdout.split('\n').filter((l) => l.startsWith('plan: '));

describe('shell scripts parse as POSIX sh and follow the house rules', () => {
  for (const file of scripts) {
    it(`${file}: sh -n, set -eu, usage`, () => {
      const parsed = run(['-n', script(file)]);
      expect(parsed.stderr).toBe('');
      expect(parsed.code).toBe(0);
      const text = readFileSync(script(file), 'utf8');
      expect(text.startsWith('#!/bin/sh\n')).toBe(true);
      expect(text).toMatch(/^set -eu$/m);
      // Common bashisms: [[ ]], function keyword, ${x//a/b}, here-strings, source.
      expect(text).not.toMatch(/(^|[\s;&|(])\[\[\s|^\s*function\s+\w+|\$\{[A-Za-z_]+\/\/|<<<|^\s*source\s/m);
    });
  }

  const shellcheck = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
  const haveShellcheck = shellcheck.status === 0;
  it.skipIf(!haveShellcheck)('shellcheck -s sh finds nothing, in what they source too (skipped when the shellcheck package is absent)', () => {
    // -x follows `. lib.sh` to the file its "# shellcheck source=" line names (relative to the repository).
    const result = spawnSync('shellcheck', ['-x', '-s', 'sh', ...scripts.map(script)], { cwd: repo, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
  if (!haveShellcheck) console.warn('shellcheck not installed (apt-get install shellcheck): lint test skipped');
});

describe('--dry-run prints the plan and changes nothing', () => {
  it('build-alpine-kernel.sh: the pinned version, source URL, merge, check, build and artifacts', () => {
    const r = run([script('kernels/build-alpine-kernel.sh'), '--dry-run', '--kernel-version', '6.6.100', '--out', 'out']);
    expect(r.code).toBe(0);
    const plan = planLines(r.stdout);
    expect(plan[0]).toMatch(/^plan: 1\. apk add build-base linux-headers bc flex bison elfutils-dev openssl-dev perl ncurses-dev xz/);
    expect(plan).toContain('plan: 2. fetch linux-6.6.100.tar.xz and sha256sums.asc from cdn.kernel.org/pub/linux/kernel/v6.x/, verify the SHA-256');
    expect(plan.some((l) => /merge alpine-m-series\.config \(page size 16k\) onto \/boot\/config-virt with scripts\/kconfig\/merge_config\.sh/.test(l))).toBe(
      true,
    );
    expect(plan.some((l) => /every requested option survived olddefconfig/.test(l))).toBe(true);
    expect(plan.some((l) => /OpenZFS .* against this kernel tree/.test(l))).toBe(true);
    expect(plan).toContain(
      'plan: 8. fetch aports main/zfs-lts/APKBUILD (<alpine major.minor>-stable), check its _ver is <installed zfs package version>, apply every *.patch of its source= list',
    );
    expect(plan.at(-1)).toBe(
      'plan: 11. write out/vmlinuz-m-series (arch/arm64/boot/Image), config-m-series, modules-m-series.tar.gz, zfs-patches.txt, SHA256SUMS',
    );
    expect(r.stdout).toMatch(/^dry run: nothing was changed$/m);
  });

  it('build-alpine-kernel.sh: the OpenZFS patches are the source= *.patch list of aports zfs-lts (zfs-virt), or none when asked', () => {
    const fixture = join(repo, 'test/kernels/fixtures/zfs-lts.APKBUILD');
    const listed = run([script('kernels/build-alpine-kernel.sh'), '--print-zfs-patches', fixture]);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.stdout).toBe('aarch64-disable-neon.patch\n');
    const none = run([script('kernels/build-alpine-kernel.sh'), '--dry-run', '--zfs-patches', 'none']);
    expect(planLines(none.stdout).some((l) => /no aports patches \(--zfs-patches none\): plain OpenZFS/.test(l))).toBe(true);
    const bad = run([script('kernels/build-alpine-kernel.sh'), '--dry-run', '--zfs-patches', 'some']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe("build-alpine-kernel.sh: --zfs-patches: expected aports or none, got 'some'");
  });

  it('build-alpine-kernel.sh: --no-zfs drops the ZFS step; bad input exits 2 with one line', () => {
    const noZfs = run([script('kernels/build-alpine-kernel.sh'), '--dry-run', '--no-zfs', '--page-size', '4k']);
    expect(noZfs.code).toBe(0);
    expect(planLines(noZfs.stdout).some((l) => /OpenZFS/.test(l))).toBe(false);
    expect(noZfs.stdout).toMatch(/\(page size 4k\)/);
    const bad = run([script('kernels/build-alpine-kernel.sh'), '--dry-run', '--page-size', '64k']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual(["build-alpine-kernel.sh: --page-size: expected 16k or 4k, got '64k'"]);
    const unknown = run([script('kernels/build-alpine-kernel.sh'), '--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown argument: --frobnicate/);
  });

  it('build-alpine-kernel.sh: reads versions with `apk -v info -e` (NAME-VER-rN), never the description form', () => {
    // test/kernels/fixtures/apk prints the formats of test/fixtures/guest/alpine/ (apk-tools src/app_info.c).
    const env = { PATH: `${join(repo, 'test/kernels/fixtures')}:${process.env.PATH}`, KBENCH_APK_FIXTURES: join(repo, 'test/fixtures/guest/alpine') };
    const r = run([script('kernels/build-alpine-kernel.sh'), '--show-versions'], env);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual(['linux-virt 6.18.9', 'zfs 2.3.5', 'requested options 52']);
    // `apk -v info NAME` prints "NAME: description" lines: the old parse found nothing there.
    const described = readFileSync(join(repo, 'test/fixtures/guest/alpine/apk-v-info.txt'), 'utf8');
    expect(described).not.toMatch(/^linux-virt-\d/m);
    const noApk = run([script('kernels/build-alpine-kernel.sh'), '--show-versions'], { PATH: '/usr/bin:/bin' });
    expect(noApk.code).toBe(2);
    expect(noApk.stderr.trim()).toBe('build-alpine-kernel.sh: cannot read the linux-virt version (apk -v info -e linux-virt); pass --kernel-version');
  });

  it('build-alpine-kernel.sh: the option list follows the kernel version (6.12 keeps the arm64 SHA drivers, 6.18 has none)', () => {
    const requested = (version: string) =>
      run([script('kernels/build-alpine-kernel.sh'), '--print-fragment', '--kernel-version', version])
        .stdout.split('\n')
        .filter((l) => /^(CONFIG_|# CONFIG_.* is not set$)/.test(l));
    const sha = ['CONFIG_CRYPTO_SHA1_ARM64_CE=y', 'CONFIG_CRYPTO_SHA256_ARM64=y', 'CONFIG_CRYPTO_SHA2_ARM64_CE=y', 'CONFIG_CRYPTO_SHA512_ARM64_CE=y'];
    const old = requested('6.12.38');
    expect(old).toHaveLength(56);
    for (const line of sha) expect(old).toContain(line);
    const current = requested('6.18.9');
    expect(current).toHaveLength(52);
    for (const line of sha) expect(current).not.toContain(line);
    // Linux 7.0 compares as newer than 6.18, not by string.
    expect(requested('7.0')).toHaveLength(52);
    expect(requested('6.9.1')).toHaveLength(56);

    // --check-config takes the version from the config's own header when none is given.
    const final = join(scratch, 'final-6.18.config');
    const body = run([script('kernels/build-alpine-kernel.sh'), '--print-fragment', '--kernel-version', '6.18.9']).stdout;
    writeFileSync(final, `#\n# Automatically generated file; DO NOT EDIT.\n# Linux/arm64 6.18.9 Kernel Configuration\n#\n${body}`);
    const checked = run([script('kernels/build-alpine-kernel.sh'), '--check-config', final]);
    expect(checked.stderr).toBe('');
    expect(checked.stdout.trim()).toBe(`all 52 requested options survived in ${final} (Linux 6.18.9)`);
  });

  it('build-freebsd-kernel.sh: buildkernel/installkernel with KODIR and a one-shot nextboot', () => {
    const r = run([script('kernels/build-freebsd-kernel.sh'), '--dry-run']);
    expect(r.code).toBe(0);
    const plan = planLines(r.stdout).join('\n');
    expect(plan).toMatch(/buildkernel KERNCONF=M-SERIES TARGET=arm64/);
    expect(plan).toMatch(/installkernel KERNCONF=M-SERIES KODIR=\/boot\/kernel\.m-series/);
    expect(plan).toMatch(/nextboot -k kernel\.m-series/);
    expect(plan).toMatch(
      /check \/boot\/kernel\.m-series has kernel and zfs\.ko; tar it as \.\/kernel-artifacts\/freebsd\/kernel\.m-series\.tar\.gz \(kernel\.m-series\/\.\.\.\)/,
    );
    const noNext = run([script('kernels/build-freebsd-kernel.sh'), '--dry-run', '--no-nextboot']);
    expect(noNext.stdout).not.toMatch(/nextboot -k/);
  });

  it('build-freebsd-kernel.sh --package-only: a real tar of a fake installed kernel tree, unpacked as the lima backend does', () => {
    // The layout installkernel KODIR=/boot/kernel.m-series leaves: the kernel, its modules, debug files.
    const boot = join(scratch, 'fbsd-fake', 'boot');
    const kodir = join(boot, 'kernel.m-series');
    mkdirSync(kodir, { recursive: true });
    for (const [file, body] of [
      ['kernel', 'ELF kernel'],
      ['zfs.ko', 'ELF zfs'],
      ['opensolaris.ko', 'ELF opensolaris'],
      ['kernel.debug', 'dwarf'],
      ['zfs.ko.debug', 'dwarf'],
    ]) {
      writeFileSync(join(kodir, file!), body!);
    }
    const out = join(scratch, 'fbsd-out');
    const r = run([script('kernels/build-freebsd-kernel.sh'), '--package-only', '--kodir', kodir, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const listing = spawnSync('tar', ['-tzf', join(out, 'kernel.m-series.tar.gz')], { encoding: 'utf8' });
    expect(listing.status).toBe(0);
    const members = listing.stdout
      .split('\n')
      .filter((l) => l !== '' && !l.endsWith('/'))
      .sort();
    expect(members).toEqual(['kernel.m-series/kernel', 'kernel.m-series/opensolaris.ko', 'kernel.m-series/zfs.ko']);
    // What limaSetupSteps runs in the guest (harness/backends/lima/args.ts), against a fake /boot.
    const guestBoot = join(scratch, 'fbsd-guest-boot');
    mkdirSync(guestBoot);
    const unpack = spawnSync(
      'sh',
      [
        '-c',
        `tar -xzf "$1" -C "$2" && test -f "$2/kernel.m-series/kernel" && test -f "$2/kernel.m-series/zfs.ko"`,
        'sh',
        join(out, 'kernel.m-series.tar.gz'),
        guestBoot,
      ],
      { encoding: 'utf8' },
    );
    expect(unpack.stderr).toBe('');
    expect(unpack.status).toBe(0);
    expect(readFileSync(join(guestBoot, 'kernel.m-series', 'zfs.ko'), 'utf8')).toBe('ELF zfs');
    expect(readFileSync(join(out, 'loader.conf'), 'utf8')).toMatch(/^kernel="kernel\.m-series"$/m);
    const sums = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' });
    expect(sums.stdout).toBe('kernel.m-series.tar.gz: OK\nkernel: OK\nloader.conf: OK\n');
    expect(sums.status).toBe(0);
  });

  it('build-freebsd-kernel.sh --package-only refuses a tree without zfs.ko or under another name, and writes no tarball', () => {
    const kodir = join(scratch, 'fbsd-nozfs', 'kernel.m-series');
    mkdirSync(kodir, { recursive: true });
    writeFileSync(join(kodir, 'kernel'), 'ELF kernel');
    const out = join(scratch, 'fbsd-nozfs-out');
    const noZfs = run([script('kernels/build-freebsd-kernel.sh'), '--package-only', '--kodir', kodir, '--out', out]);
    expect(noZfs.code).toBe(2);
    expect(noZfs.stderr.trim()).toBe(`build-freebsd-kernel.sh: no ${kodir}/zfs.ko (is ZFS in the kernel config's module list?)`);
    expect(() => readFileSync(join(out, 'kernel.m-series.tar.gz'))).toThrow();
    const renamed = join(scratch, 'fbsd-nozfs', 'kernel');
    const badName = run([script('kernels/build-freebsd-kernel.sh'), '--package-only', '--kodir', renamed, '--out', out]);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(/--kodir: the directory must be named kernel\.m-series/);
    expect(run([script('kernels/build-freebsd-kernel.sh'), '--dry-run', '--kodir', kodir]).code).toBe(2);
  });

  it('build-netbsd-kernel.sh and build-openbsd-kernel.sh: their native build commands', () => {
    const netbsd = run([script('kernels/build-netbsd-kernel.sh'), '--dry-run', '--jobs', '3']);
    expect(netbsd.code).toBe(0);
    expect(planLines(netbsd.stdout).join('\n')).toMatch(/build\.sh -U -u -j3 -m evbarm -a aarch64 -O \S+ kernel=M-SERIES/);
    const openbsd = run([script('kernels/build-openbsd-kernel.sh'), '--dry-run']);
    expect(openbsd.code).toBe(0);
    const plan = planLines(openbsd.stdout).join('\n');
    expect(plan).toMatch(/config M-SERIES in \/usr\/src\/sys\/arch\/arm64\/conf, then make obj && make/);
    // The UKC commands come from the config file's "# ukc:" lines.
    expect(plan).toMatch(/config -e -o bsd\.m-series bsd with: disable uaudio; .*disable ohci; quit/);
    const badJobs = run([script('kernels/build-openbsd-kernel.sh'), '--dry-run', '--jobs', 'many']);
    expect(badJobs.code).toBe(2);
  });

  it('build-arm64-linux-kernel.sh and build-zfs-modules.sh: the options of arm64-cross.sh, one line and exit 2 for bad ones', () => {
    const zfs = (...args: string[]) => run([script('kernels/build-zfs-modules.sh'), ...args]);
    expect(zfs('--help')).toMatchObject({ code: 0, stdout: expect.stringMatching(/^usage: build-zfs-modules\.sh --zfs-src DIR/) });
    expect(zfs('--bogus')).toMatchObject({ code: 2, stderr: "build-zfs-modules.sh: unknown argument '--bogus' (see --help)\n" });
    expect(zfs('--out')).toMatchObject({ code: 2, stderr: 'build-zfs-modules.sh: --out needs a value\n' });
    const tree = join(scratch, 'zfs-args');
    for (const dir of ['z', 'l', 'o']) mkdirSync(join(tree, dir), { recursive: true });
    writeFileSync(join(tree, 'z', 'configure'), '');
    writeFileSync(join(tree, 'l', 'Makefile'), '');
    writeFileSync(join(tree, 'o', '.config'), '');
    const trees = ['--zfs-src', join(tree, 'z'), '--linux', join(tree, 'l'), '--linux-obj', join(tree, 'o'), '--out', join(tree, 'out')];
    expect(zfs(...trees, '--jobs', '0')).toMatchObject({ code: 2, stderr: "build-zfs-modules.sh: --jobs: expected a positive number, got '0'\n" });
    expect(zfs(...trees, '--cross', 'nosuch-')).toMatchObject({
      code: 2,
      stderr: 'build-zfs-modules.sh: cross compiler nosuch-gcc not found (apt-get install gcc-aarch64-linux-gnu)\n',
    });
    const kernel = (...args: string[]) => run([script('kernels/build-arm64-linux-kernel.sh'), ...args]);
    // --fragment repeats: each one is checked, in order.
    writeFileSync(join(tree, 'a.config'), '');
    expect(kernel('--out', join(tree, 'k'), '--fragment', join(tree, 'a.config'), '--fragment', join(tree, 'b.config'), '--source', tree)).toMatchObject({
      code: 2,
      stderr: `build-arm64-linux-kernel.sh: fragment not found: ${join(tree, 'b.config')}\n`,
    });
    expect(kernel('--out', join(tree, 'k'), '--page-size', '8k')).toMatchObject({
      code: 2,
      stderr: "build-arm64-linux-kernel.sh: --page-size: expected 16k or 4k, got '8k'\n",
    });
  });

  it('build-all-kernels.sh: forwards to kbench build (--only becomes --os); BSDs without a guest are skipped', () => {
    const two = run([script('kernels/build-all-kernels.sh'), '--dry-run', '--only', 'freebsd,alpine,freebsd']);
    expect(two.code).toBe(0);
    const plan = planLines(two.stderr);
    expect(plan[0]).toBe('plan: freebsd: limactl start --tty=false --name=kbench-build-freebsd --vm-type=qemu --cpus=4 --memory=8 template:freebsd');
    expect(plan).toContain('plan: alpine: limactl shell kbench-build-alpine -- sudo sh /tmp/build-alpine-kernel.sh --out /tmp/kbench-kernel-artifacts/alpine');
    expect(plan).toContain(
      `plan: alpine: limactl copy -r kbench-build-alpine:/tmp/kbench-kernel-artifacts/alpine/. ${join(scratch, 'kernel-artifacts', 'alpine')}/`,
    );
    expect(plan.findIndex((l) => l.startsWith('plan: alpine'))).toBeGreaterThan(plan.findIndex((l) => l.startsWith('plan: freebsd')));
    expect(plan.some((l) => l.includes('netbsd'))).toBe(false);

    const bsd = run([script('kernels/build-all-kernels.sh'), '--dry-run', '--only=netbsd,openbsd'], {
      KBENCH_NETBSD_SSH: '',
      KBENCH_OPENBSD_SSH: 'root@127.0.0.1:2222',
    });
    expect(bsd.code).toBe(0);
    expect(bsd.stderr).toMatch(/^plan: netbsd: skip \(Lima cannot run netbsd/m);
    expect(bsd.stderr).toMatch(
      /^plan: openbsd: scp -o BatchMode=yes -P 2222 \S+\/kernels\/openbsd-m-series-kernel\.conf \S+\/kernels\/build-openbsd-kernel\.sh \S+\/kernels\/guest-script-lib\.sh root@127\.0\.0\.1:\/tmp\/$/m,
    );

    const bad = run([script('kernels/build-all-kernels.sh'), '--dry-run', '--only', 'alpine,plan9']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('kbench: --os: unknown OS "plan9" (expected: alpine,freebsd,netbsd,openbsd,debian-arm64)');
  });

  it('custom-os builders: Alpine apk --root with the seed package set; FreeBSD from base.txz + kernel.txz', () => {
    const alpine = run([script('custom-os/alpine/zfs-minimal-alpine.sh'), '--dry-run', '--out', '/tmp/x']);
    expect(alpine.code).toBe(0);
    const aplan = planLines(alpine.stdout).join('\n');
    expect(aplan).toMatch(/apk --root \/tmp\/x\/rootfs --initdb --no-cache add .*\blinux-virt\b.*\bzfs-virt\b/);
    expect(aplan).toMatch(/\bzfs\b.*\bopenssh-server\b|\bopenssh-server\b.*\bzfs\b/);
    expect(aplan).toMatch(/remove the package manager/);
    expect(aplan).toMatch(/mkfs\.ext4 -d \/tmp\/x\/rootfs into a 512 MB raw image: \/tmp\/x\/zfs-minimal\.img/);
    expect(run([script('custom-os/alpine/zfs-minimal-alpine.sh'), '--dry-run', '--size', '64']).code).toBe(2);

    const freebsd = run([script('custom-os/freebsd/freebsd-minimal.sh'), '--dry-run', '--release', '14.3-RELEASE']);
    expect(freebsd.code).toBe(0);
    const fplan = planLines(freebsd.stdout).join('\n');
    expect(fplan).toMatch(/fetch base\.txz and kernel\.txz of 14\.3-RELEASE for arm64\/aarch64/);
    expect(fplan).toMatch(/remove: .*usr\/sbin\/pkg.*usr\/lib32.*usr\/bin\/cc/);
    expect(fplan).toMatch(/makefs -t ffs/);
    expect(run([script('custom-os/freebsd/freebsd-minimal.sh'), '--dry-run', '--release', 'latest']).code).toBe(2);
  });
});

describe('kernels/guest-script-lib.sh: the options, help and dry-run stop of the scripts that source it', () => {
  // Every script that sources the library, with an option of its own that takes a value.
  const users: [file: string, valueOption: string, what: string][] = [
    ['kernels/build-freebsd-kernel.sh', '--kodir', 'directory'],
    ['kernels/build-netbsd-kernel.sh', '--src', 'directory'],
    ['kernels/build-openbsd-kernel.sh', '--conf', 'file'],
    ['custom-os/alpine/zfs-minimal-alpine.sh', '--branch', 'value'],
    ['custom-os/freebsd/freebsd-minimal.sh', '--size', 'number'],
  ];
  it('the list above is every script that sources it', () => {
    const sourcing = scripts.filter((file) => /guest-script-lib\.sh"?$/m.test(readFileSync(script(file), 'utf8')));
    expect(sourcing.sort()).toEqual(users.map(([file]) => file).sort());
  });
  for (const [file, valueOption, what] of users) {
    const name = file.split('/').pop()!;
    it(`${name}: --help, an unknown argument, a missing value, an option after --dry-run`, () => {
      const help = run([script(file), '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^usage: ${name.replace('.', '\\.')} \\[--dry-run\\]`));
      expect(help.stdout).toContain(valueOption);
      const unknown = run([script(file), '--dry-run', '--bogus']);
      expect(unknown.code).toBe(2);
      expect(unknown.stdout).toBe('');
      expect(unknown.stderr).toMatch(new RegExp(`^usage: [\\s\\S]*\\n${name.replace('.', '\\.')}: unknown argument: --bogus\\n$`));
      // An option named like another's prefix is not taken for it.
      expect(run([script(file), '--dry-run', `${valueOption}x`, 'v']).code).toBe(2);
      const missing = run([script(file), '--dry-run', valueOption]);
      expect(missing).toMatchObject({ code: 2, stdout: '', stderr: `${name}: ${valueOption} needs a ${what}\n` });
      // A value that looks like shell code is only ever a value.
      const marker = join(scratch, `injected-${name}`);
      run([script(file), '--dry-run', '--out', `$(touch ${marker})`]);
      expect(() => readFileSync(marker)).toThrow();
    });
  }
  it('the kernel builds refuse a --jobs that is not a positive number, before any plan', () => {
    for (const [file] of users.slice(0, 3)) {
      const name = file.split('/').pop()!;
      const zero = run([script(file), '--dry-run', '--jobs', '0']);
      expect(zero).toMatchObject({ code: 2, stdout: '', stderr: `${name}: --jobs: expected a positive number, got '0'\n` });
      expect(run([script(file), '--dry-run', '--jobs', '4']).code).toBe(0);
    }
  });
});

describe('build-alpine-kernel.sh --check-config: the claim check that runs after olddefconfig', () => {
  const fragment = readFileSync(script('kernels/alpine-m-series.config'), 'utf8');
  // A final config that honours every request: the =value lines, and nothing for the off ones.
  const honoured = fragment.split('\n').filter((l) => /^CONFIG_/.test(l));

  it('accepts a final config that honours every request', () => {
    const file = join(scratch, 'good.config');
    writeFileSync(file, [...honoured, 'CONFIG_UNRELATED=y', ''].join('\n'));
    const r = run([script('kernels/build-alpine-kernel.sh'), '--check-config', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^all \d+ requested options survived in /);
  });

  it('lists every dropped, downgraded or re-enabled option and exits 1', () => {
    const file = join(scratch, 'bad.config');
    const broken = honoured
      .filter((l) => !l.startsWith('CONFIG_ARM64_16K_PAGES='))
      .map((l) => (l === 'CONFIG_CRYPTO_SHA2_ARM64_CE=y' ? 'CONFIG_CRYPTO_SHA2_ARM64_CE=m' : l))
      .map((l) => (l.startsWith('CONFIG_LOCALVERSION=') ? 'CONFIG_LOCALVERSION=""' : l));
    writeFileSync(file, [...broken, 'CONFIG_ARM64_4K_PAGES=y', 'CONFIG_FTRACE=y', 'CONFIG_SOUND=m', ''].join('\n'));
    const r = run([script('kernels/build-alpine-kernel.sh'), '--check-config', file]);
    expect(r.code).toBe(1);
    const listed = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('  '))
      .map((l) => l.trim())
      .sort();
    expect(listed).toEqual(
      [
        'CONFIG_ARM64_16K_PAGES=y requested, final: not set',
        'CONFIG_ARM64_4K_PAGES requested off, final CONFIG_ARM64_4K_PAGES=y',
        'CONFIG_CRYPTO_SHA2_ARM64_CE=y requested, final CONFIG_CRYPTO_SHA2_ARM64_CE=m',
        'CONFIG_FTRACE requested off, final CONFIG_FTRACE=y',
        'CONFIG_LOCALVERSION="-m-series" requested, final CONFIG_LOCALVERSION=""',
        'CONFIG_SOUND requested off, final CONFIG_SOUND=m',
      ].sort(),
    );
    expect(r.stderr).toMatch(/6 requested option\(s\) did not survive/);
  });

  it('--page-size 4k swaps the page-size request', () => {
    const file = join(scratch, 'fourk.config');
    const fourK = honoured.map((l) => (l === 'CONFIG_ARM64_16K_PAGES=y' ? 'CONFIG_ARM64_4K_PAGES=y' : l));
    writeFileSync(file, `${fourK.join('\n')}\n`);
    expect(run([script('kernels/build-alpine-kernel.sh'), '--check-config', file]).code).toBe(1);
    expect(run([script('kernels/build-alpine-kernel.sh'), '--check-config', file, '--page-size', '4k']).code).toBe(0);
  });
});

describe('the upstream-name verifiers', () => {
  const fragmentNames = [
    ...new Set(
      readFileSync(script('kernels/alpine-m-series.config'), 'utf8')
        .split('\n')
        .map((l) => /^CONFIG_([A-Za-z0-9_]+)=/.exec(l)?.[1] ?? /^# CONFIG_([A-Za-z0-9_]+) is not set$/.exec(l)?.[1])
        .filter((n): n is string => n !== undefined),
    ),
  ];
  const git = (cwd: string, ...args: string[]) => {
    const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };

  it('verify-kconfig-names.sh reads a real git tree, ignores other architectures and reports what is missing', () => {
    const tree = join(scratch, 'linux');
    mkdirSync(join(tree, 'drivers'), { recursive: true });
    mkdirSync(join(tree, 'arch', 'x86'), { recursive: true });
    mkdirSync(join(tree, 'arch', 'arm64'), { recursive: true });
    const [onX86Only, ...rest] = fragmentNames as [string, ...string[]];
    writeFileSync(join(tree, 'Makefile'), 'VERSION = 6\nPATCHLEVEL = 6\nSUBLEVEL = 7\n');
    writeFileSync(
      join(tree, 'drivers', 'Kconfig'),
      rest.map((n, i) => `${i % 2 ? 'menuconfig' : 'config'} ${n}\n\tbool "x"\n\thelp\n\t  config lowercase words are not symbols\n`).join('\n'),
    );
    writeFileSync(join(tree, 'arch', 'x86', 'Kconfig'), `config ${onX86Only}\n\tbool\n`);
    git(tree, 'init', '-q');
    git(tree, 'add', '.');
    git(tree, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'fixture');
    const out = join(scratch, 'linux-verified.txt');

    const missing = run([script('test/kernels/verify-kconfig-names.sh'), join(tree, '.git'), 'HEAD', 'fixture'], { KBENCH_VERIFIED_OUT: out });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(new RegExp(`^  CONFIG_${onX86Only}$`, 'm'));
    expect(missing.stderr).toMatch(/\(Linux 6\.6\.7\)/);

    writeFileSync(join(tree, 'arch', 'arm64', 'Kconfig'), `config ${onX86Only}\n\tbool\n`);
    git(tree, 'add', '.');
    git(tree, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'arm64');
    const head = git(tree, 'rev-parse', 'HEAD');
    const ok = run([script('test/kernels/verify-kconfig-names.sh'), join(tree, '.git'), 'HEAD', 'fixture'], { KBENCH_VERIFIED_OUT: out });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const written = readFileSync(out, 'utf8').split('\n');
    expect(written).toContain(`# commit: ${head}`);
    expect(written).toContain('# linux: 6.6.7');
    expect(written).toContain(`${onX86Only}\tarch/arm64/Kconfig`);
    expect(written.filter((l) => l !== '' && !l.startsWith('#'))).toHaveLength(fragmentNames.length);
  });

  it('verify-bsd-config-names.sh checks the declaration form, not just the word', () => {
    const root = join(scratch, 'openbsd');
    mkdirSync(join(root, 'sys', 'arch', 'arm64', 'conf'), { recursive: true });
    mkdirSync(join(root, 'sys', 'conf'), { recursive: true });
    const conf = readFileSync(script('kernels/openbsd-m-series-kernel.conf'), 'utf8');
    const devices = [...conf.matchAll(/^# ukc: disable ([a-z0-9_]+)$/gm)].map((m) => m[1] as string);
    // Every device attached, but "uhci" only mentioned in a comment: that must not count.
    const generic = `${devices
      .filter((d) => d !== 'uhci')
      .map((d) => `${d}*\t\tat fdt?\n`)
      .join('')}# uhci is gone\n`;
    writeFileSync(join(root, 'sys', 'arch', 'arm64', 'conf', 'GENERIC'), generic);
    writeFileSync(join(root, 'sys', 'arch', 'arm64', 'conf', 'GENERIC.MP'), 'option\tWITNESS\n');
    writeFileSync(join(root, 'sys', 'conf', 'GENERIC'), 'option\t\tDIAGNOSTIC\noption\t\tPOOL_DEBUG\n');
    writeFileSync(
      join(root, '.kbench-commits'),
      `${['sys/arch/arm64/conf/GENERIC', 'sys/arch/arm64/conf/GENERIC.MP', 'sys/conf/GENERIC'].map((p) => `${p} ${'a'.repeat(40)}`).join('\n')}\n`,
    );
    const out = join(scratch, 'bsd-verified.txt');
    const missing = run([script('test/kernels/verify-bsd-config-names.sh'), 'openbsd', root, 'fixture'], { KBENCH_VERIFIED_OUT: out });
    expect(missing.code).toBe(1);
    expect(missing.stderr.split('\n').filter((l) => l.startsWith('  '))).toEqual(['  device:uhci']);

    writeFileSync(join(root, 'sys', 'arch', 'arm64', 'conf', 'GENERIC'), `${generic}uhci*\t\tat pci?\n`);
    const ok = run([script('test/kernels/verify-bsd-config-names.sh'), 'openbsd', root, 'fixture'], { KBENCH_VERIFIED_OUT: out });
    expect(ok.code).toBe(0);
    const rows = readFileSync(out, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('openbsd\t'));
    expect(rows).toContain(`openbsd\toption\tWITNESS\tsys/arch/arm64/conf/GENERIC.MP\t${'a'.repeat(40)}`);
    expect(rows).toHaveLength(devices.length + 3);
  });
});
