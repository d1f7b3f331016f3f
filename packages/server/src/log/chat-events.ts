/**
 * Chat-level events (`chat.renamed`, the `chat.deleted` tombstone) go into the chat's log so
 * every open view of the chat sees them. Each is appended under a one-off producer (one
 * event, seq 0), so a retried request appends a new event rather than a duplicate of a
 * generation's seq.
 */
import { newId } from "../ids.js";
import type { StreamsClient } from "../streams/client/types.js";
import { createEventFactory } from "./event-factory.js";
import { chatKey } from "./stream-names.js";

export type ChatLevelPayload = { type: "chat.renamed"; title: string } | { type: "chat.deleted" };

export async function appendChatEvent(
  deps: { streams: Pick<StreamsClient, "append">; clock: () => Date },
  stream: string,
  chatId: string,
  payload: ChatLevelPayload,
): Promise<void> {
  const producer = newId("chatev");
  const event = createEventFactory(producer, deps.clock).make({ ...payload, chatId });
  await deps.streams.append(stream, [event], { key: chatKey(chatId), producer: { id: producer, epoch: 0, seq: 0 } });
}
