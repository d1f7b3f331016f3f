/**
 * One user turn: record it (idempotent by clientMessageId), take the chat's generation lease,
 * append the user's message, the assistant's empty message and generation.started in ONE
 * append, then start the generation detached from the request. A retried send with the same
 * clientMessageId returns the same turn and starts nothing new (invariant 4).
 */
import { EVENT_TYPE, materialize } from "@open-chat/shared";
import type { EndUser } from "../env.js";
import { ApiError } from "../http/api-error.js";
import { buildPrompt } from "../generation/prompt.js";
import { StreamsError } from "../streams/errors.js";
import { readChat } from "../tail/read-chat.js";
import type { Services } from "../services.js";
import { createEventFactory } from "./event-factory.js";
import { newId } from "./ids.js";
import type { TurnRecord } from "./repository.js";
import { chatKey } from "./stream-names.js";

export interface SendInput {
  clientMessageId: string;
  text: string;
  model?: string;
}

export interface SendResult {
  userMessageId: string;
  assistantMessageId: string;
  offset: string;
}

/** Producer ids of a generation: the streams-tier producer and the event-id producer. */
export function generationProducers(assistantMessageId: string, epoch: number) {
  return { producerId: `gen-${assistantMessageId}`, eventProducer: `gen-${assistantMessageId}.${epoch}` };
}

export async function sendTurn(services: Services, user: EndUser, chatId: string, input: SendInput): Promise<SendResult> {
  const { chats, settings } = services;
  const chat = await chats.get(user, chatId);
  const model = input.model ?? chat.model ?? services.models.defaultModel;

  let turn = await chats.findTurn(chatId, input.clientMessageId);
  if (turn?.offset) return toResult(turn, turn.offset); // a retry of a completed send
  if (turn && services.generations.isRunning(turn.assistantMessageId)) {
    throw new ApiError(409, "conflict", "this message is being sent right now; retry in a moment");
  }
  if (turn) {
    // The first attempt recorded the turn but its append did not complete: redo it.
    const leased = await chats.retakeLease(chatId, turn.assistantMessageId, settings.holder, settings.generation.leaseMs);
    if (!leased) throw new ApiError(409, "generation_in_progress", "an answer is still being generated in this chat");
  } else {
    const fresh = { chatId, clientMessageId: input.clientMessageId, userMessageId: newId("msg"), assistantMessageId: newId("msg"), offset: null };
    try {
      turn = await chats.startTurn({ ...fresh, holder: settings.holder, leaseMs: settings.generation.leaseMs, model });
    } catch (error) {
      // Two copies of one send racing: the loser returns the winner's turn.
      const winner = await chats.findTurn(chatId, input.clientMessageId);
      if (winner?.offset) return toResult(winner, winner.offset);
      throw error;
    }
  }

  const stream = await services.ensureUserStream(user);
  const key = chatKey(chatId);
  const { producerId, eventProducer } = generationProducers(turn.assistantMessageId, 0);
  const events = createEventFactory(eventProducer, services.clock);
  const opening = [
    events.make({ type: EVENT_TYPE.messageCreated, chatId, messageId: turn.userMessageId, role: "user", text: input.text, clientId: input.clientMessageId }),
    events.make({ type: EVENT_TYPE.messageCreated, chatId, messageId: turn.assistantMessageId, role: "assistant", text: "", model }),
    events.make({ type: EVENT_TYPE.generationStarted, chatId, messageId: turn.assistantMessageId, holder: settings.holder, model }),
  ];
  let history: Awaited<ReturnType<typeof readChat>>;
  try {
    // Producer seq 0: if an earlier attempt's append did land, this one is a no-op duplicate.
    await services.streams.append(stream, opening, { key, producer: { id: producerId, epoch: 0, seq: 0 } });
    history = await readChat(services.streams, stream, key);
  } catch (error) {
    await chats.releaseLease(chatId, turn.assistantMessageId);
    if (error instanceof StreamsError) throw new ApiError(503, "streams_unavailable", "the message log is unavailable; retry the send with the same clientMessageId", { cause: error });
    throw error;
  }
  await chats.setTurnOffset(chatId, input.clientMessageId, history.nextOffset);

  const state = materialize(history.records);
  void services.generations.start({
    chatId,
    assistantMessageId: turn.assistantMessageId,
    stream,
    key,
    model,
    prompt: buildPrompt(state.messages, { systemPrompt: settings.systemPrompt, excludeMessageId: turn.assistantMessageId }),
    producerId,
    epoch: 0,
    nextProducerSeq: 1,
    eventProducer,
    nextEventSeq: events.nextSeq,
  });
  return toResult(turn, history.nextOffset);
}

function toResult(turn: TurnRecord, offset: string): SendResult {
  return { userMessageId: turn.userMessageId, assistantMessageId: turn.assistantMessageId, offset };
}
