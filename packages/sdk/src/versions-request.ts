/**
 * The request one outbox entry makes. A send and an edit are `POST …/messages` (an edit names
 * the user message it replaces in `editOf`); a regenerate is `POST …/messages/{answer}/regenerate`.
 * All three carry the entry's clientMessageId, so every retry is the same one turn.
 */
import { API_PATH } from "@open-chat/shared";
import type { OutboxEntry } from "./outbox-entry.js";

export interface TurnRequest {
  readonly path: string;
  readonly body: Record<string, string>;
}

export function turnRequest(entry: OutboxEntry): TurnRequest {
  const body: Record<string, string> = { clientMessageId: entry.clientMessageId };
  if (entry.model !== undefined) body.model = entry.model;
  if (entry.kind === "regenerate") return { path: API_PATH.regenerate(entry.chatId, entry.messageId), body };
  body.text = entry.text;
  if (entry.editOf !== undefined) body.editOf = entry.editOf;
  return { path: API_PATH.messages(entry.chatId), body };
}
