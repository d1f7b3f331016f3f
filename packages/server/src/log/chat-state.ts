/**
 * A chat as its log stands, folded with the one fold: what a turn, a selection or a feedback
 * checks its message ids against before it appends anything. A log the streams tier cannot
 * serve is `log_unavailable` (503: retry the same request).
 */
import type { ChatState } from "@open-chat/shared";
import { DomainError } from "../domain-error.js";
import { StreamsError } from "../streams/client/errors.js";
import type { ChatStates } from "./chat-states.js";

export async function readChatState(chatStates: ChatStates, stream: { name: string; incarnation: string }, chatId: string): Promise<ChatState> {
  try {
    return (await chatStates.read(stream, chatId)).state;
  } catch (error) {
    if (error instanceof StreamsError) throw new DomainError("log_unavailable", "the message log is unavailable; retry the same request", { cause: error });
    throw error;
  }
}
