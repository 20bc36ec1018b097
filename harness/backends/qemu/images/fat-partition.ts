/**
 * Pure: where the FAT partition of a disk image starts, from its MBR or GPT (read from the image's
 * first sectors). NetBSD's evbarm images keep their boot files on one (distrib/utils/embedded:
 * evbarm.conf's `e: MSDOS` partition, mounted on /boot), which is where creds_msdos(8) reads
 * creds.txt on first boot.
 */
import { err, ok, type Result } from '../../../errors/index.ts';

const SECTOR = 512;
/** MBR partition types that hold FAT: FAT12, FAT16 (<32M, >=32M), FAT32 (CHS, LBA), FAT16 LBA, EFI system. */
const MBR_FAT_TYPES = new Set([0x01, 0x04, 0x06, 0x0b, 0x0c, 0x0e, 0xef]);
/** GPT type GUIDs (mixed-endian as on disk, written as text): EFI System and Microsoft basic data. */
const GPT_FAT_TYPES = new Set(['c12a7328-f81f-11d2-ba4b-00a0c93ec93b', 'ebd0a0a2-b9e5-4433-87c0-68b6b72699c7']);

export interface FatPartition {
  offsetBytes: number;
  sizeBytes: number;
  table: 'mbr' | 'gpt';
}

function guidText(bytes: Buffer): string {
  const hex = (b: Buffer) => b.toString('hex');
  const le = (b: Buffer) => hex(Buffer.from(b).reverse());
  return `${le(bytes.subarray(0, 4))}-${le(bytes.subarray(4, 6))}-${le(bytes.subarray(6, 8))}-${hex(bytes.subarray(8, 10))}-${hex(bytes.subarray(10, 16))}`;
}

/** `head` must hold at least the MBR, the GPT header and its partition entries (the first 1 MiB is plenty). */
export function findFatPartition(head: Buffer, source: string): Result<FatPartition> {
  if (head.length < SECTOR || head[510] !== 0x55 || head[511] !== 0xaa) return err(`${source}: no MBR boot signature (not a partitioned disk image)`);
  const entries = [0, 1, 2, 3].map((i) => head.subarray(446 + 16 * i, 446 + 16 * (i + 1)));
  if (entries.some((entry) => entry[4] === 0xee)) {
    if (head.length < 2 * SECTOR || head.subarray(SECTOR, SECTOR + 8).toString('latin1') !== 'EFI PART')
      return err(`${source}: protective MBR but no GPT header at LBA 1`);
    const header = head.subarray(SECTOR, 2 * SECTOR);
    const entriesLba = Number(header.readBigUInt64LE(72));
    const count = header.readUInt32LE(80);
    const size = header.readUInt32LE(84);
    if (size < 128 || count > 1024) return err(`${source}: implausible GPT (${count} entries of ${size} bytes)`);
    for (let i = 0; i < count; i += 1) {
      const at = entriesLba * SECTOR + i * size;
      if (at + size > head.length) return err(`${source}: GPT entries lie beyond the first ${head.length} bytes read`);
      const entry = head.subarray(at, at + size);
      if (!GPT_FAT_TYPES.has(guidText(entry.subarray(0, 16)))) continue;
      const first = Number(entry.readBigUInt64LE(32));
      const last = Number(entry.readBigUInt64LE(40));
      return ok({ offsetBytes: first * SECTOR, sizeBytes: (last - first + 1) * SECTOR, table: 'gpt' });
    }
    return err(`${source}: no EFI-system or basic-data (FAT) partition in its GPT`);
  }
  for (const entry of entries) {
    if (!MBR_FAT_TYPES.has(entry[4]!)) continue;
    const start = entry.readUInt32LE(8);
    const sectors = entry.readUInt32LE(12);
    if (start === 0 || sectors === 0) continue;
    return ok({ offsetBytes: start * SECTOR, sizeBytes: sectors * SECTOR, table: 'mbr' });
  }
  return err(`${source}: no FAT partition in its MBR (types ${entries.map((e) => `0x${e[4]!.toString(16)}`).join(', ')})`);
}
