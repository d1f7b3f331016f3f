/**
 * The end user's 👍/👎 on an answer, with an optional comment: appended to the chat's log, then
 * kept in Postgres for the site's admin (`GET /v1/admin/tenants/{tenantId}/feedback`).
 */
import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import * as v from "valibot";
import { CHAT_ROUTE, LIMITS } from "@open-chat/shared";
import { recordFeedback } from "../annotations/record-feedback.js";
import type { AppEnv } from "../env.js";
import { readJson } from "../http/body.js";
import { messageIdParam, textProblem } from "../http/input.js";
import { jsonBody } from "../http/openapi.js";
import type { Services } from "../services.js";
import { CHAT_DOCS } from "./chat-docs.js";

const Comment = v.pipe(
  v.string(),
  v.maxLength(LIMITS.maxFeedbackCommentLength, `at most ${LIMITS.maxFeedbackCommentLength} characters`),
  // Free text like a message: newlines are fine, a NUL or a lone surrogate is not (Postgres, JSON).
  v.rawCheck(({ dataset, addIssue }) => {
    const problem = dataset.typed ? textProblem(dataset.value) : null;
    if (problem) addIssue({ message: problem });
  }),
);

export const Feedback = v.pipe(
  v.strictObject({
    /** `null` clears the feedback. */
    rating: v.nullable(v.picklist(["up", "down"], 'one of "up", "down" or null')),
    comment: v.optional(Comment),
  }),
  v.check((body) => body.rating !== null || body.comment === undefined, "comment: only with a rating (null clears the feedback)"),
);

export function feedbackRoutes(services: Services) {
  return new Hono<AppEnv>().post(CHAT_ROUTE.feedback, describeRoute({ ...CHAT_DOCS.feedback, requestBody: jsonBody(Feedback) }), async (c) => {
    const messageId = messageIdParam(c.req.param("messageId"));
    const { rating, comment } = await readJson(c, Feedback);
    return c.json(await recordFeedback(services, c.var.user, c.req.param("chatId"), messageId, { rating, ...(comment === undefined ? {} : { comment }) }));
  });
}
