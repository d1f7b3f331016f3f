/**
 * One user turn: record it (idempotent by clientMessageId), take the chat's generation lease,
 * append the user's message, the assistant's empty message and generation.started in ONE
 * append, build the prompt from the log, then start the generation detached from the
 * request. The tenant's model policy decides the model (a send naming one it does not allow
 * is refused before anything is recorded), `max_tokens`, the system prompt, the prompt's
 * context budget and the provider (tenants/model-policies.ts). A retried send with the same clientMessageId returns the same turn and starts
 * nothing new (invariant 4).
 *
 * Sits above chats/ (turn records, lease) and generation/ (prompt, registry) and composes
 * them; it gets exactly the dependencies it uses, not the whole service bag.
 */
import { EVENT_TYPE, materialize, type ChatMessage } from "@open-chat/shared";
import type { TurnBilling } from "../billing/billing.js";
import type { ChatRepository, TurnRecord } from "../chats/repository.js";
import { DomainError } from "../domain-error.js";
import type { EndUser } from "../env.js";
import { generationProducers } from "../generation/producers.js";
import { estimatePromptTokens, inputBudget } from "../generation/context-budget.js";
import { buildPrompt } from "../generation/prompt.js";
import type { GenerationRegistry } from "../generation/registry.js";
import type { LeaseStore } from "../leases/lease-store.js";
import { newId } from "../ids.js";
import { createEventFactory } from "../log/event-factory.js";
import { toPublicOffset } from "../log/offsets.js";
import { readChat } from "../log/read-chat.js";
import { chatKey } from "../log/stream-names.js";
import type { EnsureUserStream } from "../log/user-streams.js";
import type { StreamsClient } from "../streams/client/types.js";
import { StreamsError } from "../streams/client/errors.js";
import { chooseModel, type ModelPolicies } from "../tenants/model-policies.js";

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

export interface SendDeps {
  chats: Pick<ChatRepository, "get" | "findTurn" | "startTurn" | "retakeLease" | "setTurnOffset">;
  leases: Pick<LeaseStore, "release" | "expiresAt">;
  generations: Pick<GenerationRegistry, "isRunning" | "start">;
  streams: Pick<StreamsClient, "append" | "read">;
  ensureUserStream: EnsureUserStream;
  clock: () => Date;
  /** Each tenant's model policy (default and allowed models, limits, system prompt) and provider. */
  modelPolicies: Pick<ModelPolicies, "forTenant">;
  /** Reserve before the answer starts (billing/billing.ts); unset = no billing. */
  billing?: Pick<TurnBilling, "enabled" | "assertPriced" | "reserveTurn" | "releaseTurn">;
  /** This process, as the lease holder. */
  holder: string;
  leaseMs: number;
}

export async function sendTurn(deps: SendDeps, user: EndUser, chatId: string, input: SendInput): Promise<SendResult> {
  const { chats } = deps;
  const [chat, tenantModel] = await Promise.all([chats.get(user, chatId), deps.modelPolicies.forTenant(user.tenantId)]);
  const { policy, client } = tenantModel;
  const model = chooseModel(policy, input.model, chat.model);
  deps.billing?.assertPriced(model);

  let turn = await chats.findTurn(chatId, input.clientMessageId);
  const { name: stream, incarnation } = await deps.ensureUserStream(user);
  const toResult = (done: TurnRecord, offset: string): SendResult => ({
    userMessageId: done.userMessageId,
    assistantMessageId: done.assistantMessageId,
    offset: toPublicOffset(incarnation, offset),
  });
  if (turn?.offset) return toResult(turn, turn.offset); // a retry of a completed send
  if (turn && deps.generations.isRunning(turn.assistantMessageId)) {
    throw new DomainError("send_in_progress", "this message is being sent right now; retry in a moment");
  }
  // Billing: hold the answer's maximum cost BEFORE anything is recorded or appended, so a 402
  // leaves no trace and the same send succeeds after a top-up. A redo holds once (idempotent).
  const reserve = async (generationId: string) => {
    if (!deps.billing?.enabled) return;
    const promptTokens = await estimateNextPrompt(deps, stream, chatId, input.text, policy);
    await deps.billing.reserveTurn({ user, generationId, model, promptTokens, maxTokens: policy.maxOutputTokens });
  };
  if (turn) {
    await reserve(turn.assistantMessageId);
    // The first attempt recorded the turn but its append did not complete: redo it.
    const leased = await chats.retakeLease(chatId, turn.assistantMessageId, deps.holder, deps.leaseMs);
    if (!leased) throw await leaseConflict(deps, chatId);
  } else {
    const fresh = { chatId, clientMessageId: input.clientMessageId, userMessageId: newId("msg"), assistantMessageId: newId("msg"), offset: null };
    await reserve(fresh.assistantMessageId);
    try {
      turn = await chats.startTurn({ ...fresh, holder: deps.holder, leaseMs: deps.leaseMs, model });
    } catch (error) {
      await deps.billing?.releaseTurn(fresh.assistantMessageId).catch(() => undefined);
      // Two copies of one send racing: the loser returns the winner's turn.
      const winner = await chats.findTurn(chatId, input.clientMessageId);
      if (winner?.offset) return toResult(winner, winner.offset);
      if (error instanceof DomainError && error.code === "lease_conflict") throw await leaseConflict(deps, chatId);
      throw error;
    }
  }

  const key = chatKey(chatId);
  const { producerId, eventProducer } = generationProducers(turn.assistantMessageId, 0);
  const events = createEventFactory(eventProducer, deps.clock);
  const opening = [
    events.make({ type: EVENT_TYPE.messageCreated, chatId, messageId: turn.userMessageId, role: "user", text: input.text, clientId: input.clientMessageId }),
    events.make({ type: EVENT_TYPE.messageCreated, chatId, messageId: turn.assistantMessageId, role: "assistant", text: "", model }),
    events.make({ type: EVENT_TYPE.generationStarted, chatId, messageId: turn.assistantMessageId, holder: deps.holder, model }),
  ];
  let history: Awaited<ReturnType<typeof readChat>>;
  try {
    // Producer seq 0: if an earlier attempt's append did land, this one is a no-op duplicate.
    await deps.streams.append(stream, opening, { key, producer: { id: producerId, epoch: 0, seq: 0 } });
    history = await readChat(deps.streams, stream, key);
  } catch (error) {
    await deps.leases.release({ chatId, generationId: turn.assistantMessageId, epoch: 0 });
    if (error instanceof StreamsError) {
      throw new DomainError("log_unavailable", "the message log is unavailable; retry the send with the same clientMessageId", { cause: error });
    }
    throw error;
  }
  await chats.setTurnOffset(chatId, input.clientMessageId, history.nextOffset);

  const state = materialize(history.records);
  void deps.generations.start({
    chatId,
    assistantMessageId: turn.assistantMessageId,
    stream,
    key,
    model,
    prompt: buildPrompt(state.messages, { systemPrompt: policy.systemPrompt, excludeMessageId: turn.assistantMessageId, inputTokens: inputBudget(policy) }),
    maxTokens: policy.maxOutputTokens,
    client,
    producerId,
    epoch: 0,
    nextProducerSeq: 1,
    eventProducer,
    nextEventSeq: events.nextSeq,
    owner: { tenantId: user.tenantId, userId: user.id },
  });
  return toResult(turn, history.nextOffset);
}

/**
 * Input tokens of the prompt this send will make (the chat so far plus the new message, trimmed
 * to the policy's input budget): what the answer's hold is computed from. Read before anything
 * is appended, so a refused send leaves the log as it was.
 */
async function estimateNextPrompt(
  deps: SendDeps,
  stream: string,
  chatId: string,
  text: string,
  policy: { systemPrompt?: string; contextTokens: number; maxOutputTokens: number },
): Promise<number> {
  let messages: readonly ChatMessage[] = [];
  try {
    messages = materialize((await readChat(deps.streams, stream, chatKey(chatId))).records).messages;
  } catch (error) {
    if (error instanceof StreamsError) throw new DomainError("log_unavailable", "the message log is unavailable; retry the send with the same clientMessageId", { cause: error });
    throw error;
  }
  const now = new Date(0).toISOString();
  const next: ChatMessage = { id: "next", chatId, role: "user", text, status: "completed", createdAt: now, updatedAt: now };
  const prompt = buildPrompt([...messages, next], { systemPrompt: policy.systemPrompt, excludeMessageId: "", inputTokens: inputBudget(policy) });
  return estimatePromptTokens(prompt);
}

/**
 * Another answer holds the chat. The client learns when its lease lapses, so it can retry then
 * rather than wait for a terminal event that a dead holder would never write (takeover ends or
 * continues that answer within a sweep of the expiry).
 */
async function leaseConflict(deps: SendDeps, chatId: string): Promise<DomainError> {
  const expiresAt = await deps.leases.expiresAt(chatId);
  const retryAfterMs = expiresAt ? Math.max(0, expiresAt.getTime() - deps.clock().getTime()) : 0;
  return new DomainError("lease_conflict", "an answer is still being generated in this chat; wait for it or stop it", { retryAfterMs });
}
