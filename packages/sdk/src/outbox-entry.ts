/**
 * What the outbox stores, one entry per queued request, and how a stored entry is read back.
 * Entries carry a `kind`: `send` (a user message, or an edit of one) or `regenerate` (another
 * answer); stored entries without a kind (older SDKs) are sends. A new kind adds a member to {@link OutboxEntry}, a branch to
 * {@link decodeEntry} and a step to the outbox's loop.
 */
import type { PendingMessage } from "./types.js";

/** The chat a send's chat id stands for, still to be made: `POST /v1/chats` before the send. */
export interface NewChat {
  /** `Idempotency-Key` of the create, made once: every retry, in any page, makes the same one chat. */
  idempotencyKey: string;
  title?: string;
  model?: string;
}

/** A request the server has not accepted yet: a user message (a send or an edit) or a regenerate. */
export type OutboxEntry = SendEntry | RegenerateEntry;

/** A user message the server has not accepted yet. */
export interface SendEntry {
  kind: "send";
  /** The chat; a local id (`local:…`, see `startChat()`) while the chat is still to be made. */
  chatId: string;
  /** Generated once, sent with every retry: the server counts one turn. */
  clientMessageId: string;
  text: string;
  model?: string;
  /** ISO time the message was first queued. */
  queuedAt: string;
  /** Set on the first queued message of a chat still to be made: the outbox creates it first. */
  createChat?: NewChat;
  /** An edit: the message is another version of this user message (`editOf` of the send). */
  editOf?: string;
}

/** Another version of an ended answer (`POST …/messages/{messageId}/regenerate`); shows no pending message. */
export interface RegenerateEntry {
  kind: "regenerate";
  chatId: string;
  /** Generated once, sent with every retry: the server counts one turn. */
  clientMessageId: string;
  /** The ended assistant message written again. */
  messageId: string;
  /** A regenerate writes no user message (typed so `entry.text` reads on any entry). */
  text?: undefined;
  model?: string;
  /** ISO time the regenerate was first queued. */
  queuedAt: string;
  /** Never set by the SDK (an answer exists only in a made chat); typed for the outbox's create step. */
  createChat?: NewChat;
}

/** The optimistic message an entry shows until the log has it. */
export function pendingFor(entry: Pick<SendEntry, "chatId" | "clientMessageId" | "text" | "queuedAt" | "model" | "editOf">): PendingMessage {
  return {
    id: entry.clientMessageId,
    clientId: entry.clientMessageId,
    chatId: entry.chatId,
    role: "user",
    text: entry.text,
    status: "pending",
    createdAt: entry.queuedAt,
    updatedAt: entry.queuedAt,
    ...(entry.model !== undefined ? { model: entry.model } : {}),
    ...(entry.editOf !== undefined ? { editOf: entry.editOf } : {}),
  };
}

/** The stored entries; anything unreadable is skipped (a corrupt store never blocks the rest). */
export function decodeEntries(raw: string | null): OutboxEntry[] {
  if (!raw) return [];
  try {
    const value: unknown = JSON.parse(raw);
    if (!Array.isArray(value)) return [];
    return value.map(decodeEntry).filter((entry): entry is OutboxEntry => entry !== null);
  } catch {
    return [];
  }
}

function decodeEntry(value: unknown): OutboxEntry | null {
  if (typeof value !== "object" || value === null) return null;
  const e = value as Record<string, unknown>;
  if (e.kind === "regenerate") return decodeRegenerate(e);
  if ((e.kind ?? "send") !== "send") return null;
  const common = commonFields(e);
  if (!common || typeof e.text !== "string") return null;
  const entry: OutboxEntry = { kind: "send", ...common, text: e.text };
  if (typeof e.editOf === "string") entry.editOf = e.editOf;
  const create = e.createChat as Record<string, unknown> | undefined;
  if (create && typeof create === "object" && typeof create.idempotencyKey === "string") {
    entry.createChat = { idempotencyKey: create.idempotencyKey };
    if (typeof create.title === "string") entry.createChat.title = create.title;
    if (typeof create.model === "string") entry.createChat.model = create.model;
  }
  return entry;
}

function decodeRegenerate(e: Record<string, unknown>): RegenerateEntry | null {
  const common = commonFields(e);
  if (!common || typeof e.messageId !== "string") return null;
  return { kind: "regenerate", ...common, messageId: e.messageId };
}

/** The fields every kind of entry stores: where, which message id, when, and the model if one was asked for. */
function commonFields(e: Record<string, unknown>): { chatId: string; clientMessageId: string; queuedAt: string; model?: string } | null {
  if (typeof e.chatId !== "string" || typeof e.clientMessageId !== "string") return null;
  const queuedAt = typeof e.queuedAt === "string" ? e.queuedAt : new Date(0).toISOString();
  return typeof e.model === "string" ? { chatId: e.chatId, clientMessageId: e.clientMessageId, queuedAt, model: e.model } : { chatId: e.chatId, clientMessageId: e.clientMessageId, queuedAt };
}
