/**
 * The one error type of the HTTP API. Handlers throw it; `renderError` (app.onError) turns it
 * into `{ error: { code, message } }` with its status. Anything else becomes a 500 `internal`
 * whose message does not leak internals.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ErrorBody, ErrorCode } from "@open-chat/shared";

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ApiError";
  }
}

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

export function renderError(error: Error, c: Context): Response {
  if (error instanceof ApiError) {
    return c.json(errorBody(error.code, error.message), error.status);
  }
  console.error("[open-chat] unhandled error", error);
  return c.json(errorBody("internal", "internal server error"), 500);
}

export function renderNotFound(c: Context): Response {
  return c.json(errorBody("not_found", `no route for ${c.req.method} ${c.req.path}`), 404);
}
