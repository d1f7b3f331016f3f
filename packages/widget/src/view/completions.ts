/**
 * Finds the assistant answers that END while the widget watches, so each is announced,
 * counted as unread and reported (`open-chat:message`) exactly once — never per token and
 * never for history. Everything folded before the tail first caught up with the log is
 * history; after that, an answer is reported when it reaches a terminal state.
 */
import type { ChatMessage, MessageStatus, TailMessage } from "@open-chat/sdk";
import { renderMarkdown } from "../markdown/render.js";
import type { OpenChatStrings } from "../common/strings.js";
import { humanText } from "./failures.js";

export class CompletionTracker {
  private readonly seen = new Map<string, MessageStatus>();
  private live = false;
  private last: readonly ChatMessage[] = [];

  /** The tail caught up with the log: from now on, endings are news. */
  markLive(): void {
    this.live = true;
  }

  get isLive(): boolean {
    return this.live;
  }

  /** Feeds the folded messages; returns the assistant messages that just ended. */
  update(messages: readonly ChatMessage[]): ChatMessage[] {
    const ended: ChatMessage[] = [];
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i]!;
      if (this.last[i] === message || message.role !== "assistant") continue; // the fold keeps untouched messages
      const before = this.seen.get(message.id);
      if (before === message.status) continue;
      this.seen.set(message.id, message.status);
      if (this.live && message.status !== "streaming" && (before === undefined || before === "streaming")) ended.push(message);
    }
    this.last = messages;
    return ended;
  }
}

/**
 * The live region's text for an answer that ended: its plain text (markdown rendered, then
 * read as text), or why it failed (a human sentence, not the developer text). A repeat of the previous announcement gets an invisible
 * suffix, because live regions announce changes only.
 */
export function announce(message: ChatMessage, strings: OpenChatStrings, previous: string): string {
  const text = renderMarkdown(message.text).fragment.textContent?.replace(/\s+/g, " ").trim() ?? "";
  const said =
    message.status === "error"
      ? `${strings.failed}: ${humanText(message.error?.code, strings)}`
      : `${strings.assistant}: ${text.slice(0, 2000)}${message.status === "stopped" ? ` (${strings.stopped})` : ""}`;
  return previous === said ? `${said}\u200b` : said;
}

export function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A transcript row's key: the SDK's `clientId ?? id` (stable through optimistic reconciliation). */
export function keyOf(message: { id: string; clientId?: string }): string {
  return message.clientId ?? message.id;
}

/**
 * What Retry on row `key` sends: a failed send's own text (after dismissing it), or for an
 * ended answer the user message before it. Null when there is nothing to retry.
 */
export function retryOf(messages: readonly TailMessage[], key: string): { text: string; dismiss?: string } | null {
  const index = messages.findIndex((m) => keyOf(m) === key);
  const message = messages[index];
  if (!message) return null;
  if (message.role === "user") return message.status === "failed" ? { text: message.text, dismiss: message.clientId } : null;
  for (let i = index - 1; i >= 0; i--) if (messages[i]!.role === "user") return { text: messages[i]!.text };
  return null;
}
