/**
 * Protocol v1 events: valibot schemas (runtime validation) and the TypeScript types inferred
 * from them. PROTOCOL.md is the prose version; keep both in step.
 */
import * as v from "valibot";
import { EVENT_TYPE, LIMITS, PROTOCOL_VERSION } from "./constants.js";
import { ERROR_CODES } from "./errors.js";

/**
 * Event ids are `<producerId>:<seq>`: the producer that appended the event and its sequence
 * number within that producer. The fold dedupes with one high-water mark per producer, so ids
 * must be unique and a producer's events must appear in the log in seq order — which the
 * streams tier's idempotent producer guarantees.
 */
export const EVENT_ID_PATTERN = /^[A-Za-z0-9_.-]{1,100}:(0|[1-9][0-9]{0,14})$/;

const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.maxIdLength));
const EventId = v.pipe(v.string(), v.regex(EVENT_ID_PATTERN, "id must be <producer>:<seq>"));
const Time = v.pipe(v.string(), v.isoTimestamp());

const eventBase = {
  v: v.literal(PROTOCOL_VERSION),
  id: EventId,
  chatId: Id,
  at: Time,
};
const messageEventBase = { ...eventBase, messageId: Id };

export const RoleSchema = v.picklist(["user", "assistant", "system"]);
export type Role = v.InferOutput<typeof RoleSchema>;

/**
 * Attachments are designed now and implemented later: a message references uploaded blobs by
 * URL; the log never carries file bytes.
 */
export const AttachmentSchema = v.object({
  kind: v.picklist(["image", "file"]),
  url: v.pipe(v.string(), v.url()),
  mimeType: v.pipe(v.string(), v.maxLength(255)),
  name: v.optional(v.pipe(v.string(), v.maxLength(255))),
  bytes: v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(0))),
});
export type Attachment = v.InferOutput<typeof AttachmentSchema>;

export const UsageSchema = v.object({
  inputTokens: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
  outputTokens: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
  costMicroUsd: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
});
export type Usage = v.InferOutput<typeof UsageSchema>;

export const MessageCreatedSchema = v.object({
  ...messageEventBase,
  type: v.literal(EVENT_TYPE.messageCreated),
  role: RoleSchema,
  text: v.string(),
  model: v.optional(v.string()),
  clientId: v.optional(Id),
  /** Another version of that message (a regenerated answer, an edited question): same parent. */
  versionOf: v.optional(Id),
  attachments: v.optional(v.pipe(v.array(AttachmentSchema), v.maxLength(LIMITS.maxAttachments))),
});

export const MessageDeltaSchema = v.object({
  ...messageEventBase,
  type: v.literal(EVENT_TYPE.messageDelta),
  text: v.string(),
});

export const MessageCompletedSchema = v.object({
  ...messageEventBase,
  type: v.literal(EVENT_TYPE.messageCompleted),
  finishReason: v.string(),
  usage: UsageSchema,
});

export const MessageErrorSchema = v.object({
  ...messageEventBase,
  type: v.literal(EVENT_TYPE.messageError),
  code: v.picklist(ERROR_CODES),
  message: v.string(),
  retryable: v.boolean(),
});

export const MessageStoppedSchema = v.object({
  ...messageEventBase,
  type: v.literal(EVENT_TYPE.messageStopped),
  by: v.picklist(["user", "system"]),
});

/** Show this version (and the thread under it) from now on. */
export const MessageSelectedSchema = v.object({
  ...messageEventBase,
  type: v.literal(EVENT_TYPE.messageSelected),
});

export const FeedbackRatingSchema = v.picklist(["up", "down"]);
export type FeedbackRating = v.InferOutput<typeof FeedbackRatingSchema>;

/** The end user's 👍/👎 on an answer; the latest wins, `null` clears it. */
export const MessageFeedbackSchema = v.object({
  ...messageEventBase,
  type: v.literal(EVENT_TYPE.messageFeedback),
  rating: v.nullable(FeedbackRatingSchema),
  comment: v.optional(v.pipe(v.string(), v.maxLength(LIMITS.maxFeedbackCommentLength))),
});

export const GenerationStartedSchema = v.object({
  ...messageEventBase,
  type: v.literal(EVENT_TYPE.generationStarted),
  holder: Id,
  model: v.string(),
});

export const GenerationResumedSchema = v.object({
  ...messageEventBase,
  type: v.literal(EVENT_TYPE.generationResumed),
  holder: Id,
  /** Why the new holder took over, e.g. "lease_expired". */
  reason: v.string(),
});

/** Chat-level events concern the whole chat and carry no messageId. */
export const ChatRenamedSchema = v.object({
  ...eventBase,
  type: v.literal(EVENT_TYPE.chatRenamed),
  title: v.pipe(v.string(), v.maxLength(LIMITS.maxTitleLength)),
});

export const ChatDeletedSchema = v.object({
  ...eventBase,
  type: v.literal(EVENT_TYPE.chatDeleted),
});

/** One schema per event type, looked up by `type` (faster than trying each variant). */
export const EVENT_SCHEMAS = {
  [EVENT_TYPE.messageCreated]: MessageCreatedSchema,
  [EVENT_TYPE.messageDelta]: MessageDeltaSchema,
  [EVENT_TYPE.messageCompleted]: MessageCompletedSchema,
  [EVENT_TYPE.messageError]: MessageErrorSchema,
  [EVENT_TYPE.messageStopped]: MessageStoppedSchema,
  [EVENT_TYPE.messageSelected]: MessageSelectedSchema,
  [EVENT_TYPE.messageFeedback]: MessageFeedbackSchema,
  [EVENT_TYPE.generationStarted]: GenerationStartedSchema,
  [EVENT_TYPE.generationResumed]: GenerationResumedSchema,
  [EVENT_TYPE.chatRenamed]: ChatRenamedSchema,
  [EVENT_TYPE.chatDeleted]: ChatDeletedSchema,
} as const;

export type MessageCreatedEvent = v.InferOutput<typeof MessageCreatedSchema>;
export type MessageDeltaEvent = v.InferOutput<typeof MessageDeltaSchema>;
export type MessageCompletedEvent = v.InferOutput<typeof MessageCompletedSchema>;
export type MessageErrorEvent = v.InferOutput<typeof MessageErrorSchema>;
export type MessageStoppedEvent = v.InferOutput<typeof MessageStoppedSchema>;
export type MessageSelectedEvent = v.InferOutput<typeof MessageSelectedSchema>;
export type MessageFeedbackEvent = v.InferOutput<typeof MessageFeedbackSchema>;
export type GenerationStartedEvent = v.InferOutput<typeof GenerationStartedSchema>;
export type GenerationResumedEvent = v.InferOutput<typeof GenerationResumedSchema>;
export type ChatRenamedEvent = v.InferOutput<typeof ChatRenamedSchema>;
export type ChatDeletedEvent = v.InferOutput<typeof ChatDeletedSchema>;

export type ChatEvent =
  | MessageCreatedEvent
  | MessageDeltaEvent
  | MessageCompletedEvent
  | MessageErrorEvent
  | MessageStoppedEvent
  | MessageSelectedEvent
  | MessageFeedbackEvent
  | GenerationStartedEvent
  | GenerationResumedEvent
  | ChatRenamedEvent
  | ChatDeletedEvent;

/** Events that end an assistant message for good. */
export type TerminalEvent = MessageCompletedEvent | MessageErrorEvent | MessageStoppedEvent;

/** An event as a producer writes it: everything but the envelope the producer fills in. */
export type EventPayload<E extends ChatEvent = ChatEvent> = E extends ChatEvent
  ? Omit<E, "v" | "id" | "at">
  : never;
