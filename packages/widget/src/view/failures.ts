/**
 * How a failure reads: the banner's text and the `open-chat:error` detail, for a request that
 * failed (an `OpenChatError` shows the server's message, and its code travels in the event) and
 * for an answer that ended with `message.error`.
 */
import { OpenChatError, type ChatMessage } from "@open-chat/sdk";
import type { OpenChatErrorDetail } from "../common/events.js";

export interface Failure {
  /** The banner's text. */
  text: string;
  detail: OpenChatErrorDetail;
}

/** A request that failed (or anything thrown). */
export function describeFailure(error: unknown, chatId: string | null): Failure {
  const failure = error instanceof Error ? error : new Error(String(error));
  const detail: OpenChatErrorDetail = { error: failure, chatId };
  if (failure instanceof OpenChatError) detail.code = failure.code;
  return { text: failure instanceof OpenChatError ? failure.detail : failure.message, detail };
}

/** An answer that ended with an error (`fallback`: the text when the log has no message). */
export function answerFailure(message: ChatMessage, chatId: string, fallback: string): OpenChatErrorDetail {
  const detail: OpenChatErrorDetail = { error: new Error(message.error?.message ?? fallback), chatId };
  if (message.error) detail.code = message.error.code;
  return detail;
}
