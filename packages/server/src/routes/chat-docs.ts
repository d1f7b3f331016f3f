/**
 * OpenAPI descriptions of the chat API (`/v1/chats`), kept beside the route files so that each
 * handler carries only `describeRoute({ ...CHAT_DOCS.x, requestBody: jsonBody(Schema) })`: the
 * request schema stays the one the handler validates with. The tail's wire format (events,
 * SSE frames) is specified in PROTOCOL.md; here it is summarised.
 */
import * as v from "valibot";
import { resolver, type DescribeRouteOptions } from "hono-openapi";
import { HEADER, LIMITS, LIVE_MODE, QUERY } from "@open-chat/shared";
import { END_USER_SECURITY, errorResponses, jsonResponse } from "../http/openapi.js";

const Timestamp = v.pipe(v.string(), v.isoTimestamp());

export const ChatJson = v.pipe(
  v.object({ id: v.string(), title: v.nullable(v.string()), model: v.nullable(v.string()), createdAt: Timestamp, updatedAt: Timestamp }),
  v.metadata({ ref: "Chat" }),
);
const ChatPageJson = v.object({ chats: v.array(ChatJson), nextCursor: v.nullable(v.string()) });
const SendAcceptedJson = v.object({
  userMessageId: v.string(),
  assistantMessageId: v.string(),
  /** Where the tail finds the turn: read the chat's events from here. */
  offset: v.string(),
});
const StopJson = v.object({ stopped: v.boolean() });
/** Where the tail finds the appended event. */
const AppendedJson = v.object({ offset: v.string() });
/** A protocol v1 event (PROTOCOL.md section 3); the tail answers arrays of them. */
const EventJson = v.pipe(v.looseObject({ v: v.number(), id: v.string(), type: v.string(), chatId: v.string(), at: v.string() }), v.metadata({ ref: "ChatEvent" }));

const chatId = { name: "chatId", in: "path", required: true, schema: { type: "string" } } as const;
const common = { tags: ["chats"], security: END_USER_SECURITY } satisfies Partial<DescribeRouteOptions>;
// Every chat route first resolves the site (publishable key, origin) and the session.
const access = errorResponses(401, 403);

type ChatRoute = "create" | "list" | "get" | "rename" | "delete" | "send" | "regenerate" | "select" | "feedback" | "stop" | "events";

export const CHAT_DOCS: Record<ChatRoute, DescribeRouteOptions> = {
  create: {
    ...common,
    summary: "Create a chat",
    description: `A retried create with the same \`${HEADER.idempotencyKey}\` is the same chat. A \`model\` must be one the site's model policy allows.`,
    parameters: [{ name: HEADER.idempotencyKey, in: "header", required: false, schema: { type: "string", pattern: "^[\\w.:-]{1,128}$" } }],
    responses: { 201: jsonResponse("The chat", ChatJson), ...errorResponses(400, 413, 429), ...access },
  },
  list: {
    ...common,
    summary: "List the user's chats (newest activity first)",
    parameters: [
      { name: QUERY.limit, in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 100, default: 20 } },
      { name: QUERY.cursor, in: "query", required: false, schema: { type: "string" }, description: "`nextCursor` of the previous page" },
    ],
    responses: { 200: jsonResponse("A page of chats", ChatPageJson), ...errorResponses(400), ...access },
  },
  get: { ...common, summary: "Show a chat", responses: { 200: jsonResponse("The chat", ChatJson), ...errorResponses(404), ...access } },
  rename: {
    ...common,
    summary: "Rename a chat",
    description: "Also appends `chat.renamed` to the log, so every open tail sees it.",
    responses: { 200: jsonResponse("The chat", ChatJson), ...errorResponses(400, 404, 413, 503), ...access },
  },
  delete: {
    ...common,
    summary: "Delete a chat",
    description: "Stops its answer, appends `chat.deleted` to the log (tails close), then tombstones the chat.",
    responses: { 204: { description: "Deleted" }, ...errorResponses(404, 503), ...access },
  },
  send: {
    ...common,
    summary: "Send a message",
    description:
      "Starts a turn and answers at once; the answer streams into the log (read it with the events route from `offset`). A retry with the same `clientMessageId` is the same turn. With `editOf` (a user message of this chat) the text is another version of that message (`versionOf`), answered anew from the thread above it; `404 message_not_found` when `editOf` is not a user message of the chat. `409 generation_in_progress` while an answer runs in the chat.",
    responses: { 202: jsonResponse("The turn was accepted", SendAcceptedJson), ...errorResponses(400, 402, 404, 409, 413, 429, 503), ...access },
  },
  regenerate: {
    ...common,
    summary: "Regenerate an answer",
    description:
      "Writes another version of an answer that has ended (completed, stopped or failed): a new assistant message with `versionOf` replying to the same thread, which it does not see. One turn like a send (rate limits, one credit hold and one settlement), exactly once per `clientMessageId`. `userMessageId` is the message it answers. `400 invalid_request` for a user message, `404 message_not_found`, `409 generation_in_progress` while an answer runs in the chat.",
    responses: { 202: jsonResponse("The turn was accepted", SendAcceptedJson), ...errorResponses(400, 402, 404, 409, 413, 429, 503), ...access },
  },
  select: {
    ...common,
    summary: "Show a version of a message",
    description: "Appends `message.selected`: the chat's current thread goes through this version from now on, and the next send continues it. `404 message_not_found`, `409 generation_in_progress` while an answer is being written in the chat.",
    responses: { 200: jsonResponse("Selected", AppendedJson), ...errorResponses(400, 404, 409, 413, 503), ...access },
  },
  feedback: {
    ...common,
    summary: "Rate an answer",
    description: `Appends \`message.feedback\` (the latest wins; \`rating: null\` clears it) and keeps it for the site's admin. Only on an answer that has ended (\`400 invalid_request\` for a user message or a running answer, \`404 message_not_found\`); the comment is at most ${LIMITS.maxFeedbackCommentLength} characters.`,
    responses: { 200: jsonResponse("Recorded", AppendedJson), ...errorResponses(400, 404, 413, 503), ...access },
  },
  stop: {
    ...common,
    summary: "Stop the running answer",
    responses: {
      200: jsonResponse("Nothing was running (`stopped: false`)", StopJson),
      202: jsonResponse("The answer is being stopped (`stopped: true`)", StopJson),
      ...errorResponses(404),
      ...access,
    },
  },
  events: {
    ...common,
    summary: "Read the chat's events (the tail)",
    description: `Durable Streams read protocol (PROTOCOL.md section 5): catch-up JSON from \`${QUERY.offset}\`, \`${QUERY.live}=${LIVE_MODE.longPoll}\`, or \`${QUERY.live}=${LIVE_MODE.sse}\` (\`event: data\` + \`event: control\` frames, \`id:\` = the next offset). Offsets are opaque; \`-1\` is the start.`,
    parameters: [
      { name: QUERY.offset, in: "query", required: false, schema: { type: "string", default: "-1" } },
      { name: QUERY.live, in: "query", required: false, schema: { type: "string", enum: [LIVE_MODE.longPoll, LIVE_MODE.sse] } },
      { name: HEADER.lastEventId, in: "header", required: false, schema: { type: "string" }, description: "SSE reconnects: wins over `offset`" },
    ],
    responses: {
      200: {
        description: "Events after the offset (JSON), or the SSE stream",
        content: { "application/json": { schema: resolver(v.array(EventJson)) }, "text/event-stream": { schema: { type: "string" } } },
        headers: {
          [HEADER.streamNextOffset]: { description: "The offset to read from next", schema: { type: "string" } },
          [HEADER.streamUpToDate]: { description: "`true` when the read reached the end of the log", schema: { type: "string" } },
        },
      },
      204: { description: "Long-poll: nothing new before the timeout" },
      ...errorResponses(400, 404, 429, 503),
      ...access,
    },
  },
};
