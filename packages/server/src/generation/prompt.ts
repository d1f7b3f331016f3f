/**
 * Builds the model prompt from the chat as the fold sees it: the log is the only source of
 * message history (messages are never stored in Postgres). Long chats are trimmed to the
 * newest turns that fit the input budget (context-budget.ts); the log keeps everything.
 */
import type { ChatMessage } from "@open-chat/shared";
import { fitToBudget } from "./context-budget.js";
import type { PromptMessage } from "./model-client.js";

export interface PromptOptions {
  systemPrompt?: string;
  /** The answer being generated: not part of its own prompt. */
  excludeMessageId: string;
  /** Tokens the prompt may use (`inputBudget(policy)`). */
  inputTokens: number;
}

export function buildPrompt(messages: readonly ChatMessage[], options: PromptOptions): PromptMessage[] {
  const history: PromptMessage[] = [];
  for (const message of messages) {
    if (message.id === options.excludeMessageId) continue;
    // Failed or empty answers would teach the model to repeat them; keep what was said.
    if (message.role === "assistant" && (message.status === "error" || message.text === "")) continue;
    history.push({ role: message.role, content: message.text });
  }
  const system: PromptMessage | undefined = options.systemPrompt ? { role: "system", content: options.systemPrompt } : undefined;
  return fitToBudget(system, history, options.inputTokens);
}
