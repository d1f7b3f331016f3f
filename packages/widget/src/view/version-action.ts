/**
 * How a row's version actions (‹ 2/3 ›, Regenerate, 👍/👎, Edit) reach the chat: one internal
 * event, `oc-version-action`, that bubbles to the view's shadow root (not composed: the page
 * never sees it), where the ChatController hears it and performs it with the SDK client.
 */
import type { ChatClient } from "@open-chat/sdk";

/** Internal (non-composed) event of a row's version action; `detail` is a {@link VersionAction}. */
export const VERSION_ACTION = "oc-version-action";

export type VersionAction =
  | { type: "select"; messageId: string }
  | { type: "regenerate"; messageId: string }
  | { type: "feedback"; messageId: string; rating: "up" | "down" | null; comment?: string }
  | { type: "edit"; messageId: string; text: string };

/** Asks the chat to perform `action`. */
export function requestVersionAction(from: Element, action: VersionAction): void {
  from.dispatchEvent(new CustomEvent<VersionAction>(VERSION_ACTION, { bubbles: true, detail: action }));
}

/** Performs `action` in chat `chatId`. Regenerate and edit resolve once the server accepted the turn. */
export function performVersionAction(client: ChatClient, chatId: string, action: VersionAction): Promise<unknown> {
  switch (action.type) {
    case "select":
      return client.selectVersion(chatId, action.messageId);
    case "regenerate":
      return client.regenerate(chatId, action.messageId);
    case "edit":
      return client.edit(chatId, action.messageId, action.text);
    case "feedback":
      return client.feedback(chatId, action.messageId, action.comment === undefined ? { rating: action.rating } : { rating: action.rating, comment: action.comment });
  }
}
