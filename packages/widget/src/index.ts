/**
 * @open-chat/widget — the `<open-chat>` web component: an embeddable AI chat (inline or as a
 * launcher bubble) on the Open Chat SDK, where every token is durable before it is shown.
 * Importing this module registers `<open-chat>`; the full UI (Lit, SDK, markdown) is a separate
 * chunk loaded when the launcher first opens (or at once with `mode="inline"`).
 *
 * @example
 * import "@open-chat/widget";
 *
 * document.body.insertAdjacentHTML("beforeend", `<open-chat api="https://chat.example.com"></open-chat>`);
 * const chat = document.querySelector("open-chat")!;
 * chat.addEventListener("open-chat:message", (event) => console.log(event.detail.message.text));
 * chat.open();
 */
import { OpenChatElement } from "./element/open-chat.js";
import { TAG } from "./common/names.js";

export { OpenChatElement };
export { EVENTS, TAG } from "./common/names.js";
export type { OpenChatStrings } from "./common/strings.js";
export type {
  OpenChatErrorDetail,
  OpenChatMessageDetail,
  OpenChatReadyDetail,
  OpenChatUnreadDetail,
} from "./common/events.js";
export type { OpenChatView } from "./view/open-chat-view.js";

/** Registers `<open-chat>` (idempotent; a page may load the script twice). */
export function defineOpenChat(tag: string = TAG): void {
  if (!customElements.get(tag)) customElements.define(tag, tag === TAG ? OpenChatElement : class extends OpenChatElement {});
}

defineOpenChat();

declare global {
  interface HTMLElementTagNameMap {
    "open-chat": OpenChatElement;
  }
}
