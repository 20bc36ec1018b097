/** Reloading the ZFS kernel module: the same steps on every OS, with that OS's module tools. */
import type { RemoteShell } from '../../ssh/types.ts';
import { MODULE_RELOAD_TIMEOUT_MS } from './constants.ts';
import { ensureNoPoolImported } from './pools.ts';
import { runChecked } from './run.ts';

export interface ZfsModuleTools {
  isLoaded(shell: RemoteShell): Promise<boolean>;
  /** Unloads the module (`kldunload zfs`, `modprobe -r zfs`, …). */
  unload: string;
  /** Loads the module (`kldload zfs`, `modprobe zfs`, …). */
  load: string;
}

/** An isLoaded check for OSes where a command's exit status says it. */
export function loadedWhenSucceeds(command: string): ZfsModuleTools['isLoaded'] {
  return async (shell) => (await shell.exec(command)).code === 0;
}

/** Unloads and loads the module, or only loads it when it is not loaded; refuses while a pool is imported. */
export async function reloadZfsModuleWith(shell: RemoteShell, tools: ZfsModuleTools): Promise<void> {
  if (await tools.isLoaded(shell)) {
    await ensureNoPoolImported(shell);
    await runChecked(shell, `${tools.unload} && ${tools.load}`, { timeoutMs: MODULE_RELOAD_TIMEOUT_MS });
  } else {
    await runChecked(shell, tools.load, { timeoutMs: MODULE_RELOAD_TIMEOUT_MS });
  }
}
