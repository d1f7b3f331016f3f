/**
 * Sending a message (starts a turn, answers 202 at once; the answer streams into the log) and
 * stopping the running generation of a chat.
 */
import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import * as v from "valibot";
import { CHAT_ROUTE, LIMITS } from "@open-chat/shared";
import type { AppEnv } from "../env.js";
import { ApiError } from "../http/api-error.js";
import { readJson } from "../http/body.js";
import { Id, textProblem } from "../http/input.js";
import { jsonBody } from "../http/openapi.js";
import { ModelName } from "../tenants/policy.js";
import type { Services } from "../services.js";
import { CHAT_DOCS } from "./chat-docs.js";

const SendMessage = v.object({
  clientMessageId: Id,
  text: v.optional(v.unknown()),
  model: v.optional(ModelName),
});

export function messageRoutes(services: Services) {
  return new Hono<AppEnv>()
    .post(CHAT_ROUTE.messages, describeRoute({ ...CHAT_DOCS.send, requestBody: jsonBody(SendMessage) }), async (c) => {
      const body = await readJson(c, SendMessage);
      const text = typeof body.text === "string" ? body.text : undefined;
      if (text === undefined || text.trim() === "") throw new ApiError(400, "text_required", "text: a non-empty string is required");
      if (text.length > LIMITS.maxMessageTextLength) {
        throw new ApiError(400, "text_too_long", `text: at most ${LIMITS.maxMessageTextLength} characters`);
      }
      // The text goes to the log as JSON and to the model: a NUL or a lone surrogate is refused.
      const problem = textProblem(text);
      if (problem) throw new ApiError(400, "invalid_request", `text: ${problem}`);
      const user = c.var.user;
      const chatId = c.req.param("chatId");
      // Rate limits (sendsPerMinute, tenantSendsPerMinute, runningAnswersPerUser) count new
      // messages: a retried send (same clientMessageId) and a refused one cost nothing. Someone
      // else's chat, or a malformed id, is a 404 before anything is looked up or counted.
      await services.chats.get(user, chatId);
      const charge = (await services.chats.findTurn(chatId, body.clientMessageId)) ? null : await services.limits.send(user, chatId);
      let result: Awaited<ReturnType<typeof services.turns.send>>;
      try {
        result = await services.turns.send(user, chatId, { clientMessageId: body.clientMessageId, text, model: body.model });
      } catch (error) {
        await charge?.refund();
        throw error;
      }
      return c.json(result, 202);
    })
    .post(CHAT_ROUTE.stop, describeRoute(CHAT_DOCS.stop), async (c) => {
      const chat = await services.chats.get(c.var.user, c.req.param("chatId"));
      const stopped = await services.turns.stop(c.var.user, chat.id, "user");
      return c.json({ stopped }, stopped ? 202 : 200);
    });
}
