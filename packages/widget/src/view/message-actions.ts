/**
 * The version actions a row shows in its actions (`part="actions"`): "‹ 2/3 ›" and Regenerate
 * (message-versions.ts), 👍/👎 with an optional comment (message-feedback.ts), Edit with its
 * inline editor (message-edit.ts). Their elements are a chunk of their own (version-actions.ts),
 * loaded when the transcript first shows a message — usually long before an answer ends — and
 * upgraded in place when it arrives; from then on they render in the same update as the row, and
 * later tokens elsewhere never add DOM to it.
 */
import type { ChatTail, TailMessage } from "@open-chat/sdk";
import { html, nothing } from "lit";
import type { OpenChatStrings } from "../common/strings.js";
import { loadVersionActions } from "./lazy-parts.js";

/**
 * None for a message the log does not have yet (pending, failed) or an answer still streaming;
 * for a question the switcher and Edit; for an ended answer the switcher, Regenerate (on a
 * completed one; Retry regenerates the others) and, on an answer with text, 👍/👎.
 */
export function messageActions(message: TailMessage, tail: ChatTail | undefined, strings: OpenChatStrings) {
  if (tail) void loadVersionActions().catch(() => {}); // offline: tried again by the next row that renders
  if (!tail || message.status === "pending" || message.status === "failed" || message.status === "streaming") return nothing;
  const versions = html`<open-chat-versions .tail=${tail} .message=${message} .strings=${strings}></open-chat-versions>`;
  if (message.role === "user") return html`${versions}<open-chat-edit .message=${message} .strings=${strings}></open-chat-edit>`;
  const rated = message.status === "completed" || (message.status === "stopped" && message.text !== "");
  return html`${versions}${rated ? html`<open-chat-feedback .message=${message} .strings=${strings}></open-chat-feedback>` : nothing}`;
}
