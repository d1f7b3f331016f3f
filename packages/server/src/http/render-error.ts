/**
 * The API's error renderer (`app.onError` / `app.notFound`): every failure leaves as
 * `{ error: { code, message } }`. An `ApiError` keeps its status and code; a `DomainError` is
 * mapped first (domain-errors.ts); anything else becomes a 500 `internal` whose message does
 * not leak internals.
 */
import type { Context } from "hono";
import { HEADER } from "@open-chat/shared";
import { DomainError } from "../domain-error.js";
import { ApiError, errorBody } from "./api-error.js";
import { toApiError } from "./domain-errors.js";

export function renderError(thrown: Error, c: Context): Response {
  const error = thrown instanceof DomainError ? toApiError(thrown) : thrown;
  if (error instanceof ApiError) {
    if (error.retryAfterMs !== undefined) c.header(HEADER.retryAfter, String(Math.ceil(error.retryAfterMs / 1000)));
    return c.json(errorBody(error.code, error.message, error.retryAfterMs), error.status);
  }
  console.error("[open-chat] unhandled error", error);
  return c.json(errorBody("internal", "internal server error"), 500);
}

export function renderNotFound(c: Context): Response {
  return c.json(errorBody("not_found", `no route for ${c.req.method} ${c.req.path}`), 404);
}
