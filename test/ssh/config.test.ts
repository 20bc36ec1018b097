/**
 * Aliases resolved by the real `ssh -G`: Include, Match, Host patterns and first-value-wins are
 * OpenSSH's own, so these tests check that kbench asks ssh and reads its answer, on real configs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSshG, resolveSshAlias, targetFromSshG } from '../../harness/ssh/config.ts';
import { describeNeeding } from '../helpers/needs.ts';

const fixture = (name: string): string => join(import.meta.dirname, 'fixtures', name);
const home = homedir();

describeNeeding(['ssh'], 'resolveSshAlias through ssh -G', () => {
  it('follows Include and Match, keeps the first value obtained, accumulates IdentityFile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kbench-ssh-config-'));
    const included = join(dir, 'included.conf');
    writeFileSync(included, 'Host bench-included\n  HostName 10.1.1.1\n  Port 2300\n');
    const config = join(dir, 'config');
    writeFileSync(
      config,
      [`Include ${included}`, 'Match host 10.1.1.1', '  User matched', 'Host bench-included', '  Port 2399', '  IdentityFile ~/.ssh/inc_key', ''].join('\n'),
    );
    const resolved = await resolveSshAlias('bench-included', { configFile: config });
    // HostName and Port come from the Included file, User from the Match block (re-evaluated
    // with the final host name, as ssh does), the later Port is ignored.
    expect(resolved).toEqual({
      ok: true,
      value: { alias: 'bench-included', host: '10.1.1.1', port: 2300, user: 'matched', identityFiles: [join(home, '.ssh', 'inc_key')] },
    });
  });

  it('reads the hand-written config: patterns, negation, %-tokens and ~ in IdentityFile', async () => {
    const resolved = await resolveSshAlias('bench-freebsd', { configFile: fixture('user-ssh.config') });
    expect(resolved).toMatchObject({ ok: true, value: { host: '10.0.0.5', port: 2201, user: 'fallback-user' } });
    expect(resolved.ok && resolved.value.identityFiles).toEqual([
      join(home, '.ssh', 'bench_ed25519'),
      join(home, '.ssh', 'keys', '10.0.0.5 with space'),
      join(home, '.ssh', 'id_ed25519'),
    ]);
    const skip = await resolveSshAlias('bench-skip', { configFile: fixture('user-ssh.config') });
    expect(skip).toMatchObject({ ok: true, value: { host: 'skip.example', port: 22, user: 'fallback-user' } });
  });

  it('refuses an alias no block configures, a bad port, and names that are not aliases', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kbench-ssh-config-'));
    const config = join(dir, 'config');
    writeFileSync(config, 'Host other\n  Port 2222\n');
    expect(await resolveSshAlias('nosuch', { configFile: config })).toEqual({
      ok: false,
      error: 'no Host or Match block sets HostName, Port, User or IdentityFile for "nosuch"',
    });
    // OpenSSH itself refuses the bad port, naming file and line.
    const broken = join(dir, 'broken');
    writeFileSync(broken, 'Host other\n  Port 2222\nHost broken\n  Port sixty\n');
    expect(await resolveSshAlias('broken', { configFile: broken })).toEqual({
      ok: false,
      error: `ssh -G -F ${broken} -- broken failed: ${broken} line 4: Bad port 'sixty'.`,
    });
    expect(await resolveSshAlias('-oProxyCommand=x')).toEqual({ ok: false, error: '"-oProxyCommand=x" is not an OpenSSH host alias' });
  });

  it('says when ssh is missing', async () => {
    expect(await resolveSshAlias('box', { ssh: '/nonexistent/ssh' })).toEqual({
      ok: false,
      error: '/nonexistent/ssh not found: install the OpenSSH client, or give user@host[:port]',
    });
  });
});

describe('parseSshG and targetFromSshG', () => {
  const output = 'user bench\nhostname 192.168.7.20\nport 2022\nidentityfile ~/.ssh/lab_key\nidentityfile %d/.ssh/%r@%h\nidentityfile none\n';

  it('reads the keywords kbench uses and expands ~ and %-tokens', () => {
    const settings = parseSshG(output);
    expect(settings).toEqual({
      ok: true,
      value: { hostname: '192.168.7.20', port: '2022', user: 'bench', identityFiles: ['~/.ssh/lab_key', '%d/.ssh/%r@%h', 'none'] },
    });
    if (!settings.ok) return;
    expect(targetFromSshG('lab', settings.value, null, '/home/me')).toEqual({
      ok: true,
      value: { alias: 'lab', host: '192.168.7.20', port: 2022, user: 'bench', identityFiles: ['/home/me/.ssh/lab_key', '/home/me/.ssh/bench@192.168.7.20'] },
    });
  });

  it('refuses output without the lines it needs, and a port out of range', () => {
    expect(parseSshG('user x\nport 22\n')).toEqual({ ok: false, error: 'ssh -G printed no hostname line' });
    const settings = parseSshG('user x\nhostname h\nport 70000\n');
    expect(settings.ok && targetFromSshG('a', settings.value, null)).toEqual({ ok: false, error: 'Port "70000" is not a port number' });
  });
});
