/**
 * `TailStore`: the state a tail shows and its subscriptions: the folded log plus the pending sends that the
 * log does not have yet. A pending message disappears in the same update that brings the log's
 * `message.created` with its `clientId`, at the same position (pending ones come after every log
 * message), so there is no flicker and no duplicate. Message listeners fire only when their
 * message's object changes: the fold keeps untouched messages' identity.
 */
import { findMessage, foldAll, type ChatMessage, type ChatState } from "@open-chat/shared";
import type { PendingMessage, TailMessage, TailState } from "../types.js";

interface MessageWatch {
  listener: (message: TailMessage | undefined) => void;
  last: TailMessage | undefined;
}

export class TailStore {
  private current: TailState;
  private readonly listeners = new Set<(state: TailState) => void>();
  private readonly watches = new Map<string, Set<MessageWatch>>();

  constructor(
    chatId: string,
    log: ChatState,
    /** Pending sends the log now has (reconciled); the owner forgets them. */
    private readonly onReconciled: (clientIds: string[]) => void,
  ) {
    this.current = { chatId, title: log.title, deleted: log.deleted, messages: log.messages, pending: [], log };
  }

  get state(): TailState {
    return this.current;
  }

  get log(): ChatState {
    return this.current.log;
  }

  /** Folds a batch through the shared fold and publishes the result. */
  apply(events: readonly unknown[]): void {
    this.publish(foldAll(this.current.log, events), this.current.pending);
  }

  /** Replaces the log state (restored snapshot, or another tab's snapshot). */
  replaceLog(log: ChatState): void {
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
    const messages: readonly TailMessage[] =
      pending.length === 0
        ? log.messages
        : previous.pending === pending && previous.log.messages === log.messages
          ? previous.messages
          : [...log.messages, ...pending];
    this.current = { chatId: previous.chatId, title: log.title, deleted: log.deleted, messages, pending, log };
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

function clientIdsIn(messages: readonly ChatMessage[]): Set<string> {
  const ids = new Set<string>();
  for (const message of messages) if (message.clientId !== undefined) ids.add(message.clientId);
  return ids;
}
