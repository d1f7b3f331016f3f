/**
 * Resolves (tenant, end user) from the bearer token before a handler touches data
 * (invariant 6). Sets `c.var.user` (and `c.var.session`); answers 401 unauthorized otherwise. Runs after
 * `requireTenant`: a session is bound to the tenant its user belongs to and is refused with
 * another tenant's key.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.js";
import { ApiError } from "../http/api-error.js";
import { DomainError } from "../domain-error.js";
import { resolveRequestUser, type Auth } from "../auth/auth.js";

export function requireUser(options: { auth: Auth }) {
  if (!options.auth) throw new Error("requireUser: auth is required");
  return createMiddleware<AppEnv>(async function requireUser(c, next) {
    // A token verified in the last few seconds is not looked up again (auth/session-cache.ts).
    const user = await resolveRequestUser(options.auth, c.req.raw.headers);
    if (!user) throw new ApiError(401, "unauthorized", "missing or invalid bearer token; sign in as a guest at POST /v1/auth/sign-in/anonymous");
    const tenant = c.get("tenant");
    if (tenant && tenant.tenantId !== user.tenantId) {
      throw new DomainError("session_tenant_mismatch", "this session belongs to another site than the publishable key of the request; sign in again with this site's key");
    }
    c.set("user", { id: user.id, tenantId: user.tenantId });
    c.set("session", { token: user.sessionToken });
    await next();
  });
}
