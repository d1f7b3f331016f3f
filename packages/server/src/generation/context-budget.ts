/**
 * The context budget: which part of a chat's history goes into the prompt. The model's window
 * (`contextTokens`) must hold the prompt AND the answer (`maxOutputTokens`), so the prompt gets
 * `contextTokens − maxOutputTokens` tokens. The log keeps everything; only the prompt is cut.
 *
 * Token estimate (no tokenizer: providers differ, and we only need an upper bound that is
 * cheap): `ceil(UTF-8 bytes / 3)` per text, plus 4 tokens per message (role and separators in
 * the chat format) and 3 for priming the reply. BPE tokenizers average about 4 bytes per token
 * on English and about 3 on CJK (3-byte characters, roughly one token each), so dividing by 3
 * over-counts typical text by a quarter or more: a trimmed prompt stays within the budget on
 * the provider's own count too.
 *
 * Trimming rule (`fitToBudget`):
 * - the system prompt is always kept;
 * - the history is cut into turns (a user message and the answers after it) and whole turns
 *   are kept newest first while they fit: the kept history is contiguous, never starts with an
 *   assistant message, and never splits a question from its answer;
 * - the newest turn is always kept; when it alone is over the budget, only its user message is
 *   kept, cut from the start so its end (where a long paste usually puts the question) remains.
 */
import type { PromptMessage } from "./model-client.js";

export const TOKENS_PER_MESSAGE = 4;
export const REPLY_PRIMING_TOKENS = 3;
const BYTES_PER_TOKEN = 3;
/**
 * What the newest user message keeps even when the system prompt leaves no room (a policy
 * whose output budget or system prompt fills the window): the prompt is then over budget and
 * the provider decides, rather than the user's words silently becoming nothing.
 */
export const MIN_NEWEST_USER_TOKENS = 64;

export function estimateTextTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, "utf8") / BYTES_PER_TOKEN);
}

export function estimateMessageTokens(message: PromptMessage): number {
  return estimateTextTokens(message.content) + TOKENS_PER_MESSAGE;
}

export function estimatePromptTokens(messages: readonly PromptMessage[]): number {
  return messages.reduce((sum, message) => sum + estimateMessageTokens(message), REPLY_PRIMING_TOKENS);
}

/** Tokens the prompt may use: the window less the room reserved for the answer (never < 0). */
export function inputBudget(limits: { contextTokens: number; maxOutputTokens: number }): number {
  return Math.max(0, limits.contextTokens - limits.maxOutputTokens);
}

/**
 * The prompt for `history` (oldest first) within `budget` tokens, by the rule above. The
 * system message, when given, comes first.
 */
export function fitToBudget(system: PromptMessage | undefined, history: readonly PromptMessage[], budget: number): PromptMessage[] {
  const head = system ? [system] : [];
  const turns = splitIntoTurns(history);
  const newest = turns.pop();
  if (!newest) return head;
  let remaining = budget - estimatePromptTokens(head);

  const newestCost = sum(newest);
  let kept: PromptMessage[][];
  if (newestCost <= remaining) {
    kept = [newest];
    remaining -= newestCost;
  } else {
    // The newest user message alone is over the budget: keep its end, cut from the start.
    const user = newest[0]!;
    const room = Math.max(remaining - TOKENS_PER_MESSAGE, MIN_NEWEST_USER_TOKENS);
    return [...head, { ...user, content: keepEnd(user.content, room) }];
  }
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i]!;
    // A leading run of answers without their question never starts the prompt.
    if (turn[0]!.role !== "user") break;
    const cost = sum(turn);
    if (cost > remaining) break;
    kept.unshift(turn);
    remaining -= cost;
  }
  return [...head, ...kept.flat()];
}

/** Groups messages into turns: each starts at a user message (the first may not). */
function splitIntoTurns(history: readonly PromptMessage[]): PromptMessage[][] {
  const turns: PromptMessage[][] = [];
  for (const message of history) {
    const current = turns.at(-1);
    if (message.role === "user" || !current) turns.push([message]);
    else current.push(message);
  }
  // The newest turn must start with the user's message: answers with no question before them
  // (a log that starts with an assistant message) are dropped rather than sent alone.
  if (turns.length === 1 && turns[0]![0]!.role !== "user") return [];
  return turns;
}

function sum(messages: readonly PromptMessage[]): number {
  return messages.reduce((total, message) => total + estimateMessageTokens(message), 0);
}

/** The end of `text` that fits `maxTokens` by the estimate, cut at a character boundary. */
export function keepEnd(text: string, maxTokens: number): string {
  const bytes = Buffer.from(text, "utf8");
  const maxBytes = Math.max(0, maxTokens) * BYTES_PER_TOKEN;
  if (bytes.length <= maxBytes) return text;
  let start = bytes.length - maxBytes;
  // Skip UTF-8 continuation bytes (10xxxxxx): never start inside a character.
  while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString("utf8");
}
