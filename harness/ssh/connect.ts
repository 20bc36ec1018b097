/**
 * Waiting for a guest that is still booting: its forwarded port refuses, resets, or hangs in the
 * handshake until sshd is up. Those are retried with exponential backoff until the deadline; a
 * refused key or a wrong host key will not get better and fail at once.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { SshConnectionError } from './errors.ts';
import { describeEndpoint, SshSession, type SshSessionOptions } from './session.ts';
import type { SshEndpoint } from './types.ts';

export interface ConnectAttempt {
  /** 1-based. */
  attempt: number;
  elapsedMs: number;
  /** null when this attempt succeeded. */
  error: Error | null;
  /** Wait before the next attempt; null when there is none (success, fatal error, or deadline). */
  retryInMs: number | null;
}

export interface ConnectWithRetryOptions {
  /** Give up this many milliseconds after the call. */
  deadlineMs: number;
  onAttempt?: (attempt: ConnectAttempt) => void;
  /** First wait between attempts; doubles up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  session?: SshSessionOptions;
}

export interface ConnectedSession {
  session: SshSession;
  /** Wall clock (epoch ms) when the first command succeeded: the end of a boot-to-SSH measurement. */
  connectedAtMs: number;
  attempts: number;
}

const LAST_ATTEMPT_MIN_MS = 100;

/** Connected means: authenticated and the kept shell answered a no-op command. */
export async function connectWithRetry(endpoint: SshEndpoint, options: ConnectWithRetryOptions): Promise<ConnectedSession> {
  const started = performance.now();
  const remaining = (): number => options.deadlineMs - (performance.now() - started);
  let backoffMs = options.initialBackoffMs ?? 250;
  const maxBackoffMs = options.maxBackoffMs ?? 4_000;
  let lastError: Error | null = null;

  for (let attempt = 1; ; attempt += 1) {
    const report = (error: Error | null, retryInMs: number | null): void =>
      options.onAttempt?.({ attempt, elapsedMs: performance.now() - started, error, retryInMs });
    try {
      const session = await SshSession.connect(endpoint, {
        ...options.session,
        readyTimeoutMs: Math.max(LAST_ATTEMPT_MIN_MS, Math.min(remaining(), options.session?.readyTimeoutMs ?? 30_000)),
      });
      const probe = await probeKeptShell(session, remaining());
      if (probe === null) {
        const connectedAtMs = Date.now();
        report(null, null);
        return { session, connectedAtMs, attempts: attempt };
      }
      await session.close().catch(() => undefined);
      throw probe;
    } catch (error) {
      lastError = error as Error;
      const retryable = error instanceof SshConnectionError && error.retryable;
      // The last wait is shortened so one more attempt still starts before the deadline.
      const left = remaining();
      const waitMs = Math.max(0, Math.min(backoffMs, left - LAST_ATTEMPT_MIN_MS));
      const retrying = retryable && left - waitMs >= LAST_ATTEMPT_MIN_MS;
      report(lastError, retrying ? waitMs : null);
      if (!retryable) throw error;
      if (!retrying) break;
      await sleep(waitMs);
      backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
    }
  }
  const where = describeEndpoint(endpoint);
  const seconds = (options.deadlineMs / 1000).toFixed(options.deadlineMs < 10_000 ? 1 : 0);
  const lastDetail = (lastError?.message ?? 'none').replace(`ssh ${where}: `, '');
  throw new SshConnectionError(`ssh ${where}: no connection within ${seconds} s (last error: ${lastDetail})`, false);
}

/** null when the kept shell runs `:` fine; otherwise the error to retry on. */
async function probeKeptShell(session: SshSession, remainingMs: number): Promise<Error | null> {
  try {
    const result = await session.exec(':', { timeoutMs: Math.max(1_000, remainingMs) });
    return result.code === 0 ? null : new SshConnectionError(`ssh ${describeEndpoint(session.endpoint)}: no-op command exited ${result.code}`);
  } catch (error) {
    return error instanceof Error ? error : new SshConnectionError(String(error));
  }
}
