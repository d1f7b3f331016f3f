/**
 * Reading the versions the fold keeps (fold.ts): the current thread a screen shows, the
 * versions at one place ("‹ 2/3 ›"), and the thread above a message (an answer's prompt).
 * Pure functions of a ChatState; nothing here changes it.
 *
 * @example
 * const state = materialize(events);
 * for (const message of currentThread(state)) render(message, messageVersions(state, message.id));
 */
import { ROOT_PARENT, findMessage, type ChatMessage, type ChatState } from "./fold.js";

export interface MessageVersions {
  /** The versions at the message's place, in creation order (one id: no other version). */
  readonly ids: readonly string[];
  /** The message's position in `ids`. */
  readonly index: number;
}

const threads = new WeakMap<ChatState, readonly ChatMessage[]>();

/**
 * The current thread, first message to last: at every place the version shown (the newest
 * unless a `message.selected` chose another). A chat without versions: every message, in log
 * order. Cached per state, so calling it on every render costs one walk per fold.
 */
export function currentThread(state: ChatState): readonly ChatMessage[] {
  const cached = threads.get(state);
  if (cached) return cached;
  const thread: ChatMessage[] = [];
  for (let id = state.selected.get(ROOT_PARENT); id !== undefined; id = state.selected.get(id)) {
    const message = findMessage(state, id);
    if (message === undefined) break; // cannot happen: the fold selects only messages it made
    thread.push(message);
  }
  threads.set(state, thread);
  return thread;
}

/** The versions at `messageId`'s place; `{ ids: [], index: -1 }` for an unknown message. */
export function messageVersions(state: ChatState, messageId: string): MessageVersions {
  const message = findMessage(state, messageId);
  if (message === undefined) return { ids: [], index: -1 };
  const ids = state.children.get(message.parentId ?? ROOT_PARENT) ?? [messageId];
  return { ids, index: ids.indexOf(messageId) };
}

/** The messages above `messageId`, first message first, not including it: what an answer replies to. */
export function threadTo(state: ChatState, messageId: string): readonly ChatMessage[] {
  const above: ChatMessage[] = [];
  let message = findMessage(state, messageId);
  while (message?.parentId != null) {
    message = findMessage(state, message.parentId);
    if (message === undefined) break;
    above.push(message);
  }
  return above.reverse();
}
