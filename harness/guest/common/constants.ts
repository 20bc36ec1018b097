/** SHA-256 of zero bytes: what a checksum pipeline prints when its input command failed. */
export const EMPTY_INPUT_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** ZFS refuses vdevs smaller than this (SPA_MINDEVSIZE). */
export const MIN_VDEV_MIB = 64;

/** Loading ZFS runs its checksum self-benchmarks; under TCG that takes a while. */
export const MODULE_RELOAD_TIMEOUT_MS = 300_000;

/** chksum_bench is computed on its first read after load: slow under TCG. */
export const KSTAT_READ_TIMEOUT_MS = 180_000;

export function checkFileVdevRequest(filePath: string, sizeMiB: number): void {
  if (!filePath.startsWith('/')) throw new Error(`file vdev path ${JSON.stringify(filePath)} must be absolute`);
  if (!Number.isInteger(sizeMiB) || sizeMiB < MIN_VDEV_MIB) throw new Error(`file vdev size ${sizeMiB} MiB must be an integer of at least ${MIN_VDEV_MIB} MiB`);
}
