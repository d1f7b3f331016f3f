/**
 * Resolves the tenant a browser-facing request acts for from its publishable key and Origin
 * (tenants/request-tenant.ts) and keeps it in `c.var.tenant`, before auth or any handler runs.
 * The same Request object is remembered for Better Auth's user-creation hook, which has only
 * the Request to go on (auth/auth.ts).
 */
import { createMiddleware } from "hono/factory";
import { HEADER } from "@open-chat/shared";
import type { AppEnv } from "../env.js";
import { rememberTenant, resolveRequestTenant } from "../tenants/request-tenant.js";
import type { TenantStore } from "../tenants/tenant-store.js";

export function requireTenant(options: { tenants: TenantStore }) {
  return createMiddleware<AppEnv>(async function requireTenant(c, next) {
    const tenant = await resolveRequestTenant(options.tenants, {
      key: c.req.header(HEADER.publishableKey) || undefined,
      origin: c.req.header("origin"),
    });
    c.set("tenant", tenant);
    rememberTenant(c.req.raw, tenant);
    await next();
  });
}
