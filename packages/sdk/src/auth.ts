/**
 * Bearer tokens. By default the client signs in as a guest (`POST /v1/auth/sign-in/anonymous`,
 * token from the `set-auth-token` header), keeps the token in storage so a reload stays the same
 * user, and signs in again once when the server answers 401. A `getToken` function replaces all
 * of that (your own auth).
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

/** Guest sign-in with the token persisted under `key`. Concurrent callers share one sign-in. */
export function guestTokenSource(options: { endpoint: Endpoint; storage: ChatStorage; key: string }): TokenSource {
  const { endpoint, storage, key } = options;
  let current: string | null = null;
  let pending: Promise<string> | null = null;

  async function signIn(): Promise<string> {
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
    current = token;
    await storage.set(key, token).catch(() => {});
    return token;
  }

  function shared(run: () => Promise<string>): Promise<string> {
    pending ??= run().finally(() => {
      pending = null;
    });
    return pending;
  }

  return {
    async get() {
      if (current) return current;
      return shared(async () => {
        const stored = await storage.get(key).catch(() => null);
        if (stored) return (current = stored);
        return signIn();
      });
    },
    async refresh(refused) {
      if (pending) return pending;
      if (current && current !== refused) return current; // another request already refreshed
      return shared(async () => {
        // Another tab may have signed in again already (shared storage).
        const stored = await storage.get(key).catch(() => null);
        if (stored && stored !== refused) return (current = stored);
        current = null;
        await storage.delete(key).catch(() => {});
        return signIn();
      });
    },
  };
}
