/**
 * A chat's turns: sending a message (with `editOf`: another version of one of the user's
 * messages), regenerating an ended answer, and stopping the running answer. A send or a
 * regenerate answers 202 at once; the answer streams into the log.
 */
import { Hono, type Context } from "hono";
import { describeRoute } from "hono-openapi";
import * as v from "valibot";
import { CHAT_ROUTE, LIMITS } from "@open-chat/shared";
import type { AppEnv } from "../env.js";
import { ApiError } from "../http/api-error.js";
import { readJson } from "../http/body.js";
import { Id, messageIdParam, textProblem } from "../http/input.js";
import { jsonBody } from "../http/openapi.js";
import { ModelName } from "../tenants/policy.js";
import type { Services } from "../services.js";
import { CHAT_DOCS } from "./chat-docs.js";

const SendMessage = v.object({
  clientMessageId: Id,
  text: v.optional(v.unknown()),
  model: v.optional(ModelName),
  /** A user message of this chat: the text is another version of it. */
  editOf: v.optional(Id),
});

const Regenerate = v.object({
  clientMessageId: Id,
  model: v.optional(ModelName),
});

export function messageRoutes(services: Services) {
  /**
   * Rate limits (sendsPerMinute, tenantSendsPerMinute, runningAnswersPerUser) count new turns:
   * a retried one (same clientMessageId) and a refused one cost nothing. Someone else's chat,
   * or a malformed id, is a 404 before anything is counted. The turn looks the chat and an
   * earlier attempt up once and charges in between (turns/send-turn.ts).
   */
  const chargeOf = (c: Context<AppEnv>) => (known: { runningElsewhere: number }) => services.limits.send(c.var.user, c.req.param("chatId")!, known);

  return new Hono<AppEnv>()
    .post(CHAT_ROUTE.messages, describeRoute({ ...CHAT_DOCS.send, requestBody: jsonBody(SendMessage) }), async (c) => {
      const body = await readJson(c, SendMessage);
      const text = messageText(body.text);
      const { clientMessageId, model, editOf } = body;
      return c.json(await services.turns.send(c.var.user, c.req.param("chatId"), { clientMessageId, text, model, editOf, charge: chargeOf(c) }), 202);
    })
    .post(CHAT_ROUTE.regenerate, describeRoute({ ...CHAT_DOCS.regenerate, requestBody: jsonBody(Regenerate) }), async (c) => {
      const answerId = messageIdParam(c.req.param("messageId"));
      const { clientMessageId, model } = await readJson(c, Regenerate);
      return c.json(await services.turns.regenerate(c.var.user, c.req.param("chatId"), { clientMessageId, answerId, model, charge: chargeOf(c) }), 202);
    })
    .post(CHAT_ROUTE.stop, describeRoute(CHAT_DOCS.stop), async (c) => {
      const chat = await services.chats.get(c.var.user, c.req.param("chatId"));
      const stopped = await services.turns.stop(c.var.user, chat.id, "user");
      return c.json({ stopped }, stopped ? 202 : 200);
    });
}

/** A message's text: non-empty, at most the limit, and no NUL or lone surrogate (it goes to the log as JSON and to the model). */
function messageText(raw: unknown): string {
  const text = typeof raw === "string" ? raw : undefined;
  if (text === undefined || text.trim() === "") throw new ApiError(400, "text_required", "text: a non-empty string is required");
  if (text.length > LIMITS.maxMessageTextLength) throw new ApiError(400, "text_too_long", `text: at most ${LIMITS.maxMessageTextLength} characters`);
  const problem = textProblem(text);
  if (problem) throw new ApiError(400, "invalid_request", `text: ${problem}`);
  return text;
}
