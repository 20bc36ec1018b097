/**
 * NetBSD's official evbarm-aarch64 image (arm64.img.gz). It has no cloud-init: sshd is off and
 * root has no key, so the only way in on first boot is the serial console. Until kbench drives
 * that console, the provider refuses with the manual steps (README "NetBSD and OpenBSD").
 */
import { refusingImage } from './refusing.ts';

export const netbsdOfficialImage = refusingImage(
  'netbsd-official',
  'netbsd',
  'NetBSD 10.1 evbarm-aarch64 arm64.img.gz from cdn.netbsd.org (SHA512 file beside it)',
  'NetBSD\'s official arm64 image has no cloud-init, so kbench cannot install its SSH key on first boot: boot it once, enable sshd with your key, then use --backend ssh',
);
