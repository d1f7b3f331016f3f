/**
 * The one error type of the HTTP API. Handlers throw it; `renderError` (render-error.ts,
 * app.onError) turns it into `{ error: { code, message } }` with its status.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ErrorBody, ErrorCode } from "@open-chat/shared";

export class ApiError extends Error {
  /** Rendered as `Retry-After` (seconds) and `error.retryAfterMs`. */
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number | undefined },
  ) {
    super(message, options);
    this.name = "ApiError";
    this.retryAfterMs = options?.retryAfterMs;
  }
}

export function errorBody(code: ErrorCode, message: string, retryAfterMs?: number): ErrorBody {
  return { error: retryAfterMs === undefined ? { code, message } : { code, message, retryAfterMs } };
}
