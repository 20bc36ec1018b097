/**
 * One image for a gate run made of two: the base revision's image boots in the base slot, the
 * candidate's in the candidate slot, each with its own custom kernel, disk and SSH key. Pure.
 */
import type { PreparedImage } from '../backends/qemu/images/types.ts';
import { BASE_SLOT, CANDIDATE_SLOT } from './summary.ts';

/** Each side's custom kernel profile (its `custom` variant) in that side's slot. */
export function composeGateImage(base: PreparedImage, candidate: PreparedImage): PreparedImage {
  const side = (image: PreparedImage, which: string) => {
    const boot = image.boot.custom;
    if (boot === undefined) throw new Error(`internal: the ${which} image was prepared without its custom kernel`);
    return { boot, kernelImage: image.kernelImage.custom ?? null, disk: { rootDisk: image.rootDisk, privateKeyPath: image.ssh.privateKeyPath } };
  };
  const b = side(base, 'base');
  const c = side(candidate, 'candidate');
  return {
    rootDisk: base.rootDisk,
    boot: { [BASE_SLOT]: b.boot, [CANDIDATE_SLOT]: c.boot },
    extraDisks: candidate.extraDisks,
    ssh: base.ssh,
    probeKernel: candidate.probeKernel ?? base.probeKernel,
    kernelImage: { [BASE_SLOT]: b.kernelImage, [CANDIDATE_SLOT]: c.kernelImage },
    perVariant: { [BASE_SLOT]: b.disk, [CANDIDATE_SLOT]: c.disk },
  };
}
