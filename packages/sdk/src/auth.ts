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

type SignInBody = { token?: unknown; user?: { id?: unknown }; merged?: { chats?: unknown } | null } | null;

/**
 * A sign-in request (guest or JWT): resolves with the session token — the signed one of
 * `set-auth-token`, else the body's raw one, which the bearer plugin accepts too — and the body.
 */
export async function signIn(endpoint: Endpoint, path: string, body: object, bearer?: string | null): Promise<{ token: string; body: SignInBody }> {
  const ref = { method: "POST", url: path };
  const response = await sendRaw(endpoint, { method: "POST", path, body }, bearer);
  if (!response.ok) throw await errorFrom(response, ref);
  const json = (await response.json().catch(() => null)) as SignInBody;
  const token = response.headers.get(HEADER.authToken) ?? json?.token;
  if (typeof token !== "string" || !token) throw await errorFrom(new Response(null, { status: 502 }), ref);
  return { token, body: json };
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
  /**
   * Replaces the session with what `change` returns (the same object: left as it is; a null
   * token: the next request signs in as a guest). Requests wait until it is done; `change` must
   * not wait for requests.
   */
  replace(change: (now: Session) => Promise<Session>): Promise<Session>;
}

export interface SessionTokenOptions {
  endpoint: Endpoint;
  storage: ChatStorage;
  keys: { token: string; user: string };
  /**
   * The verified `user`'s session was refused (expired, revoked): a new one (identity.ts: from
   * the site's token it was identified with, if still at hand), or null.
   */
  renew(user: VerifiedUser): Promise<Session | null>;
}

/** The client's own session, persisted under `keys`. One sign-in or switch runs at a time. */
export function sessionTokens(options: SessionTokenOptions): SessionTokens {
  const { endpoint, storage, keys } = options;
  let current: string | null = null;
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

  /** What storage holds (another tab may have changed it), with our token when we have one. */
  async function stored(): Promise<Session> {
    const [token, user] = await Promise.all([storage.get(keys.token).catch(() => null), storage.get(keys.user).catch(() => null)]);
    return { token: current ?? token, user: decodeUser(user) };
  }

  async function save(session: Session): Promise<Session> {
    current = session.token;
    await (session.token ? storage.set(keys.token, session.token) : storage.delete(keys.token)).catch(() => {});
    await (session.user ? storage.set(keys.user, JSON.stringify(session.user)) : storage.delete(keys.user)).catch(() => {});
    return session;
  }

  async function signInAsGuest(): Promise<string | null> {
    return (await save({ token: (await signIn(endpoint, API_PATH.signInAnonymous, {})).token, user: null })).token;
  }

  return {
    async get() {
      await idle();
      return current ?? exclusive(async () => (current = (await stored()).token) ?? signInAsGuest());
    },
    async refresh(refused) {
      await idle();
      if (current && current !== refused) return current; // another request already refreshed
      return exclusive(async () => {
        if (current && current !== refused) return current;
        current = null;
        // Another tab may have signed in again already (shared storage).
        const now = await stored();
        if (now.token && now.token !== refused) return (current = now.token);
        if (now.user) {
          // A verified session ended: renew it, never fall back to a guest behind the page's back.
          const renewed = await options.renew(now.user);
          return renewed ? (await save(renewed)).token : null;
        }
        return signInAsGuest();
      });
    },
    replace(change) {
      return exclusive(async () => {
        const now = await stored();
        const next = await change(now);
        return next === now ? now : save(next);
      });
    },
  };
}

function decodeUser(raw: string | null): VerifiedUser | null {
  try {
    const user = JSON.parse(raw!) as VerifiedUser | null;
    return user?.id ? user : null;
  } catch {
    return null;
  }
}
