/** `/v1/admin/tenants/:tenantId/usage`: what a tenant's end users did in a time window. */
import { Hono } from "hono";
import { validator } from "hono-openapi";
import { ApiError } from "../../http/api-error.js";
import { jsonResponse } from "../../http/openapi.js";
import { rejectInvalid } from "../../http/validation.js";
import type { AdminEnv } from "../../middleware/require-admin.js";
import type { EndUsers } from "../../users/end-users.js";
import { describeAdminRoute } from "./describe.js";
import { UsageJson, usageJson } from "./json.js";
import { UsageQuery } from "./schemas.js";

const DEFAULT_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

export function usageRoutes(endUsers: EndUsers, clock: () => Date) {
  return new Hono<AdminEnv>().get(
    "/:tenantId/usage",
    describeAdminRoute({
      summary: "Usage counts in a window",
      description: "Counts users, chats and turns created in [since, until). Dates are ISO 8601; default: until = now, since = 30 days before until.",
      responses: { 200: jsonResponse("The counts", UsageJson) },
    }),
    validator("query", UsageQuery, rejectInvalid),
    async (c) => {
      const query = c.req.valid("query");
      const until = query.until ?? clock();
      const since = query.since ?? new Date(until.getTime() - DEFAULT_WINDOW_MS);
      if (since > until) throw new ApiError(400, "invalid_request", "since: must not be after until");
      const tenantId = c.var.scopedTenant.id;
      return c.json(usageJson(tenantId, await endUsers.usage(tenantId, { since, until })));
    },
  );
}
