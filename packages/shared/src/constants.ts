/**
 * Every wire name of the Open Chat protocol, written once. Server and SDK import these and
 * never retype the strings (see PROTOCOL.md for what each one means).
 */

/** Version carried in every event's `v` field. */
export const PROTOCOL_VERSION = 1 as const;

/** The offset that means "before the first event" (Durable Streams convention). */
export const START_OFFSET = "-1" as const;

/** HTTP headers of the chat tail (Durable Streams read protocol) and of auth. */
export const HEADER = {
  streamNextOffset: "Stream-Next-Offset",
  streamUpToDate: "Stream-Up-To-Date",
  streamCursor: "Stream-Cursor",
  streamClosed: "Stream-Closed",
  lastEventId: "Last-Event-ID",
  authorization: "Authorization",
  /** Set by the server on guest sign-in: the bearer token for later requests. */
  authToken: "set-auth-token",
  publishableKey: "X-Open-Chat-Key",
  /** On errors where a later retry helps (e.g. `409 generation_in_progress`): seconds to wait. */
  retryAfter: "Retry-After",
  /** On `POST /v1/chats`: a retried create with the same key is the same chat. */
  idempotencyKey: "Idempotency-Key",
} as const;

/** Query parameters of the chat tail (`offset`, `live`, `cursor`) and of the chat list (`limit`, `cursor`). */
export const QUERY = {
  offset: "offset",
  live: "live",
  cursor: "cursor",
  limit: "limit",
} as const;

/** Values of the `live` query parameter. */
export const LIVE_MODE = {
  longPoll: "long-poll",
  sse: "sse",
} as const;
export type LiveMode = (typeof LIVE_MODE)[keyof typeof LIVE_MODE];

/** SSE `event:` names on the chat tail. */
export const SSE_EVENT = {
  data: "data",
  control: "control",
} as const;

/** Event `type` names of protocol v1. */
export const EVENT_TYPE = {
  messageCreated: "message.created",
  messageDelta: "message.delta",
  messageCompleted: "message.completed",
  messageError: "message.error",
  messageStopped: "message.stopped",
  messageSelected: "message.selected",
  messageFeedback: "message.feedback",
  generationStarted: "generation.started",
  generationResumed: "generation.resumed",
  chatRenamed: "chat.renamed",
  chatDeleted: "chat.deleted",
} as const;
export type EventType = (typeof EVENT_TYPE)[keyof typeof EVENT_TYPE];

/** Limits enforced by the validator (and by the server before it appends). */
export const LIMITS = {
  /** Serialized size of one event. Larger events are rejected, not truncated. */
  maxEventBytes: 256 * 1024,
  /** Characters of text in one user message. */
  maxMessageTextLength: 32_000,
  /** Characters of a chat title. */
  maxTitleLength: 200,
  /** Length of ids (event ids, message ids, chat ids, client message ids). */
  maxIdLength: 128,
  /** Attachments on one message. */
  maxAttachments: 16,
  /** Characters of the optional comment on a 👍/👎 feedback. */
  maxFeedbackCommentLength: 2000,
} as const;
