/**
 * Errors of the server's own modules (chats, turns), free of HTTP: a module says WHAT went
 * wrong with a code, and `http/domain-errors.ts` alone decides the status and the API error
 * code the client sees. Keeps the data layer usable outside a request.
 */
export type DomainErrorCode =
  /** The chat does not exist, was deleted, or belongs to someone else (one answer for all three). */
  | "chat_not_found"
  /** A message id that is not a message of the chat, or not of the kind the request needs (an edit of an answer). */
  | "message_not_found"
  /** A message of the chat that this request cannot act on (regenerating a question, feedback on one). */
  | "message_not_applicable"
  /** The message is an answer still being written (regenerate or rate it once it has ended). */
  | "answer_running"
  /** Another answer holds the chat's generation lease. */
  | "lease_conflict"
  /** The same send (clientMessageId) is being processed right now. */
  | "send_in_progress"
  /** A list cursor that this server did not hand out. */
  | "invalid_cursor"
  /** The streams tier did not take a write the operation needs; retrying may succeed. */
  | "log_unavailable"
  /** A chat or send names a model the tenant's model policy does not allow. */
  | "model_not_allowed"
  /** Tenancy: which site a request acts for, and whether it may (tenants/request-tenant.ts). */
  | "publishable_key_required"
  | "invalid_key"
  | "origin_not_allowed"
  | "guests_not_allowed"
  | "session_tenant_mismatch"
  | "invalid_user_token"
  /** A rate limit, quota or connection budget is used up (limits/); `retryAfterMs` says when to retry. */
  | "rate_limited"
  /** This process is at capacity (running answers, the database's connections); `retryAfterMs` says when to retry. */
  | "overloaded"
  /** An account the answer would be paid from cannot hold its maximum cost (billing/ledger.ts). */
  | "insufficient_credits"
  /** Billing is on and the model has no price in the catalog (billing/prices.ts). */
  | "model_unpriced";

export class DomainError extends Error {
  /** When retrying may succeed (e.g. the chat's lease lapses); undefined when unknown. */
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly code: DomainErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options);
    this.name = "DomainError";
    this.retryAfterMs = options?.retryAfterMs;
  }
}
