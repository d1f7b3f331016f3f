/**
 * `/v1/admin/tenants/:tenantId/usage/turns`: per-turn usage (model, tokens, cost) of a tenant's
 * end users, grouped by model, UTC day, end user or chat (billing/usage-report.ts).
 */
import { Hono } from "hono";
import { validator } from "hono-openapi";
import * as v from "valibot";
import { turnUsageReport, USAGE_GROUPS } from "../../billing/usage-report.js";
import { ApiError } from "../../http/api-error.js";
import { jsonResponse } from "../../http/openapi.js";
import { rejectInvalid } from "../../http/validation.js";
import type { AdminEnv } from "../../middleware/require-admin.js";
import type { Services } from "../../services.js";
import { ModelName } from "../../tenants/policy.js";
import { describeAdminRoute } from "./describe.js";
import { IsoDate, ObjectId } from "./schemas.js";

const DEFAULT_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

export const TurnUsageQuery = v.pipe(
  v.object({
    since: v.optional(v.pipe(IsoDate, v.description("Start of the window (inclusive); default: 30 days before until"))),
    until: v.optional(v.pipe(IsoDate, v.description("End of the window (exclusive); default: now"))),
    groupBy: v.optional(v.pipe(v.picklist(USAGE_GROUPS, `one of ${USAGE_GROUPS.join(", ")}`), v.description("How rows are grouped; days are UTC (default model)")), "model"),
    userId: v.optional(v.pipe(ObjectId, v.description("Only this end user's turns"))),
    chatId: v.optional(v.pipe(ObjectId, v.description("Only this chat's turns"))),
    model: v.optional(v.pipe(ModelName, v.description("Only turns answered by this model"))),
  }),
  v.check(({ since, until }) => !since || !until || since.getTime() <= until.getTime(), "since: must not be after until"),
);

const Figures = {
  turns: v.number(),
  inputTokens: v.number(),
  outputTokens: v.number(),
  /** Integer micro-USD (1 USD = 1,000,000). */
  costMicroUsd: v.number(),
};

export const TurnUsageJson = v.object({
  tenantId: v.string(),
  since: v.string(),
  until: v.string(),
  groupBy: v.picklist(USAGE_GROUPS),
  rows: v.array(v.object({ key: v.pipe(v.string(), v.description("The model, the UTC day (YYYY-MM-DD), the end user's id or the chat's id")), ...Figures })),
  totals: v.object(Figures),
});

export function turnUsageRoutes(services: Pick<Services, "prisma" | "clock">) {
  return new Hono<AdminEnv>().get(
    "/:tenantId/usage/turns",
    describeAdminRoute({
      summary: "Per-turn usage: turns, tokens and cost, grouped",
      description:
        "Sums the tenant's finished answers (one row each: model, input/output tokens, settled cost in µUSD) in [since, until), grouped by model, day (UTC), user or chat, optionally only one user's, chat's or model's. Dates are ISO 8601; default: until = now, since = 30 days before until.",
      responses: { 200: jsonResponse("Rows ordered by key, and their totals", TurnUsageJson) },
    }),
    validator("query", TurnUsageQuery, rejectInvalid),
    async (c) => {
      const query = c.req.valid("query");
      const until = query.until ?? services.clock();
      const since = query.since ?? new Date(until.getTime() - DEFAULT_WINDOW_MS);
      if (since > until) throw new ApiError(400, "invalid_request", "since: must not be after until");
      const tenantId = c.var.scopedTenant.id;
      const report = await turnUsageReport(services.prisma, tenantId, {
        since,
        until,
        groupBy: query.groupBy,
        ...(query.userId !== undefined ? { userId: query.userId } : {}),
        ...(query.chatId !== undefined ? { chatId: query.chatId } : {}),
        ...(query.model !== undefined ? { model: query.model } : {}),
      });
      return c.json({ tenantId, since: since.toISOString(), until: until.toISOString(), groupBy: query.groupBy, ...report });
    },
  );
}
