import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { limaBootSeconds, limactlFailureLine, limaSshEndpoint } from '../../../harness/backends/lima/backend.ts';
import { parseSshG, targetFromSshG, type SshGSettings } from '../../../harness/ssh/config.ts';
import {
  firstEventAt,
  firstRunningAt,
  parseGoTime,
  parseHostAgentEvents,
  parseLimaList,
  parseLimaVersion,
  sshSatisfiedAt,
} from '../../../harness/backends/lima/parse.ts';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../fixtures/lima/${name}`, import.meta.url)), 'utf8');
const sshG = (name: string): SshGSettings => unwrap(parseSshG(fixture(name)));

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: string }): T {
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

function failure(result: { ok: boolean; error?: string }): string {
  expect(result.ok).toBe(false);
  return (result as { error: string }).error;
}

describe('parseLimaList', () => {
  it('reads every instance of the recorded NDJSON, in order', () => {
    const instances = unwrap(parseLimaList(fixture('list.ndjson')));
    expect(instances.map((instance) => [instance.name, instance.status, instance.vmType])).toEqual([
      ['kbench-alpine-custom', 'Running', 'vz'],
      ['kbench-alpine-stock', 'Running', 'vz'],
      ['kbench-freebsd-stock', 'Stopped', 'qemu'],
    ]);
    const stock = instances[1]!;
    expect(stock).toEqual({
      name: 'kbench-alpine-stock',
      hostname: 'lima-kbench-alpine-stock',
      status: 'Running',
      dir: '/Users/alice/.lima/kbench-alpine-stock',
      vmType: 'vz',
      arch: 'aarch64',
      cpus: 2,
      memory: 2 * 1024 ** 3,
      disk: 100 * 1024 ** 3,
      sshLocalPort: 53817,
      sshConfigFile: '/Users/alice/.lima/kbench-alpine-stock/ssh.config',
      sshAddress: '127.0.0.1',
      hostAgentPID: 41207,
      driverPID: 41207,
      errors: [],
      limaVersion: '2.2.0',
      kernelLocations: [],
    });
    expect(instances[0]!.kernelLocations).toEqual(['/Users/alice/kbench/kernel-artifacts/alpine/Image-m-series']);
  });

  it('maps omitted (Go omitempty) PIDs of a stopped instance to null', () => {
    const freebsd = unwrap(parseLimaList(fixture('list.ndjson')))[2]!;
    expect(freebsd.hostAgentPID).toBeNull();
    expect(freebsd.driverPID).toBeNull();
    expect(freebsd.sshLocalPort).toBe(60906);
  });

  it('reads a Broken instance with empty vmType/arch and no config', () => {
    const [broken] = unwrap(parseLimaList(fixture('list-broken.ndjson')));
    expect(broken).toMatchObject({ name: 'probe', status: 'Broken', vmType: '', arch: '', errors: [], cpus: 0, sshConfigFile: null, limaVersion: '' });
  });

  it('treats empty output (no instances) as an empty list', () => {
    expect(unwrap(parseLimaList(''))).toEqual([]);
    expect(unwrap(parseLimaList('\n\n'))).toEqual([]);
  });

  it('keeps string errors and drops empty-object errors', () => {
    const line = JSON.stringify({
      name: 'x',
      hostname: 'lima-x',
      status: 'Broken',
      dir: '/d',
      vmType: 'vz',
      arch: 'aarch64',
      errors: ['boom', {}],
      limaVersion: '',
    });
    expect(unwrap(parseLimaList(line))[0]!.errors).toEqual(['boom']);
  });

  it('names the line and the field of a malformed instance in one line', () => {
    const lines = fixture('list.ndjson').trimEnd().split('\n');
    const badPort = lines[1]!.replace('"sshLocalPort":53817', '"sshLocalPort":"53817"');
    const error = failure(parseLimaList([lines[0], badPort].join('\n')));
    expect(error).toBe('limactl list --json line 2 (instance "kbench-alpine-stock"): field "sshLocalPort": expected an integer 0-65535, got "53817"');
    expect(error).not.toContain('\n');
  });

  it('rejects a line that is not JSON, a JSON array, a missing name and an unknown status', () => {
    expect(failure(parseLimaList('[{"name":"a"}]'))).toBe('limactl list --json line 1: expected one JSON object per line, got [{"name":"a"}]');
    expect(failure(parseLimaList('{"name":"a",'))).toBe('limactl list --json line 1: not JSON: "{\\"name\\":\\"a\\","');
    expect(failure(parseLimaList('{"status":"Running"}'))).toBe('limactl list --json line 1: field "name": expected a string, got undefined');
    const running = fixture('list.ndjson').split('\n')[1]!.replace('"status":"Running"', '"status":"Sleeping"');
    expect(failure(parseLimaList(running))).toMatch(
      /^limactl list --json line 1 \(instance "kbench-alpine-stock"\): field "status": expected one of Running, Stopped, Broken, Installing, Uninitialized or "", got "Sleeping"$/,
    );
  });

  it('rejects a pretty-printed (TTY) listing, which is not one object per line', () => {
    const pretty = JSON.stringify(JSON.parse(fixture('list-broken.ndjson')), null, 4);
    expect(failure(parseLimaList(pretty))).toMatch(/^limactl list --json line 1: not JSON: "\{"$/);
  });

  it('rejects a negative memory and an errors field that is not an array', () => {
    const base = { name: 'x', hostname: 'lima-x', status: 'Stopped', dir: '/d', vmType: 'vz', arch: 'aarch64', limaVersion: '2.2.0' };
    expect(failure(parseLimaList(JSON.stringify({ ...base, memory: -1 })))).toContain('field "memory": expected an integer 0-max, got -1');
  });

  it('reads a Broken instance whose error is a Go *fs.PathError, next to a healthy one (one broken instance never fails the list)', () => {
    const list = unwrap(parseLimaList(fixture('list-broken-patherror.ndjson')));
    expect(list.map((instance) => [instance.name, instance.status, instance.errors])).toEqual([
      ['half-deleted', 'Broken', ['open /Users/alice/.lima/half-deleted/lima.yaml (errno 2, no such file)']],
      ['kbench-alpine-stock', 'Stopped', []],
    ]);
    const base = { name: 'x', hostname: 'lima-x', status: 'Broken', dir: '/d', vmType: '', arch: '', limaVersion: '' };
    // Shapes no Lima version is known to write are kept as text, not fatal.
    expect(unwrap(parseLimaList(JSON.stringify({ ...base, errors: 'boom' })))[0]!.errors).toEqual(['unreadable errors field: "boom"']);
    expect(unwrap(parseLimaList(JSON.stringify({ ...base, errors: [{ code: 7 }] })))[0]!.errors).toEqual(['error {"code":7}']);
  });
});

describe('parseLimaVersion', () => {
  it('reads the recorded `limactl --version`', () => {
    expect(unwrap(parseLimaVersion(fixture('limactl-version.txt')))).toBe('2.2.0');
  });
  it('keeps a development build version as printed', () => {
    expect(unwrap(parseLimaVersion('limactl version 2.2.0-153-g183a60d7.m\n'))).toBe('2.2.0-153-g183a60d7.m');
  });
  it('rejects other text in one line', () => {
    expect(failure(parseLimaVersion('lima 2.2.0\n'))).toBe('limactl --version: expected "limactl version X", got "lima 2.2.0"');
  });
});

describe('host agent logs', () => {
  it('finds when the "ssh" essential requirement was satisfied (v2.2 backquoted description)', () => {
    expect(sshSatisfiedAt(fixture('ha.stderr.alpine-vz.log'))?.toISOString()).toBe('2026-08-22T08:15:09.000Z');
  });

  it('also reads the pre-2.2 double-quoted description (v2.1.4)', () => {
    expect(sshSatisfiedAt(fixture('ha.stderr.freebsd-qemu-v2.1.log'))?.toISOString()).toBe('2026-08-22T09:03:05.000Z');
  });

  it('does not take another requirement with the same number as the ssh one', () => {
    expect(sshSatisfiedAt(fixture('ha.stderr.ssh-never-satisfied.log'))).toBeNull();
    expect(sshSatisfiedAt('')).toBeNull();
  });

  it('skips lines that are not logrus JSON', () => {
    const log = `panic: something\n${fixture('ha.stderr.alpine-vz.log')}goroutine 1 [running]:\n`;
    expect(sshSatisfiedAt(log)?.toISOString()).toBe('2026-08-22T08:15:09.000Z');
  });

  it('reads host agent events with nanosecond times', () => {
    const events = parseHostAgentEvents(fixture('ha.stdout.alpine-vz.log'));
    expect(events.map((event) => [event.time.toISOString(), event.running, event.exiting, event.sshLocalPort])).toEqual([
      ['2026-08-22T08:15:03.418Z', false, false, 53817],
      ['2026-08-22T08:15:14.909Z', true, false, 53817],
      ['2026-08-22T08:21:40.112Z', false, true, null],
    ]);
    expect(firstEventAt(fixture('ha.stdout.alpine-vz.log'))?.toISOString()).toBe('2026-08-22T08:15:03.418Z');
    expect(firstRunningAt(fixture('ha.stdout.alpine-vz.log'))?.toISOString()).toBe('2026-08-22T08:15:14.909Z');
    expect(firstRunningAt('{"time":"2026-08-22T10:15:03.4+02:00","status":{"sshLocalPort":1}}\n')).toBeNull();
  });

  it('times boot-to-ssh from a mark before the guest boots, and says which mark', () => {
    // vz: "[VZ] - vm state change: running" (10:15:03) -> ssh satisfied (10:15:09); not the host
    // agent's first event, which the vz driver emits only once guest port 22 is open.
    expect(limaBootSeconds(fixture('ha.stderr.alpine-vz.log'))).toEqual({ seconds: 6, start: 'ha.stderr.log "[VZ] - vm state change: running"' });
    // qemu driver (Lima v2.1 FreeBSD log): its "Starting QEMU" line.
    expect(limaBootSeconds(fixture('ha.stderr.freebsd-qemu-v2.1.log'))?.start).toBe('ha.stderr.log "Starting QEMU"');
    // No driver line: the host clock at `limactl start`.
    const onlySsh = fixture('ha.stderr.alpine-vz.log')
      .split('\n')
      .filter((line) => !line.includes('[VZ]') && !line.includes('Starting VZ'))
      .join('\n');
    expect(limaBootSeconds(onlySsh, new Date('2026-08-22T08:15:01.500Z'))).toEqual({ seconds: 7.5, start: 'host clock at limactl start' });
    expect(limaBootSeconds(onlySsh)).toBeNull();
    expect(limaBootSeconds(fixture('ha.stderr.ssh-never-satisfied.log'), new Date())).toBeNull();
  });

  it('parses Go RFC 3339 times, with and without fractions, and rejects others', () => {
    expect(parseGoTime('2026-08-22T10:15:03.418226789+02:00')?.toISOString()).toBe('2026-08-22T08:15:03.418Z');
    expect(parseGoTime('2026-08-22T08:15:03Z')?.toISOString()).toBe('2026-08-22T08:15:03.000Z');
    expect(parseGoTime('2026-08-22 08:15:03')).toBeNull();
  });
});

describe('limaSshEndpoint', () => {
  // What `ssh -G -F <Lima's ssh.config> lima-NAME` printed for the recorded ssh.config.
  const resolved = targetFromSshG('lima-kbench-alpine-stock', sshG('ssh-G.alpine-stock.txt'), sshG('ssh-G.no-config.txt'));
  const input = {
    target: unwrap(resolved),
    sshConfigFile: '/Users/alice/.lima/kbench-alpine-stock/ssh.config',
    sshLocalPort: 53817,
    pinFile: '/runs/r1/lima-kbench-alpine-stock-host-keys.pin',
  };

  it('builds the endpoint from the ssh.config Lima writes', () => {
    expect(unwrap(limaSshEndpoint(input))).toEqual({
      host: '127.0.0.1',
      port: 53817,
      user: 'alice',
      privateKeyPath: '/Users/alice/.lima/_config/user',
      hostKeyPolicy: { kind: 'pin-on-first-contact', pinFile: '/runs/r1/lima-kbench-alpine-stock-host-keys.pin' },
    });
  });

  it('refuses a port that differs from limactl list', () => {
    expect(failure(limaSshEndpoint({ ...input, sshLocalPort: 60022 }))).toBe(
      '/Users/alice/.lima/kbench-alpine-stock/ssh.config: Port 53817 differs from limactl list sshLocalPort 60022',
    );
  });

  it('refuses a config without the instance Host block (ssh -G then prints only defaults)', () => {
    expect(failure(targetFromSshG('lima-kbench-alpine-stock', sshG('ssh-G.no-config.txt'), sshG('ssh-G.no-config.txt')))).toBe(
      'no Host or Match block sets HostName, Port, User or IdentityFile for "lima-kbench-alpine-stock"',
    );
  });
});

describe('limactlFailureLine', () => {
  it('takes the message of the last fatal/error line in logrus text format', () => {
    const stderr = [
      'time="2026-08-22T10:15:00+02:00" level=info msg="Starting the instance `x` with internal VM driver `vz`"',
      'time="2026-08-22T10:15:40+02:00" level=fatal msg="instance `x` seems running (hint: remove \\"/a/ha.pid\\" if not)"',
      'time="2026-08-22T10:15:41+02:00" level=info msg="after"',
    ].join('\n');
    expect(limactlFailureLine(stderr)).toBe('instance `x` seems running (hint: remove "/a/ha.pid" if not)');
  });
  it('reads --log-format json lines and falls back to the last line', () => {
    expect(limactlFailureLine('{"level":"info","msg":"a","time":"t"}\n{"level":"fatal","msg":"b","time":"t"}\n')).toBe('b');
    expect(limactlFailureLine('plain words\nlast words\n')).toBe('last words');
    expect(limactlFailureLine('')).toBe('');
  });
});
