/** A provider for an OS whose official image kbench cannot make SSH-reachable by itself yet: it says why, in one line. */
import type { GuestOs, KernelVariant } from '../../../results/schema.ts';
import type { ImageProviderDescriptor } from './types.ts';

export function refusingImage(name: string, os: GuestOs, source: string, reason: string): ImageProviderDescriptor {
  return {
    name,
    os,
    source,
    supports: () => ({ ok: false, reason }),
    bootOf: (_variant: KernelVariant) => 'not available under qemu',
    load: () => Promise.reject(new Error(reason)),
  };
}
