/**
 * A chat as its log stands, folded with the one fold: what a turn, a selection or a feedback
 * checks its message ids against before it appends anything. A log the streams tier cannot
 * serve is `log_unavailable` (503: retry the same request).
 */
import type { ChatState } from "@open-chat/shared";
import { DomainError } from "../domain-error.js";
import { StreamsError } from "../streams/client/errors.js";
import type { StreamsClient } from "../streams/client/types.js";
import { createChatStates, type ChatStates } from "./chat-states.js";

/** `states` keeps folded chats between reads (chat-states.ts); without it the chat is read whole. */
export async function readChatState(
  source: { streams: Pick<StreamsClient, "read">; chatStates?: ChatStates },
  stream: { name: string; incarnation: string },
  chatId: string,
): Promise<ChatState> {
  try {
    return (await chatStatesOf(source).read(stream, chatId)).state;
  } catch (error) {
    if (error instanceof StreamsError) throw new DomainError("log_unavailable", "the message log is unavailable; retry the same request", { cause: error });
    throw error;
  }
}

/** The given kept states, or a reader that keeps nothing. */
export function chatStatesOf(source: { streams: Pick<StreamsClient, "read">; chatStates?: ChatStates }): ChatStates {
  return source.chatStates ?? createChatStates(source.streams, { maxMessages: 0 });
}
