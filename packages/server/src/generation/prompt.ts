/**
 * Builds the model prompt from the chat as the fold sees it: the log is the only source of
 * message history (messages are never stored in Postgres).
 */
import type { ChatMessage } from "@open-chat/shared";
import type { PromptMessage } from "./model-client.js";

export function buildPrompt(messages: readonly ChatMessage[], options: { systemPrompt?: string; excludeMessageId: string }): PromptMessage[] {
  const prompt: PromptMessage[] = [];
  if (options.systemPrompt) prompt.push({ role: "system", content: options.systemPrompt });
  for (const message of messages) {
    if (message.id === options.excludeMessageId) continue;
    // Failed or empty answers would teach the model to repeat them; keep what was said.
    if (message.role === "assistant" && (message.status === "error" || message.text === "")) continue;
    prompt.push({ role: message.role, content: message.text });
  }
  return prompt;
}
