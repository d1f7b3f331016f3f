/**
 * Choosing which version of a message a chat shows (`message.selected`): the "‹ 2/3 ›" under a
 * regenerated answer or an edited question. The next send continues the selected thread.
 */
import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import * as v from "valibot";
import { CHAT_ROUTE } from "@open-chat/shared";
import { selectVersion } from "../annotations/select-version.js";
import type { AppEnv } from "../env.js";
import { readJson } from "../http/body.js";
import { messageIdParam } from "../http/input.js";
import { jsonBody } from "../http/openapi.js";
import type { Services } from "../services.js";
import { CHAT_DOCS } from "./chat-docs.js";

/** Nothing to say but which message, and that is in the path. */
const SelectVersion = v.strictObject({});

export function versionRoutes(services: Services) {
  return new Hono<AppEnv>().post(CHAT_ROUTE.select, describeRoute({ ...CHAT_DOCS.select, requestBody: jsonBody(SelectVersion) }), async (c) => {
    const messageId = messageIdParam(c.req.param("messageId"));
    await readJson(c, SelectVersion);
    return c.json(await selectVersion(services, c.var.user, c.req.param("chatId"), messageId));
  });
}
