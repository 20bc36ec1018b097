/** lima: one Lima instance per target and kernel variant, from kbench's templates in lima/. */
import type { KernelVariant } from '../../results/schema.ts';
import type { BackendDescriptor, BackendPlan, HostPlatform, TargetSpec } from '../types.ts';
import { limaCreateArgs, limaInstanceName, limaRefusal, limaSetupSteps, limaStartArgs, limaTargetPlan } from './args.ts';
import type { LimaBackendOptions } from './backend.ts';

export const limaDescriptor = {
  name: 'lima',
  hypervisor: 'lima',
  summary: 'Lima instances kbench-<target>-<variant> from lima/<os>-<variant>.yaml (vz for Alpine, qemu for FreeBSD)',
  versionFields: [
    { key: 'limaVersion', label: 'Lima' },
    { key: 'qemuVersion', label: 'QEMU' },
  ],
  supports(target: TargetSpec, _variants: readonly KernelVariant[], host?: HostPlatform) {
    const refusal = limaRefusal(target.os);
    if (refusal !== null) return { ok: false, reason: refusal };
    if (host !== undefined && host.platform !== 'darwin' && host.platform !== 'linux') return { ok: false, reason: `Lima runs on macOS and Linux, not ${host.platform}` };
    return { ok: true };
  },
  describe(target: TargetSpec, variants: readonly KernelVariant[]): BackendPlan {
    const commands: string[] = [];
    const perVariant: Partial<Record<KernelVariant, string>> = {};
    for (const variant of variants) {
      const { template, vmType } = limaTargetPlan(target.os, variant);
      const instance = limaInstanceName(target.name, variant);
      const create = limaCreateArgs({ name: instance, template, vmType, cpus: target.vcpus, memoryGiB: target.memoryMiB / 1024 });
      if (variant === 'custom' && target.os === 'alpine') {
        create.splice(create.length - 1, 0, '--set=<.images[].kernel/initrd = $KBENCH_LIMA_KERNEL/$KBENCH_LIMA_INITRD, cmdline $KBENCH_LIMA_CMDLINE>');
      }
      commands.push(`limactl ${create.join(' ')}`);
      if (variant === 'custom') {
        const artifact = target.os === 'freebsd' ? '$KBENCH_LIMA_FREEBSD_KERNEL' : '$KBENCH_LIMA_MODULES';
        commands.push(`limactl ${limaStartArgs(instance, 600).join(' ')}`);
        for (const step of limaSetupSteps(target.os === 'freebsd' ? 'freebsd' : 'alpine', instance, artifact)) {
          commands.push(`limactl ${step.args.join(' ')}${step.expectFramed ? `   # must print ${step.expectFramed.value} between the markers` : ''}`);
          if (step.restartAfter) commands.push(`limactl stop ${instance}`, `limactl ${limaStartArgs(instance, 600).join(' ')}`);
        }
        commands.push(`limactl stop ${instance}`);
      }
      perVariant[variant] =
        variant === 'stock'
          ? `${target.os === 'alpine' ? 'Alpine linux-virt with zfs-virt' : 'FreeBSD GENERIC on UFS, zfs.ko'} (${template.split('/').slice(-2).join('/')}, vmType ${vmType})`
          : target.os === 'alpine'
            ? `M-series Image through images[].kernel, its OpenZFS modules from $KBENCH_LIMA_MODULES (vmType ${vmType})`
            : `/boot/kernel.m-series from $KBENCH_LIMA_FREEBSD_KERNEL, tried once with nextboot -k, then loader.conf (vmType ${vmType})`;
    }
    for (const variant of variants) {
      const instance = limaInstanceName(target.name, variant);
      commands.push(`limactl ${limaStartArgs(instance, 600).join(' ')}`, `ssh -F ~/.lima/${instance}/ssh.config lima-${instance} <suite>`, `limactl stop ${instance}`);
    }
    return {
      source: target.os === 'alpine' ? 'Alpine 3.23.4 nocloud cloud image (sha512 pinned in the template)' : 'FreeBSD 15.1-RELEASE BASIC-CLOUDINIT-ufs.raw.xz (Lima fetches it; no published digest pinned)',
      variants: perVariant,
      commands,
      bootClock: target.os === 'alpine' ? 'ha.stderr.log "[VZ] - vm state change: running" -> "The essential requirement 1 of 2 is satisfied" (ssh)' : 'ha.stderr.log "Starting QEMU" -> ssh requirement satisfied',
    };
  },
  async load() {
    const { createLimaBackend } = await import('./backend.ts');
    return (options?: LimaBackendOptions) => createLimaBackend(options);
  },
} as const satisfies BackendDescriptor<LimaBackendOptions>;
