import { KbenchError } from '../errors/index.ts';

/** The guest's host key is not the one we trust. Never retried. */
export class HostKeyError extends KbenchError {
  constructor(message: string) {
    super(message);
    this.name = 'HostKeyError';
  }
}

/** The server refused our key (or the key file is unusable). Never retried. */
export class SshAuthError extends KbenchError {
  constructor(message: string) {
    super(message);
    this.name = 'SshAuthError';
  }
}

/**
 * No working connection: refused, reset, handshake timeout, deadline passed, connection lost.
 * `retryable` is false for failures a retry cannot fix (no common algorithm in the handshake).
 */
export class SshConnectionError extends KbenchError {
  constructor(
    message: string,
    readonly retryable: boolean = true,
  ) {
    super(message);
    this.name = 'SshConnectionError';
  }
}
