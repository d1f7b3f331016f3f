/**
 * Headers every response carries: hono's `secureHeaders` (nosniff, no referrer, no framing,
 * …) minus Cross-Origin-Resource-Policy, which would stop pages on tenants' sites from reading
 * our answers, and `Cache-Control: no-store` wherever a route did not choose its own caching —
 * API answers carry tokens and end users' data, which no shared or browser cache may keep.
 */
import { createMiddleware } from "hono/factory";
import { secureHeaders } from "hono/secure-headers";

export const securityHeaders = secureHeaders({
  crossOriginResourcePolicy: false,
  crossOriginOpenerPolicy: false,
  referrerPolicy: "no-referrer",
  xFrameOptions: "DENY",
});

export const noStoreByDefault = createMiddleware(async (c, next) => {
  await next();
  if (!c.res.headers.has("Cache-Control")) c.res.headers.set("Cache-Control", "no-store");
});
