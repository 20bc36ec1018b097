/** Backend names -> implementations. Adding a backend is one entry here. */
import { InputError, showValue } from '../errors/index.ts';
import { createLimaBackend, type LimaBackendOptions } from './lima/backend.ts';
import { createQemuBackend, type QemuBackendOptions } from './qemu/backend.ts';
import { createSshBackend, type SshBackendOptions } from './ssh/backend.ts';
import type { Backend } from './types.ts';

export interface BackendOptions {
  lima?: LimaBackendOptions;
  qemu?: QemuBackendOptions;
  /** Default: KBENCH_SSH_TARGET (alias or user@host[:port]), KBENCH_SSH_KEY and KBENCH_SSH_KNOWN_HOSTS from the environment. */
  ssh?: SshBackendOptions;
}

export const BACKEND_NAMES = ['qemu', 'ssh', 'lima'] as const;

function sshOptionsFromEnv(): SshBackendOptions {
  const target = process.env.KBENCH_SSH_TARGET;
  if (!target) {
    throw new InputError('backend ssh: no machine given; set KBENCH_SSH_TARGET to an OpenSSH config alias or user@host[:port] (and KBENCH_SSH_KEY for the key)');
  }
  const identityFile = process.env.KBENCH_SSH_KEY;
  const knownHostsFile = process.env.KBENCH_SSH_KNOWN_HOSTS;
  return { target, ...(identityFile ? { identityFile } : {}), ...(knownHostsFile ? { knownHostsFile } : {}) };
}

export function getBackend(name: string, options: BackendOptions = {}): Backend {
  switch (name) {
    case 'qemu':
      return createQemuBackend(options.qemu);
    case 'ssh':
      return createSshBackend(options.ssh ?? sshOptionsFromEnv());
    case 'lima':
      return createLimaBackend(options.lima);
    default:
      throw new InputError(`unknown backend ${showValue(name)} (valid: ${BACKEND_NAMES.join(', ')})`);
  }
}
