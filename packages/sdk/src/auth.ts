/**
 * Bearer tokens. By default the client holds a session of its own: a guest's (`POST
 * /v1/auth/sign-in/anonymous`, token from the `set-auth-token` header), or a verified user's
 * after `identify()`. The token is kept in storage so a reload (and every tab) stays the same
 * user; on a 401 a guest signs in again once. A `getToken` function replaces all of that (your
 * own auth).
 */
import { API_PATH, HEADER } from "@open-chat/shared";
import { errorFrom, sendRaw, type Endpoint, type TokenSource } from "./http.js";
import type { ChatStorage } from "./storage.js";

/**
 * Your own token provider. Called before requests (`refresh: false`; cache it yourself) and once
 * more with `refresh: true` after a 401 (return a new token, or null to give up).
 */
export type GetToken = (context: { refresh: boolean }) => string | null | undefined | Promise<string | null | undefined>;

export function customTokenSource(getToken: GetToken): TokenSource {
  return {
    async get() {
      return (await getToken({ refresh: false })) ?? null;
    },
    async refresh() {
      return (await getToken({ refresh: true })) ?? null;
    },
  };
}

/** The verified user behind a stored token: our user id, the tenant's `sub`, the publishable key it came with. */
export interface VerifiedUser {
  id: string;
  subject: string;
  key: string;
}

export interface Session {
  token: string | null;
  /** Null for a guest (or no session yet). */
  user: VerifiedUser | null;
}

export interface SessionTokens extends TokenSource {
  /** The stored session, once no sign-in or switch is running. */
  read(): Promise<Session>;
  /**
   * Replaces the session with what `change` returns (a null token: the next request signs in as
   * a guest). Requests wait until it is done; `change` must not wait for requests.
   */
  replace(change: (now: Session) => Promise<Session>): Promise<Session>;
  /**
   * Keeps the tenant's user token of the verified session `subject`: after a 401 it is exchanged
   * again (while it is valid) instead of giving up.
   */
  remember(subject: string, userToken: string): void;
}

export interface SessionTokenOptions {
  endpoint: Endpoint;
  storage: ChatStorage;
  keys: { token: string; user: string };
  /** Exchanges a tenant's user token for a verified session (identity.ts), without merging a guest. */
  reidentify(userToken: string): Promise<Session>;
}

/** The client's own session, persisted under `keys`. One sign-in or switch runs at a time. */
export function sessionTokens(options: SessionTokenOptions): SessionTokens {
  const { endpoint, storage, keys } = options;
  let current: string | null = null;
  let held: { subject: string; userToken: string } | null = null;
  let running: Promise<unknown> | null = null;

  function exclusive<T>(run: () => Promise<T>): Promise<T> {
    const result = (running ?? Promise.resolve()).catch(() => {}).then(run);
    const tracked: Promise<unknown> = result.catch(() => {}).finally(() => {
      if (running === tracked) running = null;
    });
    running = tracked;
    return result;
  }

  async function idle(): Promise<void> {
    while (running) await running;
  }

  async function stored(): Promise<Session> {
    const [token, user] = await Promise.all([storage.get(keys.token).catch(() => null), storage.get(keys.user).catch(() => null)]);
    return { token, user: decodeUser(user) };
  }

  async function save(session: Session): Promise<Session> {
    current = session.token;
    if (!session.user || session.user.subject !== held?.subject) held = null;
    await (session.token ? storage.set(keys.token, session.token) : storage.delete(keys.token)).catch(() => {});
    await (session.user ? storage.set(keys.user, JSON.stringify(session.user)) : storage.delete(keys.user)).catch(() => {});
    return session;
  }

  async function signInAsGuest(): Promise<string> {
    const request = { method: "POST", path: API_PATH.signInAnonymous, body: {} };
    const response = await sendRaw(endpoint, request);
    if (!response.ok) throw await errorFrom(response, { method: request.method, url: request.path });
    let token = response.headers.get(HEADER.authToken);
    if (!token) {
      // Better Auth also returns the raw session token in the body; the bearer plugin accepts it.
      const body = (await response.json().catch(() => null)) as { token?: unknown } | null;
      token = typeof body?.token === "string" ? body.token : null;
    } else {
      await response.body?.cancel().catch(() => {});
    }
    if (!token) throw await errorFrom(new Response(null, { status: 502 }), { method: request.method, url: request.path });
    await save({ token, user: null });
    return token;
  }

  return {
    async get() {
      await idle();
      if (current) return current;
      return exclusive(async () => current ?? (current = (await stored()).token) ?? signInAsGuest());
    },
    async refresh(refused) {
      await idle();
      if (current && current !== refused) return current; // another request already refreshed
      return exclusive(async () => {
        if (current && current !== refused) return current;
        // Another tab may have signed in again already (shared storage).
        const now = await stored();
        if (now.token && now.token !== refused) return (current = now.token);
        if (now.user) {
          // A verified session ended: never fall back to a guest behind the page's back.
          if (held?.subject !== now.user.subject) return (current = null);
          return (await save(await options.reidentify(held.userToken))).token;
        }
        current = null;
        return signInAsGuest();
      });
    },
    async read() {
      await idle();
      const now = await stored();
      return current ? { ...now, token: current } : now;
    },
    replace(change) {
      return exclusive(async () => {
        const now = await stored();
        return save(await change(current ? { ...now, token: current } : now));
      });
    },
    remember(subject, userToken) {
      held = { subject, userToken };
    },
  };
}

function decodeUser(raw: string | null): VerifiedUser | null {
  try {
    const user = raw ? (JSON.parse(raw) as Partial<VerifiedUser>) : null;
    return user && typeof user.id === "string" && typeof user.subject === "string" ? { id: user.id, subject: user.subject, key: String(user.key ?? "") } : null;
  } catch {
    return null;
  }
}
