/**
 * Retrying one request that is safe to repeat (it carries its own idempotency: an
 * Idempotency-Key, or a server-side exactly-once like the guest merge): transport failures, 5xx
 * and "busy, try later" answers are retried with backoff, never sooner than the server's
 * `retryAfterMs`.
 */
import { backoffDelay, pause, type Backoff } from "./backoff.js";
import { OpenChatError, isRetryable } from "./errors.js";
import type { NetworkSignal } from "./network.js";

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts: number;
  backoff: Backoff;
  network: NetworkSignal;
  /** Aborting stops retrying (the last error is thrown). */
  signal: AbortSignal;
  /** Which failures to retry. Default: `isRetryable` (transport, 5xx, "busy, try later"). */
  shouldRetry?: (error: unknown) => boolean;
}

export async function retrying<T>(run: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!(options.shouldRetry ?? isRetryable)(error) || attempt + 1 >= options.attempts || options.signal.aborted) throw error;
      const serverSays = error instanceof OpenChatError ? (error.retryAfterMs ?? 0) : 0;
      await pause(Math.max(backoffDelay(attempt, options.backoff), serverSays), options);
    }
  }
}
