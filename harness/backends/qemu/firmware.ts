/** Where the aarch64 UEFI firmware qemu needs for disk boots lives, per packaging. */
import { existsSync } from 'node:fs';
import { KbenchError } from '../../errors/index.ts';

/** Homebrew's qemu bottle (Apple silicon, Intel), qemu's own install, Debian's qemu-efi-aarch64. */
export const AARCH64_FIRMWARE_CANDIDATES = [
  '/opt/homebrew/share/qemu/edk2-aarch64-code.fd',
  '/usr/local/share/qemu/edk2-aarch64-code.fd',
  '/usr/share/qemu/edk2-aarch64-code.fd',
  '/usr/share/qemu-efi-aarch64/QEMU_EFI.fd',
  '/usr/share/AAVMF/AAVMF_CODE.fd',
];

/** KBENCH_QEMU_FIRMWARE, else the first candidate that exists; null when none does. */
export function findAarch64Firmware(env: NodeJS.ProcessEnv = process.env, exists: (file: string) => boolean = existsSync): string | null {
  if (env.KBENCH_QEMU_FIRMWARE) return exists(env.KBENCH_QEMU_FIRMWARE) ? env.KBENCH_QEMU_FIRMWARE : null;
  return AARCH64_FIRMWARE_CANDIDATES.find((file) => exists(file)) ?? null;
}

/** How an official image boots from its own disk: edk2 UEFI on aarch64 (a one-line error without it), BIOS on x86_64. */
export function diskBootFor(
  arch: 'x86_64' | 'aarch64',
  env: NodeJS.ProcessEnv = process.env,
): { kind: 'uefi-disk'; firmwarePath: string } | { kind: 'bios-disk' } {
  if (arch === 'x86_64') return { kind: 'bios-disk' };
  const firmware = findAarch64Firmware(env);
  if (firmware === null)
    throw new KbenchError('no aarch64 UEFI firmware for qemu (edk2-aarch64-code.fd): run kbench doctor for the install line, or set KBENCH_QEMU_FIRMWARE', 2);
  return { kind: 'uefi-disk', firmwarePath: firmware };
}
