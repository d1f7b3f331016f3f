/**
 * The user's annotations of a message — a selected version, a feedback — share one shape: the
 * chat must be the user's (404 otherwise, before its log is read), the request is checked
 * against the chat's log as it stands, then ONE event is appended, and only then anything else
 * (a feedback's Postgres row): the log is the source of truth.
 */
import type { ChatState } from "@open-chat/shared";
import type { ChatRepository } from "../chats/repository.js";
import type { EndUser } from "../env.js";
import { appendChatEvent, type UserActionPayload } from "../log/chat-events.js";
import { readChatState } from "../log/chat-state.js";
import type { ChatStates } from "../log/chat-states.js";
import { toPublicOffset } from "../log/offsets.js";
import type { EnsureUserStream } from "../log/user-streams.js";
import type { StreamsClient } from "../streams/client/types.js";

export interface AnnotateDeps {
  chats: Pick<ChatRepository, "get">;
  streams: Pick<StreamsClient, "append" | "read">;
  ensureUserStream: EnsureUserStream;
  clock: () => Date;
  /** Chats folded as their logs stand, kept between reads (log/chat-states.ts). */
  chatStates: ChatStates;
}

/**
 * The chat's log is read and `decide` checks the request against it (throwing a DomainError)
 * and names the one event to append; answers the public offset after that event.
 */
export async function annotate(
  deps: AnnotateDeps,
  user: EndUser,
  chatId: string,
  decide: (state: ChatState) => UserActionPayload,
  /** Runs once the event is in the log, with where it is: the tier offset after it, and its stream (`<name>#<incarnation>`). */
  afterAppend?: (appended: { tierOffset: string; stream: string }) => Promise<void>,
): Promise<{ offset: string }> {
  await deps.chats.get(user, chatId); // someone else's chat: 404 before its log is read
  const userStream = await deps.ensureUserStream(user);
  const { name: stream, incarnation } = userStream;
  const event = decide(await readChatState(deps.chatStates, userStream, chatId));
  // The tier reports the offset after the append; when it does not, the log's end is at or after it.
  const tierOffset = (await appendChatEvent(deps, stream, chatId, event)) ?? (await deps.chatStates.read(userStream, chatId)).nextOffset;
  await afterAppend?.({ tierOffset, stream: `${stream}#${incarnation}` });
  return { offset: toPublicOffset(incarnation, tierOffset) };
}
