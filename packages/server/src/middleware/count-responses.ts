/**
 * Counts every HTTP answer of the app by its status (metrics/metrics.ts), errors and 404s
 * included: registered first, so it sees the response every other middleware left.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.js";
import type { Metrics } from "../metrics/metrics.js";

export function countResponses(metrics: Pick<Metrics, "response">) {
  return createMiddleware<AppEnv>(async function countResponses(c, next) {
    await next();
    metrics.response(c.res.status);
  });
}
