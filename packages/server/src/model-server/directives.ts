/**
 * Prompt directives: scripting through the prompt, for callers that cannot reach `enqueue()`
 * (a browser end-to-end test only controls what the user types).
 *
 * A directive is `[[name:args]]` anywhere in the LAST user message:
 *
 * | directive            | effect                                                        |
 * | -------------------- | ------------------------------------------------------------- |
 * | `[[tokens:500]]`     | reply with a long deterministic answer of exactly 500 chunks  |
 * | `[[delay:20]]`       | wait 20 ms before each content chunk                           |
 * | `[[fail:http:503]]`  | answer 503 with OpenAI's error JSON, nothing streamed          |
 * | `[[fail:abort:10]]`  | stream 10 content chunks, then destroy the socket              |
 * | `[[fail:stall:5]]`   | stream 5 content chunks, then hold the connection silently     |
 *
 * Directives combine (`[[tokens:50]] [[delay:5]] [[fail:abort:10]]`). Recognised ones are
 * removed from the text the default reply echoes (whitespace there is collapsed to single
 * spaces); malformed ones stay in the text and do nothing.
 * A queued `ReplyScript` overrides them field by field.
 */
import type { ReplyFailure } from "./types.js";

export interface PromptDirectives {
  tokens?: number;
  tokenDelayMs?: number;
  failure?: ReplyFailure;
  /** The prompt with the recognised directives removed. */
  text: string;
}

const DIRECTIVE = /\[\[([a-z]+(?::[a-z0-9]+)+)\]\]/gi;
const COUNT = /^\d+$/;

export function parseDirectives(prompt: string): PromptDirectives {
  const found: Omit<PromptDirectives, "text"> = {};
  const text = prompt.replace(DIRECTIVE, (whole, body: string) =>
    apply(found, body.toLowerCase().split(":")) ? "" : whole,
  );
  return { ...found, text: text.replace(/\s+/g, " ").trim() };
}

/** Records one directive into `found`; false when it is not one we understand. */
function apply(found: Omit<PromptDirectives, "text">, parts: string[]): boolean {
  const [name, first, second] = parts;
  if (parts.length === 2 && first !== undefined && COUNT.test(first)) {
    const n = Number(first);
    if (name === "tokens") found.tokens = n;
    else if (name === "delay") found.tokenDelayMs = n;
    else return false;
    return true;
  }
  if (parts.length === 3 && name === "fail" && second !== undefined && COUNT.test(second)) {
    const failure = toFailure(first, Number(second));
    if (failure) found.failure = failure;
    return failure !== undefined;
  }
  return false;
}

function toFailure(kind: string | undefined, n: number): ReplyFailure | undefined {
  if (kind === "http") return n >= 400 && n <= 599 ? { kind, status: n } : undefined;
  if (kind === "abort" || kind === "stall") return { kind, afterTokens: n };
  return undefined;
}
