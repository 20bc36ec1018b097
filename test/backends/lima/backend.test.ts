/**
 * The backend's effects. prepare() is run for real with limactl off PATH (an empty PATH, so this
 * holds on a Mac with Lima installed too), and the command sequence is checked against a stand-in limactl
 * (test/fixtures/lima/fake-limactl) that keeps instances under LIMA_HOME and writes Lima's file formats.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LIMA_TEMPLATE_DIR } from '../../../harness/backends/lima/args.ts';
import { createLimaBackend, findExecutable, LIMACTL_MISSING_MESSAGE, type LimaPreparedTarget } from '../../../harness/backends/lima/backend.ts';
import type { TargetSpec } from '../../../harness/backends/types.ts';
import { InputError, KbenchError } from '../../../harness/errors/index.ts';

const FAKE_LIMACTL = fileURLToPath(new URL('../../fixtures/lima/fake-limactl/limactl', import.meta.url));
const alpine: TargetSpec = {
  name: 'alpine',
  os: 'alpine',
  vcpus: 2,
  memoryMiB: 2048,
  scratchDiskMiB: 0,
  image: 'alpine-cloud',
  suiteContext: { zfsTunablesFile: null },
};

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('without limactl on PATH', () => {
  let runDir: string;
  let emptyDir: string;
  beforeEach(() => {
    runDir = mkdtempSync(path.join(tmpdir(), 'kbench-lima-'));
    emptyDir = mkdtempSync(path.join(tmpdir(), 'kbench-empty-path-'));
  });
  afterEach(() => {
    rmSync(runDir, { recursive: true, force: true });
    rmSync(emptyDir, { recursive: true, force: true });
  });

  it('prepare fails with the exact one-line InputError when limactl is not on PATH', async () => {
    expect(await findExecutable('limactl', emptyDir)).toBeNull();
    const saved = { LIMACTL: process.env.LIMACTL, PATH: process.env.PATH };
    delete process.env.LIMACTL;
    process.env.PATH = emptyDir;
    try {
      // An empty PATH stands for a host without Lima, also on a Mac that has it.
      const error = await rejection(createLimaBackend({ limactl: path.join(runDir, 'no-such-limactl') }).prepare(alpine, ['stock'], runDir));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toBe('limactl not found on PATH: install Lima (brew install lima)');
      expect(error.message).toBe(LIMACTL_MISSING_MESSAGE);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('rejects NetBSD before looking for limactl', async () => {
    const error = await rejection(createLimaBackend().prepare({ ...alpine, name: 'netbsd', os: 'netbsd' }, ['stock'], runDir));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(
      'backend lima: Lima cannot boot NetBSD (its os: field knows Linux, Darwin, FreeBSD, Windows; lima issue #1096): use --backend qemu or ssh',
    );
  });

  it('versions() reports no Lima and the real qemu-system-aarch64 version when it is installed', async () => {
    const versions = await createLimaBackend({ limactl: path.join(runDir, 'no-such-limactl') }).versions();
    expect(versions.limaVersion).toBeNull();
    if (await findExecutable('qemu-system-aarch64')) expect(versions.qemuVersion).toMatch(/^\d+\.\d+(\.\d+)?$/);
    else expect(versions.qemuVersion).toBeNull();
  });
});

describe('command sequence against the stand-in limactl', () => {
  let limaHome: string;
  let runDir: string;
  let kernelPath: string;
  let modulesPath: string;
  const calls = () =>
    readFileSync(path.join(limaHome, 'calls.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as string[]).join(' '));
  const backend = () =>
    createLimaBackend({
      limactl: FAKE_LIMACTL,
      limaHome,
      customKernel: { kernelPath, initrdPath: null, cmdline: 'console=hvc0', arch: 'aarch64' },
      customArtifact: modulesPath,
    });

  beforeEach(() => {
    limaHome = mkdtempSync(path.join(tmpdir(), 'kbench-lima-home-'));
    runDir = path.join(limaHome, '_run');
    kernelPath = path.join(limaHome, '_Image');
    writeFileSync(kernelPath, Buffer.alloc(4096));
    modulesPath = path.join(limaHome, '_modules-m-series.tar.gz');
    writeFileSync(modulesPath, 'stand-in tarball');
  });
  afterEach(() => rmSync(limaHome, { recursive: true, force: true }));

  it('finds limactl through PATH', async () => {
    expect(await findExecutable('limactl', `/nonexistent${path.delimiter}${path.dirname(FAKE_LIMACTL)}`)).toBe(FAKE_LIMACTL);
  });

  it('creates each variant once, reuses them on a second prepare, and deletes only what it created', async () => {
    const first = (await backend().prepare(alpine, ['stock', 'custom'], runDir)) as LimaPreparedTarget;
    expect(first.lima).toEqual({
      instances: { stock: 'kbench-alpine-stock', custom: 'kbench-alpine-custom' },
      created: ['kbench-alpine-stock', 'kbench-alpine-custom'],
    });
    expect(first.facts.custom).toEqual({ kernelImagePath: kernelPath, kernelImageBytes: 4096 });
    expect(first.facts.stock).toEqual({ kernelImagePath: null, kernelImageBytes: null });
    expect(calls().filter((call) => call.startsWith('create'))).toEqual([
      `create --tty=false --name=kbench-alpine-stock --vm-type=vz --cpus=2 --memory=2 --plain --mount-none ${LIMA_TEMPLATE_DIR}/alpine-stock.yaml`,
      `create --tty=false --name=kbench-alpine-custom --vm-type=vz --cpus=2 --memory=2 --plain --mount-none --set=.arch = "aarch64" | .images |= map(select(.arch == "aarch64")) | .images[].kernel = {"location": "${kernelPath}", "cmdline": "console=hvc0"} ${LIMA_TEMPLATE_DIR}/alpine-custom.yaml`,
    ]);
    // The new custom instance got its kernel's OpenZFS modules installed once, then was stopped.
    expect(calls().filter((call) => /^(start|copy|shell|stop)/.test(call) && call.includes('custom'))).toEqual([
      'start --tty=false --timeout=600s kbench-alpine-custom',
      `copy ${modulesPath} kbench-alpine-custom:/tmp/_modules-m-series.tar.gz`,
      'shell --workdir=/ kbench-alpine-custom sudo sh -c tar -xzf /tmp/_modules-m-series.tar.gz -C / && depmod -a "$(uname -r)" && modprobe zfs',
      'stop kbench-alpine-custom',
    ]);

    const second = (await backend().prepare(alpine, ['stock', 'custom'], runDir)) as LimaPreparedTarget;
    expect(second.lima.created).toEqual([]);
    expect(calls().filter((call) => call.startsWith('create'))).toHaveLength(2);

    await backend().destroy(second);
    expect(existsSync(path.join(limaHome, 'kbench-alpine-stock'))).toBe(true);
    await backend().destroy(first);
    expect(calls().filter((call) => call.startsWith('delete'))).toEqual(['delete -f kbench-alpine-stock', 'delete -f kbench-alpine-custom']);
    expect(existsSync(path.join(limaHome, 'kbench-alpine-stock'))).toBe(false);
    await backend().destroy(first);
    expect(calls().filter((call) => call.startsWith('delete'))).toHaveLength(2);
  });

  it('refuses to reuse a custom instance built with another kernel', async () => {
    await backend().prepare(alpine, ['custom'], runDir);
    kernelPath = path.join(limaHome, '_Image2');
    writeFileSync(kernelPath, 'x');
    const error = await rejection(backend().prepare(alpine, ['custom'], runDir));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(
      `Lima instance kbench-alpine-custom boots ${path.join(limaHome, '_Image')}, kbench needs ${kernelPath}: delete it with \`limactl delete -f kbench-alpine-custom\``,
    );
  });

  it('boots to an SSH endpoint from ssh.config, restarts a running instance, and stops idempotently', async () => {
    const lima = backend();
    const prepared = await lima.prepare(alpine, ['stock'], runDir);
    const guest = await lima.boot(prepared, 'stock');
    expect(guest).toMatchObject({
      variant: 'stock',
      acceleration: 'vz',
      hostBootSeconds: 6,
      hostBootStart: 'ha.stderr.log "[VZ] - vm state change: running"',
      endpoint: {
        host: '127.0.0.1',
        port: 53801,
        user: 'alice',
        privateKeyPath: path.join(limaHome, '_config', 'user'),
        hostKeyPolicy: { kind: 'pin-on-first-contact', pinFile: path.join(runDir, 'lima-kbench-alpine-stock-host-keys.pin') },
      },
    });
    expect(lima.instanceOf(guest)).toBe('kbench-alpine-stock');

    const again = await lima.boot(prepared, 'stock');
    expect(again.endpoint.port).toBe(53802);
    const bootCalls = calls().filter((call) => /^(start|stop)/.test(call));
    expect(bootCalls).toEqual([
      'start --tty=false --timeout=600s kbench-alpine-stock',
      'stop kbench-alpine-stock',
      'start --tty=false --timeout=600s kbench-alpine-stock',
    ]);

    await lima.shutdown(again);
    await lima.shutdown(again);
    expect(calls().filter((call) => call.startsWith('stop'))).toEqual(['stop kbench-alpine-stock', 'stop kbench-alpine-stock']);
  });

  it('reports a failed start in one line with the host agent log, and leaves the instance stopped', async () => {
    const lima = backend();
    const prepared = await lima.prepare(alpine, ['stock'], runDir);
    process.env.FAKE_LIMA_FAIL_START = 'kbench-alpine-stock';
    try {
      const error = await rejection(lima.boot(prepared, 'stock'));
      expect(error).toBeInstanceOf(KbenchError);
      expect(error.message).not.toContain('\n');
      expect(error.message).toMatch(
        /^limactl start kbench-alpine-stock failed \(exit 1\): .*exiting.*; host agent: .*failed to satisfy the essential requirement 1 of 2 `ssh`; see .*ha\.stderr\.log$/,
      );
    } finally {
      delete process.env.FAKE_LIMA_FAIL_START;
    }
    expect(calls().filter((call) => /^(start|stop)/.test(call))).toEqual([
      'start --tty=false --timeout=600s kbench-alpine-stock',
      'stop -f kbench-alpine-stock',
    ]);
    const listed = readFileSync(path.join(limaHome, 'kbench-alpine-stock', 'fake-state.json'), 'utf8');
    expect(JSON.parse(listed).status).toBe('Stopped');
  });
});
