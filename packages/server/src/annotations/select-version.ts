/**
 * Showing another version of a message (`message.selected`): from then on the chat's current
 * thread goes through it, and the next send continues that thread (the fold's `leaf`). Refused
 * while an answer is being written in the chat, so an answer never finds the thread it replies
 * to switched away under it.
 */
import { EVENT_TYPE, findMessage } from "@open-chat/shared";
import { DomainError } from "../domain-error.js";
import type { EndUser } from "../env.js";
import { messageNotFound } from "../chats/repository.js";
import { annotate, type AnnotateDeps } from "./annotate.js";

export async function selectVersion(deps: AnnotateDeps, user: EndUser, chatId: string, messageId: string): Promise<{ offset: string }> {
  return annotate(deps, user, chatId, (state) => {
    if (!findMessage(state, messageId)) throw messageNotFound(messageId);
    const running = state.messages.find((message) => message.status === "streaming");
    if (running) throw new DomainError("answer_running", `answer ${running.id} is still being written in this chat; select a version once it has ended`);
    return { type: EVENT_TYPE.messageSelected, messageId };
  });
}

