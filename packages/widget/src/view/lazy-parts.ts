/**
 * The view's rarely used parts, each a chunk of its own, and when they load:
 *
 * - the chat list (chat-list.ts, ☰: list, rename, delete, and its state, chat-list-controller.ts)
 *   when the list first opens;
 * - the version actions (version-actions.ts: ‹ 2/3 ›, Regenerate, 👍/👎 with the comment form,
 *   Edit with the inline editor) when the transcript first shows a message.
 *
 * A part imports nothing at run time: what it needs of Lit and of the view comes in as the
 * {@link kit}, so its chunk holds only its own code and nothing the view also uses is split into
 * chunks of its own (a page would load those as extra files). Its tags upgrade when it arrives —
 * Lit keeps the properties the view set on them before. A failed load is tried again next time.
 */
import { kit } from "./kit.js";

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    }));
}

/** Defines `<open-chat-list>`; resolves with the list's chunk (its state: `ChatListController`) once it is defined. */
export const loadChatList = once(() => import("./chat-list.js").then((part) => (part.defineChatList(kit), part)));

/** Defines `<open-chat-versions>`, `<open-chat-feedback>` and `<open-chat-edit>` (resolves once they are defined). */
export const loadVersionActions = once(() => import("./version-actions.js").then((part) => part.defineVersionActions(kit)));
