/**
 * Ends or continues a turn whose holder died (invariant 5). Called by the lease sweeper after
 * it won the lease with compare-and-set, so this process writes at the new epoch and the dead
 * holder, should it wake up, is fenced by the streams tier.
 *
 * What the log says decides:
 * - no assistant message: the turn's opening append never landed → release (a retried send
 *   with the same clientMessageId redoes it);
 * - otherwise the opening landed, and a turn whose send did not record its offset gets one
 *   (where the log ends as read here), so a retry of the send returns the turn;
 * - the message already ended (the holder died after its terminal event) → release;
 * - a stop was requested → `message.stopped`;
 * - the holder gave up on the log (`closeWithError`) → `message.error` with that code;
 * - continuation off, or the answer was taken over too often → `message.error`
 *   `generation_lost` (retryable);
 * - otherwise → `generation.resumed`, and the model continues the partial answer: the prompt is
 *   the thread above the answer (`threadTo`: a regenerated answer never sees the version it
 *   replaces) plus the partial assistant text as the final assistant message (assistant
 *   prefill); new deltas extend the same message. The tenant's
 *   current policy and provider apply (a model it no longer allows falls back to its default),
 *   and `max_tokens` is the policy's less the estimated tokens already written (at least 1),
 *   so the whole answer stays within `maxOutputTokens`. The history is trimmed to the same
 *   input budget as a send: the prefill counts against the output budget it came from.
 *
 * Billing: every close settles the answer first (its hold ends; the cost is the estimated tokens
 * of the prompt and of the text written), then appends the terminal event — settling is
 * idempotent, so an answer the dead holder had already settled is not charged twice. A continued
 * answer is settled once, by the continuation's own terminal event. When the opening append
 * never landed, the hold stays for the retried send (same clientMessageId, same answer id).
 */
import { EVENT_TYPE, findMessage, isTerminal, materialize, threadTo, type ChatEvent, type ErrorCode } from "@open-chat/shared";
import type { SettleInput, TurnBilling } from "../billing/billing.js";
import type { ChatRepository } from "../chats/repository.js";
import type { GenerationRegistry } from "../generation/registry.js";
import { estimatePromptTokens, estimateTextTokens, inputBudget } from "../generation/context-budget.js";
import { generationProducers } from "../generation/producers.js";
import { buildPrompt } from "../generation/prompt.js";
import type { ExpiredLease, LeaseStore } from "../leases/lease-store.js";
import { createEventFactory } from "../log/event-factory.js";
import { readChat } from "../log/read-chat.js";
import { chatKey, userStreamName } from "../log/stream-names.js";
import type { StreamsClient } from "../streams/client/types.js";
import { chooseModel, type ModelPolicies } from "../tenants/model-policies.js";

export interface ResumeDeps {
  streams: Pick<StreamsClient, "append" | "read">;
  chats: Pick<ChatRepository, "recordTakenOverOffset">;
  generations: Pick<GenerationRegistry, "start">;
  leases: Pick<LeaseStore, "release">;
  clock: () => Date;
  holder: string;
  modelPolicies: Pick<ModelPolicies, "forTenant">;
  /** Continue answers after a takeover (GENERATION_CONTINUE). When false, close them as lost. */
  continueAnswers: boolean;
  /** Takeovers one answer may have before it is closed as lost (GENERATION_MAX_RESUMES). */
  maxResumes: number;
  /** Settles the answers this closes (billing/billing.ts); unset = no billing. */
  billing?: Pick<TurnBilling, "settleTurn">;
}

export type ResumeOutcome = "continued" | "stopped" | "error" | "released";

export async function resumeTurn(deps: ResumeDeps, lease: ExpiredLease): Promise<ResumeOutcome> {
  if (lease.deleted) {
    await deps.leases.release(lease);
    return "released";
  }
  const stream = userStreamName({ id: lease.userId, tenantId: lease.tenantId });
  const key = chatKey(lease.chatId);
  const { records, nextOffset } = await readChat(deps.streams, stream, key);
  const state = materialize(records);
  const message = findMessage(state, lease.generationId);
  if (!message) {
    await deps.leases.release(lease);
    return "released";
  }
  // The opening landed. Its send may not have recorded the turn's offset (it failed between the
  // two, or died there): recorded now, before the lease goes, its retry returns the turn.
  await deps.chats.recordTakenOverOffset(lease.chatId, lease.generationId, nextOffset);
  const { policy, client } = await deps.modelPolicies.forTenant(lease.tenantId);
  const prompt = buildPrompt(threadTo(state, lease.generationId), { systemPrompt: policy.systemPrompt, excludeMessageId: lease.generationId, inputTokens: inputBudget(policy) });
  const model = message.model ?? lease.model ?? policy.defaultModel;
  const settle = async (outcome: SettleInput["outcome"]) => {
    if (!deps.billing) return;
    const usage = message.usage ?? { inputTokens: estimatePromptTokens(prompt), outputTokens: estimateTextTokens(message.text) };
    await deps.billing.settleTurn({ tenantId: lease.tenantId, userId: lease.userId, chatId: lease.chatId, generationId: lease.generationId, model, outcome, usage });
  };
  if (isTerminal(message.status)) {
    // The holder died after its terminal event, which it appends only once settled: a no-op
    // unless that settlement failed, in which case this one counts.
    await settle(message.status === "completed" ? "completed" : message.status === "stopped" ? "stopped" : "error");
    await deps.leases.release(lease);
    return "released";
  }

  const { producerId, eventProducer } = generationProducers(lease.generationId, lease.epoch);
  const events = createEventFactory(eventProducer, deps.clock);
  const base = { chatId: lease.chatId, messageId: lease.generationId };
  const close = async (event: ChatEvent, outcome: ResumeOutcome): Promise<ResumeOutcome> => {
    await settle(event.type === EVENT_TYPE.messageStopped ? "stopped" : event.type === EVENT_TYPE.messageError && event.code === "generation_lost" ? "lost" : "error");
    await deps.streams.append(stream, [event], { key, producer: { id: producerId, epoch: lease.epoch, seq: 0 } });
    await deps.leases.release(lease);
    return outcome;
  };

  if (lease.stopRequestedBy) {
    return close(events.make({ type: EVENT_TYPE.messageStopped, ...base, by: lease.stopRequestedBy }), "stopped");
  }
  if (lease.closeWithError) {
    const code = lease.closeWithError as ErrorCode;
    return close(events.make({ type: EVENT_TYPE.messageError, ...base, code, message: "the message log was unavailable for too long", retryable: true }), "error");
  }
  const resumes = message.generation?.resumes ?? 0;
  if (!deps.continueAnswers || resumes >= deps.maxResumes) {
    const why = deps.continueAnswers ? `the answer was taken over ${resumes} times` : "continuing answers is turned off";
    return close(events.make({ type: EVENT_TYPE.messageError, ...base, code: "generation_lost", message: `the server generating this answer stopped and ${why}; send again`, retryable: true }), "error");
  }

  if (message.text !== "") prompt.push({ role: "assistant", content: message.text });
  void deps.generations.start({
    chatId: lease.chatId,
    assistantMessageId: lease.generationId,
    stream,
    key,
    model: chooseModel(policy, undefined, message.model ?? lease.model),
    prompt,
    maxTokens: Math.max(1, policy.maxOutputTokens - estimateTextTokens(message.text)),
    client,
    producerId,
    epoch: lease.epoch,
    nextProducerSeq: 0,
    eventProducer,
    nextEventSeq: 0,
    opening: [{ type: EVENT_TYPE.generationResumed, ...base, holder: deps.holder, reason: "lease_expired" }],
    priorText: message.text,
    owner: { tenantId: lease.tenantId, userId: lease.userId },
  });
  return "continued";
}
