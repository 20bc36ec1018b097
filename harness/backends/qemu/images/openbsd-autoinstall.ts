/**
 * OpenBSD installs from install*.img with autoinstall(8), which fetches install.conf from the
 * DHCP server's address; qemu's user network answers DHCP itself and cannot point it at kbench,
 * so the provider refuses with the manual route.
 */
import { refusingImage } from './refusing.ts';

export const openbsdAutoinstallImage = refusingImage(
  'openbsd-autoinstall',
  'openbsd',
  'OpenBSD 7.x arm64 install*.img from cdn.openbsd.org with an autoinstall(8) response file',
  'OpenBSD autoinstall needs install.conf at the DHCP next-server, which qemu\'s user network cannot point at kbench: install once by hand, then use --backend ssh',
);
