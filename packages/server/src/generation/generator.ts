/**
 * Runs one generation, detached from the HTTP request that started it: streams the model and
 * appends every delta to the user's log through a group-commit appender (one append in flight;
 * tokens arriving meanwhile are coalesced into the next append). Ends the assistant message
 * with exactly one terminal event — completed, error or stopped — then releases the lease
 * (invariant 5). Two ways it ends without a terminal event, each handed to lease takeover:
 * - the lease was lost (another process took the answer over): it writes nothing more;
 * - the log stayed unavailable past the outage budget: it records `closeWithError` on the
 *   lease and stops renewing it, and whoever takes the lease next — this process's sweeper or
 *   another's, once the log is back — closes the turn with `streams_unavailable`.
 * A taken-over answer (`job.opening` holds `generation.resumed`) continues the same message.
 * A new turn's answer starts while the send still writes its opening (`job.opened`,
 * opening-gate.ts): if that fails, the answer ends having written nothing (`cancelled`) and
 * the send, which holds the lease, decides what becomes of it.
 */
import { EVENT_TYPE, type ChatEvent, type ErrorCode, type EventPayload, type Usage } from "@open-chat/shared";
import type { SettleInput, TurnBilling } from "../billing/billing.js";
import type { LeaseRef, LeaseStore } from "../leases/lease-store.js";
import { createEventFactory } from "../log/event-factory.js";
import type { StreamsClient } from "../streams/client/types.js";
import { StreamsError } from "../streams/client/errors.js";
import { createGroupCommitAppender } from "../streams/client/group-commit.js";
import { coalesceDeltas } from "./coalesce.js";
import { estimatePromptTokens, estimateTextTokens } from "./context-budget.js";
import { classifyModelError, type ModelClient, type PromptMessage } from "./model-client.js";
import { afterOpening, OpeningFailed } from "./opening-gate.js";
import { GenerationTimeout, startWatchdog } from "./watchdog.js";

export interface GenerationLimits {
  idleMs: number;
  totalMs: number;
  leaseMs: number;
  /** Least time between two appends of one answer (group commit's batching window) when the process is idle. */
  appendIntervalMs: number;
  /**
   * The widest that window grows while the process is busy (append-window.ts). Default
   * 3 × `appendIntervalMs` (GENERATION_APPEND_INTERVAL_MAX_MS); equal to it = a fixed window.
   */
  appendIntervalMaxMs?: number;
  /** How long appends are retried through a streams-tier outage before the answer gives up. */
  outageMs: number;
}

export interface GenerationJob {
  chatId: string;
  assistantMessageId: string;
  stream: string;
  key: string;
  model: string;
  prompt: PromptMessage[];
  /** Sent as `max_tokens` (the tenant's `maxOutputTokens`, less what a takeover already has). */
  maxTokens: number;
  /** The tenant's own provider (bring your own key); unset = the server's `deps.models`. */
  client?: ModelClient;
  /** Streams-tier producer id / epoch (= the lease's epoch), and where appends continue. */
  producerId: string;
  epoch: number;
  nextProducerSeq: number;
  eventProducer: string;
  nextEventSeq: number;
  /** Events appended before the model's output (a takeover's `generation.resumed`). */
  opening?: EventPayload[];
  /**
   * A new turn: settles once the send has written the turn's opening (and its offset). The model
   * is asked at once, but nothing of the answer is appended before; if it rejects, nothing at all.
   */
  opened?: Promise<unknown>;
  /** Text earlier attempts already wrote (a takeover): counted in the turn's usage. */
  priorText?: string;
  /** Whose answer it is: its terminal event is settled and metered for them (billing/billing.ts). */
  owner?: { tenantId: string; userId: string };
}

export interface GeneratorDeps {
  streams: StreamsClient;
  models: ModelClient;
  leases: Pick<LeaseStore, "release" | "closeWithError">;
  clock: () => Date;
  limits: GenerationLimits;
  /** Settles and meters each answer at its terminal event, before that event is appended. */
  billing?: Pick<TurnBilling, "settleTurn">;
  /** The batching window now (adapted to load, append-window.ts); unset = `limits.appendIntervalMs`. */
  appendWindow?: () => number;
}

/** Why a generation was aborted from outside the model stream. */
export class StopRequested extends Error {
  constructor(readonly by: "user" | "system") {
    super(`stopped by ${by}`);
    this.name = "StopRequested";
  }
}

/** The lease is gone (taken over, or it could not be renewed): write nothing more. */
export class LeaseLost extends Error {
  constructor(readonly reason: "taken_over" | "renewal_failed") {
    super(`generation lease lost (${reason})`);
    this.name = "LeaseLost";
  }
}

/** The log refused our appends for good (outage past the budget, or fenced by a newer epoch). */
class AppendFailed extends Error {
  constructor(cause: unknown) {
    super("the message log did not take the answer's appends", { cause });
    this.name = "AppendFailed";
  }
}

export interface GenerationResult {
  status: "completed" | "error" | "stopped" | "fenced" | "unterminated" | "cancelled";
  appends: number;
  deltas: number;
}

export async function runGeneration(deps: GeneratorDeps, job: GenerationJob, controller: AbortController): Promise<GenerationResult> {
  const lease: LeaseRef = { chatId: job.chatId, generationId: job.assistantMessageId, epoch: job.epoch };
  const events = createEventFactory(job.eventProducer, deps.clock, job.nextEventSeq);
  const appender = createGroupCommitAppender<ChatEvent>({
    client: deps.streams,
    stream: job.stream,
    key: job.key,
    producerId: job.producerId,
    epoch: job.epoch,
    startSeq: job.nextProducerSeq,
    coalesce: coalesceDeltas,
    minIntervalMs: deps.appendWindow ?? deps.limits.appendIntervalMs,
    retry: { giveUpAfterMs: deps.limits.outageMs },
    // A fatal append error stops the model at once: nothing it says could reach the log.
    onError: (error) => controller.abort(new AppendFailed(error)),
  });
  const push = (payload: EventPayload) => {
    try {
      appender.push(events.make(payload));
    } catch {
      // The appender failed for good; flush() below reports why and the turn is handed over.
    }
  };
  const base = { chatId: job.chatId, messageId: job.assistantMessageId };
  for (const payload of job.opening ?? []) push(payload);
  const watchdog = startWatchdog(controller, { idleMs: deps.limits.idleMs, totalMs: deps.limits.totalMs });
  let status: GenerationResult["status"] = "completed";
  let deltas = 0;
  let outputText = "";
  let reported: Usage | undefined;
  // The terminal event, appended once the answer is settled (settle first: a crash in between
  // is settled again, as a no-op, by whoever closes the turn).
  let terminal: ((usage: Usage) => EventPayload) | undefined;
  try {
    let finishReason = "stop";
    const client = job.client ?? deps.models;
    const chunks = client.stream({ model: job.model, messages: job.prompt, maxTokens: job.maxTokens, signal: controller.signal });
    for await (const chunk of job.opened ? afterOpening(chunks, job.opened, controller) : chunks) {
      watchdog.touch();
      if (chunk.type === "delta") {
        deltas++;
        outputText += chunk.text;
        push({ type: EVENT_TYPE.messageDelta, ...base, text: chunk.text });
      } else if (chunk.type === "finish") finishReason = chunk.reason;
      else reported = { inputTokens: chunk.inputTokens, outputTokens: chunk.outputTokens, costMicroUsd: 0 };
    }
    // The openai SDK may end iteration quietly on abort instead of throwing: a stop or a
    // watchdog must never be recorded as a completed answer.
    if (controller.signal.aborted) throw controller.signal.reason;
    terminal = (usage) => ({ type: EVENT_TYPE.messageCompleted, ...base, finishReason, usage });
  } catch (error) {
    const reason = controller.signal.aborted ? controller.signal.reason : error;
    if (reason instanceof OpeningFailed) {
      status = "cancelled";
    } else if (reason instanceof LeaseLost || reason instanceof AppendFailed) {
      status = reason instanceof LeaseLost ? "fenced" : "unterminated";
    } else if (reason instanceof StopRequested) {
      status = "stopped";
      terminal = () => ({ type: EVENT_TYPE.messageStopped, ...base, by: reason.by });
    } else {
      status = "error";
      const failure = describeFailure(reason, job, deltas);
      terminal = () => ({ type: EVENT_TYPE.messageError, ...base, ...failure });
    }
  } finally {
    watchdog.stop();
  }
  // Whatever ended the answer, it writes only after its opening did (a watchdog or a stop may
  // end it while the opening is still being written).
  if (job.opened && !(await job.opened.then(() => true, () => false))) status = "cancelled";
  // The send holds the lease and the hold, and answers for the turn.
  if (status === "cancelled") return { status, appends: 0, deltas: 0 };
  if (terminal) {
    const usage = { ...withPriorAttempts(reported ?? estimatedUsage(job, outputText), job.priorText) };
    const outcome = status === "completed" ? "completed" : status === "stopped" ? "stopped" : job.opening && status === "error" && deltas === 0 ? "lost" : "error";
    usage.costMicroUsd = await settle(deps, job, outcome, usage);
    push(terminal(usage));
  }
  if (status === "fenced") return { status, appends: appender.appends, deltas };
  try {
    await appender.flush();
  } catch (error) {
    return { status: await handOver(deps, lease, error), appends: appender.appends, deltas };
  }
  await deps.leases.release(lease).catch(() => undefined);
  return { status, appends: appender.appends, deltas };
}

/** Tokens of an answer the provider reported no usage for: the estimator's prompt and output counts. */
function estimatedUsage(job: GenerationJob, outputText: string): Usage {
  return { inputTokens: estimatePromptTokens(job.prompt), outputTokens: estimateTextTokens(outputText), costMicroUsd: 0 };
}

/**
 * Settles the answer and records its usage; the cost the terminal event carries. A failure here
 * (database down) is logged and the event still written: the hold stays until whoever closes
 * the turn next settles it, and the event's cost is the catalog's.
 */
async function settle(deps: GeneratorDeps, job: GenerationJob, outcome: SettleInput["outcome"], usage: Usage): Promise<number> {
  if (!deps.billing || !job.owner) return 0;
  try {
    const cost = await deps.billing.settleTurn({ ...job.owner, chatId: job.chatId, generationId: job.assistantMessageId, model: job.model, outcome, usage });
    return Number(cost);
  } catch (error) {
    console.error(`[open-chat] generation ${job.assistantMessageId}: settling its cost failed`, error instanceof Error ? error.message : error);
    return 0;
  }
}

/**
 * The log did not take the terminal event. Fenced (a newer epoch wrote): the answer is someone
 * else's now. Otherwise the tier is out: the next holder closes the turn as streams_unavailable.
 */
async function handOver(deps: GeneratorDeps, lease: LeaseRef, error: unknown): Promise<GenerationResult["status"]> {
  if (error instanceof StreamsError && error.status === 403) return "fenced";
  console.error(`[open-chat] generation ${lease.generationId}: the log is unavailable; the turn is handed to lease takeover`, error instanceof Error ? error.message : error);
  await deps.leases.closeWithError(lease, "streams_unavailable").catch(() => undefined);
  return "unterminated";
}

/**
 * Usage of a taken-over answer covers every attempt. The provider never reported the dead
 * attempt's usage, so its output is estimated from the text it left (about 4 characters per
 * token) and its input as this attempt's input less that text.
 */
export function withPriorAttempts(usage: Usage, priorText: string | undefined): Usage {
  if (!priorText) return usage;
  const priorOutput = Math.ceil(priorText.length / 4);
  return {
    ...usage,
    inputTokens: usage.inputTokens + Math.max(0, usage.inputTokens - priorOutput),
    outputTokens: usage.outputTokens + priorOutput,
  };
}

function describeFailure(reason: unknown, job: GenerationJob, deltas: number): { code: ErrorCode; message: string; retryable: boolean } {
  if (reason instanceof GenerationTimeout) return { code: "model_timeout", message: reason.message, retryable: true };
  const failure = classifyModelError(reason);
  // The provider refused to continue a taken-over answer: the turn is lost, a new send works.
  if (job.opening && deltas === 0 && failure.code === "model_error") {
    return { code: "generation_lost", message: `the answer could not be continued: ${failure.message}`, retryable: true };
  }
  return failure;
}
