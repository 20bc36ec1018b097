/** ssh: machines that already run; kbench boots nothing and measures no boot time. */
import type { KernelVariant } from '../../results/schema.ts';
import type { BackendDescriptor, BackendPlan, TargetSpec } from '../types.ts';
import type { SshBackendOptions } from './backend.ts';

export const sshDescriptor = {
  name: 'ssh',
  hypervisor: 'none',
  summary: 'an existing machine per kernel variant (KBENCH_SSH_TARGET, or KBENCH_SSH_TARGET_STOCK / _CUSTOM)',
  versionFields: [],
  supports() {
    return { ok: true };
  },
  describe(_target: TargetSpec, variants: readonly KernelVariant[]): BackendPlan {
    return {
      source: 'the machine(s) named by KBENCH_SSH_TARGET[_STOCK|_CUSTOM]; host keys must already be in known_hosts',
      variants: Object.fromEntries(
        variants.map((variant) => [variant, `whatever kernel KBENCH_SSH_TARGET_${variant.toUpperCase()} (else KBENCH_SSH_TARGET) is running; never rebooted`]),
      ),
      commands: ['ssh <target>: uname, sysctl/proc reads for the host fingerprint of the measured machine, then the suite'],
      bootClock: null,
    };
  },
  async load() {
    const { createSshBackend, sshOptionsFromEnv } = await import('./backend.ts');
    return (options?: SshBackendOptions) => createSshBackend(options ?? sshOptionsFromEnv(process.env));
  },
} as const satisfies BackendDescriptor<SshBackendOptions>;
