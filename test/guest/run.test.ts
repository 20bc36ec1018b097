import { describe, expect, it } from 'vitest';
import { GuestCommandError, parseSections, runChecked, runSections, sectionScript } from '../../harness/guest/common/run.ts';
import { LocalShell } from '../helpers/local-shell.ts';
import { rejection } from './fixtures.ts';

describe('runSections through a real sh', () => {
  it('keeps each command output and exit status apart, with or without a trailing newline', async () => {
    const shell = new LocalShell();
    const out = await runSections(shell, {
      lines: 'printf "a\\nb\\n"',
      no_newline: 'printf x',
      empty: 'true',
      fails: 'echo partial; echo oops >&2; exit 3',
      blank_lines: 'printf "\\n\\nz\\n\\n"',
    });
    expect(out.lines).toEqual({ output: 'a\nb', code: 0 });
    expect(out.no_newline).toEqual({ output: 'x', code: 0 });
    expect(out.empty).toEqual({ output: '', code: 0 });
    expect(out.fails).toEqual({ output: 'partial', code: 3 });
    expect(out.blank_lines).toEqual({ output: '\n\nz\n', code: 0 });
    expect(shell.commands).toHaveLength(1);
  });

  it('refuses section names that are not plain identifiers', () => {
    expect(() => sectionScript({ 'a b': 'true' })).toThrow(/must match/);
  });

  it('parseSections refuses truncated output', () => {
    expect(parseSections('@@kbench-section a\nhello\n').ok).toBe(false);
    expect(parseSections('@@kbench-status 0\n').ok).toBe(false);
    expect(parseSections('@@kbench-section a\n@@kbench-status x\n').ok).toBe(false);
  });
});

describe('runChecked', () => {
  it('returns stdout of a successful command', async () => {
    expect(await runChecked(new LocalShell(), 'echo hello')).toBe('hello\n');
  });

  it('throws one line naming the command, the exit status and the first stderr line', async () => {
    const error = await runChecked(new LocalShell(), 'echo first >&2; echo second >&2; exit 7').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GuestCommandError);
    const message = (error as Error).message;
    expect(message).toBe('guest command failed (exit 7): echo first >&2; echo second >&2; exit 7: first');
    expect(message).not.toContain('\n');
  });

  it('reports a timeout as such', async () => {
    const error = await rejection(runChecked(new LocalShell(), 'sleep 5', { timeoutMs: 100 }));
    expect((error as Error).message).toMatch(/^guest command failed \(timed out\): sleep 5: no output$/);
  });
});
