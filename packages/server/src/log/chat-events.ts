/**
 * Events that are not an answer's: chat-level ones (`chat.renamed`, the `chat.deleted`
 * tombstone) and the user's annotations of a message (`message.selected`, `message.feedback`),
 * appended to the chat's log so every open view of the chat sees them. Each is appended under a
 * one-off producer (one event, seq 0), so a retried request appends a new event rather than a
 * duplicate of a generation's seq.
 */
import type { FeedbackRating } from "@open-chat/shared";
import { newId } from "../ids.js";
import type { StreamsClient } from "../streams/client/types.js";
import { createEventFactory } from "./event-factory.js";
import { chatKey } from "./stream-names.js";

/** What the user did to the chat or to one of its messages (never an answer's own events). */
export type UserActionPayload =
  | { type: "chat.renamed"; title: string }
  | { type: "chat.deleted" }
  | { type: "message.selected"; messageId: string }
  | { type: "message.feedback"; messageId: string; rating: FeedbackRating | null; comment?: string };

/** Appends one event; answers the tier's offset after it (null when the tier sent none). */
export async function appendChatEvent(
  deps: { streams: Pick<StreamsClient, "append">; clock: () => Date },
  stream: string,
  chatId: string,
  payload: UserActionPayload,
): Promise<string | null> {
  const producer = newId("chatev");
  const event = createEventFactory(producer, deps.clock).make({ ...payload, chatId });
  const appended = await deps.streams.append(stream, [event], { key: chatKey(chatId), producer: { id: producer, epoch: 0, seq: 0 } });
  return appended.nextOffset;
}
