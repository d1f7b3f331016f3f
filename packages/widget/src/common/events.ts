/**
 * Detail types of the public events, and their `HTMLElementEventMap` entries so that
 * `el.addEventListener("open-chat:message", (e) => e.detail.message)` is typed.
 */
import type { ChatMessage } from "@open-chat/sdk";

export interface OpenChatReadyDetail {
  /** The chat shown, or null before the first message creates one. */
  chatId: string | null;
}

export interface OpenChatMessageDetail {
  chatId: string;
  /** An assistant message that just reached a terminal state (`completed`, `stopped` or `error`). */
  message: ChatMessage;
}

export interface OpenChatErrorDetail {
  error: Error;
  /** A protocol error code (`chat_not_found`, `unauthorized`, `model_error`…) when there is one. */
  code?: string;
  chatId?: string | null;
}

export interface OpenChatUnreadDetail {
  /** Answers completed while the launcher panel was closed; 0 after it opens. */
  count: number;
}

declare global {
  interface HTMLElementEventMap {
    "open-chat:ready": CustomEvent<OpenChatReadyDetail>;
    "open-chat:message": CustomEvent<OpenChatMessageDetail>;
    "open-chat:error": CustomEvent<OpenChatErrorDetail>;
    "open-chat:open": CustomEvent<void>;
    "open-chat:close": CustomEvent<void>;
    "open-chat:unread": CustomEvent<OpenChatUnreadDetail>;
  }
}

/** Dispatches a public event: bubbles, composed. */
export function emit<T>(target: EventTarget, type: string, detail?: T): boolean {
  return target.dispatchEvent(new CustomEvent(type, { bubbles: true, composed: true, detail }));
}
