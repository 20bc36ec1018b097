import { InfraError, KbenchError } from '../errors/index.ts';

/** The guest's host key is not the one we trust: the user's to fix (exit 2). Never retried. */
export class HostKeyError extends KbenchError {
  override readonly name = 'HostKeyError';
}

/** The server refused our key (or the key file is unusable): the user's to fix (exit 2). Never retried. */
export class SshAuthError extends KbenchError {
  override readonly name = 'SshAuthError';
}

/**
 * No working connection: refused, reset, handshake timeout, deadline passed, connection lost.
 * Infrastructure (exit 3): the machine or the network failed, not the input.
 * `retryable` is false for failures a retry cannot fix (no common algorithm in the handshake).
 */
export class SshConnectionError extends InfraError {
  override readonly name = 'SshConnectionError';
  constructor(
    message: string,
    readonly retryable: boolean = true,
  ) {
    super(message);
  }
}
