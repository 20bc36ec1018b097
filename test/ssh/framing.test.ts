import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { frameCommand, frameOneShot, MarkedStream, parseExitStatus, SHELL_PRELUDE, unframeOutput } from '../../harness/ssh/framing.ts';

/** Runs framed commands through one local `sh`, the way the kept remote shell sees them. */
async function runFramed(commands: string[]): Promise<{ code: number | null; stdout: string; stderr: string }[]> {
  const shell = spawn('sh', [], { stdio: ['pipe', 'pipe', 'pipe'] });
  shell.stdin.write(SHELL_PRELUDE);
  const results: { code: number | null; stdout: string; stderr: string }[] = [];
  for (const command of commands) {
    const framed = frameCommand(command);
    const stdout = new MarkedStream(framed.stdoutMarker, framed.beginMarker);
    const stderr = new MarkedStream(framed.stderrMarker, framed.beginMarker);
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (stdout.complete && stderr.complete && parseExitStatus(stdout.afterMarker()) !== null) {
          shell.stdout.off('data', onOut);
          shell.stderr.off('data', onErr);
          resolve();
        }
      };
      const onOut = (chunk: Buffer): void => (stdout.push(chunk), check());
      const onErr = (chunk: Buffer): void => (stderr.push(chunk), check());
      shell.stdout.on('data', onOut);
      shell.stderr.on('data', onErr);
      shell.stdin.write(framed.line);
    });
    results.push({ code: parseExitStatus(stdout.afterMarker()), stdout: stdout.output().toString('utf8'), stderr: stderr.output().toString('utf8') });
  }
  shell.stdin.end();
  return results;
}

describe('frameCommand', () => {
  it('sends one line whatever the command contains', () => {
    const { line } = frameCommand('echo \'a\'\necho "b" $HOME `x` \\ ;\n');
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
  });

  it('never puts the marker token itself on the wire', () => {
    const token = 'kbench-end-0123456789abcdef';
    const framed = frameCommand('true', token);
    expect(framed.line).not.toContain(token);
    expect(framed.stdoutMarker.toString()).toBe(`\n${token} `);
  });

  it('refuses a NUL byte', () => {
    expect(() => frameCommand('echo a\0b')).toThrow(/NUL/);
  });

  it('keeps the shell intact across exit, syntax errors, cd, stdin readers and unbalanced quotes', async () => {
    const results = await runFramed([
      'exit 7',
      'if then',
      "echo 'unbalanced",
      'cd /tmp && pwd',
      'pwd',
      'cat; echo read-done',
      "printf 'a\\nb'",
      'echo one\necho two >&2\necho three',
      'echo $kbench_rc_is_not_leaked; set -e; false; echo unreachable',
      'echo still-alive',
    ]);
    expect(results[0]).toEqual({ code: 7, stdout: '', stderr: '' });
    expect(results[1]!.code).not.toBe(0);
    expect(results[1]!.stderr).toMatch(/syntax|unexpected/i);
    expect(results[2]!.code).not.toBe(0);
    expect(results[3]).toEqual({ code: 0, stdout: '/tmp\n', stderr: '' });
    expect(results[4]!.stdout).toBe(`${process.cwd()}\n`);
    expect(results[5]).toEqual({ code: 0, stdout: 'read-done\n', stderr: '' });
    expect(results[6]).toEqual({ code: 0, stdout: 'a\nb', stderr: '' });
    expect(results[7]).toEqual({ code: 0, stdout: 'one\nthree\n', stderr: 'two\n' });
    expect(results[8]).toEqual({ code: 1, stdout: '\n', stderr: '' });
    expect(results[9]).toEqual({ code: 0, stdout: 'still-alive\n', stderr: '' });
  });
});

describe('frameCommand begin markers', () => {
  it('drops what the shell printed before the command (a fortune, a motd) and after it', async () => {
    // One shell whose "rc file" printed before the first command, and a background job that prints later.
    const results = await runFramed(['echo fortune-cookie; echo rc-noise >&2; (sleep 0.3; echo late-noise; echo late-err >&2) &', 'sleep 0.6; echo mine']);
    expect(results[0]).toEqual({ code: 0, stdout: 'fortune-cookie\n', stderr: 'rc-noise\n' });
    expect(results[1]!.stdout).toBe('late-noise\nmine\n');
    const framed = frameCommand('echo mine');
    const stream = new MarkedStream(framed.stdoutMarker, framed.beginMarker);
    const wire = Buffer.concat([
      Buffer.from('Welcome to FreeBSD!\nfortune: a tip\n'),
      framed.beginMarker,
      Buffer.from('mine\n'),
      framed.stdoutMarker,
      Buffer.from('0\n'),
    ]);
    // Byte by byte: markers split anywhere.
    for (let i = 0; i < wire.length; i += 1) stream.push(wire.subarray(i, i + 1));
    expect(stream.output().toString()).toBe('mine\n');
    expect(parseExitStatus(stream.afterMarker())).toBe(0);
  });

  it('frameOneShot output is read back between its markers only, with its status', async () => {
    const { script, token } = frameOneShot('echo /boot/kernel.m-series/kernel; exit 3');
    const child = spawn('sh', ['-c', `echo 'fortune: Nothing is impossible'; echo noise >&2; ${script}; echo after`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await new Promise((resolve) => child.once('close', resolve));
    expect(out).toContain('fortune');
    expect(unframeOutput(out, token)).toEqual({ output: '/boot/kernel.m-series/kernel\n', code: 3 });
    expect(unframeOutput('fortune only\n', token)).toBeNull();
    expect(script).not.toContain(token);
  });
});

describe('MarkedStream', () => {
  it('finds a marker split over many chunks and keeps only what precedes it', () => {
    const marker = Buffer.from('\nEND-abcdef ');
    const stream = new MarkedStream(marker);
    const whole = Buffer.concat([Buffer.from('payload\nEND-abc'), marker, Buffer.from('0\n')]);
    for (const byte of whole) stream.push(Buffer.from([byte]));
    expect(stream.complete).toBe(true);
    expect(stream.output().toString()).toBe('payload\nEND-abc');
    expect(parseExitStatus(stream.afterMarker())).toBe(0);
  });

  it('returns what arrived when the marker never came', () => {
    const stream = new MarkedStream(Buffer.from('\nEND\n'));
    stream.push(Buffer.from('partial'));
    expect(stream.complete).toBe(false);
    expect(stream.output().toString()).toBe('partial');
  });
});

describe('parseExitStatus', () => {
  it('waits for the whole line and rejects junk', () => {
    expect(parseExitStatus(Buffer.from('12'))).toBeNull();
    expect(parseExitStatus(Buffer.from('12\n'))).toBe(12);
    expect(parseExitStatus(Buffer.from('x\n'))).toBeNull();
  });
});
