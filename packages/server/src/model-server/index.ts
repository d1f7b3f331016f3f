/**
 * An OpenAI-compatible model server of our own, for tests and for the offline demo: real HTTP,
 * real SSE, scriptable replies and failures.
 *
 * @example
 * ```ts
 * import OpenAI from "openai";
 * import { startModelServer } from "@open-chat/server/model-server";
 *
 * const server = await startModelServer();
 * server.enqueue({ text: "Hello there", failure: { kind: "abort", afterTokens: 1 } });
 * const openai = new OpenAI({ baseURL: server.url, apiKey: "test" });
 * const stream = await openai.chat.completions.create({ model: "m", stream: true, messages: [{ role: "user", content: "hi" }] });
 * for await (const chunk of stream) console.log(chunk.choices[0]?.delta.content); // "Hello", then a thrown connection error
 * await server.close();
 * ```
 *
 * Callers that cannot reach `enqueue()` (browser tests) script through the last user message
 * with `[[tokens:N]]`, `[[delay:MS]]`, `[[fail:http:STATUS]]`, `[[fail:abort:N]]`,
 * `[[fail:stall:N]]`; see `directives.ts`.
 *
 * A request whose last message is an assistant message continues it (assistant prefill): the
 * server streams only the part of the planned reply after that text, so a taken-over answer
 * equals the uninterrupted one; see `continuation.ts`.
 */
export { startModelServer } from "./start.js";
export { tokenize } from "./tokens.js";
export { lastUserText } from "./request.js";
export type {
  ChatCompletionRequest,
  CompletionMessage,
  ChatMessage,
  ModelServer,
  ModelServerOptions,
  RecordedRequest,
  ReplyFailure,
  ReplyScript,
  TokenUsage,
} from "./types.js";
