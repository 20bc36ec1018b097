/**
 * How many commands share one remote `sh`: each is sent as one line that prints a begin marker on
 * stdout and stderr, runs the command in a subshell and then prints an end marker on stdout (with
 * the exit status) and on stderr. Only the bytes between the two markers are the command's output:
 * whatever a login shell prints around it (a `fortune` from FreeBSD's skeleton .profile, a motd,
 * rc noise, a late background job) never reaches a parser. The marker is a fresh random token per
 * command, split in two halves in the line we send so that not even an echo of our own input can
 * contain it.
 */
import { randomBytes } from 'node:crypto';
import { shellQuote } from './types.ts';

/** Variables the kept shell defines once; commands must not rely on them. */
export const SHELL_PRELUDE = "kbench_nl=$(printf '\\nx'); kbench_nl=${kbench_nl%x}\n";

export interface FramedCommand {
  line: string;
  /** Printed on both streams right before the command runs. */
  beginMarker: Buffer;
  stdoutMarker: Buffer;
  stderrMarker: Buffer;
}

export function newMarkerToken(): string {
  return `kbench-end-${randomBytes(16).toString('hex')}`;
}

/**
 * The single line sent to the kept shell. `eval` inside `( )` keeps a syntax error, `exit`, `cd`
 * or `set -e` of the command from touching the kept shell; stdin is /dev/null so the command
 * cannot swallow the lines of later commands.
 */
export function frameCommand(command: string, token: string = newMarkerToken()): FramedCommand {
  if (command.includes('\0')) throw new Error('a shell command cannot contain a NUL byte');
  const half = Math.floor(token.length / 2);
  const [head, tail] = [token.slice(0, half), token.slice(half)];
  const singleLine = shellQuote(command).replace(/\n/g, `'"$kbench_nl"'`);
  const line =
    `${printBeginMarker(token)}; ( eval ${singleLine} ) </dev/null; kbench_rc=$?; ` +
    `printf '\\n%s%s %d\\n' ${head} ${tail} "$kbench_rc"; printf '\\n%s%s\\n' ${head} ${tail} >&2\n`;
  return { line, beginMarker: beginMarkerOf(token), stdoutMarker: Buffer.from(`\n${token} `), stderrMarker: Buffer.from(`\n${token}\n`) };
}

export function beginMarkerOf(token: string): Buffer {
  return Buffer.from(`${token}-begin\n`);
}

/** A shell line that prints the begin marker of `token` on stdout and stderr (the token is split, as above). */
export function printBeginMarker(token: string): string {
  const half = Math.floor(token.length / 2);
  const [head, tail] = [token.slice(0, half), token.slice(half)];
  return `printf '%s%s-begin\\n' ${head} ${tail}; printf '%s%s-begin\\n' ${head} ${tail} >&2`;
}

/**
 * A one-shot command for a channel we do not control (`limactl shell`, which runs `$SHELL -l -c`
 * and so sources the login profile): its stdout framed by begin and end lines; see unframeOutput.
 */
export function frameOneShot(command: string, token: string = newMarkerToken()): { script: string; token: string } {
  const half = Math.floor(token.length / 2);
  const [head, tail] = [token.slice(0, half), token.slice(half)];
  return {
    script: `${printBeginMarker(token)}; ( ${command} ); kbench_rc=$?; printf '\\n%s%s %d\\n' ${head} ${tail} "$kbench_rc"; exit "$kbench_rc"`,
    token,
  };
}

/** Pure: the stdout of a frameOneShot command between its markers, or null when a marker is missing. */
export function unframeOutput(stdout: string, token: string): { output: string; code: number } | null {
  const begin = stdout.indexOf(`${token}-begin\n`);
  if (begin < 0) return null;
  const from = begin + token.length + '-begin\n'.length;
  const end = stdout.indexOf(`\n${token} `, from);
  if (end < 0) return null;
  const status = /^(\d+)(?:\r?\n|$)/.exec(stdout.slice(end + token.length + 2));
  if (!status) return null;
  return { output: stdout.slice(from, end), code: Number(status[1]) };
}

/**
 * Collects one stream's bytes until its end marker; the output is what lies between the begin
 * marker (when one is given: bytes before it are dropped) and the end marker.
 */
export class MarkedStream {
  private readonly chunks: Buffer[] = [];
  private length = 0;
  private markerAt = -1;
  private carry: Buffer = Buffer.alloc(0);
  /** Still looking for the begin marker: the last begin-length-minus-one bytes seen. */
  private beforeBegin: Buffer | null;

  constructor(
    private readonly marker: Buffer,
    private readonly begin: Buffer | null = null,
  ) {
    this.beforeBegin = begin === null ? null : Buffer.alloc(0);
  }

  /** True once the begin marker arrived (always, without one). */
  get begun(): boolean {
    return this.beforeBegin === null;
  }

  get complete(): boolean {
    return this.markerAt >= 0;
  }

  /** Bytes after the marker are kept too: the exit status may arrive in a later chunk. */
  push(chunk: Buffer): void {
    if (this.beforeBegin !== null) {
      const window = this.beforeBegin.length > 0 ? Buffer.concat([this.beforeBegin, chunk]) : chunk;
      const found = window.indexOf(this.begin!);
      if (found < 0) {
        this.beforeBegin = Buffer.from(window.subarray(window.length - Math.min(window.length, this.begin!.length - 1)));
        return;
      }
      this.beforeBegin = null;
      chunk = Buffer.from(window.subarray(found + this.begin!.length));
      if (chunk.length === 0) return;
    }
    this.chunks.push(chunk);
    this.length += chunk.length;
    if (!this.complete) this.findMarker();
  }

  /** The output before the marker, or everything received so far when the marker never came. */
  output(): Buffer {
    const all = this.joined();
    return this.complete ? all.subarray(0, this.markerAt) : all;
  }

  /** Bytes after the marker (the exit status line on stdout). */
  afterMarker(): Buffer {
    return this.complete ? this.joined().subarray(this.markerAt + this.marker.length) : Buffer.alloc(0);
  }

  private joined(): Buffer {
    if (this.chunks.length > 1) {
      const all = Buffer.concat(this.chunks, this.length);
      this.chunks.splice(0, this.chunks.length, all);
    }
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  // Only the new chunk plus the previous marker-length-minus-one bytes are searched, so 5 MB of output stays linear.
  private findMarker(): void {
    const chunk = this.chunks[this.chunks.length - 1]!;
    const window = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const found = window.indexOf(this.marker);
    if (found >= 0) {
      this.markerAt = this.length - window.length + found;
      return;
    }
    const keep = Math.min(window.length, this.marker.length - 1);
    this.carry = Buffer.from(window.subarray(window.length - keep));
  }
}

/** Parses `<code>\n` after the stdout marker; null until the line is complete. */
export function parseExitStatus(afterMarker: Buffer): number | null {
  const end = afterMarker.indexOf(0x0a);
  if (end < 0) return null;
  const text = afterMarker.subarray(0, end).toString('latin1');
  return /^\d+$/.test(text) ? Number(text) : null;
}
