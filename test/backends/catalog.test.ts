/** The backend seam: one catalog (checked against results/names.ts, which the schema enums read) feeds the target table and `kbench run --plan`. */
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKEND_NAMES, BACKENDS, HYPERVISOR_NAMES, VERSION_FIELDS } from '../../harness/backends/catalog.ts';
import { parseRemoteHost, sshOptionsFromEnv } from '../../harness/backends/ssh/backend.ts';
import { InputError } from '../../harness/errors/index.ts';
import { HostFingerprint, RunSettings } from '../../harness/results/schema.ts';
import { backendsFor, describeTarget, resolveTarget, TARGETS } from '../../harness/run/targets.ts';

const mac = { platform: 'darwin' as const, arch: 'arm64' };
const debianHost = { platform: 'linux' as const, arch: 'x64' };

describe('the backend catalog is the single source', () => {
  it('schema enums and host version fields come from the descriptors', () => {
    expect(BACKEND_NAMES).toEqual(['qemu', 'lima', 'ssh']);
    expect(RunSettings.shape.backend.options).toEqual([...BACKEND_NAMES]);
    expect(HYPERVISOR_NAMES).toEqual(['qemu', 'lima', 'none']);
    expect(HostFingerprint.shape.hypervisor.options).toEqual([...HYPERVISOR_NAMES]);
    expect(VERSION_FIELDS.map((field) => field.key)).toEqual(['qemuVersion', 'limaVersion']);
    for (const field of VERSION_FIELDS) expect(Object.keys(HostFingerprint.shape)).toContain(field.key);
  });

  it("the names below the schema (results/names.ts) are the descriptors' own, in catalog order", () => {
    expect(BACKENDS.map((backend) => backend.name)).toEqual([...BACKEND_NAMES]);
    expect([...new Set(BACKENDS.map((backend) => backend.hypervisor))]).toEqual([...HYPERVISOR_NAMES]);
    const declared = BACKENDS.flatMap((backend) => backend.versionFields).filter(
      (field, index, all) => all.findIndex((other) => other.key === field.key) === index,
    );
    expect(declared).toEqual([...VERSION_FIELDS]);
  });

  it('a new backend is one folder: every backends/<name>/ has a descriptor named after it', () => {
    const dir = path.join(import.meta.dirname, '../../harness/backends');
    const folders = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(folders).toEqual([...BACKEND_NAMES].sort());
  });
});

describe('targets: one file each, backends derived from supports()', () => {
  it('the derived table', () => {
    const table = Object.fromEntries(Object.values(TARGETS).map((t) => [t.spec.name, backendsFor(t)]));
    expect(table).toEqual({
      'debian-testbed': ['qemu', 'ssh'],
      'debian-arm64': ['qemu', 'ssh'],
      alpine: ['lima', 'ssh'],
      freebsd: ['lima', 'ssh'],
      netbsd: ['ssh'],
      openbsd: ['ssh'],
    });
    // stock only: qemu boots the official Alpine and FreeBSD images too.
    expect(backendsFor(TARGETS.freebsd!, ['stock'])).toEqual(['qemu', 'lima', 'ssh']);
    expect(backendsFor(TARGETS.alpine!, ['stock'])).toEqual(['qemu', 'lima', 'ssh']);
    const files = readdirSync(path.join(import.meta.dirname, '../../harness/run/targets'))
      .filter((file) => file !== 'define.ts')
      .map((file) => file.replace(/\.ts$/, ''));
    expect(files.sort()).toEqual(Object.keys(TARGETS).sort());
  });

  it('every default backend supports its target with both kernels', () => {
    for (const target of Object.values(TARGETS)) expect(backendsFor(target), target.spec.name).toContain(target.defaultBackend);
  });

  it('a backend that cannot run a target says why in one line, naming the ones that can', () => {
    expect(() => resolveTarget('freebsd', 'qemu')).toThrow(
      new InputError(
        '--backend qemu: target freebsd with --kernels stock,custom: qemu cannot hand FreeBSD a custom kernel from the host (its loader picks /boot/kernel.NAME inside the guest): use --backend lima (nextboot -k) or --kernels stock (it runs on: lima, ssh)',
      ),
    );
    expect(resolveTarget('freebsd', 'qemu', ['stock']).backend).toBe('qemu');
    expect(() => resolveTarget('netbsd', 'lima')).toThrow(/Lima cannot boot NetBSD \(/);
    expect(() => resolveTarget('plan9', undefined)).toThrow(
      new InputError('--target: unknown target "plan9" (known: debian-testbed, debian-arm64, alpine, freebsd, netbsd, openbsd)'),
    );
    expect(() => resolveTarget('alpine', 'vbox')).toThrow(new InputError('--backend: unknown backend "vbox" (known: qemu, lima, ssh)'));
  });
});

describe('describeTarget (kbench run --plan): every target resolves without booting', () => {
  it('for every target and every backend that supports it', () => {
    for (const target of Object.values(TARGETS)) {
      for (const backend of backendsFor(target)) {
        const described = describeTarget(target.spec.name, backend, ['stock', 'custom'], mac);
        expect(described.backend).toBe(backend);
        expect(described.plan.commands.length, `${target.spec.name}/${backend}`).toBeGreaterThan(0);
        expect(Object.keys(described.plan.variants)).toEqual(['stock', 'custom']);
      }
    }
  });

  it('Lima Alpine and FreeBSD: the limactl sequence, the template files and the boot clock', () => {
    const alpine = describeTarget('alpine', undefined, ['stock', 'custom'], mac);
    expect(alpine.plan.commands[0]).toMatch(
      /^limactl create --tty=false --name=kbench-alpine-stock --vm-type=vz --cpus=2 --memory=2 --plain --mount-none \/.*\/lima\/alpine-stock\.yaml$/,
    );
    expect(alpine.plan.bootClock).toMatch(/\[VZ\] - vm state change: running/);
    const freebsd = describeTarget('freebsd', 'lima', ['stock', 'custom'], mac);
    expect(freebsd.plan.commands.join('\n')).toMatch(/nextboot -k kernel\.m-series/);
    expect(freebsd.plan.commands.join('\n')).toMatch(/lima\/freebsd-custom\.yaml/);
  });

  it('host problems are reported, not thrown: the amd64 testbed on an Apple-silicon Mac', () => {
    expect(describeTarget('debian-testbed', undefined, ['stock', 'custom'], debianHost).hostProblem).toBeNull();
    expect(describeTarget('debian-testbed', undefined, ['stock', 'custom'], mac).hostProblem).toBe(
      'the Debian testbed is built for amd64; this host is aarch64',
    );
    expect(describeTarget('freebsd', 'qemu', ['stock'], mac).plan.commands[1]).toMatch(/^qemu-system-aarch64 -accel <hvf>/);
  });
});

describe('ssh backend: machines per variant and the measured host', () => {
  it('KBENCH_SSH_TARGET_STOCK / _CUSTOM point the kernels at different machines', () => {
    expect(sshOptionsFromEnv({ KBENCH_SSH_TARGET_STOCK: 'root@a', KBENCH_SSH_TARGET_CUSTOM: 'root@b:2222' })).toEqual({
      target: 'root@a',
      variantTargets: { stock: 'root@a', custom: 'root@b:2222' },
    });
    expect(sshOptionsFromEnv({ KBENCH_SSH_TARGET: 'box', KBENCH_SSH_KEY: '/k' })).toEqual({ target: 'box', identityFile: '/k' });
    expect(() => sshOptionsFromEnv({})).toThrow(/KBENCH_SSH_TARGET/);
  });

  it('parses the remote host facts (Linux /proc and BSD sysctl forms)', () => {
    expect(parseRemoteHost('Linux\n6.1.0-56-amd64\nx86_64\nIntel(R) Xeon(R) CPU\n2\n2061443072\n')).toEqual({
      ok: true,
      value: { os: 'Linux', osVersion: '6.1.0-56-amd64', arch: 'x86_64', chip: 'Intel(R) Xeon(R) CPU', logicalCpus: 2, memoryBytes: 2061443072 },
    });
    expect(parseRemoteHost('FreeBSD\n15.1-RELEASE\narm64\nApple Virtual CPU\n4\n4294967296\n').ok).toBe(true);
    expect(parseRemoteHost('Linux\n6.1\nx86_64\ncpu\nzero\n1\n')).toEqual({ ok: false, error: 'remote host: CPU count "zero" is not a positive integer' });
  });
});

it('BACKENDS is the only list: names are unique', () => {
  expect(new Set(BACKENDS.map((backend) => backend.name)).size).toBe(BACKENDS.length);
});
