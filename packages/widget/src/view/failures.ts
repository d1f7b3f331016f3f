/**
 * How a failure reads: a short human sentence from the strings table for the end user (the
 * banner, the live region), the developer text behind a "Details" disclosure, and the
 * `open-chat:error` detail — for a request that failed (an `OpenChatError` carries a code) and
 * for an answer that ended with `message.error`.
 */
import { OpenChatError, TransportError, type ChatMessage } from "@open-chat/sdk";
import type { OpenChatErrorDetail } from "../common/events.js";
import type { OpenChatStrings } from "../common/strings.js";

export interface Failure {
  /** What the end user reads (from the strings table). */
  text: string;
  /** What a developer reads under "Details": the SDK's or server's own message. */
  developer: string;
  detail: OpenChatErrorDetail;
}

type HumanKey = "errorTooLong" | "errorBusy" | "errorAccess" | "errorNotFound" | "errorModel" | "errorNetwork" | "errorGeneric";

/** Error codes (`@open-chat/shared` ERROR_CODES) grouped by what the end user can do about them (one string per group: smaller). */
const GROUPS: Record<HumanKey, string> = {
  errorTooLong: "text_too_long payload_too_large",
  errorBusy: "rate_limited generation_in_progress conflict",
  errorAccess: "unauthorized forbidden publishable_key_required invalid_key origin_not_allowed guests_not_allowed session_tenant_mismatch invalid_user_token",
  errorNotFound: "not_found chat_not_found chat_deleted",
  errorModel: "model_error model_unavailable model_timeout model_not_allowed model_unpriced generation_lost",
  errorNetwork: "streams_unavailable",
  errorGeneric: "",
};
const HUMAN = new Map(Object.entries(GROUPS).flatMap(([key, codes]) => codes.split(" ").map((code) => [code, key as HumanKey] as const)));

/** The end user's sentence for an error code (an unknown or missing code reads as the generic one). */
export function humanText(code: string | undefined, strings: OpenChatStrings): string {
  if (code === "insufficient_credits" && strings.outOfCredits) return strings.outOfCredits;
  return strings[HUMAN.get(code ?? "") || "errorGeneric"];
}

/** A request that failed (or anything thrown). */
export function describeFailure(error: unknown, chatId: string | null, strings: OpenChatStrings): Failure {
  const failure = error instanceof Error ? error : new Error(String(error));
  const detail: OpenChatErrorDetail = { error: failure, chatId };
  if (failure instanceof OpenChatError) {
    detail.code = failure.code;
    return { text: humanText(failure.code, strings), developer: failure.message, detail };
  }
  // The request or its answer did not get through (the SDK's TransportError; fetch's own TypeError).
  const text = failure instanceof TransportError || failure instanceof TypeError ? strings.errorNetwork : strings.errorGeneric;
  return { text, developer: failure.message, detail };
}

/** An answer that ended with an error (`fallback`: the text when the log has no message). */
export function answerFailure(message: ChatMessage, chatId: string, fallback: string): OpenChatErrorDetail {
  const detail: OpenChatErrorDetail = { error: new Error(message.error?.message ?? fallback), chatId };
  if (message.error) detail.code = message.error.code;
  return detail;
}
