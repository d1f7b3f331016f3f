/**
 * Reconnect timing: exponential backoff with full jitter (AWS architecture blog, "Exponential
 * Backoff And Jitter"): attempt n waits a uniformly random time in [0, min(max, initial * 2^n)],
 * so a server restart is not met by every client at the same instant.
 */
import type { NetworkSignal } from "./network.js";

export interface ReconnectOptions {
  /** Upper bound of the first retry's random delay. Default 250 ms. */
  initialDelayMs?: number;
  /** Cap of the delay. Default 10 000 ms. */
  maxDelayMs?: number;
  /** Random source in [0, 1). Default `Math.random`. */
  random?: () => number;
}

export type Backoff = Required<ReconnectOptions>;

export function resolveBackoff(options: ReconnectOptions = {}): Backoff {
  return {
    initialDelayMs: options.initialDelayMs ?? 250,
    maxDelayMs: options.maxDelayMs ?? 10_000,
    random: options.random ?? Math.random,
  };
}

/** The wait a server's `retryAfterMs` may ask for: at least 250 ms (no hot loop), at most 30 s (never stuck). */
export const RETRY_AFTER_RANGE = { minMs: 250, maxMs: 30_000 } as const;

export function clampRetryAfter(ms: number): number {
  return Math.min(RETRY_AFTER_RANGE.maxMs, Math.max(RETRY_AFTER_RANGE.minMs, ms));
}

/**
 * The delay before retry number `attempt` of a retryable failure: the backoff, but never
 * earlier than the server asked (`503 overloaded` + `Retry-After`: retrying sooner only adds load).
 */
export function retryDelay(attempt: number, backoff: Backoff, retryAfterMs: number | undefined): number {
  const delay = backoffDelay(attempt, backoff);
  return retryAfterMs === undefined ? delay : Math.max(delay, clampRetryAfter(retryAfterMs));
}

/** The delay before retry number `attempt` (0-based). */
export function backoffDelay(attempt: number, backoff: Backoff): number {
  const ceiling = Math.min(backoff.maxDelayMs, backoff.initialDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor(backoff.random() * ceiling);
}

/**
 * Waits `ms`, ending early when the network comes back online, the page wakes, `kick` is
 * called or `signal` aborts. Never rejects.
 */
export function pause(ms: number, options: { signal: AbortSignal; network: NetworkSignal; kick?: Set<() => void> }): Promise<void> {
  const { signal, network, kick } = options;
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const cleanups: Array<() => void> = [];
    const done = () => {
      for (const cleanup of cleanups) cleanup();
      resolve();
    };
    if (Number.isFinite(ms)) {
      const timer = setTimeout(done, ms);
      cleanups.push(() => clearTimeout(timer));
    }
    signal.addEventListener("abort", done, { once: true });
    cleanups.push(() => signal.removeEventListener("abort", done));
    cleanups.push(network.onChange((online) => online && done()));
    if (network.onWake) cleanups.push(network.onWake(done));
    if (kick) {
      kick.add(done);
      cleanups.push(() => kick.delete(done));
    }
  });
}
