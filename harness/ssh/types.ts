/** The seam between the engine and a guest: something that runs shell commands remotely. */

export interface ExecResult {
  /** Exit status of the command; 124 when it was killed on timeout. */
  code: number;
  stdout: string;
  stderr: string;
  /** Host-side wall time of the call, milliseconds. */
  durationMs: number;
}

export interface ExecOptions {
  /** Kill the command after this long; the session stays usable or is replaced. */
  timeoutMs?: number;
}

/** Anything that can run a POSIX `sh` command line in a guest (an SSH session, or a local shell in tests). */
export interface RemoteShell {
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Runs a long or streaming command on its own channel. */
  execLong(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Copies a local file to the guest (SFTP). */
  upload(localPath: string, remotePath: string): Promise<void>;
  /** Median round trip of a trivial command, milliseconds: subtracted from host-side timings. */
  measureRoundTripMs(samples?: number): Promise<number>;
  close(): Promise<void>;
}

export type HostKeyPolicy =
  /** VMs kbench booted itself: the first key seen is pinned in this file; a later different key is an error. */
  | { kind: 'pin-on-first-contact'; pinFile: string }
  /** Existing machines (ssh backend): the key must already be in this known_hosts file. */
  | { kind: 'known-hosts'; knownHostsFile: string };

export interface SshEndpoint {
  host: string;
  port: number;
  user: string;
  privateKeyPath: string;
  hostKeyPolicy: HostKeyPolicy;
}

/** Quotes one argument for a POSIX shell; the only way a config value may enter a command line. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_./:=@%+-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
