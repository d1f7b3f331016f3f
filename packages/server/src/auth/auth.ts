/**
 * End-user authentication: Better Auth on our Prisma client, with guest users (`anonymous()`)
 * and bearer tokens (`bearer()`), because a widget embedded on a third-party site cannot rely
 * on cookies.
 *
 * How a client gets and uses a token:
 * 1. `POST {baseURL}/v1/auth/sign-in/anonymous` (body `{}`, `credentials: "omit"`) creates a
 *    guest user and a session. With `bearer()` the response carries the token in the
 *    `set-auth-token` header (the *signed* session token, `<token>.<hmac>`; the plugin also lists
 *    it in `Access-Control-Expose-Headers` so browsers can read it cross-origin). The JSON body
 *    `{ token, user }` has the raw session token, which the bearer plugin accepts too (it signs
 *    it with the secret itself). Prefer the header value.
 * 2. Every later request sends `Authorization: Bearer <token>`. The bearer plugin's `before`
 *    hook verifies the signature and turns the header into the session cookie for the call, so
 *    `auth.api.getSession({ headers })` resolves the session from it exactly as from a cookie
 *    (see {@link resolveSession}). A bad, expired or revoked token resolves to `null`.
 *
 * Without a `cookie` header Better Auth skips its Origin/CSRF check, so a widget on any site
 * can sign in as guest without being listed in `trustedOrigins` (that list is for cookie-based
 * first-party frontends). Better Auth's own rate limiter is off: it keyed on headers a client
 * sets (X-Forwarded-For), and behind no proxy it put every client in one shared bucket under
 * NODE_ENV=production. Sign-ins are limited per client address per tenant by
 * middleware/limit-sign-ins.ts instead (limits/). A widget keeps its token anyway (it does not
 * sign in again on every page load).
 *
 * The tables are in prisma/schema.prisma (User/Session/Account/Verification, the shape Better
 * Auth's generator emits); keep the plugins and `user.additionalFields` here in sync with it.
 *
 * @example
 * const auth = createAuth({ prisma, secret: env.AUTH_SECRET, baseURL: "https://chat.example.com" });
 * app.on(["GET", "POST"], "/v1/auth/*", (c) => auth.handler(c.req.raw));
 * const session = await resolveSession(auth, c.req.raw.headers); // { userId, sessionId, tenantId, isAnonymous } | null
 */
import { betterAuth } from "better-auth/minimal";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { anonymous } from "better-auth/plugins/anonymous";
import { bearer } from "better-auth/plugins/bearer";
import { API_PATH, HEADER } from "@open-chat/shared";
import type { PrismaClient } from "../generated/prisma/client.js";
import { tenantOf } from "../tenants/request-tenant.js";
import { bearerHeaders } from "./bearer-only.js";
import { createSessionCache, type SessionCache } from "./session-cache.js";
import { DEFAULT_TENANT_ID } from "../tenants/tenant-id.js";

export { DEFAULT_TENANT_ID };

export interface CreateAuthOptions {
  prisma: PrismaClient;
  /** Signs session tokens and cookies; at least 32 random characters. */
  secret: string;
  /** Public origin of this server, e.g. `https://chat.example.com`. */
  baseURL: string;
  /** Where the auth routes are mounted (Better Auth's own default is `/api/auth`). Default `/v1/auth`. */
  basePath?: string;
  /** Origins trusted for cookie-based requests (first-party frontends). Default: none. */
  trustedOrigins?: string[];
  /**
   * Picks the tenant of a user being created (sign-in as guest). Return `null`/`undefined` to
   * use the column default (`"default"`). Default: the tenant `requireTenant` resolved from the
   * request's publishable key.
   */
  resolveTenantId?: (request: Request | undefined) => string | null | undefined | Promise<string | null | undefined>;
  /**
   * How long this process trusts a verified bearer token without asking the database, for
   * authorising API requests (session-cache.ts: the bound a sign-out or a user deletion made
   * elsewhere takes to apply here). Default 5,000 ms; 0 = ask every time.
   */
  sessionCacheMs?: number;
}

export function createAuth({ prisma, secret, baseURL, basePath = API_PATH.auth, trustedOrigins = [], resolveTenantId = (request) => tenantOf(request)?.tenantId, sessionCacheMs }: CreateAuthOptions) {
  const sessions: SessionCache = createSessionCache({ ttlMs: sessionCacheMs });
  const auth = betterAuth({
    appName: "Open Chat",
    secret,
    baseURL,
    basePath,
    trustedOrigins,
    database: prismaAdapter(prisma, { provider: "postgresql" }),
    user: {
      additionalFields: {
        // Server-assigned, never accepted from a client (input: false).
        tenantId: { type: "string", required: false, defaultValue: DEFAULT_TENANT_ID, input: false },
      },
    },
    databaseHooks: {
      user: {
        create: {
          async before(user, context) {
            const tenantId = await resolveTenantId(context?.request);
            return tenantId ? { data: { ...user, tenantId } } : undefined;
          },
        },
        // Through Better Auth; our own deletions (users/) forget the user themselves.
        delete: { after: async (user) => sessions.forgetUser(user.id) },
      },
      // A sign-out (or Better Auth's clean-up of an expired session) ends the token here at once.
      session: { delete: { after: async (session) => sessions.forgetToken(session.token) } },
    },
    plugins: [anonymous(), bearer()],
    // Ours replaces it (see above): off in every NODE_ENV.
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    // We export no traces. With @opentelemetry/api installed (prom-client brings it, metrics/),
    // Better Auth would wrap every endpoint and query in a span of its no-op tracer.
    experimental: { instrumentation: { enabled: false } },
  });
  return Object.assign(auth, { sessions });
}

export type Auth = ReturnType<typeof createAuth>;

export interface ResolvedSession {
  userId: string;
  sessionId: string;
  tenantId: string;
  isAnonymous: boolean;
}

/**
 * The session behind a request's `Authorization: Bearer <token>`, or `null` when there is none
 * or it is invalid/expired. Cookies are ignored (bearer-only.ts). Database errors propagate.
 */
export async function resolveSession(auth: Auth, headers: Headers): Promise<ResolvedSession | null> {
  const bearer = bearerHeaders(headers);
  if (!bearer.has("authorization")) return null;
  const result = await auth.api.getSession({ headers: bearer });
  return result && toResolved(result);
}

function toResolved(result: { user: { id: string; tenantId?: string | null; isAnonymous?: boolean | null }; session: { id: string } }): ResolvedSession {
  return {
    userId: result.user.id,
    sessionId: result.session.id,
    tenantId: result.user.tenantId ?? DEFAULT_TENANT_ID,
    isAnonymous: result.user.isAnonymous === true,
  };
}

/**
 * The end user a request acts for, as `resolveUser`, but a token verified within the last
 * `sessionCacheMs` is answered from this process's memory (session-cache.ts, its bound). Also
 * the session's stored token, which a live tail's session check names (live-sessions.ts).
 */
export async function resolveRequestUser(auth: Auth, headers: Headers): Promise<{ id: string; tenantId: string; sessionToken: string } | null> {
  const key = headers.get(HEADER.authorization);
  if (!key) return null;
  const hit = auth.sessions.get(key);
  if (hit) return { id: hit.userId, tenantId: hit.tenantId, sessionToken: hit.token };
  const epoch = auth.sessions.epoch;
  const result = await auth.api.getSession({ headers: bearerHeaders(headers) });
  if (!result) return null;
  const session = toResolved(result);
  auth.sessions.set(key, { ...session, token: result.session.token, expiresAt: new Date(result.session.expiresAt) }, epoch);
  return { id: session.userId, tenantId: session.tenantId, sessionToken: result.session.token };
}

/**
 * The end user behind a request, in the shape the HTTP layer keeps in `c.var.user`, always from
 * the database (never this process's session cache).
 */
export async function resolveUser(auth: Auth, headers: Headers): Promise<{ id: string; tenantId: string } | null> {
  const session = await resolveSession(auth, headers);
  return session && { id: session.userId, tenantId: session.tenantId };
}
