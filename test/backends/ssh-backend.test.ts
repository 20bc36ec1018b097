import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSshBackend, resolveSshTarget } from '../../harness/backends/ssh/backend.ts';
import { getBackend } from '../../harness/backends/registry.ts';
import { InputError } from '../../harness/errors/index.ts';
import type { TargetSpec } from '../../harness/backends/types.ts';
import { itNeeding } from '../helpers/needs.ts';

const spec: TargetSpec = {
  name: 'debian-testbed',
  os: 'debian',
  vcpus: 2,
  memoryMiB: 2048,
  scratchDiskMiB: 0,
  image: 'debian-testbed',
  suiteContext: { zfsTunablesFile: null },
};

describe('resolveSshTarget', () => {
  it('takes user@host[:port] literally', async () => {
    expect(await resolveSshTarget('bench@zfs-lab.example:2200')).toEqual({
      ok: true,
      value: { user: 'bench', host: 'zfs-lab.example', port: 2200, identityFiles: [] },
    });
    expect(await resolveSshTarget('root@[::1]:22')).toMatchObject({ ok: true, value: { host: '::1', port: 22 } });
    expect(await resolveSshTarget('root@10.0.0.5')).toMatchObject({ ok: true, value: { host: '10.0.0.5', port: 22 } });
  });

  itNeeding(['ssh'], 'resolves an alias with ssh -G', async () => {
    const config = path.join(mkdtempSync(path.join(tmpdir(), 'kbench-ssh-alias-')), 'config');
    writeFileSync(config, 'Host zfsbox\n  HostName 192.168.7.20\n  Port 2022\n  User tester\n  IdentityFile /keys/lab_key\n');
    expect(await resolveSshTarget('zfsbox', config)).toEqual({
      ok: true,
      value: { host: '192.168.7.20', port: 2022, user: 'tester', identityFiles: ['/keys/lab_key'] },
    });
    expect(await resolveSshTarget('nosuch', config)).toEqual({
      ok: false,
      error: 'ssh target "nosuch": no Host or Match block sets HostName, Port, User or IdentityFile for "nosuch"',
    });
  });

  it('one-line errors for a bad port and a name that is neither', async () => {
    expect(await resolveSshTarget('u@h:99999')).toEqual({ ok: false, error: 'ssh target "u@h:99999": port must be 1-65535' });
    expect(await resolveSshTarget('a b')).toMatchObject({ ok: false, error: expect.stringContaining('expected an OpenSSH config alias') });
  });
});

describe('ssh backend', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kbench-ssh-backend-'));
  const key = path.join(dir, 'id_test');
  const knownHosts = path.join(dir, 'known_hosts');
  writeFileSync(key, 'not read by prepare');
  writeFileSync(knownHosts, '');

  it('resolves one endpoint per variant with the known-hosts policy and never boots anything', async () => {
    const backend = createSshBackend({
      target: 'bench@lab-a:2201',
      variantTargets: { custom: 'bench@lab-b' },
      identityFile: key,
      knownHostsFile: knownHosts,
    });
    const runDir = path.join(dir, 'run');
    const prepared = await backend.prepare(spec, ['stock', 'custom'], runDir);
    expect(prepared.facts.stock).toEqual({ kernelImagePath: null, kernelImageBytes: null });
    const stock = await backend.boot(prepared, 'stock');
    const custom = await backend.boot(prepared, 'custom');
    expect(stock).toEqual({
      variant: 'stock',
      endpoint: { host: 'lab-a', port: 2201, user: 'bench', privateKeyPath: key, hostKeyPolicy: { kind: 'known-hosts', knownHostsFile: knownHosts } },
      acceleration: 'none',
      hostBootSeconds: null,
      serialLogPath: null,
    });
    expect(custom.endpoint).toMatchObject({ host: 'lab-b', port: 22 });
    await backend.shutdown(stock);
    await backend.shutdown(stock);
    await backend.destroy(prepared);
    expect(await backend.versions()).toEqual({});
  });

  it('refuses a missing key or known_hosts file with the path in the message', async () => {
    const noKey = createSshBackend({ target: 'u@h', identityFile: path.join(dir, 'absent'), knownHostsFile: knownHosts });
    await expect(noKey.prepare(spec, ['stock'], path.join(dir, 'r1'))).rejects.toThrow(/private key .*absent does not exist/);
    const noKnownHosts = createSshBackend({ target: 'u@h', identityFile: key, knownHostsFile: path.join(dir, 'kh-absent') });
    await expect(noKnownHosts.prepare(spec, ['stock'], path.join(dir, 'r2'))).rejects.toThrow(InputError);
  });
});

describe('getBackend', () => {
  it('knows qemu, ssh and lima from the catalog; unknown names get one line listing the valid ones', async () => {
    expect((await getBackend('qemu')).name).toBe('qemu');
    expect((await getBackend('ssh', { ssh: { target: 'u@h' } })).name).toBe('ssh');
    await expect(getBackend('vbox')).rejects.toThrow(new InputError('--backend: unknown backend "vbox" (known: qemu, lima, ssh)'));
    expect((await getBackend('lima')).name).toBe('lima');
  });

  it('the ssh backend without options needs KBENCH_SSH_TARGET', async () => {
    const saved = process.env.KBENCH_SSH_TARGET;
    delete process.env.KBENCH_SSH_TARGET;
    try {
      await expect(getBackend('ssh')).rejects.toThrow(/KBENCH_SSH_TARGET/);
      process.env.KBENCH_SSH_TARGET = 'me@box:2222';
      expect((await getBackend('ssh')).name).toBe('ssh');
    } finally {
      if (saved === undefined) delete process.env.KBENCH_SSH_TARGET;
      else process.env.KBENCH_SSH_TARGET = saved;
    }
  });
});
