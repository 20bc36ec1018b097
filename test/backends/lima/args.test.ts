import { describe, expect, it } from 'vitest';
import {
  customKernelExpression,
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

const spec = (name: string, os: TargetSpec['os']): TargetSpec => ({ name, os, vcpus: 2, memoryMiB: 2048, scratchDiskMiB: 0 });

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
    expect(limaCreateArgs({ name: 'kbench-alpine-stock', template: 'alpine', vmType: 'vz', cpus: 2, memoryGiB: 2 })).toEqual([
      'create',
      '--tty=false',
      '--name=kbench-alpine-stock',
      '--vm-type=vz',
      '--cpus=2',
      '--memory=2',
      '--plain',
      '--mount-none',
      'template:alpine',
    ]);
  });

  it('sets the custom kernel on the template images of the kernel arch', () => {
    const args = limaCreateArgs({ name: 'kbench-alpine-custom', template: 'alpine', vmType: 'vz', cpus: 4, memoryGiB: 1.5, customKernel: kernel });
    expect(args.slice(0, 8)).toEqual(['create', '--tty=false', '--name=kbench-alpine-custom', '--vm-type=vz', '--cpus=4', '--memory=1.5', '--plain', '--mount-none']);
    expect(args[8]).toBe(
      '--set=.arch = "aarch64" | .images |= map(select(.arch == "aarch64")) | ' +
        '.images[].kernel = {"location": "/Users/alice/kbench/kernel-artifacts/alpine/Image-m-series", "cmdline": "root=LABEL=/ console=hvc0 modules=ext4"} | ' +
        '.images[].initrd = {"location": "/Users/alice/kbench/kernel-artifacts/alpine/initramfs-m-series"}',
    );
    expect(args[9]).toBe('template:alpine');
    expect(args).toHaveLength(10);
  });

  it('leaves out the initrd when there is none', () => {
    expect(customKernelExpression({ ...kernel, initrdPath: null })).not.toContain('initrd');
  });

  it('creates FreeBSD on qemu from template:freebsd', () => {
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
      'template:freebsd',
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
    expect(thrownBy(() => limaCreateArgs({ name: 'a', template: 'alpine', vmType: 'vz', cpus: 0, memoryGiB: 2 })).message).toBe('cpus 0: must be a positive integer');
    expect(thrownBy(() => limaCreateArgs({ name: 'a', template: 'alpine', vmType: 'vz', cpus: 1, memoryGiB: 0 })).message).toBe('memory 0 GiB: must be a positive number');
    expect(thrownBy(() => limaCreateArgs({ name: 'a.yaml', template: 'alpine', vmType: 'vz', cpus: 1, memoryGiB: 1 }))).toBeInstanceOf(InputError);
  });

  it('passes the boot deadline to limactl start as a Go duration', () => {
    expect(limaStartArgs('kbench-alpine-stock', 600)).toEqual(['start', '--tty=false', '--timeout=600s', 'kbench-alpine-stock']);
    expect(limaStartArgs('x', 0.2)).toEqual(['start', '--tty=false', '--timeout=1s', 'x']);
  });
});

describe('which guests Lima can run', () => {
  it('rejects NetBSD and OpenBSD with the exact message', () => {
    for (const os of ['netbsd', 'openbsd'] as const) {
      const error = thrownBy(() => limaTargetPlan(os, 'stock'));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toBe('Lima cannot boot NetBSD/OpenBSD (lima issue #1096): use --backend qemu');
    }
  });

  it('rejects a FreeBSD custom kernel (installed in the guest, not set through Lima)', () => {
    const error = thrownBy(() => planLimaTarget(spec('freebsd', 'freebsd'), ['stock', 'custom'], () => kernel));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(/^backend lima: FreeBSD custom kernels cannot be set through Lima .* use --backend qemu for the custom variant$/);
  });

  it('plans one instance per variant for Alpine, the custom one with the kernel', () => {
    const plans = planLimaTarget(spec('alpine', 'alpine'), ['stock', 'custom'], () => kernel);
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
      JSON.stringify({ name: 'kbench-alpine-stock', hostname: 'lima-kbench-alpine-stock', status: 'Stopped', dir: '/d', vmType: 'vz', arch: 'aarch64', limaVersion: '2.2.0' }),
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
  const plans = planLimaTarget(spec('alpine', 'alpine'), ['stock', 'custom'], () => kernel);

  it('reuses a matching instance', () => {
    expect(reuseProblem(stock!, plans.stock!)).toBeNull();
  });

  it('refuses an instance with another kernel or vm type, telling how to fix it', () => {
    expect(reuseProblem(custom!, plans.custom!)).toBe(
      `Lima instance kbench-alpine-custom boots /old/Image, kbench needs ${kernel.kernelPath}: delete it with \`limactl delete -f kbench-alpine-custom\``,
    );
    expect(reuseProblem(custom!, plans.stock!)).toMatch(/^Lima instance kbench-alpine-custom boots a custom kernel \(\/old\/Image\), kbench needs the stock one/);
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
