/**
 * Live SSE tails re-check their sessions together: every `intervalMs`, ONE query asks which of
 * the sessions behind this process's open tails still exist, unexpired, for the same user; a
 * tail whose session is gone (a sign-out made anywhere, the user's deletion, a guest merged
 * into a verified user) is ended, and its client's reconnect meets 401.
 *
 * Each tail used to re-check its own session through Better Auth every 15 s: 10,000 idle
 * tails were 667 session lookups a second, most of an idle process's CPU. Now the cost is one
 * indexed query per interval (in chunks), whatever the number of tails. The watched sessions go
 * to Postgres as two array parameters and only the GONE ones come back — usually none — where
 * a `token IN (…)` of one bind parameter per token, through Prisma's query builder, brought
 * every live row back (at 2,000 idle tails a check allocated ~1.2 MB and was the largest
 * allocator of an idle process after the heartbeats). The timer runs only while a tail is
 * watched. A sign-out or deletion made in this process ends its tails at once (`revoke`,
 * called from the session cache's forget hooks).
 *
 * ```ts
 * const live = createLiveSessions({ prisma, intervalMs: 15_000 });
 * const unwatch = live.watch({ token, userId }, () => response.end());
 * // … when the tail ends:
 * unwatch();
 * ```
 */
import type { PrismaClient } from "../generated/prisma/client.js";
import type { ForgottenSessions } from "./session-cache.js";

export interface LiveSessionsOptions {
  prisma: Pick<PrismaClient, "$queryRaw">;
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

export function createLiveSessions({ prisma, intervalMs, clock = () => new Date() }: LiveSessionsOptions): LiveSessions {
  const watchers = new Map<symbol, { session: WatchedSession; onRevoked: () => void }>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  async function checkOnce(): Promise<void> {
    const pairs = new Map<string, WatchedSession>();
    for (const { session } of watchers.values()) pairs.set(pairKey(session), session);
    const watched = [...pairs.values()];
    const gone = new Set<string>();
    for (let i = 0; i < watched.length; i += CHUNK) {
      const chunk = watched.slice(i, i + CHUNK);
      const rows = await prisma.$queryRaw<WatchedSession[]>`
        SELECT w.token, w."userId"
        FROM unnest(${chunk.map((s) => s.token)}::text[], ${chunk.map((s) => s.userId)}::text[]) AS w(token, "userId")
        WHERE NOT EXISTS (
          SELECT 1 FROM "session" s WHERE s.token = w.token AND s."userId" = w."userId" AND s."expiresAt" > ${clock()}
        )`;
      for (const row of rows) gone.add(pairKey(row));
    }
    if (gone.size === 0) return;
    for (const [id, watcher] of watchers) {
      if (!gone.has(pairKey(watcher.session))) continue;
      watchers.delete(id);
      watcher.onRevoked();
    }
  }

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
        watchers.delete(id);
        watcher.onRevoked();
      }
      schedule();
    },
    watch(session, onRevoked) {
      const id = Symbol(session.userId);
      watchers.set(id, { session, onRevoked });
      schedule();
      return () => {
        watchers.delete(id);
        schedule();
      };
    },
    check,
    get size() {
      return watchers.size;
    },
  };
}
