import { createQemuBackend } from '/work/main/harness/backends/qemu/backend.ts';
import { connectWithRetry } from '/work/main/harness/ssh/connect.ts';
const backend = createQemuBackend({ forceAccel: 'tcg', powerdownGraceMs: 20000 });
const runDir = '/tmp/kbench-helper/run-' + Date.now();
const prepared = await backend.prepare({ name: 'debian-testbed', os: 'debian', vcpus: 2, memoryMiB: 2048, scratchDiskMiB: 256 }, ['stock', 'custom'], runDir);
for (const variant of (process.argv[2] ?? 'custom,stock').split(',') as ('stock'|'custom')[]) {
  const g = await backend.boot(prepared, variant);
  const { session } = await connectWithRetry(g.endpoint, { deadlineMs: 30000 });
  const r = await session.exec('uname -r; dmesg | grep -i -E "zfs|unknown param" | tail -3; zpool create -f kb /dev/vdb && zpool list -H kb; grep -E "^c_max|^c_min" /proc/spl/kstat/zfs/arcstats; cat /sys/module/zfs/parameters/zfs_txg_timeout /sys/module/zfs/parameters/zfs_fletcher_4_impl');
  console.log(variant, g.hostBootSeconds, '\n' + r.stdout + r.stderr);
  await session.close();
  const t = Date.now();
  await backend.shutdown(g);
  console.log('shutdown s', (Date.now() - t) / 1000);
}
await backend.destroy(prepared);
console.log(runDir);
