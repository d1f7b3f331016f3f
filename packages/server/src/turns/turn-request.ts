/**
 * What a turn opens with. A send, an edit and a regenerate are one kind of turn (send-turn.ts:
 * exactly once per clientMessageId, the chat's lease, the credit hold, the detached start); they
 * differ only in what the log must already hold, what the turn's first append writes, and so in
 * the thread the new answer replies to:
 *
 * - send: the user's message (it follows the current thread's last message) + the answer;
 * - edit: the user's message as another version of `editOf` (same parent) + the answer;
 * - regenerate: the answer as another version of the ended answer `answerId` (same parent, the
 *   user's message it answered) — no new user message.
 *
 * The answer's prompt is always `threadTo(state, answer)` once the append landed, so a
 * regenerate never sees the answer it replaces and an edit never sees the question it replaces
 * nor anything after it.
 */
import { EVENT_TYPE, currentThread, findMessage, isTerminal, threadTo, type ChatEvent, type ChatMessage, type ChatState } from "@open-chat/shared";
import { messageNotFound } from "../chats/repository.js";
import { DomainError } from "../domain-error.js";
import type { EventFactory } from "../log/event-factory.js";

export type TurnRequest =
  | { kind: "send"; text: string }
  | { kind: "edit"; text: string; editOf: string }
  | { kind: "regenerate"; answerId: string };

export interface TurnPlan {
  /** The messages the new answer replies to, before the new user message (if any). */
  readonly above: readonly ChatMessage[];
  /** The new user message's text; undefined for a regenerate. */
  readonly text: string | undefined;
  /** A regenerate: the user's message the answer follows (the turn's `userMessageId`). */
  readonly parentId: string | undefined;
}

/**
 * Checks the request against the chat as its log stands, before anything is recorded: a refused
 * edit or regenerate leaves no turn, no hold and no event.
 */
export function planTurn(state: ChatState, request: TurnRequest): TurnPlan {
  switch (request.kind) {
    case "send":
      return { above: currentThread(state), text: request.text, parentId: undefined };
    case "edit": {
      const question = findMessage(state, request.editOf);
      if (question?.role !== "user") throw new DomainError("message_not_found", `editOf: no message ${request.editOf} of the user in this chat`);
      return { above: threadTo(state, question.id), text: request.text, parentId: undefined };
    }
    case "regenerate": {
      const answer = findMessage(state, request.answerId);
      if (!answer) throw messageNotFound(request.answerId);
      if (answer.role !== "assistant") throw new DomainError("message_not_applicable", `message ${answer.id} is the user's; regenerate an answer (or edit this message)`);
      if (!isTerminal(answer.status)) throw new DomainError("answer_running", `answer ${answer.id} is still being written; stop it or wait for it to end`);
      if (answer.parentId === null) throw new DomainError("message_not_applicable", `answer ${answer.id} follows no message of the user`);
      return { above: threadTo(state, answer.id), text: undefined, parentId: answer.parentId };
    }
  }
}

export interface OpeningIds {
  chatId: string;
  clientMessageId: string;
  userMessageId: string;
  assistantMessageId: string;
  model: string;
  holder: string;
}

/**
 * The turn's first append: written in one append, so the answer never exists without its
 * question. Events are stamped in append order (their seqs are the fold's dedupe).
 */
export function openingEvents(events: EventFactory, request: TurnRequest, ids: OpeningIds): ChatEvent[] {
  const { chatId, model } = ids;
  const opening: ChatEvent[] = [];
  if (request.kind !== "regenerate") {
    const question = { type: EVENT_TYPE.messageCreated, chatId, messageId: ids.userMessageId, role: "user", text: request.text, clientId: ids.clientMessageId } as const;
    opening.push(events.make(request.kind === "edit" ? { ...question, versionOf: request.editOf } : question));
  }
  const answer = { type: EVENT_TYPE.messageCreated, chatId, messageId: ids.assistantMessageId, role: "assistant", text: "", model } as const;
  opening.push(events.make(request.kind === "regenerate" ? { ...answer, versionOf: request.answerId } : answer));
  opening.push(events.make({ type: EVENT_TYPE.generationStarted, chatId, messageId: ids.assistantMessageId, holder: ids.holder, model }));
  return opening;
}
