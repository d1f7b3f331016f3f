/**
 * How the streams client turns failures into {@link StreamsError}s: a failed request (network) is
 * `streams_unavailable`, an HTTP answer is classified by status and producer headers, an
 * unusable body is `streams_bad_response`. The caller's own abort is not a failure: it
 * rethrows the signal's reason.
 */
import { StreamsError, type StreamsErrorCode } from "./errors.js";
import type { TransportResponse } from "./transport.js";
import { STREAMS_HEADER } from "./wire.js";

const MAX_ERROR_BODY_CHARS = 2_048;

/** Network failure → `streams_unavailable`; the caller's abort → the signal's reason. */
export function translateThrown(cause: unknown, method: string, path: string, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason ?? cause;
  if (cause instanceof StreamsError) return cause;
  const detail = cause instanceof Error ? describeCause(cause) : String(cause);
  return new StreamsError({ status: 0, code: "streams_unavailable", method, path, cause, detail });
}

function describeCause(error: Error): string {
  const inner = (error as { cause?: unknown }).cause;
  if (inner instanceof Error) return `${error.message}: ${(inner as { code?: string }).code ?? inner.message}`;
  return error.message;
}

export async function errorFromResponse(method: string, path: string, res: TransportResponse): Promise<StreamsError> {
  let body = "";
  try {
    body = (await res.text()).slice(0, MAX_ERROR_BODY_CHARS);
  } catch {
    // the body is informative only
  }
  const int = (name: string) => {
    const raw = res.header(name);
    const n = raw === null ? NaN : Number(raw);
    return Number.isSafeInteger(n) ? n : undefined;
  };
  const base = { status: res.status, method, path, ...(body ? { body } : {}) };

  if (res.status === 404) return new StreamsError({ ...base, code: "stream_not_found" });
  const expectedSeq = int(STREAMS_HEADER.producerExpectedSeq);
  if (res.status === 409 && expectedSeq !== undefined) {
    const receivedSeq = int(STREAMS_HEADER.producerReceivedSeq);
    return new StreamsError({
      ...base,
      code: "producer_seq_gap",
      expectedSeq,
      ...(receivedSeq !== undefined ? { receivedSeq } : {}),
      detail: `expected seq ${expectedSeq}${receivedSeq !== undefined ? `, got ${receivedSeq}` : ""}`,
    });
  }
  const currentEpoch = int(STREAMS_HEADER.producerEpoch);
  if (res.status === 403 && currentEpoch !== undefined) {
    return new StreamsError({ ...base, code: "producer_stale_epoch", currentEpoch, detail: `current epoch ${currentEpoch}` });
  }
  let code: StreamsErrorCode = "streams_bad_response";
  if (res.status >= 500 || res.status === 408 || res.status === 429) code = "streams_unavailable";
  const retryAfterMs = parseRetryAfter(res.header(STREAMS_HEADER.retryAfter));
  return new StreamsError({
    ...base,
    code,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(body ? { detail: body.slice(0, 200) } : {}),
  });
}

export function badResponse(method: string, path: string, status: number, detail: string, body: string, cause?: unknown) {
  return new StreamsError({
    status,
    code: "streams_bad_response",
    method,
    path,
    detail,
    body: body.slice(0, MAX_ERROR_BODY_CHARS),
    ...(cause !== undefined ? { cause } : {}),
  });
}

function parseRetryAfter(raw: string | null): number | undefined {
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}
