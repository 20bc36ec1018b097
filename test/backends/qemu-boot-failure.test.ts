/**
 * The evidence path of a QEMU boot that never reaches SSH, with a FAKE qemu-system-x86_64 on PATH
 * (a shell script that writes one serial line and then hangs). This proves what kbench does with
 * such a boot: an InfraError (exit 3) naming the serial log, which is kept after destroy, and no
 * process left. It proves nothing about QEMU itself (no VM boots here).
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createQemuBackend, type QemuPreparedTarget } from '../../harness/backends/qemu/backend.ts';
import { EXIT_INFRASTRUCTURE, InfraError } from '../../harness/errors/index.ts';

const fakeBin = mkdtempSync(path.join(tmpdir(), 'kb-fake-qemu-'));
writeFileSync(
  path.join(fakeBin, 'qemu-system-x86_64'),
  '#!/bin/sh\nfor a in "$@"; do case "$a" in file:*) echo "fake kernel: stuck before sshd" > "${a#file:}";; esac; done\nexec sleep 600\n',
);
chmodSync(path.join(fakeBin, 'qemu-system-x86_64'), 0o755);
const savedPath = process.env.PATH;
process.env.PATH = `${fakeBin}:${savedPath}`;
afterAll(() => {
  process.env.PATH = savedPath;
});

describe('a QEMU boot that never reaches SSH (fake qemu binary: exit-code and evidence path only)', () => {
  it('throws an InfraError (exit 3) naming the serial log, which stays after destroy', async () => {
    const runDir = mkdtempSync(path.join(tmpdir(), 'kb-run-'));
    const image = path.join(runDir, 'image.raw');
    writeFileSync(image, Buffer.alloc(1024 * 1024));
    const kernel = { kernel: '/nonexistent/vmlinuz', initrd: '/nonexistent/initrd.img', release: 'fake' };
    const prepared = {
      spec: { name: 'debian-testbed', os: 'debian', vcpus: 1, memoryMiB: 512, scratchDiskMiB: 0 },
      variants: ['custom'],
      runDir,
      facts: { stock: { kernelImagePath: null, kernelImageBytes: null }, custom: { kernelImagePath: null, kernelImageBytes: null } },
      qemu: {
        image: {
          rootDisk: { path: image, format: 'raw' },
          boot: { custom: { kind: 'linux-kernel', kernelPath: kernel.kernel, initrdPath: kernel.initrd, append: 'console=ttyS0' } },
          extraDisks: [],
          ssh: { user: 'root', privateKeyPath: path.join(runDir, 'key') },
          probeKernel: null,
          kernelImage: {},
        },
        arch: 'x86_64',
        bootCounts: { stock: 0, custom: 0 },
      },
    } as unknown as QemuPreparedTarget;
    const backend = createQemuBackend({ forceAccel: 'tcg', bootTimeoutMs: 3000, powerdownGraceMs: 200 });
    const error = await backend.boot(prepared, 'custom').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfraError);
    expect((error as InfraError).exitCode).toBe(EXIT_INFRASTRUCTURE);
    const serialLog = path.join(runDir, 'serial-custom-1.log');
    expect((error as Error).message).toBe(
      `boot of the custom kernel failed: ${(error as Error).message.match(/no SSH banner on 127\.0\.0\.1:\d+ before the boot deadline/)![0]} (serial: fake kernel: stuck before sshd); serial log ${serialLog}`,
    );
    await backend.destroy(prepared);
    expect(readFileSync(serialLog, 'utf8')).toBe('fake kernel: stuck before sshd\n');
    expect(existsSync(path.join(runDir, 'qemu'))).toBe(false);
  }, 60_000);
});
