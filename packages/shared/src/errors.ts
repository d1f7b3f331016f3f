/**
 * Machine-readable error codes shared by server responses (`{ error: { code, message } }`),
 * SDK errors and `message.error` events. Add a code here before using it anywhere.
 */
export const ERROR_CODES = [
  // Request shape
  "invalid_json",
  "invalid_request",
  "text_required",
  "text_too_long",
  "payload_too_large",
  /** The request line and headers are over the server's limit (431). */
  "header_too_large",
  "invalid_offset",
  // Identity and access
  "unauthorized",
  "forbidden",
  /** The server has tenants: requests from browsers need a publishable key (`X-Open-Chat-Key`). */
  "publishable_key_required",
  /** A key that does not exist, was revoked, or is of the wrong kind for this route. */
  "invalid_key",
  /** The page's Origin is not one of the tenant's allowed origins. */
  "origin_not_allowed",
  /** The tenant does not allow guest end users. */
  "guests_not_allowed",
  /** The session belongs to another tenant than the key of the request. */
  "session_tenant_mismatch",
  /** The tenant-signed end-user JWT was refused (signature, expiry, issuer, audience, claims). */
  "invalid_user_token",
  /** A Stripe webhook delivery whose Stripe-Signature does not verify (or is missing). */
  "invalid_signature",
  // Resources
  "not_found",
  "chat_not_found",
  /** A message id that is not a message of the chat (or not of the kind the request needs). */
  "message_not_found",
  "tenant_not_found",
  "user_not_found",
  "key_not_found",
  "chat_deleted",
  "conflict",
  "generation_in_progress",
  // Capacity and money
  "rate_limited",
  /** This server is at capacity (answers running, database connections): retry after `Retry-After`. */
  "overloaded",
  "insufficient_credits",
  /** Billing is on and the model has no price in the catalog. */
  "model_unpriced",
  /** The billing feature asked for (top-ups, an end-user balance) is not enabled here. */
  "billing_disabled",
  // Generation (carried by message.error events)
  /** The tenant's model policy does not allow the model the request named. */
  "model_not_allowed",
  "model_error",
  "model_unavailable",
  "model_timeout",
  "generation_lost",
  // Protocol validation (fold / SDK)
  "event_invalid",
  "event_too_large",
  "event_unsupported_version",
  "event_unknown_type",
  // Infrastructure
  "streams_unavailable",
  "internal",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The JSON body of every non-2xx response of the server. */
export interface ErrorBody {
  /** `retryAfterMs`: when a retry may succeed (also sent as `Retry-After`), e.g. a busy chat's lease expiry. */
  error: { code: ErrorCode; message: string; retryAfterMs?: number };
}

const knownCodes: ReadonlySet<string> = new Set(ERROR_CODES);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && knownCodes.has(value);
}

/** Reads `{ error: { code, message, retryAfterMs? } }` from an unknown JSON value; null when it is not one. */
export function readErrorBody(value: unknown): { code: string; message: string; retryAfterMs?: number } | null {
  if (typeof value !== "object" || value === null) return null;
  const error = (value as { error?: unknown }).error;
  if (typeof error !== "object" || error === null) return null;
  const { code, message, retryAfterMs } = error as { code?: unknown; message?: unknown; retryAfterMs?: unknown };
  if (typeof code !== "string") return null;
  const body = { code, message: typeof message === "string" ? message : code };
  const validDelay = typeof retryAfterMs === "number" && Number.isFinite(retryAfterMs) && retryAfterMs >= 0;
  return validDelay ? { ...body, retryAfterMs } : body;
}
