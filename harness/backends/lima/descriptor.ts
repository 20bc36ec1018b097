/** lima: one Lima instance per target and kernel variant, from kbench's templates in lima/. */
import type { KernelVariant } from '../../results/schema.ts';
import type { BackendDescriptor, BackendPlan, HostPlatform, TargetSpec } from '../types.ts';
import { limaGuestSpec, limaCreateArgs, limaInstanceName, limaRefusal, limaSetupSteps, limaStartArgs, limaTargetPlan, requireLimaGuest } from './args.ts';
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
    if (host !== undefined && host.platform !== 'darwin' && host.platform !== 'linux')
      return { ok: false, reason: `Lima runs on macOS and Linux, not ${host.platform}` };
    return { ok: true };
  },
  describe(target: TargetSpec, variants: readonly KernelVariant[]): BackendPlan {
    const os = requireLimaGuest(target.os);
    const guest = limaGuestSpec(os);
    const commands: string[] = [];
    const perVariant: Partial<Record<KernelVariant, string>> = {};
    for (const variant of variants) {
      const { template, vmType } = limaTargetPlan(target.os, variant);
      const instance = limaInstanceName(target.name, variant);
      const create = limaCreateArgs({ name: instance, template, vmType, cpus: target.vcpus, memoryGiB: target.memoryMiB / 1024 });
      if (variant === 'custom' && guest.customKernel === 'images-kernel') {
        create.splice(create.length - 1, 0, '--set=<.images[].kernel/initrd = $KBENCH_LIMA_KERNEL/$KBENCH_LIMA_INITRD, cmdline $KBENCH_LIMA_CMDLINE>');
      }
      commands.push(`limactl ${create.join(' ')}`);
      if (variant === 'custom') {
        const artifact = `$${guest.artifactEnv}`;
        commands.push(`limactl ${limaStartArgs(instance, 600).join(' ')}`);
        for (const step of limaSetupSteps(os, instance, artifact)) {
          commands.push(`limactl ${step.args.join(' ')}${step.expectFramed ? `   # must print ${step.expectFramed.value} between the markers` : ''}`);
          if (step.restartAfter) commands.push(`limactl stop ${instance}`, `limactl ${limaStartArgs(instance, 600).join(' ')}`);
        }
        commands.push(`limactl stop ${instance}`);
      }
      perVariant[variant] =
        variant === 'stock' ? `${guest.stock} (${template.split('/').slice(-2).join('/')}, vmType ${vmType})` : `${guest.custom} (vmType ${vmType})`;
    }
    for (const variant of variants) {
      const instance = limaInstanceName(target.name, variant);
      commands.push(
        `limactl ${limaStartArgs(instance, 600).join(' ')}`,
        `ssh -F ~/.lima/${instance}/ssh.config lima-${instance} <suite>`,
        `limactl stop ${instance}`,
      );
    }
    return {
      source: guest.source,
      variants: perVariant,
      commands,
      bootClock: guest.bootClock,
    };
  },
  async load() {
    const { createLimaBackend } = await import('./backend.ts');
    return (options?: LimaBackendOptions) => createLimaBackend(options);
  },
} as const satisfies BackendDescriptor<LimaBackendOptions>;
