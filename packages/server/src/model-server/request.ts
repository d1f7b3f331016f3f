/**
 * Reading the inbound `POST /v1/chat/completions` body. We check only what the replies depend
 * on (an object with a `messages` array) so any client the real API accepts also works here.
 */
import type { ChatCompletionRequest, CompletionMessage } from "./types.js";

export type ParsedRequest =
  | { ok: true; request: ChatCompletionRequest }
  | { ok: false; message: string; code: string; param: string | null };

export function parseCompletionRequest(raw: string): ParsedRequest {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return {
      ok: false,
      message: "We could not parse the JSON body of your request.",
      code: "invalid_json",
      param: null,
    };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { ok: false, message: "The request body must be a JSON object.", code: "invalid_type", param: null };
  }
  if (!Array.isArray((body as { messages?: unknown }).messages)) {
    return {
      ok: false,
      message: "Missing required parameter: 'messages'.",
      code: "missing_required_parameter",
      param: "messages",
    };
  }
  return { ok: true, request: body as ChatCompletionRequest };
}

/** The text of a message: a plain string, or its text parts joined (images etc. carry no words). */
export function messageText(message: CompletionMessage | undefined): string {
  const content = message?.content;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((part) => (part.type === "text" && typeof part.text === "string" ? part.text : "")).join("");
}

/** Directives and the echo read the last user turn: that is what the end user just typed. */
export function lastUserText(request: ChatCompletionRequest): string {
  return messageText(request.messages.findLast((message) => message?.role === "user"));
}
