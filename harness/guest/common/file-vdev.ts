/** Tearing down a file vdev: the same steps on every OS, with that OS's pseudo-disk driver. */
import { shellQuote, type RemoteShell } from '../../ssh/types.ts';
import { runChecked } from './run.ts';

export interface FileVdevDevice {
  /** Matches a device this driver attached; group 1 is what `detach` takes. */
  pattern: RegExp;
  detach(unit: string): string;
  /** For the error when the vdev is neither: "a loop device", "an md device". */
  description: string;
}

/** Detaches `vdev` when it is a device of this driver (createFileVdev may also return the file itself), then removes the file. */
export async function removeFileVdevWith(shell: RemoteShell, device: FileVdevDevice, vdev: string, filePath: string): Promise<void> {
  const unit = device.pattern.exec(vdev)?.[1];
  if (!unit && vdev !== filePath) throw new Error(`${JSON.stringify(vdev)} is neither ${device.description} nor ${filePath}`);
  await runChecked(shell, `${unit ? `${device.detach(unit)} && ` : ''}rm -f ${shellQuote(filePath)}`);
}
