/**
 * The API's rules for strings that come from outside, shared by every route: what a title, a
 * model name, an id and a message text may contain, and how long the headers the API reads may
 * be. Checked before any query: Postgres refuses NUL characters (`22021`) and cannot hold every
 * date JavaScript can, and a lone UTF-16 surrogate has no UTF-8 form at all (the driver would
 * store U+FFFD in its place, the streams tier would keep JSON no strict parser reads back).
 *
 * @example
 * const CreateChat = v.object({ title: v.optional(singleLine(LIMITS.maxTitleLength)) });
 * app.use("*", headerLimits());
 * app.use("/v1/chats/:chatId/*", chatIdShape());
 */
import { createMiddleware } from "hono/factory";
import * as v from "valibot";
import { HEADER } from "@open-chat/shared";
import { ID_PATTERN, isWellFormedId } from "../ids.js";
import { ApiError } from "./api-error.js";

/** C0 control characters (NUL, ESC, newline…) and DEL. */
const CONTROL = /[\u0000-\u001f\u007f]/;

export const WELL_FORMED_RULE = "must be valid Unicode text (no lone surrogates)";

/** No lone surrogate (an emoji's surrogate pair is fine). */
export function isWellFormedText(value: string): boolean {
  return value.isWellFormed();
}

/** A one-line label (a chat title): no control characters at all, valid Unicode, at most `max` characters. */
export function singleLine(max: number) {
  return v.pipe(
    v.string(),
    v.maxLength(max),
    v.check((value) => !CONTROL.test(value), "must not contain control characters (NUL, newlines, tabs…)"),
    v.check(isWellFormedText, WELL_FORMED_RULE),
  );
}

/** An id of ours or a client's (`clientMessageId`): 1-128 letters, digits or `_ . : -`. */
export const Id = v.pipe(v.string(), v.regex(ID_PATTERN, "1 to 128 letters, digits or _ . : -"));

/**
 * Free text (a message): any characters but NUL, valid Unicode. Tabs, newlines and other
 * control characters stay: people paste code and terminal output.
 */
export function textProblem(text: string): string | null {
  if (text.includes("\u0000")) return "must not contain NUL characters";
  if (!isWellFormedText(text)) return WELL_FORMED_RULE;
  return null;
}

/**
 * Longest value of each header the API reads. Real values are far shorter (a publishable key is
 * 46 characters, an offset at most 64, an idempotency key at most 128); the routes check their
 * exact shape, this answers absurd ones before anything is looked up.
 */
export const MAX_HEADER_LENGTHS: Readonly<Record<string, number>> = {
  [HEADER.publishableKey]: 128,
  [HEADER.idempotencyKey]: 128,
  [HEADER.lastEventId]: 128,
};

/** `400 invalid_request` for a header of {@link MAX_HEADER_LENGTHS} that is longer than its limit. */
export function headerLimits() {
  return createMiddleware(async function headerLimits(c, next) {
    for (const [name, max] of Object.entries(MAX_HEADER_LENGTHS)) {
      const value = c.req.header(name);
      if (value !== undefined && value.length > max) {
        throw new ApiError(400, "invalid_request", `${name}: at most ${max} characters`);
      }
    }
    await next();
  });
}

/**
 * A message id from a path (`/v1/chats/:chatId/messages/:messageId/…`): one of another shape
 * names no message, so it is `404 message_not_found` (not echoed back: it may be anything).
 */
export function messageIdParam(messageId: string | undefined): string {
  if (messageId === undefined || !isWellFormedId(messageId)) throw new ApiError(404, "message_not_found", "message not found");
  return messageId;
}

/**
 * `/v1/chats/:chatId/…`: an id that is not of the id shape names no chat, so it is answered
 * `404 chat_not_found` — the answer for any id that is not one of the user's chats — before any
 * handler, limit or query sees it (chats/repository.ts checks again).
 */
export function chatIdShape() {
  return createMiddleware(async function chatIdShape(c, next) {
    const chatId = c.req.param("chatId");
    if (chatId !== undefined && !isWellFormedId(chatId)) throw new ApiError(404, "chat_not_found", "chat not found");
    await next();
  });
}
