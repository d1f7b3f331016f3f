/**
 * `TailStore`: the state a tail shows and its subscriptions: the folded log's current thread plus
 * the pending sends that the log does not have yet (thread-view.ts). A pending message
 * disappears in the same update that brings the log's `message.created` with its `clientId`, at
 * the same position (pending ones come after the thread), so there is no flicker and no duplicate. Message listeners fire only when their
 * message's object changes: the fold keeps untouched messages' identity.
 *
 * A resync (the cursor went back to -1) starts a fresh fold from the empty state: the shown
 * state stays as it was while the log is re-read, and is replaced by the fresh fold at the
 * first up-to-date control frame — then it equals the server's log exactly, even when the
 * streams tier lost events we had shown. Pending sends stay shown throughout.
 */
import { EMPTY_CHAT_STATE, currentThread, findMessage, foldAll, messageVersions, type ChatMessage, type ChatState, type TailControl } from "@open-chat/shared";
import type { PendingMessage, TailMessage, TailState } from "../types.js";
import { threadView } from "./thread-view.js";

interface MessageWatch {
  listener: (message: TailMessage | undefined) => void;
  last: TailMessage | undefined;
}

export class TailStore {
  private current: TailState;
  private readonly listeners = new Set<(state: TailState) => void>();
  private readonly watches = new Map<string, Set<MessageWatch>>();
  /** The fresh fold of a resync until it is caught up; null otherwise. */
  private rebuilding: ChatState | null = null;

  constructor(
    chatId: string,
    log: ChatState,
    /** Pending sends the log now has (reconciled); the owner forgets them. */
    private readonly onReconciled: (clientIds: string[]) => void,
  ) {
    this.current = { chatId, title: log.title, deleted: log.deleted, messages: currentThread(log), pending: [], log, versions: versionsOf(log) };
  }

  get state(): TailState {
    return this.current;
  }

  get log(): ChatState {
    return this.current.log;
  }

  /**
   * The fold of every event up to the cursor's offset: what is stored and handed to other tabs
   * with that offset. The fresh fold while a resync catches up, else the shown log.
   */
  get foldedLog(): ChatState {
    return this.rebuilding ?? this.current.log;
  }

  /** Folds a batch through the shared fold and publishes the result (into the fresh fold during a resync). */
  apply(events: readonly unknown[]): void {
    if (this.rebuilding) this.rebuilding = foldAll(this.rebuilding, events);
    else this.publish(foldAll(this.current.log, events), this.current.pending);
  }

  /** The cursor went back to -1: fold the re-read log from the empty state, not on top of ours. */
  resync(): void {
    this.rebuilding = EMPTY_CHAT_STATE;
  }

  /** A control frame whose batch is applied: an up-to-date one ends a resync and shows its fold. */
  control(control: TailControl): void {
    if (!this.rebuilding || control.upToDate !== true) return;
    const log = this.rebuilding;
    this.rebuilding = null;
    this.publish(log, this.current.pending);
  }

  /** Replaces the log state (restored snapshot, or another tab's snapshot). */
  replaceLog(log: ChatState): void {
    this.rebuilding = null;
    this.publish(log, this.current.pending);
  }

  setPending(pending: readonly PendingMessage[]): void {
    if (pending === this.current.pending) return;
    this.publish(this.current.log, pending);
  }

  subscribe(listener: (state: TailState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  subscribeMessage(messageId: string, listener: (message: TailMessage | undefined) => void): () => void {
    const watch: MessageWatch = { listener, last: this.find(messageId, this.current) };
    let set = this.watches.get(messageId);
    if (!set) this.watches.set(messageId, (set = new Set()));
    set.add(watch);
    return () => {
      set.delete(watch);
      if (set.size === 0) this.watches.delete(messageId);
    };
  }

  private publish(log: ChatState, pendingInput: readonly PendingMessage[]): void {
    let pending = pendingInput;
    if (pending.length > 0) {
      const inLog = clientIdsIn(log.messages);
      const reconciled = pending.filter((m) => inLog.has(m.clientId)).map((m) => m.clientId);
      if (reconciled.length > 0) {
        pending = pending.filter((m) => !inLog.has(m.clientId));
        queueMicrotask(() => this.onReconciled(reconciled));
      }
    }
    const previous = this.current;
    // The same thread and pending list keep the same array (currentThread is cached per state).
    const messages: readonly TailMessage[] =
      previous.pending === pending && currentThread(previous.log) === currentThread(log) ? previous.messages : threadView(log, pending);
    const versions = previous.log === log ? previous.versions : versionsOf(log);
    this.current = { chatId: previous.chatId, title: log.title, deleted: log.deleted, messages, pending, log, versions };
    for (const listener of [...this.listeners]) listener(this.current);
    this.notifyMessages();
  }

  private notifyMessages(): void {
    for (const [id, watches] of this.watches) {
      const message = this.find(id, this.current);
      for (const watch of [...watches]) {
        if (watch.last === message) continue;
        watch.last = message;
        watch.listener(message);
      }
    }
  }

  /** A message by its id, or by the clientId it was sent with (follows a send through reconciliation). */
  private find(id: string, state: TailState): TailMessage | undefined {
    const folded = findMessage(state.log, id);
    if (folded) return folded;
    const pending = state.pending.find((m) => m.clientId === id);
    if (pending) return pending;
    for (let i = state.log.messages.length - 1; i >= 0; i--) {
      const message = state.log.messages[i]!;
      if (message.clientId === id) return message;
    }
    return undefined;
  }
}

function versionsOf(log: ChatState): TailState["versions"] {
  return (messageId) => messageVersions(log, messageId);
}

function clientIdsIn(messages: readonly ChatMessage[]): Set<string> {
  const ids = new Set<string>();
  for (const message of messages) if (message.clientId !== undefined) ids.add(message.clientId);
  return ids;
}
