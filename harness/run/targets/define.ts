/** What a target file declares: the guest, its VM size, its image provider and suite context. */
import type { TargetSpec } from '../../backends/types.ts';

export interface TargetDefinition {
  spec: TargetSpec;
  /** The backend `--backend` defaults to; must support the target (checked by the tests). */
  defaultBackend: string;
  /** What a user must know before choosing it. */
  note: string;
}

export function defineTarget(input: {
  name: string;
  os: TargetSpec['os'];
  image: string;
  defaultBackend: string;
  note: string;
  zfsTunablesFile?: string | null;
  scratchDiskMiB?: number;
}): TargetDefinition {
  return {
    spec: {
      name: input.name,
      os: input.os,
      vcpus: 2,
      memoryMiB: 2048,
      scratchDiskMiB: input.scratchDiskMiB ?? 0,
      image: input.image,
      suiteContext: { zfsTunablesFile: input.zfsTunablesFile ?? null },
    },
    defaultBackend: input.defaultBackend,
    note: input.note,
  };
}
