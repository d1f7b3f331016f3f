/**
 * What a tail shows: the log's current thread (one version at each place, see the shared
 * fold's `currentThread`), then the pending sends. A pending edit takes the place of the message
 * it edits: the thread is cut there, so the screen never shows the old question and the new one
 * at once (the log's version replaces the pending one in the same place once it arrives).
 */
import { currentThread, type ChatState } from "@open-chat/shared";
import type { PendingMessage, TailMessage } from "../types.js";

export function threadView(log: ChatState, pending: readonly PendingMessage[]): readonly TailMessage[] {
  const thread = currentThread(log);
  if (pending.length === 0) return thread;
  let cut = thread.length;
  for (const message of pending) {
    if (message.editOf === undefined) continue;
    const at = thread.findIndex((m) => m.id === message.editOf);
    if (at !== -1 && at < cut) cut = at;
  }
  return [...thread.slice(0, cut), ...pending];
}
