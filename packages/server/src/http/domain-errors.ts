/**
 * The one place where domain errors become HTTP: each `DomainErrorCode` maps to a status and
 * an API `ErrorCode` (packages/shared). The message is kept as the module wrote it.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ErrorCode } from "@open-chat/shared";
import type { DomainError, DomainErrorCode } from "../domain-error.js";
import { ApiError } from "./api-error.js";

const HTTP: Record<DomainErrorCode, { status: ContentfulStatusCode; code: ErrorCode }> = {
  chat_not_found: { status: 404, code: "chat_not_found" },
  message_not_found: { status: 404, code: "message_not_found" },
  message_not_applicable: { status: 400, code: "invalid_request" },
  answer_running: { status: 409, code: "generation_in_progress" },
  lease_conflict: { status: 409, code: "generation_in_progress" },
  send_in_progress: { status: 409, code: "conflict" },
  invalid_cursor: { status: 400, code: "invalid_request" },
  log_unavailable: { status: 503, code: "streams_unavailable" },
  model_not_allowed: { status: 400, code: "model_not_allowed" },
  publishable_key_required: { status: 401, code: "publishable_key_required" },
  invalid_key: { status: 401, code: "invalid_key" },
  origin_not_allowed: { status: 403, code: "origin_not_allowed" },
  guests_not_allowed: { status: 403, code: "guests_not_allowed" },
  session_tenant_mismatch: { status: 401, code: "session_tenant_mismatch" },
  invalid_user_token: { status: 401, code: "invalid_user_token" },
  rate_limited: { status: 429, code: "rate_limited" },
  overloaded: { status: 503, code: "overloaded" },
  insufficient_credits: { status: 402, code: "insufficient_credits" },
  model_unpriced: { status: 400, code: "model_unpriced" },
};

export function toApiError(error: DomainError): ApiError {
  const { status, code } = HTTP[error.code];
  return new ApiError(status, code, error.message, { cause: error, retryAfterMs: error.retryAfterMs });
}
