/** Builds valid results files for tests, with the samples a test chooses. */
import type { HostFingerprint, Metric, ResultsFile, RunSettings, Target } from '../../harness/results/schema.ts';

export const HOST: HostFingerprint = {
  os: 'Linux',
  osVersion: 'Debian GNU/Linux 12 (bookworm)',
  arch: 'x64',
  modelId: 'Standard PC (Q35 + ICH9, 2009)',
  chip: 'AMD EPYC 7B13',
  performanceCores: 2,
  efficiencyCores: 0,
  logicalCpus: 2,
  memoryBytes: 25769803776,
  hypervisor: 'qemu',
  acceleration: 'qemu-tcg',
  limaVersion: null,
  qemuVersion: '7.2.19',
  loadAverage: 0.4,
};

export function metric(id: string, values: number[], overrides: Partial<Metric> = {}): Metric {
  return {
    id,
    unit: 's',
    direction: 'lower',
    timing: 'guest',
    status: { kind: 'measured' },
    samples: values.map((value, i) => ({ value, at: `2026-11-25T10:00:${String(i % 60).padStart(2, '0')}.000Z`, boot: Math.floor(i / 3) })),
    warmup: [],
    failures: [],
    ...overrides,
  };
}

export function target(variant: 'stock' | 'custom', metrics: Metric[], os: Target['guest']['os'] = 'debian'): Target {
  return {
    id: `${os}/${variant}`,
    guest: {
      os,
      osVersion: 'Debian GNU/Linux 12 (bookworm)',
      kernelVariant: variant,
      kernelRelease: variant === 'stock' ? '6.1.0-41-amd64' : '6.1.0-41-cloud-amd64',
      kernelConfigSha256: (variant === 'stock' ? 'a' : 'b').repeat(64),
      zfsVersion: 'zfs-2.3.2-2~bpo12+2',
      vcpus: 2,
      memoryBytes: 2074886144,
      zfsTunables: { zfs_txg_timeout: '5' },
      poolProperties: { ashift: '12', compression: 'off' },
      zfsImplementations: { zfs_fletcher_4_impl: 'fastest' },
    },
    metrics,
  };
}

/** The settings of a quick zfs-suite run on the Debian testbed under QEMU, `boots` fixed boots per kernel. */
export function quickRunSettings(kernels: RunSettings['kernels'], boots: number): RunSettings {
  return {
    target: 'debian-testbed',
    backend: 'qemu',
    suite: 'zfs',
    workloads: null,
    quick: true,
    kernels,
    runs: { kind: 'fixed', count: boots },
  };
}

export function runFile(targets: Target[], overrides: Partial<ResultsFile> = {}): ResultsFile {
  return {
    format: 'kbench-results',
    kind: 'run',
    schemaVersion: 1,
    kbenchVersion: '0.1.0',
    runId: 'test-run',
    createdAt: '2026-11-25T10:00:00.000Z',
    updatedAt: '2026-11-25T10:30:00.000Z',
    complete: true,
    settings: quickRunSettings(['stock', 'custom'], 2),
    completedUnits: [],
    sources: [],
    host: HOST,
    targets,
    ...overrides,
  };
}
