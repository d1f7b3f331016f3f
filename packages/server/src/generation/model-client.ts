/**
 * The model, through the official `openai` SDK against any OpenAI-compatible endpoint
 * (OpenRouter in production, our own loopback model server in tests and the offline demo).
 * The generator sees a plain async iterable of deltas, the finish reason and usage.
 */
import OpenAI from "openai";
import { completionChunks } from "./completion-chunks.js";

export interface PromptMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export type ModelChunk =
  | { type: "delta"; text: string }
  | { type: "finish"; reason: string }
  | { type: "usage"; inputTokens: number; outputTokens: number };

export interface ModelClient {
  readonly defaultModel: string;
  /** `maxTokens` is sent as `max_tokens`: the provider ends the answer there (`finish_reason: length`). */
  stream(request: { model: string; messages: PromptMessage[]; maxTokens: number; signal: AbortSignal }): AsyncIterable<ModelChunk>;
}

export interface ModelClientOptions {
  baseURL: string;
  apiKey: string;
  defaultModel: string;
  /** Extra headers, e.g. OpenRouter's HTTP-Referer / X-Title. */
  headers?: Record<string, string>;
}

export function createModelClient(options: ModelClientOptions): ModelClient {
  const openai = new OpenAI({
    baseURL: options.baseURL,
    apiKey: options.apiKey,
    defaultHeaders: options.headers,
    // The generator owns retries and timeouts (watchdogs); a silent SDK retry would
    // re-stream tokens we have already appended.
    maxRetries: 0,
  });
  return {
    defaultModel: options.defaultModel,
    async *stream({ model, messages, maxTokens, signal }) {
      // The SDK makes the request and throws the APIError of a non-2xx answer; the body is
      // read by completion-chunks.ts, at well under half the SDK stream's CPU per token.
      const response = await openai.chat.completions
        .create({ model, messages, max_tokens: maxTokens, stream: true, stream_options: { include_usage: true } }, { signal })
        .asResponse();
      try {
        for await (const chunk of completionChunks(response)) {
          const choice = chunk.choices[0];
          const text = choice?.delta?.content;
          if (text) yield { type: "delta", text };
          if (choice?.finish_reason) yield { type: "finish", reason: choice.finish_reason };
          if (chunk.usage) {
            yield {
              type: "usage",
              inputTokens: chunk.usage.prompt_tokens,
              outputTokens: chunk.usage.completion_tokens,
            };
          }
        }
      } catch (error) {
        // Aborted (a stop, a lost lease, a watchdog): the answer ends quietly, as the SDK's own
        // stream did; the generator reads the reason from the signal.
        if (!signal.aborted) throw error;
      }
    },
  };
}

/** Classifies a model failure into a protocol error code and whether a retry may help. */
export function classifyModelError(error: unknown): { code: "model_error" | "model_unavailable"; message: string; retryable: boolean } {
  if (error instanceof OpenAI.APIError && typeof error.status === "number") {
    const retryable = error.status === 408 || error.status === 429 || error.status >= 500;
    return {
      code: error.status >= 500 || error.status === 429 ? "model_unavailable" : "model_error",
      message: `model provider answered ${error.status}: ${error.message}`,
      retryable,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: "model_unavailable", message: `model stream failed: ${message}`, retryable: true };
}
