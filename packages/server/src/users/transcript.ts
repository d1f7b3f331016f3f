/**
 * An end user's chat as the admin API shows it: the chat's records read from the user's stream
 * and folded with the one fold (`materialize`), exactly as a client would see them. Reads only:
 * a user whose stream was never written has an empty transcript (no stream is created here).
 */
import { materialize, type ChatMessage } from "@open-chat/shared";
import { DomainError } from "../domain-error.js";
import type { EndUser } from "../env.js";
import { readChat } from "../log/read-chat.js";
import { chatKey, userStreamName } from "../log/stream-names.js";
import { StreamsError } from "../streams/client/errors.js";
import type { StreamsClient } from "../streams/client/types.js";

export async function readTranscript(streams: Pick<StreamsClient, "read">, user: EndUser, chatId: string): Promise<readonly ChatMessage[]> {
  try {
    const { records } = await readChat(streams, userStreamName(user), chatKey(chatId));
    return materialize(records).messages;
  } catch (error) {
    if (error instanceof StreamsError && error.status === 404) return [];
    if (error instanceof StreamsError) throw new DomainError("log_unavailable", "the message log is unavailable; retry", { cause: error });
    throw error;
  }
}
