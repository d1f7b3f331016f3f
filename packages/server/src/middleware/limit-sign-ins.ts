/**
 * Counts sign-ins (guest and JWT) per client address per tenant (limits/limits.ts) before the
 * handler runs: past `signInsPerMinute` the request is answered 429 `rate_limited` with
 * Retry-After. Runs after `requireTenant` (the bucket is the site's). The client address is the
 * TCP peer, or X-Forwarded-For from a trusted proxy (TRUSTED_PROXIES, limits/client-ip.ts).
 * Better Auth's own limiter is off (auth/auth.ts): this one replaces it.
 */
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.js";
import type { Limits } from "../limits/limits.js";

export function limitSignIns(limits: Pick<Limits, "signIn" | "clientAddress">) {
  return createMiddleware<AppEnv>(async function limitSignIns(c, next) {
    if (c.req.method === "POST") {
      await limits.signIn(c.var.tenant.tenantId, limits.clientAddress(peerOf(c), c.req.header("x-forwarded-for")));
    }
    await next();
  });
}

/** The TCP peer's address; undefined without a socket (an in-process `app.request()`). */
function peerOf(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}
