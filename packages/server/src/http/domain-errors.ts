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
  lease_conflict: { status: 409, code: "generation_in_progress" },
  send_in_progress: { status: 409, code: "conflict" },
  invalid_cursor: { status: 400, code: "invalid_request" },
  log_unavailable: { status: 503, code: "streams_unavailable" },
};

export function toApiError(error: DomainError): ApiError {
  const { status, code } = HTTP[error.code];
  return new ApiError(status, code, error.message, { cause: error, retryAfterMs: error.retryAfterMs });
}
