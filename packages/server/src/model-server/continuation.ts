/**
 * Assistant-prefix continuation, the way providers that support "prefill" behave: when the
 * request's LAST message is an assistant message, the model continues that message instead of
 * starting a new one. A generation that is taken over after its process died sends the
 * conversation plus the partial answer this way.
 *
 * Our server is deterministic about it: it plans the whole reply the request would get without
 * the prefix (same script, directives and defaults), and when the prefix is the start of that
 * reply it streams only the rest. So a continued answer equals the uninterrupted one, character
 * for character. A prefix that is not the start of the planned reply is ignored (the whole reply
 * is streamed) — a real model would also just answer.
 */
import { messageText } from "./request.js";
import type { ChatCompletionRequest, ReplyFailure } from "./types.js";

/** The partial assistant text to continue, or undefined when the request is an ordinary turn. */
export function continuationPrefix(request: ChatCompletionRequest): string | undefined {
  const last = request.messages.at(-1);
  if (last?.role !== "assistant") return undefined;
  return messageText(last);
}

export interface Continuation {
  /** The chunks still to send; the first may be the rest of a token the prefix cut in two. */
  tokens: string[];
  /** Whole tokens of the planned reply that the prefix already covers. */
  consumed: number;
}

/**
 * The part of `tokens` after `prefix`, or undefined when `tokens` does not start with `prefix`.
 * `tokens.join("") === prefix + result.tokens.join("")` whenever a result is returned.
 */
export function continueAfter(tokens: readonly string[], prefix: string): Continuation | undefined {
  if (!tokens.join("").startsWith(prefix)) return undefined;
  let covered = 0;
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i] as string;
    if (covered + token.length > prefix.length) {
      const rest = token.slice(prefix.length - covered);
      return { tokens: [rest, ...tokens.slice(i + 1)], consumed: i };
    }
    covered += token.length;
  }
  return { tokens: [], consumed: tokens.length };
}

/**
 * A scripted cut (`abort`/`stall` after N chunks) counts chunks of the whole reply: a
 * continuation keeps the same cut point, and a cut the prefix already passed has happened.
 */
export function shiftFailure(failure: ReplyFailure | undefined, consumed: number): ReplyFailure | undefined {
  if (failure === undefined || failure.kind === "http") return failure;
  const afterTokens = failure.afterTokens - consumed;
  return afterTokens > 0 ? { ...failure, afterTokens } : undefined;
}
