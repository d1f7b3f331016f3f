/**
 * Runs one generation, detached from the HTTP request that started it: streams the model and
 * appends every delta to the user's log through a group-commit appender (one append in flight;
 * tokens arriving meanwhile are coalesced into the next append). Ends the assistant message
 * with exactly one terminal event: completed, error or stopped (invariant 5), then releases
 * the chat's generation lease.
 */
import { EVENT_TYPE, type ChatEvent, type ErrorCode } from "@open-chat/shared";
import { createEventFactory } from "../log/event-factory.js";
import type { StreamsClient } from "../streams/client/types.js";
import { createGroupCommitAppender } from "../streams/client/group-commit.js";
import { coalesceDeltas } from "./coalesce.js";
import { classifyModelError, type ModelClient, type PromptMessage } from "./model-client.js";
import { GenerationTimeout, startWatchdog } from "./watchdog.js";

export interface GenerationLimits {
  idleMs: number;
  totalMs: number;
  leaseMs: number;
  /** Least time between two appends of one answer (group commit's batching window). */
  appendIntervalMs: number;
}

export interface GenerationJob {
  chatId: string;
  assistantMessageId: string;
  stream: string;
  key: string;
  model: string;
  prompt: PromptMessage[];
  /** Streams-tier producer id / epoch, and where the request's own append left off. */
  producerId: string;
  epoch: number;
  nextProducerSeq: number;
  eventProducer: string;
  nextEventSeq: number;
}

/** The chat's generation lease, as the generator needs it (the chat repository provides it). */
export interface GenerationLeases {
  renewLease(chatId: string, generationId: string, holder: string, leaseMs: number): Promise<boolean>;
  releaseLease(chatId: string, generationId: string): Promise<void>;
}

export interface GeneratorDeps {
  streams: StreamsClient;
  models: ModelClient;
  leases: GenerationLeases;
  clock: () => Date;
  holder: string;
  limits: GenerationLimits;
}

/** Why a generation was aborted from outside the model stream. */
export class StopRequested extends Error {
  constructor(readonly by: "user" | "system") {
    super(`stopped by ${by}`);
    this.name = "StopRequested";
  }
}

export interface GenerationResult {
  status: "completed" | "error" | "stopped" | "unterminated";
  appends: number;
  deltas: number;
}

export async function runGeneration(deps: GeneratorDeps, job: GenerationJob, controller: AbortController): Promise<GenerationResult> {
  const events = createEventFactory(job.eventProducer, deps.clock, job.nextEventSeq);
  const appender = createGroupCommitAppender<ChatEvent>({
    client: deps.streams,
    stream: job.stream,
    key: job.key,
    producerId: job.producerId,
    epoch: job.epoch,
    startSeq: job.nextProducerSeq,
    coalesce: coalesceDeltas,
    minIntervalMs: deps.limits.appendIntervalMs,
  });
  const base = { chatId: job.chatId, messageId: job.assistantMessageId };
  const watchdog = startWatchdog(controller, { idleMs: deps.limits.idleMs, totalMs: deps.limits.totalMs });
  const lease = setInterval(() => {
    deps.leases.renewLease(job.chatId, job.assistantMessageId, deps.holder, deps.limits.leaseMs).catch(() => {});
  }, Math.max(1000, Math.floor(deps.limits.leaseMs / 3)));
  let status: GenerationResult["status"] = "completed";
  let deltas = 0;
  try {
    let finishReason = "stop";
    let usage = { inputTokens: 0, outputTokens: 0, costMicroUsd: 0 };
    for await (const chunk of deps.models.stream({ model: job.model, messages: job.prompt, signal: controller.signal })) {
      watchdog.touch();
      if (chunk.type === "delta") {
        deltas++;
        appender.push(events.make({ type: EVENT_TYPE.messageDelta, ...base, text: chunk.text }));
      } else if (chunk.type === "finish") finishReason = chunk.reason;
      else usage = { inputTokens: chunk.inputTokens, outputTokens: chunk.outputTokens, costMicroUsd: 0 };
    }
    // The openai SDK may end iteration quietly on abort instead of throwing: a stop or a
    // watchdog must never be recorded as a completed answer.
    if (controller.signal.aborted) throw controller.signal.reason;
    appender.push(events.make({ type: EVENT_TYPE.messageCompleted, ...base, finishReason, usage }));
  } catch (error) {
    const reason = controller.signal.aborted ? controller.signal.reason : error;
    if (reason instanceof StopRequested) {
      status = "stopped";
      appender.push(events.make({ type: EVENT_TYPE.messageStopped, ...base, by: reason.by }));
    } else {
      status = "error";
      const failure = describeFailure(reason);
      appender.push(events.make({ type: EVENT_TYPE.messageError, ...base, ...failure }));
    }
  } finally {
    watchdog.stop();
    clearInterval(lease);
  }
  try {
    await appender.flush();
  } catch (error) {
    // The log could not take the terminal event. The lease stays; it expires and another
    // process closes the turn (invariant 5). Nothing was shown that is not in the log.
    console.error(`[open-chat] generation ${job.assistantMessageId}: append failed`, error);
    return { status: "unterminated", appends: appender.appends, deltas };
  }
  await deps.leases.releaseLease(job.chatId, job.assistantMessageId).catch(() => {});
  return { status, appends: appender.appends, deltas };
}

function describeFailure(reason: unknown): { code: ErrorCode; message: string; retryable: boolean } {
  if (reason instanceof GenerationTimeout) return { code: "model_timeout", message: reason.message, retryable: true };
  return classifyModelError(reason);
}
