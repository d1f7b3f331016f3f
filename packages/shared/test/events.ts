/** Builders for valid protocol events, one producer at a time (ids `<producer>:<seq>`). */
import type { ChatEvent } from "../src/index.js";

export const CHAT = "chat_1";
const AT = "2026-11-23T12:00:00.000Z";

export function producer(name: string, chatId = CHAT) {
  let seq = 0;
  // Payloads are checked by the validator under test, not by the compiler.
  const make = (payload: Record<string, unknown>): ChatEvent =>
    ({ v: 1, id: `${name}:${seq++}`, at: AT, chatId, ...payload }) as ChatEvent;
  return {
    created: (messageId: string, role: "user" | "assistant" | "system", text = "", extra = {}) =>
      make({ type: "message.created", messageId, role, text, ...extra }),
    delta: (messageId: string, text: string) => make({ type: "message.delta", messageId, text }),
    completed: (messageId: string) =>
      make({
        type: "message.completed",
        messageId,
        finishReason: "stop",
        usage: { inputTokens: 3, outputTokens: 5, costMicroUsd: 7 },
      }),
    error: (messageId: string) =>
      make({ type: "message.error", messageId, code: "model_error", message: "boom", retryable: true }),
    stopped: (messageId: string) => make({ type: "message.stopped", messageId, by: "user" }),
    started: (messageId: string) =>
      make({ type: "generation.started", messageId, holder: "host-a", model: "m1" }),
    resumed: (messageId: string) =>
      make({ type: "generation.resumed", messageId, holder: "host-b", reason: "lease_expired" }),
    renamed: (title: string) => make({ type: "chat.renamed", title }),
    deleted: () => make({ type: "chat.deleted" }),
  };
}

/** A complete two-message turn: user asks, assistant streams three deltas and completes. */
export function turn(name = "t1", text = "Hello there, world") {
  const p = producer(name);
  const words = text.match(/\S+\s*/g) ?? [];
  return [
    p.created(`${name}-u`, "user", "hi", { clientId: `${name}-c` }),
    p.created(`${name}-a`, "assistant"),
    p.started(`${name}-a`),
    ...words.map((w) => p.delta(`${name}-a`, w)),
    p.completed(`${name}-a`),
  ];
}

/** The chat's content, without the diagnostic counters. */
export function content(state: {
  chatId: unknown;
  title: unknown;
  deleted: unknown;
  messages: unknown;
}) {
  return { chatId: state.chatId, title: state.title, deleted: state.deleted, messages: state.messages };
}
