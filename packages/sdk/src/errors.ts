/**
 * The two errors the SDK throws, shaped like ofetch's `FetchError`:
 *
 * - {@link OpenChatError}: the server answered with a protocol error (`{ error: { code, message } }`
 *   and a non-2xx status). `code` is machine-readable (`chat_not_found`, `generation_in_progress`…).
 * - {@link TransportError}: the request never got a protocol answer (network down, connection cut,
 *   a proxy's HTML 502…). Always worth retrying; the original failure is kept in `cause`.
 *
 * Messages read like `[POST] "/v1/chats/c1/messages": 404 chat_not_found: no such chat`.
 */
import { HEADER, readErrorBody, type ErrorCode } from "@open-chat/shared";

/** Which request failed; `url` is the path (and query) relative to the client's `baseUrl`. */
export interface RequestRef {
  method: string;
  url: string;
}

/** Codes that describe a temporary condition: the same request may succeed later. */
const RETRYABLE_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  "generation_in_progress",
  "conflict",
  "rate_limited",
  "streams_unavailable",
  "internal",
]);

/** Status codes we map to a code when a response carries no protocol error body. */
const CODE_BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: "invalid_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  413: "payload_too_large",
  429: "rate_limited",
};

function prefix(request: RequestRef): string {
  return `[${request.method.toUpperCase()}] ${JSON.stringify(request.url)}`;
}

/** A protocol error: the server understood the request and refused it with an error code. */
export class OpenChatError extends Error {
  override readonly name = "OpenChatError";
  readonly status: number;
  /** An `ErrorCode` from `@open-chat/shared` (a server newer than this SDK may send others). */
  readonly code: ErrorCode | (string & {});
  /** The server's human-readable message. */
  readonly detail: string;
  readonly request: RequestRef;
  /**
   * When the same request may succeed (milliseconds from the answer), if the server said so:
   * the body's `error.retryAfterMs`, else the `Retry-After` header. A busy chat
   * (`generation_in_progress`) sends when the running answer's lease expires.
   */
  readonly retryAfterMs: number | undefined;

  constructor(init: { status: number; code: string; detail?: string; request: RequestRef; retryAfterMs?: number | undefined; cause?: unknown }) {
    const detail = init.detail ?? init.code;
    // A client set up without the key the server requires: say what to pass.
    const hint = init.code === "publishable_key_required" ? " (pass publishableKey)" : "";
    super(`${prefix(init.request)}: ${init.status} ${init.code}${detail !== init.code ? `: ${detail}` : ""}${hint}`, { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.detail = detail;
    this.request = init.request;
    this.retryAfterMs = init.retryAfterMs;
  }

  /** True when retrying the same request later may succeed (e.g. `generation_in_progress`, 5xx). */
  get retryable(): boolean {
    return RETRYABLE_CODES.has(this.code) || this.status >= 500;
  }

  /**
   * Reads a non-2xx response into an error. Uses the body's `{ error: { code, message, retryAfterMs } }`
   * when present, otherwise a code derived from the status (`internal` for anything unknown);
   * `retryAfterMs` falls back to the `Retry-After` header.
   */
  static async fromResponse(response: Response, request: RequestRef): Promise<OpenChatError> {
    let body: unknown;
    let cause: unknown;
    try {
      body = JSON.parse(await response.text());
    } catch (error) {
      cause = error;
    }
    const parsed = readErrorBody(body);
    return new OpenChatError({
      status: response.status,
      code: parsed?.code ?? CODE_BY_STATUS[response.status] ?? "internal",
      detail: parsed?.message ?? (response.statusText || undefined),
      request,
      retryAfterMs: parsed?.retryAfterMs ?? headerRetryAfter(response.headers.get(HEADER.retryAfter)),
      cause,
    });
  }
}

/** `Retry-After`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
function headerRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The request did not reach the server or its answer did not reach us. Retry it. */
export class TransportError extends Error {
  override readonly name = "TransportError";
  readonly request: RequestRef;
  /** The HTTP status when an intermediary answered instead of the server (e.g. a 502 page), else 0. */
  readonly status: number;
  readonly retryable = true;

  constructor(init: { request: RequestRef; reason: string; status?: number; cause?: unknown }) {
    super(`${prefix(init.request)}: ${init.reason}`, { cause: init.cause });
    this.request = init.request;
    this.status = init.status ?? 0;
  }

  /** Wraps a thrown network failure (fetch rejected, body stream broke). */
  static fromCause(cause: unknown, request: RequestRef): TransportError {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new TransportError({ request, reason, cause });
  }

  /** A response that is not an answer of our protocol (no JSON error body, e.g. a gateway page). */
  static fromResponse(response: Response, request: RequestRef): TransportError {
    return new TransportError({ request, reason: `${response.status} ${response.statusText || "unexpected response"}`, status: response.status });
  }
}

/** Either SDK error. */
export type ChatClientError = OpenChatError | TransportError;

/** True for errors that say "try again later" (transport failures, busy chat, 5xx). */
export function isRetryable(error: unknown): boolean {
  return (error instanceof OpenChatError || error instanceof TransportError) && error.retryable;
}

/** True when the error is the abort of our own signal, not a failure. */
export function isAbort(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  return error instanceof Error && error.name === "AbortError";
}
