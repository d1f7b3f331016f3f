/**
 * The one fold: the only place in Open Chat where events become messages. Server replay, SDK
 * and widget all call it.
 *
 * - Pure: the input state is never mutated; a new state is returned. Messages that an event
 *   batch did not touch keep their object identity, so subscribers can compare by reference.
 * - Total: never throws. Invalid or unknown events are skipped and counted in `skipped`.
 * - Idempotent: dedupe by event id with one high-water mark per producer (ids are
 *   `<producer>:<seq>`, see events.ts). Memory is one number per producer — producers are
 *   per turn/request, so it grows like the message list itself, never with the delta count.
 * - Terminal states hold: once a message is completed, failed or stopped nothing reopens it;
 *   later events for it are ignored and counted in `ignored`.
 * - Message order is the order of `message.created` in the log, never timestamps.
 *
 * @example
 * const state = materialize(events);            // whole log
 * const next = foldAll(state, batch);           // incremental: equals materialize([...events, ...batch])
 */
import { EVENT_TYPE } from "./constants.js";
import type { Attachment, ChatEvent, Role, Usage } from "./events.js";
import type { ErrorCode } from "./errors.js";
import { parseEvent, splitEventId } from "./validate.js";

export type MessageStatus = "streaming" | "completed" | "error" | "stopped";

export interface ChatMessage {
  readonly id: string;
  readonly chatId: string;
  readonly role: Role;
  readonly text: string;
  readonly status: MessageStatus;
  /** `at` of message.created (display only; never used for ordering). */
  readonly createdAt: string;
  /** `at` of the last event that changed the message. */
  readonly updatedAt: string;
  readonly model?: string;
  /** The sender's client-generated id (user messages), for optimistic reconciliation. */
  readonly clientId?: string;
  readonly attachments?: readonly Attachment[];
  readonly finishReason?: string;
  readonly usage?: Usage;
  readonly error?: { readonly code: ErrorCode; readonly message: string; readonly retryable: boolean };
  readonly stoppedBy?: "user" | "system";
  /** The generation writing this (assistant) message; `resumes` counts takeovers. */
  readonly generation?: { readonly holder: string; readonly model: string; readonly resumes: number };
}

export interface ChatState {
  readonly chatId: string | null;
  readonly title: string | null;
  readonly deleted: boolean;
  /** In order of `message.created` in the log. */
  readonly messages: readonly ChatMessage[];
  /** messageId -> position in `messages`. (Maps, not objects: ids like "constructor" are data.) */
  readonly index: ReadonlyMap<string, number>;
  /** producerId -> highest seq applied: the dedupe memory. */
  readonly watermarks: ReadonlyMap<string, number>;
  /** Diagnostics, not part of the chat's content. */
  readonly applied: number;
  /** Events seen before (same producer, seq at or below its watermark). */
  readonly duplicates: number;
  /** Valid events with no effect: for a terminal or unknown message, another chat, after delete. */
  readonly ignored: number;
  /** Invalid or unknown-type events. */
  readonly skipped: number;
}

export const EMPTY_CHAT_STATE: ChatState = Object.freeze({
  chatId: null,
  title: null,
  deleted: false,
  messages: Object.freeze([]) as readonly ChatMessage[],
  index: new Map(),
  watermarks: new Map(),
  applied: 0,
  duplicates: 0,
  ignored: 0,
  skipped: 0,
});

/** True when a message can no longer change. */
export function isTerminal(status: MessageStatus): boolean {
  return status !== "streaming";
}

/** The message with this id, or undefined (constant time, through the state's index). */
export function findMessage(state: ChatState, id: string): ChatMessage | undefined {
  const position = state.index.get(id);
  return position === undefined ? undefined : state.messages[position];
}

/** Folds a batch of (unvalidated) events into a new state. */
export function foldAll(state: ChatState, events: Iterable<unknown>): ChatState {
  const draft = new Draft(state);
  for (const event of events) draft.apply(event);
  return draft.finish();
}

/** Folds one (unvalidated) event. Prefer `foldAll` for batches: it copies once per batch. */
export function fold(state: ChatState, event: unknown): ChatState {
  return foldAll(state, [event]);
}

/** Folds a whole log from the empty state. */
export function materialize(events: Iterable<unknown>): ChatState {
  return foldAll(EMPTY_CHAT_STATE, events);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A copy-on-write draft of one state. Containers and messages are copied at most once per
 * batch, on first write, so folding a batch costs O(batch + touched), not O(state) per event.
 */
class Draft {
  private readonly next: Mutable<ChatState>;
  private messages: ChatMessage[] | null = null;
  private index: Map<string, number> | null = null;
  private watermarks: Map<string, number> | null = null;
  private readonly copied = new Set<number>();

  constructor(private readonly base: ChatState) {
    this.next = { ...base };
  }

  finish(): ChatState {
    if (this.messages) this.next.messages = this.messages;
    if (this.index) this.next.index = this.index;
    if (this.watermarks) this.next.watermarks = this.watermarks;
    return this.next;
  }

  apply(input: unknown): void {
    const parsed = parseEvent(input);
    if (!parsed.ok) {
      this.next.skipped++;
      return;
    }
    const event = parsed.event;
    const id = splitEventId(event.id); // validation checked the pattern
    const seen = (this.watermarks ?? this.base.watermarks).get(id.producer);
    if (seen !== undefined && id.seq <= seen) {
      this.next.duplicates++;
      return;
    }
    this.writableWatermarks().set(id.producer, id.seq);
    if (this.applyValid(event)) this.next.applied++;
    else this.next.ignored++;
  }

  /** Returns false when the event is valid but changes nothing. */
  private applyValid(event: ChatEvent): boolean {
    if (this.next.deleted) return false;
    if (this.next.chatId === null) this.next.chatId = event.chatId;
    else if (event.chatId !== this.next.chatId) return false;

    switch (event.type) {
      case EVENT_TYPE.chatRenamed:
        this.next.title = event.title;
        return true;
      case EVENT_TYPE.chatDeleted:
        this.next.deleted = true;
        return true;
      case EVENT_TYPE.messageCreated:
        return this.create(event);
    }

    const position = (this.index ?? this.base.index).get(event.messageId);
    if (position === undefined) return false; // nothing is created by a stray event
    const current = (this.messages ?? this.base.messages)[position]!;
    if (isTerminal(current.status)) return false;
    const message = this.writableMessage(position);
    message.updatedAt = event.at;

    switch (event.type) {
      case EVENT_TYPE.messageDelta:
        message.text += event.text;
        return true;
      case EVENT_TYPE.messageCompleted:
        message.status = "completed";
        message.finishReason = event.finishReason;
        message.usage = event.usage;
        return true;
      case EVENT_TYPE.messageError:
        message.status = "error";
        message.error = { code: event.code, message: event.message, retryable: event.retryable };
        return true;
      case EVENT_TYPE.messageStopped:
        message.status = "stopped";
        message.stoppedBy = event.by;
        return true;
      case EVENT_TYPE.generationStarted:
        message.generation = { holder: event.holder, model: event.model, resumes: 0 };
        message.model ??= event.model;
        return true;
      case EVENT_TYPE.generationResumed: {
        const previous = message.generation;
        message.generation = {
          holder: event.holder,
          model: previous?.model ?? message.model ?? "",
          resumes: (previous?.resumes ?? 0) + 1,
        };
        return true;
      }
    }
  }

  private create(event: Extract<ChatEvent, { type: "message.created" }>): boolean {
    const index = this.index ?? this.base.index;
    if (index.has(event.messageId)) return false;
    const message: Mutable<ChatMessage> = {
      id: event.messageId,
      chatId: event.chatId,
      role: event.role,
      text: event.text,
      // Only assistant messages stream; user and system messages are whole on creation.
      status: event.role === "assistant" ? "streaming" : "completed",
      createdAt: event.at,
      updatedAt: event.at,
    };
    if (event.model !== undefined) message.model = event.model;
    if (event.clientId !== undefined) message.clientId = event.clientId;
    if (event.attachments !== undefined) message.attachments = event.attachments;
    const messages = this.writableMessages();
    this.writableIndex().set(event.messageId, messages.length);
    this.copied.add(messages.length); // a new object: already private to this draft
    messages.push(message);
    return true;
  }

  private writableMessages(): ChatMessage[] {
    return (this.messages ??= [...this.base.messages]);
  }

  private writableIndex(): Map<string, number> {
    return (this.index ??= new Map(this.base.index));
  }

  private writableWatermarks(): Map<string, number> {
    return (this.watermarks ??= new Map(this.base.watermarks));
  }

  private writableMessage(position: number): Mutable<ChatMessage> {
    const messages = this.writableMessages();
    if (!this.copied.has(position)) {
      messages[position] = { ...messages[position]! };
      this.copied.add(position);
    }
    return messages[position] as Mutable<ChatMessage>;
  }
}
