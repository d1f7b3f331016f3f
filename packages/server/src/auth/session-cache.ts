/**
 * A short per-process memory of verified bearer tokens → their session, so the requests of an
 * active client do not each cost the session and user queries (and Better Auth's getSession
 * machinery). Used only where a request is authorised (middleware/require-user.ts); sign-in,
 * sign-out and get-session always ask the database; live tails re-check theirs together
 * (live-sessions.ts).
 *
 * The bound: an entry lives at most `ttlMs` (default 5 s) and never past its session's expiry.
 * A sign-out, or the deletion of the user (or a guest merged into a verified user), in THIS
 * process forgets the entries at once; done by another app server or the CLI, it takes effect
 * here within `ttlMs`. Keyed by the exact `Authorization` value Better Auth verified, so any
 * other string is a miss. At most `maxEntries` entries (the oldest are dropped first).
 *
 * @example
 * const sessions = createSessionCache({ ttlMs: 5_000 });
 * const epoch = sessions.epoch;              // before the database lookup
 * sessions.set(authorization, session, epoch); // ignored if a sign-out came in meanwhile
 * sessions.get(authorization);               // the session, or undefined
 */

export interface CachedSession {
  userId: string;
  sessionId: string;
  tenantId: string;
  isAnonymous: boolean;
  /** The session's raw token (what a sign-out names) and its expiry. */
  token: string;
  expiresAt: Date;
}

/** What a forget names: one session's token, or every session of a user. */
export type ForgottenSessions = { token: string } | { userId: string };

export interface SessionCache {
  get(key: string): CachedSession | undefined;
  /** Remembers a session verified by a lookup that began at `epoch` (read `epoch` before it). */
  set(key: string, session: CachedSession, epoch: number): void;
  /** Changes on every forget: a lookup that overlapped one is not remembered. */
  readonly epoch: number;
  /** Its session was deleted (sign-out, expiry clean-up). */
  forgetToken(token: string): void;
  /** The user was deleted (all their sessions with it). */
  forgetUser(userId: string): void;
  /** Told of every forget (e.g. live tails of that session end at once: live-sessions.ts). Returns the unsubscribe. */
  onForget(listener: (forgotten: ForgottenSessions) => void): () => void;
  readonly ttlMs: number;
}

export interface SessionCacheOptions {
  /** How long a verified token is trusted without asking the database. Default 5,000 ms; 0 = off. */
  ttlMs?: number;
  /** Default 10,000. */
  maxEntries?: number;
  now?: () => number;
}

export function createSessionCache({ ttlMs = 5_000, maxEntries = 10_000, now = Date.now }: SessionCacheOptions = {}): SessionCache {
  const entries = new Map<string, { session: CachedSession; until: number }>();
  const listeners = new Set<(forgotten: ForgottenSessions) => void>();
  let epoch = 0;
  const forget = (matches: (session: CachedSession) => boolean) => {
    epoch++;
    for (const [key, entry] of entries) if (matches(entry.session)) entries.delete(key);
  };
  return {
    ttlMs,
    get epoch() {
      return epoch;
    },
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.until > now()) return entry.session;
      entries.delete(key);
      return undefined;
    },
    set(key, session, since) {
      if (ttlMs <= 0 || since !== epoch) return;
      const until = Math.min(now() + ttlMs, session.expiresAt.getTime());
      entries.delete(key);
      entries.set(key, { session, until });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
    forgetToken(token) {
      forget((session) => session.token === token);
      for (const listener of listeners) listener({ token });
    },
    forgetUser(userId) {
      forget((session) => session.userId === userId);
      for (const listener of listeners) listener({ userId });
    },
    onForget(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
