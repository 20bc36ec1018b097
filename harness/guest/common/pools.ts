import type { RemoteShell } from '../../ssh/types.ts';
import { runChecked } from './run.ts';
import { parsePoolNames } from './zfs.ts';

/** Unloading ZFS with a pool imported fails or worse: refuse first, naming the pools. */
export async function ensureNoPoolImported(shell: RemoteShell): Promise<void> {
  const pools = parsePoolNames(await runChecked(shell, 'zpool list -H -o name'));
  if (pools.length > 0)
    throw new Error(`cannot reload the ZFS module: pool(s) ${pools.join(', ')} are imported; export them first (zpool export ${pools.join(' ')})`);
}
