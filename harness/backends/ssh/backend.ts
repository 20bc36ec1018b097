/**
 * ssh backend: a machine that already runs (a lab box, a cloud VM), reached as an OpenSSH config
 * alias or as user@host[:port] with a key. kbench never boots, powers off or deletes it: prepare
 * and boot only resolve the endpoint, shutdown and destroy leave the machine alone.
 */
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { err, InputError, ok, showValue, type Result } from '../../errors/index.ts';
import type { KernelVariant } from '../../results/schema.ts';
import { resolveSshAlias } from '../../ssh/config.ts';
import type { RemoteShell, SshEndpoint } from '../../ssh/types.ts';
import type { Backend, BootedGuest, MeasuresRemoteHost, PreparedTarget, TargetSpec } from '../types.ts';

export interface SshBackendOptions {
  /** OpenSSH config alias (resolved by `ssh -G`) or user@host[:port]; used for every variant without its own. */
  target: string;
  /** Per-variant machines, e.g. one box per kernel. */
  variantTargets?: Partial<Record<KernelVariant, string>>;
  /** Private key; default: the first existing IdentityFile ssh would try (the alias's, else ssh's defaults). */
  identityFile?: string;
  /** Host keys must already be here (no trust on first use for machines kbench did not create). */
  knownHostsFile?: string;
  /** ssh -F FILE instead of ssh's own config files. */
  sshConfigFile?: string;
}

export interface ResolvedTarget {
  host: string;
  port: number;
  user: string;
  /** Keys ssh would offer, in order (empty for a literal target: the caller's key or ssh's defaults). */
  identityFiles: string[];
}

const USER_HOST_PORT = /^([A-Za-z0-9._-]+)@(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/;

/** user@host[:port] taken literally; null when the target is not of that form. Pure. */
export function parseLiteralSshTarget(target: string): Result<ResolvedTarget> | null {
  const literal = USER_HOST_PORT.exec(target);
  if (!literal) return null;
  const port = literal[3] === undefined ? 22 : Number(literal[3]);
  if (port < 1 || port > 65535) return err(`ssh target ${showValue(target)}: port must be 1-65535`);
  return ok({ user: literal[1]!, host: literal[2]!.replace(/^\[|\]$/g, ''), port, identityFiles: [] });
}

/**
 * KBENCH_SSH_TARGET for every variant, or KBENCH_SSH_TARGET_STOCK / KBENCH_SSH_TARGET_CUSTOM for
 * one machine per kernel (each falls back to KBENCH_SSH_TARGET); KBENCH_SSH_KEY, KBENCH_SSH_KNOWN_HOSTS.
 */
export function sshOptionsFromEnv(env: NodeJS.ProcessEnv): SshBackendOptions {
  const stock = env.KBENCH_SSH_TARGET_STOCK || undefined;
  const custom = env.KBENCH_SSH_TARGET_CUSTOM || undefined;
  const target = env.KBENCH_SSH_TARGET || stock || custom;
  if (!target) {
    throw new InputError(
      'backend ssh: no machine given; set KBENCH_SSH_TARGET (or KBENCH_SSH_TARGET_STOCK and KBENCH_SSH_TARGET_CUSTOM) to an OpenSSH config alias or user@host[:port]',
    );
  }
  const variantTargets: Partial<Record<KernelVariant, string>> = { ...(stock ? { stock } : {}), ...(custom ? { custom } : {}) };
  return {
    target,
    ...(Object.keys(variantTargets).length > 0 ? { variantTargets } : {}),
    ...(env.KBENCH_SSH_KEY ? { identityFile: env.KBENCH_SSH_KEY } : {}),
    ...(env.KBENCH_SSH_KNOWN_HOSTS ? { knownHostsFile: env.KBENCH_SSH_KNOWN_HOSTS } : {}),
  };
}

/** The commands whose output parseRemoteHost reads, as one POSIX sh line per OS family. */
export const REMOTE_HOST_COMMAND =
  'uname -s; uname -r; uname -m; if [ -r /proc/cpuinfo ]; then grep -m1 -E "^(model name|Model|Hardware)[[:space:]]*:" /proc/cpuinfo | sed "s/^[^:]*:[[:space:]]*//"; nproc; awk "/^MemTotal:/{print \\$2*1024}" /proc/meminfo; else sysctl -n hw.model hw.ncpu hw.physmem; fi';

/** Pure: host-fingerprint fields of a measured machine from REMOTE_HOST_COMMAND's output. */
export function parseRemoteHost(text: string): Result<{ os: string; osVersion: string; arch: string; chip: string; logicalCpus: number; memoryBytes: number }> {
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  const [os, release, arch, chip, cpus, memory] = lines;
  if (!os || !release || !arch) return err(`remote host: expected uname -s, -r, -m lines, got ${showValue(text.slice(0, 60))}`);
  const logicalCpus = Number(cpus);
  const memoryBytes = Number(memory);
  if (!Number.isInteger(logicalCpus) || logicalCpus < 1) return err(`remote host: CPU count ${showValue(cpus)} is not a positive integer`);
  if (!Number.isSafeInteger(memoryBytes) || memoryBytes < 1) return err(`remote host: memory ${showValue(memory)} is not a byte count`);
  return ok({ os, osVersion: release, arch, chip: chip || 'unknown', logicalCpus, memoryBytes });
}

/** user@host[:port] is taken literally; anything else is an alias that `ssh -G` resolves as ssh would. */
export async function resolveSshTarget(target: string, sshConfigFile?: string): Promise<Result<ResolvedTarget>> {
  const literal = parseLiteralSshTarget(target);
  if (literal !== null) return literal;
  if (!/^[A-Za-z0-9._][A-Za-z0-9._-]*$/.test(target)) {
    return err(`ssh target ${showValue(target)}: expected an OpenSSH config alias or user@host[:port]`);
  }
  const resolved = await resolveSshAlias(target, sshConfigFile === undefined ? {} : { configFile: sshConfigFile });
  if (!resolved.ok) return err(`ssh target ${showValue(target)}: ${resolved.error}`);
  const { host, port, user, identityFiles } = resolved.value;
  return ok({ host, port, user, identityFiles });
}

/** The keys ssh tries when none is configured, in its order (ssh(1) -i). */
function defaultIdentities(homeDir: string): string[] {
  return ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk'].map((name) => path.join(homeDir, '.ssh', name));
}

/** An existing machine is up or it is not: a refused port is reported within seconds, not minutes. */
const EXISTING_MACHINE_CONNECT_MS = 6_000;

export function createSshBackend(
  options: SshBackendOptions,
  connect: (endpoint: SshEndpoint) => Promise<RemoteShell> = async (endpoint) => {
    const { connectWithRetry } = await import('../../ssh/connect.ts');
    return (await connectWithRetry(endpoint, { deadlineMs: EXISTING_MACHINE_CONNECT_MS })).session;
  },
): Backend & MeasuresRemoteHost {
  const home = homedir();
  const knownHostsFile = options.knownHostsFile ?? path.join(home, '.ssh', 'known_hosts');
  const endpoints = new Map<string, Map<KernelVariant, SshEndpoint>>();

  async function endpointFor(variant: KernelVariant): Promise<SshEndpoint> {
    const target = options.variantTargets?.[variant] ?? options.target;
    const resolved = await resolveSshTarget(target, options.sshConfigFile);
    if (!resolved.ok) throw new InputError(resolved.error);
    const candidates = resolved.value.identityFiles.length > 0 ? resolved.value.identityFiles : defaultIdentities(home);
    const privateKeyPath = options.identityFile ?? candidates.find((file) => existsSync(file)) ?? null;
    if (privateKeyPath === null) {
      throw new InputError(`ssh target ${showValue(target)}: no private key (none of the identity files ssh would try exists: ${candidates.join(', ')})`);
    }
    if (!existsSync(privateKeyPath)) throw new InputError(`ssh target ${showValue(target)}: private key ${privateKeyPath} does not exist`);
    if (!existsSync(knownHostsFile)) {
      throw new InputError(`ssh target ${showValue(target)}: known hosts file ${knownHostsFile} does not exist; connect once with ssh to record the host key`);
    }
    return {
      host: resolved.value.host,
      port: resolved.value.port,
      user: resolved.value.user,
      privateKeyPath,
      hostKeyPolicy: { kind: 'known-hosts', knownHostsFile },
    };
  }

  return {
    name: 'ssh',
    async prepare(spec: TargetSpec, variants: KernelVariant[], runDir: string): Promise<PreparedTarget> {
      // Every endpoint is checked (target, key, known hosts) before the run folder is made.
      const byVariant = new Map<KernelVariant, SshEndpoint>();
      for (const variant of variants) byVariant.set(variant, await endpointFor(variant));
      await fs.mkdir(runDir, { recursive: true });
      endpoints.set(runDir, byVariant);
      const none = { kernelImagePath: null, kernelImageBytes: null };
      return { spec, variants, runDir, facts: { stock: none, custom: none } };
    },
    async boot(prepared: PreparedTarget, variant: KernelVariant): Promise<BootedGuest> {
      const endpoint = endpoints.get(prepared.runDir)?.get(variant) ?? (await endpointFor(variant));
      return { variant, endpoint, acceleration: 'none', hostBootSeconds: null, serialLogPath: null };
    },
    async shutdown(): Promise<void> {
      // The machine is not ours to power off.
    },
    async destroy(prepared: PreparedTarget): Promise<void> {
      endpoints.delete(prepared.runDir);
    },
    async versions() {
      return {};
    },
    /** The machine measured is the remote one (the first prepared variant's), not the one running kbench. */
    async measuredHost(prepared: PreparedTarget) {
      const variant = prepared.variants[0] ?? 'stock';
      const endpoint = endpoints.get(prepared.runDir)?.get(variant) ?? (await endpointFor(variant));
      const shell = await connect(endpoint);
      try {
        const result = await shell.exec(REMOTE_HOST_COMMAND);
        const parsed = parseRemoteHost(result.stdout);
        if (!parsed.ok) throw new InputError(`ssh target ${endpoint.user}@${endpoint.host}:${endpoint.port}: ${parsed.error}`);
        return { ...parsed.value, modelId: 'unknown', performanceCores: parsed.value.logicalCpus, efficiencyCores: 0, loadAverage: null };
      } finally {
        await shell.close().catch(() => undefined);
      }
    },
  };
}
