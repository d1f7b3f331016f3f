/**
 * One turn — a send, an edit (`editOf`) or a regenerate (turn-request.ts): record it (idempotent
 * by clientMessageId), take the chat's generation lease, build the prompt from the log (the
 * thread above the answer) and start the generation detached from the request while its opening
 * (the user's message unless it is a regenerate, the assistant's empty message,
 * generation.started) is appended in ONE append and the turn's offset recorded: the model's
 * first-token latency overlaps that work, and the answer appends nothing before it is done
 * (generation/opening-gate.ts). The tenant's model policy decides the model (a turn naming one it
 * does not allow is refused before anything is recorded), `max_tokens`, the system prompt, the
 * prompt's context budget and the provider (tenants/model-policies.ts). A retried turn with the
 * same clientMessageId returns the same turn and starts nothing new (invariant 4).
 *
 * Sits above chats/ (turn records, lease) and generation/ (prompt, registry) and composes
 * them; it gets exactly the dependencies it uses, not the whole service bag.
 */
import { foldAll, threadTo, type ChatMessage } from "@open-chat/shared";
import type { TurnBilling } from "../billing/billing.js";
import { chatNotFound, type ChatRepository, type TurnRecord } from "../chats/repository.js";
import { DomainError } from "../domain-error.js";
import type { EndUser } from "../env.js";
import { generationProducers } from "../generation/producers.js";
import { estimatePromptTokens, inputBudget } from "../generation/context-budget.js";
import { buildPrompt } from "../generation/prompt.js";
import type { GenerationRegistry } from "../generation/registry.js";
import type { Charge } from "../limits/limits.js";
import type { LeaseStore } from "../leases/lease-store.js";
import { isWellFormedId, newId } from "../ids.js";
import { readChatState } from "../log/chat-state.js";
import type { ChatStates } from "../log/chat-states.js";
import { createEventFactory } from "../log/event-factory.js";
import { toPublicOffset } from "../log/offsets.js";
import { chatKey } from "../log/stream-names.js";
import type { EnsureUserStream } from "../log/user-streams.js";
import type { StreamsClient } from "../streams/client/types.js";
import { StreamsError } from "../streams/client/errors.js";
import { chooseModel, type ModelPolicies } from "../tenants/model-policies.js";
import { openingEvents, planTurn, type TurnPlan, type TurnRequest } from "./turn-request.js";

export interface SendInput {
  clientMessageId: string;
  text: string;
  model?: string;
  /** A user message of the chat: the text is another version of it (an edit), answered anew. */
  editOf?: string;
  charge?: ChargeTurn;
}

/**
 * Counts a NEW turn against the rate limits (limits.send): called once the chat is known to be
 * the user's and no turn is recorded under the clientMessageId (a retry costs nothing), refunded
 * when the turn then fails.
 */
export type ChargeTurn = (known: { runningElsewhere: number }) => Promise<Charge>;

export interface RegenerateInput {
  clientMessageId: string;
  /** The ended answer to write another version of. */
  answerId: string;
  model?: string;
  charge?: ChargeTurn;
}

/** What every kind of turn shares; `request` says which kind. */
export interface TurnInput {
  clientMessageId: string;
  model?: string;
  request: TurnRequest;
  charge?: ChargeTurn;
}

export interface SendResult {
  /** The user's message the answer replies to (for a regenerate: the one it already answered). */
  userMessageId: string;
  assistantMessageId: string;
  offset: string;
}

export interface SendDeps {
  chats: Pick<ChatRepository, "findForTurn" | "findTurn" | "startTurn" | "retakeLease" | "setTurnOffset">;
  leases: Pick<LeaseStore, "release" | "lapse" | "expiresAt">;
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
  /** How often lapsed leases are swept (`GENERATION_SWEEP_MS`): the hint a send gets for a chat whose lease has lapsed. */
  sweepMs: number;
  /** Chats folded as their logs stand, kept between turns (log/chat-states.ts). */
  chatStates: ChatStates;
}

export function sendTurn(deps: SendDeps, user: EndUser, chatId: string, input: SendInput): Promise<SendResult> {
  const request: TurnRequest = input.editOf === undefined ? { kind: "send", text: input.text } : { kind: "edit", text: input.text, editOf: input.editOf };
  return runTurn(deps, user, chatId, { clientMessageId: input.clientMessageId, model: input.model, request, charge: input.charge });
}

export function regenerateTurn(deps: SendDeps, user: EndUser, chatId: string, input: RegenerateInput): Promise<SendResult> {
  return runTurn(deps, user, chatId, { clientMessageId: input.clientMessageId, model: input.model, request: { kind: "regenerate", answerId: input.answerId }, charge: input.charge });
}

async function runTurn(deps: SendDeps, user: EndUser, chatId: string, input: TurnInput): Promise<SendResult> {
  // A malformed id names nothing: 404 before any lookup.
  if (!isWellFormedId(chatId)) throw chatNotFound(chatId);
  // One round trip's wait for all three: the turn and the stream are used only once the chat is
  // known to be the user's (findForTurn throws otherwise, and the other results are dropped).
  const [{ model: chatModel, turn: found, runningElsewhere }, tenantModel, userStream] = await Promise.all([
    deps.chats.findForTurn(user, chatId, input.clientMessageId),
    deps.modelPolicies.forTenant(user.tenantId),
    deps.ensureUserStream(user),
  ]);
  const charge = found || !input.charge ? null : await input.charge({ runningElsewhere });
  try {
    return await startOrResume(deps, user, chatId, input, { chatModel, found, tenantModel, userStream });
  } catch (error) {
    await charge?.refund();
    throw error;
  }
}

interface TurnLookups {
  chatModel: string | null;
  found: TurnRecord | null;
  tenantModel: Awaited<ReturnType<SendDeps["modelPolicies"]["forTenant"]>>;
  userStream: Awaited<ReturnType<EnsureUserStream>>;
}

async function startOrResume(deps: SendDeps, user: EndUser, chatId: string, input: TurnInput, { chatModel, found, tenantModel, userStream }: TurnLookups): Promise<SendResult> {
  const { chats } = deps;
  const { policy, client } = tenantModel;
  const model = chooseModel(policy, input.model, chatModel);
  deps.billing?.assertPriced(model);

  let turn = found;
  const { name: stream, incarnation } = userStream;
  const toResult = (done: TurnRecord, offset: string): SendResult => ({
    userMessageId: done.userMessageId,
    assistantMessageId: done.assistantMessageId,
    offset: toPublicOffset(incarnation, offset),
  });
  if (turn?.offset) return toResult(turn, turn.offset); // a retry of a completed send
  if (turn && deps.generations.isRunning(turn.assistantMessageId)) {
    throw new DomainError("send_in_progress", "this message is being sent right now; retry in a moment");
  }
  // An edit or a regenerate names a message the log must hold (checked before anything is
  // recorded); a plain send reads the log only to size its hold.
  const billed = deps.billing?.enabled === true;
  const plan = input.request.kind !== "send" || billed ? planTurn(await readChatState(deps.chatStates, userStream, chatId), input.request) : null;
  // Billing: hold the answer's maximum cost BEFORE anything is recorded or appended, so a 402
  // leaves no trace and the same send succeeds after a top-up. A redo holds once (idempotent).
  const reserve = async (generationId: string) => {
    if (!billed || !plan) return;
    const promptTokens = estimateNextPrompt(chatId, plan, policy);
    await deps.billing!.reserveTurn({ user, generationId, model, promptTokens, maxTokens: policy.maxOutputTokens });
  };
  if (turn) {
    await reserve(turn.assistantMessageId);
    // The first attempt recorded the turn but its append did not complete: redo it — unless an
    // attempt is still on it (its lease is live: 409) or it completed since this request looked.
    const leased = await chats.retakeLease(chatId, input.clientMessageId, turn.assistantMessageId, deps.holder, deps.leaseMs);
    if (!leased) {
      const now = await chats.findTurn(chatId, input.clientMessageId);
      if (now?.offset) return toResult(now, now.offset);
      throw await leaseConflict(deps, chatId);
    }
  } else {
    const userMessageId = plan?.parentId ?? newId("msg");
    const fresh = { chatId, clientMessageId: input.clientMessageId, userMessageId, assistantMessageId: newId("msg"), offset: null };
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
  const opening = openingEvents(events, input.request, { ...turn, model, holder: deps.holder });
  const lease = { chatId, generationId: turn.assistantMessageId, epoch: 0 };
  // The prompt is the chat as its log stands with this turn's opening folded on (the same fold
  // reading it back would give; a redo whose opening had landed folds it once: duplicates are
  // dropped), so the model is asked while the opening is written.
  let history: Awaited<ReturnType<ChatStates["read"]>>;
  try {
    history = await deps.chatStates.read(userStream, chatId);
  } catch (error) {
    await deps.leases.release(lease);
    throw logUnavailable(error);
  }
  const state = foldAll(history.state, opening);
  let appended = false;
  const opened = (async () => {
    // Producer seq 0: if an earlier attempt's append did land, this one is a no-op duplicate.
    const { nextOffset } = await deps.streams.append(stream, opening, { key, producer: { id: producerId, epoch: 0, seq: 0 } });
    appended = true;
    const offset = nextOffset ?? (await deps.chatStates.read(userStream, chatId)).nextOffset;
    await chats.setTurnOffset(chatId, input.clientMessageId, offset);
    return offset;
  })();
  const answer = deps.generations.start({
    chatId,
    assistantMessageId: turn.assistantMessageId,
    stream,
    key,
    model,
    prompt: buildPrompt(threadTo(state, turn.assistantMessageId), { systemPrompt: policy.systemPrompt, excludeMessageId: turn.assistantMessageId, inputTokens: inputBudget(policy) }),
    maxTokens: policy.maxOutputTokens,
    client,
    producerId,
    epoch: 0,
    nextProducerSeq: 1,
    eventProducer,
    nextEventSeq: events.nextSeq,
    owner: { tenantId: user.tenantId, userId: user.id },
    opened,
  });
  try {
    return toResult(turn, await opened);
  } catch (error) {
    // The answer ends having written nothing (its model request aborted).
    await answer;
    // Refused outright, the opening was not written: the lease goes, and a retry with the same
    // clientMessageId writes it again. Otherwise it may have landed (its answer was lost, the
    // tier was unavailable) or did (the offset was not recorded), and a lease simply released
    // would leave an answer started that nothing ever ends. So the lease lapses at once: the
    // send's retry takes it back and writes the opening again (a no-op where it landed), or a
    // sweep takes it over and answers the turn — or frees the chat when the log has no opening.
    if (!appended && refusedOutright(error)) await deps.leases.release(lease);
    else await deps.leases.lapse(lease).catch(() => undefined);
    throw logUnavailable(error);
  }
}

/** The tier answered the append with a refusal (a 4xx other than 408/429): nothing was written. */
function refusedOutright(error: unknown): boolean {
  return error instanceof StreamsError && error.status >= 400 && error.status < 500 && !error.retryable;
}

/** A failure of the streams tier as the send's answer: retry with the same clientMessageId. */
function logUnavailable(error: unknown): unknown {
  if (!(error instanceof StreamsError)) return error;
  return new DomainError("log_unavailable", "the message log is unavailable; retry the send with the same clientMessageId", { cause: error });
}

/**
 * Input tokens of the prompt this turn will make (the thread the answer replies to, plus the
 * new user message of a send or an edit, trimmed to the policy's input budget): what the
 * answer's hold is computed from.
 */
function estimateNextPrompt(chatId: string, plan: TurnPlan, policy: { systemPrompt?: string; contextTokens: number; maxOutputTokens: number }): number {
  const now = new Date(0).toISOString();
  const next: ChatMessage[] = plan.text === undefined ? [] : [{ id: "next", chatId, role: "user", text: plan.text, status: "completed", createdAt: now, updatedAt: now, parentId: null }];
  const prompt = buildPrompt([...plan.above, ...next], { systemPrompt: policy.systemPrompt, excludeMessageId: "", inputTokens: inputBudget(policy) });
  return estimatePromptTokens(prompt);
}

/**
 * Another answer holds the chat. The client learns when its lease lapses, so it can retry then
 * rather than wait for a terminal event that a dead holder would never write (takeover ends or
 * continues that answer within a sweep of the expiry). A lease that has already lapsed (its
 * holder died, or its send failed) is the next sweep's: retry after one sweep interval, not at
 * once and again and again.
 */
async function leaseConflict(deps: SendDeps, chatId: string): Promise<DomainError> {
  const expiresAt = await deps.leases.expiresAt(chatId);
  const left = expiresAt ? expiresAt.getTime() - deps.clock().getTime() : 0;
  const retryAfterMs = !expiresAt ? 0 : left > 0 ? left : deps.sweepMs;
  return new DomainError("lease_conflict", "an answer is still being generated in this chat; wait for it or stop it", { retryAfterMs });
}
