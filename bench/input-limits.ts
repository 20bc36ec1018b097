/**
 * Time and memory to refuse an oversized results file and to load one at the size limit
 * (issue 13: "a 200 MiB file is refused in under a second; memory within a small multiple of the
 * input size"). Each case runs in its own process so that RSS figures are its own.
 *   node --import tsx bench/input-limits.ts
 */
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { loadResults } from '../harness/results/store.ts';

const MiB = 1024 * 1024;

if (process.argv[2] === 'measure') {
  const file = process.argv[3]!;
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const started = performance.now();
  let outcome = 'loaded';
  try {
    await loadResults(file);
  } catch (error) {
    outcome = `refused: ${(error as Error).message}`;
  }
  const ms = performance.now() - started;
  peak = Math.max(peak, process.memoryUsage().rss);
  clearInterval(timer);
  process.stdout.write(JSON.stringify({ ms, rssBefore: before, rssPeak: peak, outcome }));
} else {
  const dir = mkdtempSync(path.join(tmpdir(), 'kbench-limits-'));
  // A results file of real shape: 60 MiB of samples over metrics of 90k samples each.
  const big = path.join(dir, 'at-limit.json');
  const fd = openSync(big, 'w');
  const head = {
    format: 'kbench-results',
    kind: 'baseline',
    schemaVersion: 1,
    kbenchVersion: '0.1.0',
    runId: 'b',
    createdAt: '2026-11-25T10:00:00.000Z',
    updatedAt: '2026-11-25T10:00:00.000Z',
    complete: true,
    settings: null,
    completedUnits: [],
    sources: [],
  };
  const host = {
    os: 'Linux',
    osVersion: '12',
    arch: 'x64',
    modelId: 'm',
    chip: 'c',
    performanceCores: 2,
    efficiencyCores: 0,
    logicalCpus: 2,
    memoryBytes: 1,
    hypervisor: 'qemu',
    acceleration: 'qemu-tcg',
    limaVersion: null,
    qemuVersion: null,
    loadAverage: null,
  };
  const guest = {
    os: 'debian',
    osVersion: '12',
    kernelVariant: 'custom',
    kernelRelease: 'r',
    kernelConfigSha256: null,
    zfsVersion: null,
    vcpus: 2,
    memoryBytes: 1,
    zfsTunables: {},
    poolProperties: {},
    zfsImplementations: {},
  };
  writeSync(
    fd,
    `${JSON.stringify(head).slice(0, -1)},"host":${JSON.stringify(host)},"targets":[{"id":"debian/custom","guest":${JSON.stringify(guest)},"metrics":[`,
  );
  const sample = (i: number) => `{"value":${(1 + (i % 997) / 1000).toFixed(6)},"at":"2026-11-25T10:00:00.000Z","boot":${i % 30}}`;
  let m = 0;
  while (statSync(big).size < 60 * MiB) {
    const samples = Array.from({ length: 90_000 }, (_, i) => sample(i)).join(',');
    writeSync(
      fd,
      `${m > 0 ? ',' : ''}{"id":"zfs.m${m}.seconds","unit":"s","direction":"lower","timing":"guest","status":{"kind":"measured"},"samples":[${samples}],"warmup":[],"failures":[]}`,
    );
    m++;
  }
  writeSync(fd, ']}]}\n');
  closeSync(fd);
  const huge = path.join(dir, 'huge.json');
  const hugeFd = openSync(huge, 'w');
  const chunk = Buffer.alloc(MiB, 0x20);
  for (let i = 0; i < 200; i++) writeSync(hugeFd, chunk);
  closeSync(hugeFd);
  for (const file of [huge, big]) {
    const { stdout } = await execa('node', ['--import', 'tsx', import.meta.filename, 'measure', file]);
    const r = JSON.parse(stdout) as { ms: number; rssBefore: number; rssPeak: number; outcome: string };
    const size = statSync(file).size;
    process.stdout.write(
      `${path.basename(file)} (${(size / MiB).toFixed(0)} MiB): ${r.outcome.slice(0, 90)} in ${r.ms.toFixed(0)} ms; ` +
        `RSS ${(r.rssBefore / MiB).toFixed(0)} -> ${(r.rssPeak / MiB).toFixed(0)} MiB (+${((r.rssPeak - r.rssBefore) / MiB).toFixed(0)} MiB, ${((r.rssPeak - r.rssBefore) / size).toFixed(1)}x the file)\n`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
}
