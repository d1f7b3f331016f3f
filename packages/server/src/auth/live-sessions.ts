/**
 * Live SSE tails re-check their sessions together: every `intervalMs`, ONE query asks which of
 * the sessions behind this process's open tails still exist, unexpired, for the same user; a
 * tail whose session is gone (a sign-out made anywhere, the user's deletion, a guest merged
 * into a verified user) is ended, and its client's reconnect meets 401.
 *
 * Each tail used to re-check its own session through Better Auth every 15 s: 10,000 idle
 * tails were 667 session lookups a second, most of an idle process's CPU. Now the cost is one
 * indexed query per interval (in chunks), whatever the number of tails. The watched sessions go
 * to Postgres as two arrays (each one parameter, a Postgres array literal built once and kept
 * while the watched sessions stay the same) and only the GONE ones come back, usually none, where
 * a `token IN (…)` of one bind parameter per token, through Prisma's query builder, brought
 * every live row back (at 2,000 idle tails a check allocated ~1.2 MB and was the largest
 * allocator of an idle process after the heartbeats). The timer runs only while a tail is
 * watched. A sign-out or deletion made in this process ends its tails at once (`revoke`,
 * called from the session cache's forget hooks).
 *
 * ```ts
 * const live = createLiveSessions({ sql: poolSql(db.pool), intervalMs: 15_000 });
 * const unwatch = live.watch({ token, userId }, () => response.end());
 * // … when the tail ends:
 * unwatch();
 * ```
 */
import type { Sql } from "../db/sql.js";
import type { ForgottenSessions } from "./session-cache.js";

export interface LiveSessionsOptions {
  /** Runs the check (db/sql.ts): on the pg pool, its two large string parameters skip Prisma's processing. */
  sql: Sql;
  /** How often the watched sessions are checked. */
  intervalMs: number;
  clock?: () => Date;
}

export interface WatchedSession {
  /** The session's token as stored (Better Auth's `session.token`). */
  token: string;
  userId: string;
}

export interface LiveSessions {
  /** Calls `onRevoked` once when the session is found gone; the returned function stops watching. */
  watch(session: WatchedSession, onRevoked: () => void): () => void;
  /** Checks every watched session now (the timer does this every interval). */
  check(): Promise<void>;
  /** Ends at once the tails of a session (or of a user) this process just signed out or deleted. */
  revoke(gone: ForgottenSessions): void;
  /** Tails watched (for tests and metrics). */
  readonly size: number;
}

/** Sessions per query: each chunk is one statement, small enough to stay quick. */
const CHUNK = 5_000;

/** A token and its user as one key (a token is unique; the user is checked with it). */
const pairKey = (session: WatchedSession) => `${session.userId}\u0000${session.token}`;

/** One chunk's sessions as Postgres array literals (`{"a","b"}`), each sent as one parameter. */
interface ChunkParams {
  tokens: string;
  userIds: string;
}

/** A Postgres array literal of strings: every element quoted, `"` and `\` escaped. */
function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replace(/["\\]/g, "\\$&")}"`).join(",")}}`;
}

export function createLiveSessions({ sql, intervalMs, clock = () => new Date() }: LiveSessionsOptions): LiveSessions {
  const watchers = new Map<symbol, { session: WatchedSession; onRevoked: () => void }>();
  /** The distinct sessions watched, with how many tails watch each. */
  const sessions = new Map<string, { session: WatchedSession; tails: number }>();
  /** The query parameters for `sessions`, built once and kept until a session comes or goes. */
  let params: ChunkParams[] | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const add = (session: WatchedSession) => {
    const key = pairKey(session);
    const known = sessions.get(key);
    if (known) known.tails++;
    else {
      sessions.set(key, { session, tails: 1 });
      params = undefined;
    }
  };
  const remove = (session: WatchedSession) => {
    const key = pairKey(session);
    const known = sessions.get(key);
    if (!known || --known.tails > 0) return;
    sessions.delete(key);
    params = undefined;
  };

  // Idle tails are checked every interval for hours: their parameters are made once, not at
  // every check (at 10,000 tails rebuilding them was ~13 MB of garbage per check, 40 % of what
  // an idle process allocated, and kept V8 from ever counting the process as quiet).
  const currentParams = (): ChunkParams[] => {
    if (params) return params;
    const all = [...sessions.values()];
    params = [];
    for (let i = 0; i < all.length; i += CHUNK) {
      const chunk = all.slice(i, i + CHUNK);
      params.push({ tokens: arrayLiteral(chunk.map(({ session }) => session.token)), userIds: arrayLiteral(chunk.map(({ session }) => session.userId)) });
    }
    return params;
  };

  async function checkOnce(): Promise<void> {
    const gone = new Set<string>();
    for (const { tokens, userIds } of currentParams()) {
      const rows = await sql.rows<WatchedSession>(
        `SELECT w.token, w."userId"
        FROM unnest($1::text[], $2::text[]) AS w(token, "userId")
        WHERE NOT EXISTS (
          SELECT 1 FROM "session" s WHERE s.token = w.token AND s."userId" = w."userId" AND s."expiresAt" > $3
        )`,
        [tokens, userIds, clock()],
      );
      for (const row of rows) gone.add(pairKey(row));
    }
    if (gone.size === 0) return;
    for (const [id, watcher] of watchers) {
      if (!gone.has(pairKey(watcher.session))) continue;
      end(id, watcher);
    }
  }

  /** Stops watching one tail and tells it its session is gone. */
  const end = (id: symbol, watcher: { session: WatchedSession; onRevoked: () => void }) => {
    watchers.delete(id);
    remove(watcher.session);
    watcher.onRevoked();
  };

  const check = (): Promise<void> => (running ??= checkOnce().finally(() => (running = undefined)));

  const schedule = () => {
    if (watchers.size === 0) {
      clearInterval(timer);
      timer = undefined;
    } else if (!timer) {
      // A database hiccup is not a revocation: the next interval decides.
      timer = setInterval(() => void check().catch(() => undefined), intervalMs);
      timer.unref();
    }
  };

  return {
    revoke(gone) {
      for (const [id, watcher] of watchers) {
        if ("token" in gone ? watcher.session.token !== gone.token : watcher.session.userId !== gone.userId) continue;
        end(id, watcher);
      }
      schedule();
    },
    watch(session, onRevoked) {
      const id = Symbol(session.userId);
      watchers.set(id, { session, onRevoked });
      add(session);
      schedule();
      return () => {
        // A tail already ended (its session found gone) was let go then.
        if (watchers.delete(id)) remove(session);
        schedule();
      };
    },
    check,
    get size() {
      return watchers.size;
    },
  };
}
