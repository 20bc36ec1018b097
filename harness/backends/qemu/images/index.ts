/** Image providers by name (a target's `image`). Adding one is a file here and one entry below. */
import { alpineCloudImage } from './alpine-cloud.ts';
import { debianArm64Image } from './debian-arm64.ts';
import { debianTestbedImage } from './debian-testbed.ts';
import { freebsdCloudinitImage } from './freebsd-cloudinit.ts';
import { netbsdOfficialImage } from './netbsd-official.ts';
import { openbsdAutoinstallImage } from './openbsd-autoinstall.ts';
import type { ImageProviderDescriptor } from './types.ts';

export const IMAGE_PROVIDERS: readonly ImageProviderDescriptor[] = [
  debianTestbedImage,
  debianArm64Image,
  alpineCloudImage,
  freebsdCloudinitImage,
  netbsdOfficialImage,
  openbsdAutoinstallImage,
];

export function imageProvider(name: string): ImageProviderDescriptor | null {
  return IMAGE_PROVIDERS.find((provider) => provider.name === name) ?? null;
}
