/**
 * The one error class of the streams tier client. Every failure of a streams-tier call (HTTP
 * status, network error, unusable response) surfaces as a `StreamsError` with a `code`; an
 * abort through the caller's `AbortSignal` is not a failure and rethrows the signal's reason.
 */

export type StreamsErrorCode =
  /** 404: the stream does not exist (or expired). */
  | "stream_not_found"
  /** 409 with `producer-expected-seq`: a sequence number was skipped. See `expectedSeq`. */
  | "producer_seq_gap"
  /** 403: a newer epoch of this producer id exists; this writer is fenced off. */
  | "producer_stale_epoch"
  /** No answer (network error), 5xx, 408 or 429: retrying later may succeed. */
  | "streams_unavailable"
  /** Any other answer we cannot use: 400, 401, other 409s, a malformed body or headers. */
  | "streams_bad_response";

export interface StreamsErrorInit {
  status: number;
  code: StreamsErrorCode;
  method: string;
  path: string;
  /** Response body (truncated), when there was one. */
  body?: string;
  expectedSeq?: number;
  receivedSeq?: number;
  /** On `producer_stale_epoch`: the producer's current epoch on the server. */
  currentEpoch?: number;
  /** From a `Retry-After` header, in milliseconds. */
  retryAfterMs?: number;
  cause?: unknown;
  detail?: string;
}

export class StreamsError extends Error {
  override readonly name = "StreamsError";
  /** HTTP status, or 0 when the streams tier gave no answer. */
  readonly status: number;
  readonly code: StreamsErrorCode;
  readonly method: string;
  readonly path: string;
  readonly body: string | undefined;
  readonly expectedSeq: number | undefined;
  readonly receivedSeq: number | undefined;
  readonly currentEpoch: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(init: StreamsErrorInit) {
    // ofetch-style: [POST] "/v1/stream/u1": 409 producer_seq_gap (expected seq 3)
    const status = init.status === 0 ? "no response" : String(init.status);
    const detail = init.detail ? ` (${init.detail})` : "";
    super(`[${init.method}] "${init.path}": ${status} ${init.code}${detail}`, { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.method = init.method;
    this.path = init.path;
    this.body = init.body;
    this.expectedSeq = init.expectedSeq;
    this.receivedSeq = init.receivedSeq;
    this.currentEpoch = init.currentEpoch;
    this.retryAfterMs = init.retryAfterMs;
  }

  /** True when the same request may succeed later (the streams tier was unavailable). */
  get retryable(): boolean {
    return this.code === "streams_unavailable";
  }
}
