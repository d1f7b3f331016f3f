/**
 * Chat CRUD: create, list (newest first, paginated), get, rename, delete. Renames and deletes
 * are also appended to the chat's log so every open tail sees them; a deleted chat's events
 * are no longer served (its row is tombstoned and the tail answers 404).
 */
import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import * as v from "valibot";
import { CHAT_ROUTE, EVENT_TYPE, HEADER, LIMITS, QUERY } from "@open-chat/shared";
import type { AppEnv } from "../env.js";
import { jsonBody } from "../http/openapi.js";
import { CHAT_DOCS } from "./chat-docs.js";
import { readJson } from "../http/body.js";
import { singleLine } from "../http/input.js";
import { ApiError } from "../http/api-error.js";
import type { ChatRecord } from "../chats/repository.js";
import { newId } from "../ids.js";
import { appendChatEvent } from "../log/chat-events.js";
import type { Services } from "../services.js";
import { assertModelAllowed } from "../tenants/model-policies.js";
import { ModelName } from "../tenants/policy.js";

/** One line of valid Unicode: no control characters, no lone surrogates (http/input.ts). */
const Title = v.pipe(singleLine(LIMITS.maxTitleLength), v.trim());
const CreateChat = v.object({ title: v.optional(v.nullable(Title)), model: v.optional(v.nullable(ModelName)) });
const RenameChat = v.object({ title: v.pipe(Title, v.minLength(1, "title must not be empty")) });

export function chatRoutes(services: Services) {
  const { chats } = services;

  return new Hono<AppEnv>()
    .post("/", describeRoute({ ...CHAT_DOCS.create, requestBody: jsonBody(CreateChat) }), async (c) => {
      const body = await readJson(c, CreateChat);
      const idempotencyKey = readIdempotencyKey(c.req.header(HEADER.idempotencyKey));
      const user = c.var.user;
      if (body.model) assertModelAllowed(await services.modelPolicies.policyOf(user.tenantId), body.model);
      // Billing on: a chat whose model has no price could never answer (400 model_unpriced).
      if (services.billing.enabled) services.billing.assertPriced(body.model ?? (await services.modelPolicies.policyOf(user.tenantId)).defaultModel);
      // The quota (chatsPerDay) counts new chats: a retried create (same Idempotency-Key,
      // answered with the first attempt's chat) and a failed one are given back.
      const charge = await services.limits.createChat(user);
      const id = newId("chat");
      let chat: ChatRecord;
      try {
        await services.ensureUserStream(user);
        chat = await chats.create(user, { id, title: body.title || null, model: body.model ?? null, idempotencyKey });
      } catch (error) {
        await charge.refund();
        throw error;
      }
      if (chat.id !== id) await charge.refund();
      return c.json(toJson(chat), 201);
    })
    .get("/", describeRoute(CHAT_DOCS.list), async (c) => {
      const limit = Number(c.req.query(QUERY.limit) ?? 20);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
        throw new ApiError(400, "invalid_request", `${QUERY.limit}: must be an integer from 1 to 100`);
      }
      const page = await chats.list(c.var.user, { limit, cursor: c.req.query(QUERY.cursor) || undefined });
      return c.json({ chats: page.chats.map(toJson), nextCursor: page.nextCursor });
    })
    .get(CHAT_ROUTE.chat, describeRoute(CHAT_DOCS.get), async (c) => c.json(toJson(await chats.get(c.var.user, c.req.param("chatId")))))
    .patch(CHAT_ROUTE.chat, describeRoute({ ...CHAT_DOCS.rename, requestBody: jsonBody(RenameChat) }), async (c) => {
      const { title } = await readJson(c, RenameChat);
      const user = c.var.user;
      const chat = await chats.rename(user, c.req.param("chatId"), title);
      await appendChatEvent(services, (await services.ensureUserStream(user)).name, chat.id, { type: EVENT_TYPE.chatRenamed, title });
      return c.json(toJson(chat));
    })
    .delete(CHAT_ROUTE.chat, describeRoute(CHAT_DOCS.delete), async (c) => {
      const user = c.var.user;
      const chatId = c.req.param("chatId");
      await chats.get(user, chatId); // 404 before any side effect
      await services.turns.stop(user, chatId, "system");
      // Log first: a tail that sees the tombstone closes. If the append fails the row stays
      // live and the client can retry the delete.
      await appendChatEvent(services, (await services.ensureUserStream(user)).name, chatId, { type: EVENT_TYPE.chatDeleted });
      await chats.markDeleted(user, chatId);
      return c.body(null, 204);
    });
}

const IDEMPOTENCY_KEY = /^[\w.:-]{1,128}$/;

/** Optional; when present it must be 1-128 letters, digits or `_ . : -` (a UUID fits). */
function readIdempotencyKey(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(raw)) {
    throw new ApiError(400, "invalid_request", `${HEADER.idempotencyKey}: 1 to 128 letters, digits or _ . : -`);
  }
  return raw;
}

function toJson(chat: ChatRecord) {
  return {
    id: chat.id,
    title: chat.title,
    model: chat.model,
    createdAt: chat.createdAt.toISOString(),
    updatedAt: chat.updatedAt.toISOString(),
  };
}
