/**
 * One remote `sh` on one channel, running framed commands one at a time (see framing.ts): only
 * the bytes between a command's begin and end markers are its output.
 * It knows nothing about timeouts or reconnecting; SshSession decides when to discard it.
 */
import type { ClientChannel } from 'ssh2';
import { frameCommand, MarkedStream, parseExitStatus, SHELL_PRELUDE } from './framing.ts';

export interface RawResult {
  code: number;
  stdout: Buffer;
  stderr: Buffer;
}

interface Running {
  stdout: MarkedStream;
  stderr: MarkedStream;
  resolve(result: RawResult): void;
  reject(error: Error): void;
}

export class KeptShell {
  private running: Running | null = null;
  private exited = false;
  /** Why the channel ended, for the error of a command that was running then. */
  private exitReason = 'the channel closed';

  constructor(private readonly channel: ClientChannel) {
    channel.on('data', (chunk: Buffer) => this.onData('stdout', chunk));
    channel.stderr.on('data', (chunk: Buffer) => this.onData('stderr', chunk));
    channel.on('exit', (code: number | null, signal?: string) => {
      // ssh2 names signals with their SIG prefix.
      this.exitReason = code === null ? `the shell was killed by ${signal}` : `the shell exited with ${code}`;
    });
    channel.on('close', () => this.onClose());
    channel.write(SHELL_PRELUDE);
  }

  get alive(): boolean {
    return !this.exited;
  }

  run(command: string): Promise<RawResult> {
    if (this.exited) return Promise.reject(new Error(`kept shell is gone: ${this.exitReason}`));
    if (this.running) return Promise.reject(new Error('kept shell is already running a command'));
    const framed = frameCommand(command);
    return new Promise<RawResult>((resolve, reject) => {
      this.running = {
        stdout: new MarkedStream(framed.stdoutMarker, framed.beginMarker),
        stderr: new MarkedStream(framed.stderrMarker, framed.beginMarker),
        resolve,
        reject,
      };
      this.channel.write(framed.line);
    });
  }

  /** Output of the running command so far; it is no longer waited for. */
  abandon(): { stdout: Buffer; stderr: Buffer } {
    const running = this.running;
    this.running = null;
    return { stdout: running?.stdout.output() ?? Buffer.alloc(0), stderr: running?.stderr.output() ?? Buffer.alloc(0) };
  }

  close(): void {
    this.channel.close();
  }

  private onData(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    const running = this.running;
    // Bytes with no command waiting come from background jobs of earlier commands: dropped.
    if (!running) return;
    running[stream].push(chunk);
    if (!running.stdout.complete || !running.stderr.complete) return;
    const code = parseExitStatus(running.stdout.afterMarker());
    if (code === null) return;
    this.running = null;
    running.resolve({ code, stdout: running.stdout.output(), stderr: running.stderr.output() });
  }

  private onClose(): void {
    this.exited = true;
    const running = this.running;
    this.running = null;
    running?.reject(new Error(`kept shell ended during the command: ${this.exitReason}`));
  }
}
