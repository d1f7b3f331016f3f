/**
 * OpenAI's outbound wire shapes, byte-compatible with what api.openai.com sends, so the official
 * `openai` SDK parses our replies exactly as it parses the real ones.
 */
import type { ReplyPlan } from "./reply-plan.js";

/** What every chunk of one completion repeats. */
export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function errorBody(message: string, type: string, code: string | null, param: string | null = null): ErrorBody {
  return { error: { message, type, param, code } };
}

/** OpenAI uses `server_error` for 5xx and `invalid_request_error` for the 4xx a client caused. */
export function errorTypeFor(status: number): string {
  if (status >= 500) return "server_error";
  if (status === 429) return "rate_limit_error";
  return "invalid_request_error";
}

export type Delta = { role?: "assistant"; content?: string; refusal?: null };

/**
 * A `chat.completion.chunk`. With `include_usage` OpenAI sends `usage: null` on every chunk but
 * the last, so we do too.
 */
export function chunk(meta: CompletionMeta, delta: Delta, finishReason: "stop" | null, includeUsage: boolean) {
  return {
    id: meta.id,
    object: "chat.completion.chunk",
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  };
}

/** The extra last chunk `stream_options.include_usage` asks for: no choices, just usage. */
export function usageChunk(meta: CompletionMeta, usage: ReplyPlan["usage"]) {
  return { id: meta.id, object: "chat.completion.chunk", created: meta.created, model: meta.model, choices: [], usage };
}

/** A whole (non-streaming) `chat.completion`. */
export function completion(meta: CompletionMeta, plan: ReplyPlan) {
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: plan.tokens.join(""), refusal: null },
        logprobs: null,
        finish_reason: "stop",
      },
    ],
    usage: plan.usage,
  };
}

export function modelList(ids: readonly string[], created: number) {
  return { object: "list", data: ids.map((id) => ({ id, object: "model", created, owned_by: "open-chat" })) };
}

/** One SSE frame. OpenAI sends bare `data:` lines, no `event:` or `id:`. */
export function sseFrame(data: object | "[DONE]"): string {
  return `data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;
}
