/**
 * Fixed-window counters for rate limits and quotas, on rate-limiter-flexible: in Postgres
 * (`rate_limit` table, one atomic upsert per hit) when the server runs on a real database, so
 * every app server on it shares the counts; in this process's memory for the embedded mode (one
 * process, PGlite). A window starts at a key's first hit and lasts `durationSec`.
 *
 * One limiter instance per (bucket, points, duration): the count is stored per key, the limit
 * is the instance's, so a tenant whose limit changes keeps its count and gets the new limit.
 * Past the limit a key is refused from memory until its window ends (no query per refused hit
 * during a flood). When Postgres fails, a per-process memory limiter answers instead.
 */
import type pg from "pg";
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";

export type Taken = { ok: true } | { ok: false; retryAfterMs: number };

export interface Counters {
  /** Counts one hit of `key` in `bucket` against `points` per `durationSec`. */
  take(bucket: string, key: string, points: number, durationSec: number): Promise<Taken>;
  /** Gives back a hit that turned out not to count (e.g. the request failed). Never throws. */
  refund(bucket: string, key: string, points: number, durationSec: number): Promise<void>;
  /** Where the counts live, for the start-up banner and the README's table. */
  readonly kind: "postgres" | "memory";
}

/** The table the Postgres counters use (created by the `tenant_limits` migration). */
export const RATE_LIMIT_TABLE = "rate_limit";

export function createMemoryCounters(): Counters {
  return countersOver("memory", (options) => new RateLimiterMemory(options));
}

/**
 * Counters in Postgres on the server's pool. Expired rows are deleted every 5 minutes by one
 * of the limiters (rate-limiter-flexible's own sweep).
 */
export function createPostgresCounters(pool: pg.Pool): Counters {
  let sweeping = false;
  return countersOver("postgres", (options) => {
    const clearExpiredByTimeout = !sweeping;
    sweeping = true;
    return new RateLimiterPostgres({
      ...options,
      storeClient: pool,
      storeType: "pool",
      tableName: RATE_LIMIT_TABLE,
      tableCreated: true,
      clearExpiredByTimeout,
      // A refused key stays refused in memory until its window ends: a flood costs no queries.
      inMemoryBlockOnConsumed: options.points + 1,
      insuranceLimiter: new RateLimiterMemory(options),
    });
  });
}

type LimiterOptions = { keyPrefix: string; points: number; duration: number };

function countersOver(kind: Counters["kind"], make: (options: LimiterOptions) => RateLimiterAbstract): Counters {
  const limiters = new Map<string, RateLimiterAbstract>();
  const limiter = (bucket: string, points: number, duration: number) => {
    const id = `${bucket}|${points}|${duration}`;
    let found = limiters.get(id);
    if (!found) {
      found = make({ keyPrefix: bucket, points, duration });
      limiters.set(id, found);
    }
    return found;
  };
  return {
    kind,
    async take(bucket, key, points, durationSec) {
      try {
        await limiter(bucket, points, durationSec).consume(key);
        return { ok: true };
      } catch (refused) {
        if (refused instanceof RateLimiterRes) return { ok: false, retryAfterMs: Math.max(refused.msBeforeNext, 1_000) };
        throw refused;
      }
    },
    async refund(bucket, key, points, durationSec) {
      await limiter(bucket, points, durationSec)
        .reward(key)
        .catch(() => undefined);
    },
  };
}
