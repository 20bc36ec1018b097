import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSshConfig } from '../../harness/ssh/config.ts';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const home = '/home/bench';

describe('parseSshConfig', () => {
  it('reads the ssh.config Lima writes for an instance', () => {
    const parsed = parseSshConfig(fixture('lima-ssh.config'), 'lima-zfs-alpine', home);
    expect(parsed).toEqual({
      ok: true,
      value: {
        alias: 'lima-zfs-alpine',
        host: '127.0.0.1',
        port: 50137,
        user: 'example',
        identityFile: '/Users/example/.lima/_config/user',
        identityFiles: ['/Users/example/.lima/_config/user'],
        notes: [],
      },
    });
  });

  it('refuses an alias no Host block names', () => {
    expect(parseSshConfig(fixture('lima-ssh.config'), 'lima-other', home)).toEqual({
      ok: false,
      error: 'no Host block matches "lima-other"',
    });
  });

  it('keeps the first value obtained, accumulates IdentityFile, expands ~ and %-tokens, notes Include and Match', () => {
    const parsed = parseSshConfig(fixture('user-ssh.config'), 'bench-freebsd', home);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.host).toBe('10.0.0.5');
    expect(parsed.value.port).toBe(2201);
    expect(parsed.value.user).toBe('fallback-user');
    expect(parsed.value.identityFiles).toEqual([
      '/home/bench/.ssh/bench_ed25519',
      '/home/bench/.ssh/keys/10.0.0.5 with space',
      '/home/bench/.ssh/id_ed25519',
    ]);
    expect(parsed.value.identityFile).toBe('/home/bench/.ssh/bench_ed25519');
    expect(parsed.value.notes).toEqual([
      'line 2: Include ~/.lima/*/ssh.config not followed',
      'line 21: Match block not evaluated, its settings were skipped',
    ]);
  });

  it('honours negated patterns: bench-skip gets only its own block and Host *', () => {
    const parsed = parseSshConfig(fixture('user-ssh.config'), 'bench-skip', home);
    expect(parsed.ok && parsed.value).toMatchObject({ host: 'skip.example', port: 22, user: 'fallback-user' });
  });

  it('reports a bad Port with its line', () => {
    expect(parseSshConfig(fixture('bad-port.config'), 'lima-broken', home)).toEqual({
      ok: false,
      error: 'line 3: Port "sixty" is not a port number',
    });
  });

  it('reports an unterminated quote with its line', () => {
    const parsed = parseSshConfig('Host a\n  IdentityFile "/x/y\n', 'a', home);
    expect(parsed).toEqual({ ok: false, error: 'line 2: unterminated quote in "IdentityFile \\"/x/y"' });
  });

  it('uses the alias as host and port 22 when the block sets neither', () => {
    const parsed = parseSshConfig('Host plain\n  User me\n', 'plain', home);
    expect(parsed.ok && parsed.value).toMatchObject({ host: 'plain', port: 22, user: 'me', identityFile: null });
  });
});
