import { execa } from 'execa';

/** PIDs of qemu processes whose command line mentions `needle` (e.g. a run folder). */
export async function qemuPidsMentioning(needle: string): Promise<number[]> {
  const result = await execa('ps', ['-eo', 'pid=,args='], { reject: false });
  return String(result.stdout)
    .split('\n')
    .filter((line) => /qemu-system/.test(line) && line.includes(needle))
    .map((line) => Number.parseInt(line.trim(), 10))
    .filter(Number.isFinite);
}
