/**
 * Optimistic user messages per chat, shared by the client's sends and its tails. A chat's list
 * is replaced (new array) on every change, so tails detect changes by reference.
 */
import type { PendingMessage } from "./types.js";

const NONE: readonly PendingMessage[] = Object.freeze([]);

export class PendingStore {
  private readonly byChat = new Map<string, readonly PendingMessage[]>();
  private readonly listeners = new Map<string, Set<() => void>>();

  list(chatId: string): readonly PendingMessage[] {
    return this.byChat.get(chatId) ?? NONE;
  }

  /** True while some tail of the chat is listening (someone shows the pending messages). */
  watched(chatId: string): boolean {
    return (this.listeners.get(chatId)?.size ?? 0) > 0;
  }

  /** Adds the message; if one with its clientId exists, makes it `pending` again (a retried failed send). */
  add(message: PendingMessage): void {
    const list = this.list(message.chatId);
    const existing = list.find((m) => m.clientId === message.clientId);
    if (!existing) this.commit(message.chatId, [...list, message]);
    else if (existing.status !== "pending") this.commit(message.chatId, list.map((m) => (m === existing ? message : m)));
  }

  update(chatId: string, clientId: string, patch: Partial<Pick<PendingMessage, "status" | "error" | "updatedAt">>): void {
    const list = this.list(chatId);
    if (!list.some((m) => m.clientId === clientId)) return;
    this.commit(chatId, list.map((m) => (m.clientId === clientId ? { ...m, ...patch } : m)));
  }

  remove(chatId: string, clientIds: readonly string[]): void {
    const list = this.list(chatId);
    const next = list.filter((m) => !clientIds.includes(m.clientId));
    if (next.length !== list.length) this.commit(chatId, next);
  }

  /**
   * Moves pending messages (`clientIds`, default all) of chat `from` to chat `to`, after that
   * chat's own: a started chat got its server id.
   */
  move(from: string, to: string, clientIds?: readonly string[]): void {
    const list = this.list(from);
    const moving = clientIds ? list.filter((m) => clientIds.includes(m.clientId)) : list;
    if (moving.length === 0) return;
    this.commit(from, list.filter((m) => !moving.includes(m)));
    const there = this.list(to);
    this.commit(to, [...there, ...moving.filter((m) => !there.some((t) => t.clientId === m.clientId)).map((m) => ({ ...m, chatId: to }))]);
  }

  /** Removes every chat's pending messages (log out). */
  clear(): void {
    for (const chatId of [...this.byChat.keys()]) this.commit(chatId, NONE);
  }

  subscribe(chatId: string, listener: () => void): () => void {
    let set = this.listeners.get(chatId);
    if (!set) this.listeners.set(chatId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(chatId);
    };
  }

  private commit(chatId: string, list: readonly PendingMessage[]): void {
    if (list.length === 0) this.byChat.delete(chatId);
    else this.byChat.set(chatId, list);
    for (const listener of [...(this.listeners.get(chatId) ?? [])]) listener();
  }
}
