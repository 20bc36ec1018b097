/** qemu: boots a target's image provider output; hvf on macOS, kvm on Linux when a probe boots, else tcg. */
import type { KernelVariant } from '../../results/schema.ts';
import type { BackendDescriptor, BackendPlan, HostPlatform, TargetSpec } from '../types.ts';
import type { QemuBackendOptions } from './backend.ts';
import { imageProvider } from './images/index.ts';

function qemuArch(nodeArch: string): 'x86_64' | 'aarch64' | null {
  return nodeArch === 'x64' ? 'x86_64' : nodeArch === 'arm64' ? 'aarch64' : null;
}

export const qemuDescriptor = {
  name: 'qemu',
  hypervisor: 'qemu',
  summary: "a VM per boot on a copy-on-write overlay of the target's image (hvf on macOS, kvm or tcg on Linux)",
  versionFields: [{ key: 'qemuVersion', label: 'QEMU' }],
  supports(target: TargetSpec, variants: readonly KernelVariant[], host?: HostPlatform) {
    const provider = imageProvider(target.image);
    if (provider === null) return { ok: false, reason: `no image provider "${target.image}"` };
    if (provider.os !== target.os) return { ok: false, reason: `image provider ${provider.name} makes ${provider.os}, not ${target.os}` };
    if (host !== undefined && qemuArch(host.arch) === null) return { ok: false, reason: `qemu needs an x86_64 or arm64 host; this host is ${host.arch}` };
    return provider.supports(variants, host === undefined ? null : qemuArch(host.arch));
  },
  describe(target: TargetSpec, variants: readonly KernelVariant[], host: HostPlatform): BackendPlan {
    const provider = imageProvider(target.image)!;
    const hostArch = qemuArch(host.arch) ?? 'x86_64';
    // A provider with a fixed guest architecture (NetBSD's arm64 image) is emulated on another host.
    const arch = provider.guestArch ?? hostArch;
    const accel =
      arch !== hostArch
        ? `tcg: an ${arch} guest emulated on this ${hostArch} host`
        : host.platform === 'darwin'
          ? 'hvf'
          : host.platform === 'linux'
            ? 'kvm if a probe boot answers, else tcg'
            : 'tcg';
    const binary = `qemu-system-${arch}`;
    return {
      source: provider.source,
      variants: Object.fromEntries(variants.map((variant) => [variant, provider.bootOf(variant)])),
      commands: [
        `qemu-img create -f qcow2 -F <raw|qcow2> -b <cached ${provider.name} image> <run>/qemu/<variant>-<n>/root.qcow2`,
        `${binary} -accel <${accel}> [tcg of the host's arch: -icount shift=0,sleep=on,align=off -smp 1 | else -smp ${target.vcpus}] -m ${target.memoryMiB} -display none -no-reboot <boot: -kernel/-initrd/-append | -bios edk2 | disk> -drive file=root.qcow2,if=virtio,format=qcow2,cache=unsafe -netdev user,hostfwd=tcp:127.0.0.1:<port>-:22 -serial file:<run>/serial-<variant>-<n>.log -qmp unix:<sock>`,
        'QMP system_powerdown, SIGKILL after the grace period',
      ],
      bootClock: 'qemu process start -> first successful SSH command',
    };
  },
  async load() {
    const { createQemuBackend } = await import('./backend.ts');
    return (options?: QemuBackendOptions) => createQemuBackend(options);
  },
} as const satisfies BackendDescriptor<QemuBackendOptions>;
