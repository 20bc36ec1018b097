/**
 * The NoCloud seed as the real qemu sees it: the exact argument set buildQemuArgs makes, started
 * paused (-S, no guest code runs), asked over QMP. FreeBSD's rc.d/nuageinit mounts the seed
 * read-write (`mount -t $fs $drive /media/nuageinit`, freebsd-src libexec/rc/rc.d/nuageinit), so
 * the drive must accept writes; they must land in a throwaway overlay, never in the seed folder.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect } from 'vitest';
import { buildQemuArgs } from '../../harness/backends/qemu/args.ts';
import { itNeeding } from '../helpers/needs.ts';
import { freePort } from '../helpers/sshd.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'kbench-seed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Sends QMP commands in order after the handshake; resolves with each one's `return`. */
function qmp(socketPath: string, commands: Record<string, unknown>[]): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const results: unknown[] = [];
    let buffer = '';
    let next = -1;
    const send = () => {
      const command = next < 0 ? { execute: 'qmp_capabilities' } : commands[next];
      if (command === undefined) {
        socket.end();
        resolve(results);
        return;
      }
      socket.write(`${JSON.stringify(command)}\n`);
    };
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const message = JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>;
        buffer = buffer.slice(newline + 1);
        if ('QMP' in message) send();
        else if ('error' in message) reject(new Error(JSON.stringify(message.error)));
        else if ('return' in message) {
          if (next >= 0) results.push(message.return);
          next += 1;
          send();
        }
      }
    });
    socket.on('error', reject);
  });
}

itNeeding(
  ['qemu'],
  'the cidata drive is writable for the guest and the seed folder stays untouched',
  async () => {
    const seed = path.join(dir, 'seed');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(seed);
    writeFileSync(path.join(seed, 'meta-data'), 'instance-id: kbench-test\n');
    writeFileSync(path.join(seed, 'user-data'), '#cloud-config\n');
    const root = path.join(dir, 'root.raw');
    writeFileSync(root, Buffer.alloc(1 << 20));
    const qmpSocketPath = path.join(dir, 'qmp.sock');
    const { binary, args } = buildQemuArgs({
      arch: 'x86_64',
      accel: 'tcg',
      vcpus: 1,
      memoryMiB: 128,
      boot: { kind: 'bios-disk' },
      disks: [
        { path: root, format: 'raw' },
        { fatDir: seed, label: 'cidata' },
      ],
      sshHostPort: await freePort(),
      serial: { kind: 'file', path: path.join(dir, 'serial.log') },
      qmpSocketPath,
    });
    const child = spawn(binary, [...args, '-S'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // HMP qemu-io prints on qemu's stdout, not into the QMP reply.
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    try {
      for (let i = 0; i < 100 && !readdirSync(dir).includes('qmp.sock'); i += 1) await new Promise((r) => setTimeout(r, 100));
      const [blocks] = (await qmp(qmpSocketPath, [{ execute: 'query-block' }])) as [
        { device: string; qdev?: string; inserted?: { ro: boolean; image: { filename: string; 'backing-image'?: { filename: string } } } }[],
      ];
      const cidata = blocks.find((block) => block.inserted?.image['backing-image']?.filename.includes('"vvfat"'));
      expect(cidata, `${JSON.stringify(blocks)} ${stderr}`).toBeDefined();
      expect(cidata!.inserted!.ro).toBe(false);
      // The guest writes into a temporary qcow2 over the vvfat folder.
      expect(cidata!.inserted!.image.filename).toMatch(/"driver": "qcow2"/);
      // A real write through the block layer (what the guest's msdosfs would do), then quit.
      const node = cidata!.device || cidata!.qdev!;
      await qmp(
        qmpSocketPath,
        ['write', 'read'].map((op) => ({ execute: 'human-monitor-command', arguments: { 'command-line': `qemu-io ${node} "${op} -P 0x55 0 4096"` } })),
      );
      await expect.poll(() => stdout, { timeout: 5_000 }).toMatch(/read 4096\/4096 bytes at offset 0/);
      expect(stdout).toMatch(/wrote 4096\/4096 bytes at offset 0/);
      expect(stdout).not.toMatch(/Pattern verification failed|Permission denied|read-only/i);
      await qmp(qmpSocketPath, [{ execute: 'quit' }]).catch(() => undefined);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    expect(readdirSync(seed).sort()).toEqual(['meta-data', 'user-data']);
    expect(readFileSync(path.join(seed, 'meta-data'), 'utf8')).toBe('instance-id: kbench-test\n');
  },
  30_000,
);
