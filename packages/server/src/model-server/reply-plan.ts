/**
 * Decides what one completion request gets: which chunks, how fast, whether it fails and what
 * usage it reports. Precedence, field by field: queued script, then prompt directives, then the
 * server options. Pure, so the transport code has no decisions left to make. A request whose
 * last message is an assistant message is a continuation (see `continuation.ts`).
 */
import { continuationPrefix, continueAfter, shiftFailure } from "./continuation.js";
import { parseDirectives } from "./directives.js";
import { lastUserText, messageText } from "./request.js";
import { countWords, echoReply, longAnswer, tokenize } from "./tokens.js";
import type { ChatCompletionRequest, ModelServerOptions, ReplyFailure, ReplyScript, TokenUsage } from "./types.js";

export interface ReplyPlan {
  tokens: string[];
  tokenDelayMs: number;
  failure: ReplyFailure | undefined;
  usage: TokenUsage & { total_tokens: number };
}

export function planReply(
  request: ChatCompletionRequest,
  script: ReplyScript | undefined,
  options: Pick<ModelServerOptions, "tokenDelayMs" | "defaultReply">,
): ReplyPlan {
  const directives = parseDirectives(lastUserText(request));
  const whole = script?.tokens
    ?? (script?.text !== undefined ? tokenize(script.text) : undefined)
    ?? (directives.tokens !== undefined ? longAnswer(directives.tokens) : undefined)
    ?? tokenize(options.defaultReply ? options.defaultReply(request) : echoReply(directives.text));
  const prefix = continuationPrefix(request);
  const continued = prefix === undefined ? undefined : continueAfter(whole, prefix);
  const tokens = continued?.tokens ?? whole;
  const failure = script?.failure ?? directives.failure;

  const prompt_tokens = script?.usage?.prompt_tokens
    ?? request.messages.reduce((sum, message) => sum + countWords(messageText(message)), 0);
  // One chunk is one token: what a client counts is what we bill.
  const completion_tokens = script?.usage?.completion_tokens ?? tokens.length;

  return {
    tokens,
    tokenDelayMs: script?.tokenDelayMs ?? directives.tokenDelayMs ?? options.tokenDelayMs ?? 0,
    failure: continued ? shiftFailure(failure, continued.consumed) : failure,
    usage: { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens },
  };
}
