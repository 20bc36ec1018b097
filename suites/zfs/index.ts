/** The ZFS suite: adding a workload is one file plus one line here. Order is run order. */
import type { Workload } from '../types.ts';
import { boot } from './boot.ts';
import { checksum } from './checksum.ts';
import { kernelSize } from './kernel-size.ts';
import { memory } from './memory.ts';
import { poolCreate } from './pool-create.ts';
import { scrub } from './scrub.ts';
import { sendRecv } from './send-recv.ts';
import { snapshots } from './snapshots.ts';

export const zfsSuite: Workload[] = [boot, memory, kernelSize, poolCreate, checksum, scrub, sendRecv, snapshots];
