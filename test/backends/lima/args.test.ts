import { frameOneShot, unframeOutput } from '../../../harness/ssh/framing.ts';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  customKernelExpression,
  LIMA_TEMPLATE_DIR,
  limaSetupSteps,
  limaTemplatePath,
  limaAcceleration,
  limaCreateArgs,
  limaHostAlias,
  limaInstanceName,
  limaStartArgs,
  limaTargetPlan,
  validateLimaInstanceName,
  type LimaCustomKernel,
} from '../../../harness/backends/lima/args.ts';
import { planLimaTarget, reuseProblem } from '../../../harness/backends/lima/backend.ts';
import { parseLimaList } from '../../../harness/backends/lima/parse.ts';
import type { TargetSpec } from '../../../harness/backends/types.ts';
import { InputError } from '../../../harness/errors/index.ts';

const kernel: LimaCustomKernel = {
  kernelPath: '/Users/alice/kbench/kernel-artifacts/alpine/Image-m-series',
  initrdPath: '/Users/alice/kbench/kernel-artifacts/alpine/initramfs-m-series',
  cmdline: 'root=LABEL=/ console=hvc0 modules=ext4',
  arch: 'aarch64',
};

const spec = (name: string, os: TargetSpec['os']): TargetSpec => ({
  name,
  os,
  vcpus: 2,
  memoryMiB: 2048,
  scratchDiskMiB: 0,
  image: `${os}-image`,
  suiteContext: { zfsTunablesFile: null },
});

function thrownBy(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('instance names', () => {
  it('joins target and variant', () => {
    expect(limaInstanceName('alpine', 'stock')).toBe('kbench-alpine-stock');
    expect(limaInstanceName('debian-testbed', 'custom')).toBe('kbench-debian-testbed-custom');
    expect(limaHostAlias('kbench-alpine_1.2')).toBe('lima-kbench-alpine-1-2');
  });

  it('follows Lima identifier rules (pkg/identifiers, dirnames.ValidateInstName)', () => {
    for (const good of ['a', 'alpine-3.23', 'x_y.z-1', 'A'.repeat(76)]) expect(validateLimaInstanceName(good).ok).toBe(true);
    for (const bad of ['', '-a', 'a-', 'a--b', 'a..b', 'a b', 'ä', 'a/b', 'A'.repeat(77), 'foo.yaml', 'foo.YML']) {
      expect(validateLimaInstanceName(bad).ok, bad).toBe(false);
    }
  });

  it('reports a bad target name as one-line InputError', () => {
    const error = thrownBy(() => limaInstanceName('my target', 'stock'));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe('target "my target": Lima instance name "kbench-my target-stock" must be letters/digits joined by single ".", "_" or "-"');
    expect(thrownBy(() => limaInstanceName('x'.repeat(70), 'custom')).message).toMatch(/is longer than 76 characters$/);
  });
});

describe('limaCreateArgs', () => {
  it('creates a stock Alpine instance on vz in plain mode without mounts', () => {
    expect(limaCreateArgs({ name: 'kbench-alpine-stock', template: '/repo/lima/alpine-stock.yaml', vmType: 'vz', cpus: 2, memoryGiB: 2 })).toEqual([
      'create',
      '--tty=false',
      '--name=kbench-alpine-stock',
      '--vm-type=vz',
      '--cpus=2',
      '--memory=2',
      '--plain',
      '--mount-none',
      '/repo/lima/alpine-stock.yaml',
    ]);
  });

  it('sets the custom kernel on the template images of the kernel arch', () => {
    const args = limaCreateArgs({
      name: 'kbench-alpine-custom',
      template: '/repo/lima/alpine-stock.yaml',
      vmType: 'vz',
      cpus: 4,
      memoryGiB: 1.5,
      customKernel: kernel,
    });
    expect(args.slice(0, 8)).toEqual([
      'create',
      '--tty=false',
      '--name=kbench-alpine-custom',
      '--vm-type=vz',
      '--cpus=4',
      '--memory=1.5',
      '--plain',
      '--mount-none',
    ]);
    expect(args[8]).toBe(
      '--set=.arch = "aarch64" | .images |= map(select(.arch == "aarch64")) | ' +
        '.images[].kernel = {"location": "/Users/alice/kbench/kernel-artifacts/alpine/Image-m-series", "cmdline": "root=LABEL=/ console=hvc0 modules=ext4"} | ' +
        '.images[].initrd = {"location": "/Users/alice/kbench/kernel-artifacts/alpine/initramfs-m-series"}',
    );
    expect(args[9]).toBe('/repo/lima/alpine-stock.yaml');
    expect(args).toHaveLength(10);
  });

  it('leaves out the initrd when there is none', () => {
    expect(customKernelExpression({ ...kernel, initrdPath: null })).not.toContain('initrd');
  });

  it("creates FreeBSD on qemu from lima/freebsd-stock.yaml (UFS, not Lima's root-on-ZFS template)", () => {
    const { template, vmType } = limaTargetPlan('freebsd', 'stock');
    expect(limaCreateArgs({ name: 'kbench-freebsd-stock', template, vmType, cpus: 2, memoryGiB: 2 })).toEqual([
      'create',
      '--tty=false',
      '--name=kbench-freebsd-stock',
      '--vm-type=qemu',
      '--cpus=2',
      '--memory=2',
      '--plain',
      '--mount-none',
      `${LIMA_TEMPLATE_DIR}/freebsd-stock.yaml`,
    ]);
  });

  it('refuses kernel values that would break the yq string, relative paths and empty cmdlines', () => {
    expect(thrownBy(() => customKernelExpression({ ...kernel, cmdline: 'root="/dev/vda"' })).message).toBe(
      'custom kernel cmdline "root=\\"/dev/vda\\"": must not contain quotes, backslashes or control characters',
    );
    expect(thrownBy(() => customKernelExpression({ ...kernel, kernelPath: 'Image' })).message).toBe('custom kernel path "Image": must be absolute');
    expect(thrownBy(() => customKernelExpression({ ...kernel, cmdline: ' ' })).message).toMatch(/^custom kernel cmdline: must not be empty/);
  });

  it('refuses bad cpus, memory and names', () => {
    expect(thrownBy(() => limaCreateArgs({ name: 'a', template: '/repo/lima/alpine-stock.yaml', vmType: 'vz', cpus: 0, memoryGiB: 2 })).message).toBe(
      'cpus 0: must be a positive integer',
    );
    expect(thrownBy(() => limaCreateArgs({ name: 'a', template: '/repo/lima/alpine-stock.yaml', vmType: 'vz', cpus: 1, memoryGiB: 0 })).message).toBe(
      'memory 0 GiB: must be a positive number',
    );
    expect(thrownBy(() => limaCreateArgs({ name: 'a.yaml', template: '/repo/lima/alpine-stock.yaml', vmType: 'vz', cpus: 1, memoryGiB: 1 }))).toBeInstanceOf(
      InputError,
    );
  });

  it('passes the boot deadline to limactl start as a Go duration', () => {
    expect(limaStartArgs('kbench-alpine-stock', 600)).toEqual(['start', '--tty=false', '--timeout=600s', 'kbench-alpine-stock']);
    expect(limaStartArgs('x', 0.2)).toEqual(['start', '--tty=false', '--timeout=1s', 'x']);
  });
});

describe('which guests Lima can run', () => {
  it('rejects NetBSD and OpenBSD with the exact message', () => {
    for (const [os, kernel] of [
      ['netbsd', 'NetBSD'],
      ['openbsd', 'OpenBSD'],
    ] as const) {
      const error = thrownBy(() => limaTargetPlan(os, 'stock'));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toBe(
        `backend lima: Lima cannot boot ${kernel} (its os: field knows Linux, Darwin, FreeBSD, Windows; lima issue #1096): use --backend qemu or ssh`,
      );
    }
  });

  it('plans a FreeBSD custom instance: its kernel tarball, installed and tried with nextboot -k before it becomes the default', () => {
    const error = thrownBy(() => planLimaTarget(spec('freebsd', 'freebsd'), ['stock', 'custom'], () => kernel));
    expect(error.message).toBe(
      'target "freebsd": the custom variant needs the kernel: set KBENCH_LIMA_FREEBSD_KERNEL to kernel.m-series.tar.gz (kernels/build-freebsd-kernel.sh)',
    );
    const plans = planLimaTarget(
      spec('freebsd', 'freebsd'),
      ['stock', 'custom'],
      () => kernel,
      () => '/k/kernel.m-series.tar.gz',
    );
    expect(plans.custom).toMatchObject({ instance: 'kbench-freebsd-custom', vmType: 'qemu', kernelLocation: null, artifact: '/k/kernel.m-series.tar.gz' });
    expect(plans.custom!.createArgs.at(-1)).toBe(`${LIMA_TEMPLATE_DIR}/freebsd-custom.yaml`);
    const token = 'kbench-end-00112233445566778899aabbccddeeff';
    const steps = limaSetupSteps('freebsd', 'kbench-freebsd-custom', '/k/kernel.m-series.tar.gz', token);
    expect(steps).toEqual([
      { args: ['copy', '/k/kernel.m-series.tar.gz', 'kbench-freebsd-custom:/tmp/kernel.m-series.tar.gz'] },
      {
        args: [
          'shell',
          '--workdir=/',
          'kbench-freebsd-custom',
          'sudo',
          'sh',
          '-c',
          'tar -xzf /tmp/kernel.m-series.tar.gz -C /boot && test -f /boot/kernel.m-series/kernel && test -f /boot/kernel.m-series/zfs.ko && nextboot -k kernel.m-series',
        ],
        restartAfter: true,
      },
      {
        args: ['shell', '--workdir=/', 'kbench-freebsd-custom', 'sh', '-c', frameOneShot('sysctl -n kern.bootfile', token).script],
        expectFramed: { token, value: '/boot/kernel.m-series/kernel' },
      },
      { args: ['shell', '--workdir=/', 'kbench-freebsd-custom', 'sudo', 'sh', '-c', 'sysrc -f /boot/loader.conf kernel=kernel.m-series'] },
    ]);
  });

  it("kern.bootfile is read between markers: FreeBSD's skeleton .profile fortune (run by limactl shell's $SHELL -l -c) does not break it", async () => {
    const step = limaSetupSteps('freebsd', 'i', '/k/kernel.m-series.tar.gz')[2]!;
    const script = step.args.at(-1)!;
    // What `$SHELL -l -c` does: the profile prints (stdout and stderr), then the command runs; sysctl stands in as a function.
    const profile =
      "echo 'Edit /etc/motd to change this login announcement.'; echo 'fortune freebsd-tips: To see the output from when your computer started, run dmesg(8).'; echo noise >&2";
    const { execFileSync } = await import('node:child_process');
    const stdout = execFileSync('sh', ['-c', `${profile}; sysctl() { echo /boot/kernel.m-series/kernel; }; ${script}`], { encoding: 'utf8' });
    expect(stdout).toMatch(/fortune freebsd-tips/);
    expect(unframeOutput(stdout.trim(), step.expectFramed!.token)!.output.trim()).toBe(step.expectFramed!.value);
  });

  it('the templates kbench creates from are files in lima/, UFS for FreeBSD', () => {
    for (const os of ['alpine', 'freebsd'] as const)
      for (const variant of ['stock', 'custom'] as const) {
        const text = readFileSync(limaTemplatePath(os, variant), 'utf8');
        expect(text).toMatch(os === 'alpine' ? /^vmType: vz$/m : /^vmType: qemu$/m);
        if (os === 'freebsd') {
          expect(text).toMatch(/BASIC-CLOUDINIT-ufs\.raw\.xz/);
          expect(text).not.toMatch(/CLOUDINIT-zfs/);
        }
      }
    expect(readFileSync(limaTemplatePath('alpine', 'stock'), 'utf8')).toMatch(/apk add --no-cache zfs zfs-virt/);
    // Installed once (Lima runs provision scripts at every boot), and over signed-index http when the clock is unset.
    for (const variant of ['stock', 'custom'] as const) {
      const text = readFileSync(limaTemplatePath('alpine', variant), 'utf8');
      expect(text).toMatch(variant === 'stock' ? /if ! apk info -e zfs zfs-virt >\/dev\/null; then/ : /if ! apk info -e zfs >\/dev\/null; then/);
      expect(text).toMatch(/--repositories-file \/dev\/null -X "http:\/\/dl-cdn\.alpinelinux\.org\/alpine\/v\$\(cut -d\. -f1,2 \/etc\/alpine-release\)\/main"/);
    }
    // The custom kernel's modules come from its own build; zfs-virt's would not load into it.
    expect(readFileSync(limaTemplatePath('alpine', 'custom'), 'utf8')).not.toMatch(/zfs-virt\n/);
  });

  it('plans one instance per variant for Alpine, the custom one with the kernel', () => {
    const plans = planLimaTarget(
      spec('alpine', 'alpine'),
      ['stock', 'custom'],
      () => kernel,
      () => '/m.tar.gz',
    );
    expect(plans.stock).toMatchObject({ instance: 'kbench-alpine-stock', vmType: 'vz', kernelLocation: null });
    expect(plans.custom).toMatchObject({ instance: 'kbench-alpine-custom', vmType: 'vz', kernelLocation: kernel.kernelPath });
    expect(plans.custom!.createArgs.some((arg) => arg.startsWith('--set='))).toBe(true);
    expect(plans.stock!.createArgs.some((arg) => arg.startsWith('--set='))).toBe(false);
  });

  it('asks for the kernel when the custom variant has none, and refuses scratch disks', () => {
    expect(thrownBy(() => planLimaTarget(spec('alpine', 'alpine'), ['custom'], () => null)).message).toBe(
      'target "alpine": the custom variant needs a kernel: set KBENCH_LIMA_KERNEL (arm64 Image), KBENCH_LIMA_CMDLINE and optionally KBENCH_LIMA_INITRD',
    );
    expect(thrownBy(() => planLimaTarget({ ...spec('alpine', 'alpine'), scratchDiskMiB: 1024 }, ['stock'], () => null)).message).toMatch(
      /^target "alpine": the lima backend attaches no scratch disk/,
    );
  });
});

describe('reusing an existing instance', () => {
  const listed = parseLimaList(
    [
      JSON.stringify({
        name: 'kbench-alpine-stock',
        hostname: 'lima-kbench-alpine-stock',
        status: 'Stopped',
        dir: '/d',
        vmType: 'vz',
        arch: 'aarch64',
        limaVersion: '2.2.0',
      }),
      JSON.stringify({
        name: 'kbench-alpine-custom',
        hostname: 'lima-kbench-alpine-custom',
        status: 'Stopped',
        dir: '/d',
        vmType: 'vz',
        arch: 'aarch64',
        limaVersion: '2.2.0',
        config: { images: [{ location: 'https://x', arch: 'aarch64', kernel: { location: '/old/Image', arch: 'aarch64' } }] },
      }),
    ].join('\n'),
  );
  const [stock, custom] = listed.ok ? listed.value : [];
  const plans = planLimaTarget(
    spec('alpine', 'alpine'),
    ['stock', 'custom'],
    () => kernel,
    () => '/m.tar.gz',
  );

  it('reuses a matching instance', () => {
    expect(reuseProblem(stock!, plans.stock!)).toBeNull();
  });

  it('refuses an instance with another kernel or vm type, telling how to fix it', () => {
    expect(reuseProblem(custom!, plans.custom!)).toBe(
      `Lima instance kbench-alpine-custom boots /old/Image, kbench needs ${kernel.kernelPath}: delete it with \`limactl delete -f kbench-alpine-custom\``,
    );
    expect(reuseProblem(custom!, plans.stock!)).toMatch(
      /^Lima instance kbench-alpine-custom boots a custom kernel \(\/old\/Image\), kbench needs the stock one/,
    );
    expect(reuseProblem({ ...stock!, vmType: 'qemu' }, plans.stock!)).toMatch(/exists with vmType "qemu", kbench needs vz/);
  });
});

describe('limaAcceleration', () => {
  const base = { guestArch: 'aarch64', hostPlatform: 'darwin', hostArch: 'aarch64' as const, kvmAvailable: false };
  it('maps Lima VM types to the result schema acceleration', () => {
    expect(limaAcceleration({ ...base, vmType: 'vz' })).toBe('vz');
    expect(limaAcceleration({ ...base, vmType: 'qemu' })).toBe('qemu-hvf');
    expect(limaAcceleration({ ...base, vmType: 'qemu', guestArch: 'x86_64' })).toBe('qemu-tcg');
    expect(limaAcceleration({ ...base, vmType: 'qemu', hostPlatform: 'linux', hostArch: 'x86_64', guestArch: 'x86_64', kvmAvailable: true })).toBe('qemu-kvm');
    expect(limaAcceleration({ ...base, vmType: 'qemu', hostPlatform: 'linux', hostArch: 'x86_64', guestArch: 'x86_64' })).toBe('qemu-tcg');
  });
});
