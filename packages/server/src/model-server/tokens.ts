/**
 * Deterministic text and token arithmetic. Everything here is a pure function of its input so a
 * test can predict a reply, its chunks and its usage without asking the server.
 */

/**
 * Split into word-ish tokens, each keeping the whitespace before it, so that
 * `tokenize(text).join("") === text` (the property a streaming consumer relies on).
 */
export function tokenize(text: string): string[] {
  return text.match(/\s*\S+|\s+/g) ?? [];
}

const FILLER =
  "This answer comes from the Open Chat model server, a small OpenAI-compatible stand-in that " +
  "streams word by word so that appending, resuming, stopping and retrying can be exercised " +
  "without a real provider.";

/** The default reply: an echo (so a test can tell turns apart) plus filler (so it has many tokens). */
export function echoReply(prompt: string): string {
  return `You said: "${prompt}". ${FILLER}`;
}

const WORDS = ["lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do", "eiusmod", "tempor"];

/** Exactly `count` tokens (`[[tokens:N]]`): words cycling through a fixed list, space-led after the first. */
export function longAnswer(count: number): string[] {
  return Array.from({ length: count }, (_, i) => (i === 0 ? "" : " ") + WORDS[i % WORDS.length]);
}

/** Prompt "tokens" are whitespace-separated words: crude, but stable and easy to assert on. */
export function countWords(text: string): number {
  return text.split(/\s+/).filter((word) => word.length > 0).length;
}
