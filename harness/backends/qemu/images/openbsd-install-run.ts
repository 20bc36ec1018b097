/**
 * The one install boot of openbsd-autoinstall.ts: the miniroot first (it boots; it is sd0), the
 * target disk second (sd1), the serial console on a pipe so kbench can answer the installer's
 * first prompt, the response file served on the host while it runs.
 */
import * as fs from 'node:fs/promises';
import { InfraError } from '../../../errors/index.ts';
import { buildQemuArgs, type HostArch, type QemuBootMethod } from '../args.ts';
import { killAndWait, spawnTracked, waitForExit } from '../children.ts';
import { AUTOINSTALL_PROMPT, RESPONSE_PORT } from './openbsd-release.ts';
import { startResponseServer } from './response-server.ts';
import { findFreeLoopbackPort } from '../ports.ts';
import { setupAccel, setupMachine } from './setup-boot.ts';

export interface AutoinstallRun {
  arch: HostArch;
  boot: QemuBootMethod;
  miniroot: string;
  disk: string;
  serialLog: string;
  responseFile: string;
  timeoutMs: number;
  onProgress(message: string): void;
}

/** The qemu argument set of the install boot (tested against the real qemu in test/backends/openbsd-autoinstall.test.ts). */
export function autoinstallQemuArgs(run: Pick<AutoinstallRun, 'arch' | 'boot' | 'miniroot' | 'disk'>, sshHostPort: number, accel: 'kvm' | 'hvf' | 'tcg') {
  return buildQemuArgs({
    ...setupMachine(run, accel),
    disks: [
      { path: run.miniroot, format: 'raw', cache: 'unsafe' },
      { path: run.disk, format: 'qcow2' },
    ],
    sshHostPort,
    serial: { kind: 'stdio' },
    dhcpBootfile: 'auto_install',
  });
}

export async function runAutoinstall(run: AutoinstallRun): Promise<void> {
  await fs.rm(run.disk, { force: true });
  const created = spawnTracked('qemu-img', ['create', '-q', '-f', 'qcow2', run.disk, '8G'], { stdio: 'ignore' });
  if ((await new Promise((resolve) => created.once('close', resolve))) !== 0) throw new InfraError(`qemu-img create ${run.disk} failed`);
  const server = await startResponseServer(run.responseFile, RESPONSE_PORT);
  const { binary, args } = autoinstallQemuArgs(run, await findFreeLoopbackPort(), setupAccel(run.arch));
  run.onProgress(`openbsd: installing into ${run.disk} (autoinstall, serial log ${run.serialLog})`);
  const child = spawnTracked(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const log = await fs.open(run.serialLog, 'w');
  let seen = '';
  let answered = false;
  child.stdout?.on('data', (chunk: Buffer) => {
    void log.write(chunk);
    seen = (seen + chunk.toString('latin1')).slice(-4096);
    if (!answered && seen.includes(AUTOINSTALL_PROMPT)) {
      answered = true;
      child.stdin?.write('a\n');
    }
  });
  try {
    const exited = await waitForExit(child, run.timeoutMs);
    if (!exited) {
      await killAndWait(child);
      throw new InfraError(`openbsd autoinstall did not finish in ${run.timeoutMs / 60_000} min (see ${run.serialLog})`);
    }
    if (!answered) throw new InfraError(`openbsd: the installer never asked "${AUTOINSTALL_PROMPT}" (see ${run.serialLog})`);
    if (!server.requests.some((request) => request.status === 200))
      throw new InfraError(
        `openbsd: the installer never fetched install.conf from 10.0.2.2:${RESPONSE_PORT} (asked: ${server.requests.map((r) => r.path).join(', ') || 'nothing'}; see ${run.serialLog})`,
      );
    if (!/CONGRATULATIONS!/.test(await fs.readFile(run.serialLog, 'latin1')))
      throw new InfraError(`openbsd: the install did not finish (no CONGRATULATIONS! in ${run.serialLog})`);
  } finally {
    await log.close();
    await server.close();
  }
}
