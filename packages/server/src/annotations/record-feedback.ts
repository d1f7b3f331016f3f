/**
 * The end user's 👍/👎 (and optional comment) on an answer that has ended: `message.feedback`
 * is appended to the chat's log first, then the answer's Postgres row (feedback-store.ts) is
 * upserted for the admin API. A row write that fails after the append loses nothing: the log
 * holds the feedback, and the client's retry appends it again and writes the row.
 */
import { EVENT_TYPE, findMessage, isTerminal } from "@open-chat/shared";
import { DomainError } from "../domain-error.js";
import type { EndUser } from "../env.js";
import { messageNotFound } from "../chats/repository.js";
import { annotate, type AnnotateDeps } from "./annotate.js";
import type { FeedbackStore, Rating } from "./feedback-store.js";

export interface FeedbackInput {
  /** null clears the answer's feedback. */
  rating: Rating | null;
  /** At most `LIMITS.maxFeedbackCommentLength` characters (checked by the route); only with a rating. */
  comment?: string;
}

export async function recordFeedback(
  deps: AnnotateDeps & { feedback: Pick<FeedbackStore, "record"> },
  user: EndUser,
  chatId: string,
  messageId: string,
  input: FeedbackInput,
): Promise<{ offset: string }> {
  const comment = input.rating === null ? undefined : input.comment;
  return annotate(
    deps,
    user,
    chatId,
    (state) => {
      const message = findMessage(state, messageId);
      if (!message) throw messageNotFound(messageId);
      if (message.role !== "assistant") throw new DomainError("message_not_applicable", `message ${messageId} is the user's; feedback is on answers`);
      if (!isTerminal(message.status)) throw new DomainError("message_not_applicable", `answer ${messageId} has not ended; rate it once it has`);
      return { type: EVENT_TYPE.messageFeedback, messageId, rating: input.rating, ...(comment === undefined ? {} : { comment }) };
    },
    ({ tierOffset, stream }) => deps.feedback.record({ tenantId: user.tenantId, chatId, messageId, rating: input.rating, comment: comment ?? null, logOffset: tierOffset, logStream: stream }),
  );
}
