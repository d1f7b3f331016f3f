/**
 * `/v1/admin/tenants/:tenantId/feedback`: the 👍/👎 (and comments) the tenant's end users gave
 * answers, newest first, optionally only one rating (annotations/feedback-store.ts).
 */
import { Hono } from "hono";
import { validator } from "hono-openapi";
import * as v from "valibot";
import { feedbackJson } from "../../annotations/feedback-store.js";
import { jsonResponse } from "../../http/openapi.js";
import { rejectInvalid } from "../../http/validation.js";
import type { AdminEnv } from "../../middleware/require-admin.js";
import type { Services } from "../../services.js";
import { describeAdminRoute } from "./describe.js";
import { UserListQuery } from "./schemas.js";

const RATINGS = ["up", "down"] as const;

export const FeedbackQuery = v.object({
  rating: v.optional(v.pipe(v.picklist(RATINGS, 'one of "up", "down"'), v.description("Only this rating (default: both)"))),
  ...UserListQuery.entries,
});

const Timestamp = v.pipe(v.string(), v.isoTimestamp());

export const FeedbackJson = v.object({
  userId: v.string(),
  chatId: v.string(),
  /** The answer rated. */
  messageId: v.string(),
  rating: v.picklist(RATINGS),
  comment: v.nullable(v.string()),
  /** When the answer was first rated; `updatedAt`: its latest change. */
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export const FeedbackPageJson = v.object({ feedback: v.array(FeedbackJson), nextCursor: v.nullable(v.string()) });

export function feedbackAdminRoutes(services: Pick<Services, "feedback">) {
  return new Hono<AdminEnv>().get(
    "/:tenantId/feedback",
    describeAdminRoute({
      summary: "List end users' feedback on answers (newest first, paginated)",
      description: "The current 👍/👎 of each rated answer with its comment (a cleared one is left out), newest first by when the answer was first rated. Pass nextCursor as cursor for the next page.",
      responses: { 200: jsonResponse("A page of feedback", FeedbackPageJson) },
    }),
    validator("query", FeedbackQuery, rejectInvalid),
    async (c) => {
      const { rating, limit, cursor } = c.req.valid("query");
      const page = await services.feedback.list(c.var.scopedTenant.id, { rating, limit, cursor });
      const feedback: Array<v.InferOutput<typeof FeedbackJson>> = page.feedback.map(feedbackJson);
      return c.json({ feedback, nextCursor: page.nextCursor });
    },
  );
}
