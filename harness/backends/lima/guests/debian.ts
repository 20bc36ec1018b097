/** Debian on Lima: refused. The Debian testbed is built locally for QEMU, and Lima has no template for it. */
import type { LimaRefusedGuest } from './types.ts';

export default {
  os: 'debian',
  refusal: 'target os "debian" is the locally built QEMU testbed: use --backend qemu',
} as const satisfies LimaRefusedGuest;
