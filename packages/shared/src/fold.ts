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
 * - Versions: every message has a parent (the message it follows). A regenerated answer or an
 *   edited question is another child of the same parent (`versionOf`); the newest child, or the
 *   one a `message.selected` chose, is current. `messages` holds every version; thread.ts walks
 *   the current path (what a screen shows and what the model is prompted with).
 *
 * @example
 * const state = materialize(events);            // whole log
 * const next = foldAll(state, batch);           // incremental: equals materialize([...events, ...batch])
 */
import { EVENT_TYPE } from "./constants.js";
import type { Attachment, ChatEvent, FeedbackRating, MessageCreatedEvent, Role, Usage } from "./events.js";
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
  /** The message this one follows in its thread; null for a chat's first message(s). */
  readonly parentId: string | null;
  /** The end user's latest 👍/👎 on an ended answer (absent: none, or cleared). */
  readonly feedback?: { readonly rating: FeedbackRating; readonly comment?: string };
}

/** Key of the chat's first place in `children` / `selected` (ids are never empty). */
export const ROOT_PARENT = "";

export interface ChatState {
  readonly chatId: string | null;
  readonly title: string | null;
  readonly deleted: boolean;
  /** In order of `message.created` in the log. */
  readonly messages: readonly ChatMessage[];
  /** messageId -> position in `messages`. (Maps, not objects: ids like "constructor" are data.) */
  readonly index: ReadonlyMap<string, number>;
  /** parentId (ROOT_PARENT for the first place) -> its children's ids in creation order, for places with versions only. */
  readonly children: ReadonlyMap<string, readonly string[]>;
  /** parentId (ROOT_PARENT for the first place) -> the child shown: the newest unless a `message.selected` chose another. */
  readonly selected: ReadonlyMap<string, string>;
  /** The last message of the current thread: where a message without `versionOf` attaches. */
  readonly leaf: string | null;
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
  children: new Map(),
  selected: new Map(),
  leaf: null,
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
  private children: Map<string, readonly string[]> | null = null;
  private selected: Map<string, string> | null = null;
  private readonly copied = new Set<number>();

  constructor(private readonly base: ChatState) {
    this.next = { ...base };
  }

  finish(): ChatState {
    if (this.messages) this.next.messages = this.messages;
    if (this.index) this.next.index = this.index;
    if (this.watermarks) this.next.watermarks = this.watermarks;
    if (this.children) this.next.children = this.children;
    if (this.selected) this.next.selected = this.selected;
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
    // Selection and feedback are about a message, not its content: terminal ones included.
    if (event.type === EVENT_TYPE.messageSelected) return this.select(current);
    if (event.type === EVENT_TYPE.messageFeedback) {
      if (current.role !== "assistant" || !isTerminal(current.status)) return false;
      const message = this.writableMessage(position);
      if (event.rating === null) delete message.feedback;
      else message.feedback = event.comment === undefined ? { rating: event.rating } : { rating: event.rating, comment: event.comment };
      return true;
    }
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

  private create(event: MessageCreatedEvent): boolean {
    const index = this.index ?? this.base.index;
    if (index.has(event.messageId)) return false;
    let parentId = this.next.leaf;
    if (event.versionOf !== undefined) {
      // A version takes the place of a message of the same role; anything else invents nothing.
      const position = index.get(event.versionOf);
      const original = position === undefined ? undefined : (this.messages ?? this.base.messages)[position];
      if (original === undefined || original.role !== event.role) return false;
      parentId = original.parentId;
    }
    const message: Mutable<ChatMessage> = {
      id: event.messageId,
      chatId: event.chatId,
      role: event.role,
      text: event.text,
      // Only assistant messages stream; user and system messages are whole on creation.
      status: event.role === "assistant" ? "streaming" : "completed",
      createdAt: event.at,
      updatedAt: event.at,
      parentId,
    };
    if (event.model !== undefined) message.model = event.model;
    if (event.clientId !== undefined) message.clientId = event.clientId;
    if (event.attachments !== undefined) message.attachments = event.attachments;
    const messages = this.writableMessages();
    this.writableIndex().set(event.messageId, messages.length);
    this.copied.add(messages.length); // a new object: already private to this draft
    messages.push(message);
    const place = parentId ?? ROOT_PARENT;
    if (event.versionOf === undefined) {
      // Attached to the leaf, which has no child yet: shown, and now the end of the thread.
      this.writableSelected().set(place, message.id);
      this.next.leaf = message.id;
      return true;
    }
    // Places with one message keep no list (most chats have no versions): the first is the one
    // that was shown there before any version existed.
    const children = this.writableChildren();
    const before = children.get(place) ?? [(this.selected ?? this.base.selected).get(place)!];
    children.set(place, [...before, message.id]);
    // A new version is shown (and the thread above it), and it ends the thread.
    return this.select(message);
  }

  /**
   * Shows `message`: it and every message above it become the versions shown at their places;
   * below it the thread continues down the versions already shown there.
   */
  private select(message: ChatMessage): boolean {
    const selected = this.writableSelected();
    const index = this.index ?? this.base.index;
    const messages = this.messages ?? this.base.messages;
    for (let at: ChatMessage | undefined = message; at !== undefined; ) {
      selected.set(at.parentId ?? ROOT_PARENT, at.id);
      at = at.parentId === null ? undefined : messages[index.get(at.parentId)!];
    }
    let leaf = message.id;
    for (let next = selected.get(leaf); next !== undefined; next = selected.get(leaf)) leaf = next;
    this.next.leaf = leaf;
    return true;
  }

  private writableChildren(): Map<string, readonly string[]> {
    return (this.children ??= new Map(this.base.children));
  }

  private writableSelected(): Map<string, string> {
    return (this.selected ??= new Map(this.base.selected));
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
